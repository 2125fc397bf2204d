import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readCustomerRows, type CustomerRowResult } from '../../../lib/import/customers.ts';
import { parseOrderedAt } from '../../../lib/import/dates.ts';
import { readOrders, type OrderResult } from '../../../lib/import/orders.ts';
import { CsvFormatError, ImportTally } from '../../../lib/import/results.ts';

const CUSTOMER_HEADER = 'customer_id,phone,name,timezone,sms_opt_in,push_endpoint';
const ORDER_HEADER = 'order_id,customer_id,ordered_at,category,amount,coupon_code';
const SHANGHAI = 'Asia/Shanghai';
const CUSTOMER_OPTIONS = { timeZone: SHANGHAI, defaultCountry: 'CN' };
/** After every order in these tests: only the future-date tests date one past it. */
const IMPORT_AS_OF = new Date('2030-01-01T00:00:00Z');

function bytes(text: string | Buffer): Readable {
  return Readable.from(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
}

/** The same bytes arriving in small chunks, to cross every boundary a file stream could cut. */
function chunked(data: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return Readable.from(chunks);
}

async function collect<T>(results: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const result of results) all.push(result);
  return all;
}

const customers = (text: string | Buffer): Promise<CustomerRowResult[]> =>
  collect(readCustomerRows(bytes(text), 'customers.csv', CUSTOMER_OPTIONS));
const orders = (text: string | Buffer, timeZone = SHANGHAI): Promise<OrderResult[]> =>
  collect(readOrders(bytes(text), 'orders.csv', { timeZone, asOf: IMPORT_AS_OF }));

async function formatError(results: AsyncIterable<unknown>): Promise<CsvFormatError> {
  try {
    await collect(results);
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected a CsvFormatError');
}

function rejections(results: readonly (CustomerRowResult | OrderResult)[]): { line: number; reason: string }[] {
  return results.flatMap((result) => (result.ok ? [] : [{ line: result.line, reason: result.reason }]));
}

describe('readCustomerRows', () => {
  it('reads good rows with optional cells left out', async () => {
    // Prepare
    const text = [
      CUSTOMER_HEADER,
      'c-1,+8613800138000,Wang Li,Asia/Shanghai,yes,arn:aws:sns:ap-east-1:123456789012:endpoint/GCM/app/1',
      'c-2,,,,,',
    ].join('\n');

    // Act
    const results = await customers(text);

    // Assess
    expect(results).toEqual([
      {
        ok: true,
        line: 2,
        value: {
          customerId: 'c-1',
          phone: '+8613800138000',
          name: 'Wang Li',
          timeZone: 'Asia/Shanghai',
          smsOptIn: true,
          pushEndpoint: 'arn:aws:sns:ap-east-1:123456789012:endpoint/GCM/app/1',
        },
      },
      { ok: true, line: 3, value: { customerId: 'c-2' } },
    ]);
  });

  it('takes the column order from the header and needs only the required columns', async () => {
    const results = await customers('name,customer_id,phone\nLi Lei,c-9,13800138000\n');

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-9', phone: '13800138000', name: 'Li Lei' } },
    ]);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['1', true],
    ['0', false],
    ['Yes', true],
    ['no', false],
    ['Y', true],
    ['n', false],
    ['是', true],
    ['否', false],
  ])('reads sms_opt_in %j as %s', async (cell, expected) => {
    const [result] = await customers(`customer_id,phone,name,sms_opt_in\nc-1,,,${cell}\n`);

    expect(result).toMatchObject({ ok: true, value: { smsOptIn: expected } });
  });

  it('rejects each bad row with its reason and physical line', async () => {
    // Prepare
    const text = [
      CUSTOMER_HEADER, // 1
      ',13800138000,No Id,,,', // 2
      'c-2,,,Mars/Olympus,,', // 3
      'c-3,,,,maybe,', // 4
      'c-4,,,,,https://example.com/push', // 5
      'c-5,,too,many,cells,here,really', // 6
      `c-6,,${'x'.repeat(101)},,,`, // 7
      `${'c'.repeat(129)},,,,,`, // 8
      `c-7,${'1'.repeat(41)},,,,`, // 9
      'c-8,,Fine,,,', // 10
    ].join('\n');

    // Act
    const results = await customers(text);

    // Assess
    expect(rejections(results)).toEqual([
      { line: 2, reason: 'missing-customer-id' },
      { line: 3, reason: 'bad-timezone' },
      { line: 4, reason: 'bad-opt-in' },
      { line: 5, reason: 'bad-push-endpoint' },
      { line: 6, reason: 'wrong-column-count' },
      { line: 7, reason: 'bad-name' },
      { line: 8, reason: 'bad-customer-id' },
      { line: 9, reason: 'bad-phone' },
    ]);
    expect(results.at(-1)).toMatchObject({ ok: true, line: 10 });
    expect(results[1]).toMatchObject({ message: expect.stringContaining('timezone "Mars/Olympus"') });
  });

  it('handles a BOM, CRLF line endings, quoted commas and escaped quotes', async () => {
    const text = `\uFEFF${CUSTOMER_HEADER}\r\nc-1,,"Wang, ""Xiao"" Li",,y,\r\nc-2,,Plain,,n,\r\n`;

    const results = await customers(text);

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1', name: 'Wang, "Xiao" Li', smsOptIn: true } },
      { ok: true, line: 3, value: { customerId: 'c-2', name: 'Plain', smsOptIn: false } },
    ]);
  });

  it('counts the lines inside multi-line quoted cells and blank lines', async () => {
    // Prepare
    const text = [
      'customer_id,phone,name', // 1
      'c-1,,"first', // 2
      'second', // 3
      'third"', // 4
      '', // 5
      'c-2,,"a\r\nb"', // 6-7
      ',,missing id', // 8
    ].join('\r\n');

    // Act
    const results = await customers(text);

    // Assess
    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1', name: 'first\nsecond\nthird' } },
      { ok: true, line: 6, value: { customerId: 'c-2', name: 'a\nb' } },
      expect.objectContaining({ ok: false, line: 8, reason: 'missing-customer-id' }),
    ]);
  });

  it('keeps line numbers right when the file arrives in tiny chunks', async () => {
    const data = Buffer.from(`\uFEFFcustomer_id,phone,name\r\nc-1,,"王\r\n小明"\r\nc-2,,李雷\r\n,,\r\n,x,y\r\n`, 'utf8');

    const results = await collect(readCustomerRows(chunked(data, 1), 'customers.csv', CUSTOMER_OPTIONS));

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1', name: '王\n小明' } },
      { ok: true, line: 4, value: { customerId: 'c-2', name: '李雷' } },
      expect.objectContaining({ ok: false, line: 6, reason: 'missing-customer-id' }),
    ]);
  });

  it('decodes a GBK file (Excel on Chinese Windows)', async () => {
    // Prepare
    const gbk = iconv.encode('customer_id,phone,name\r\nc-1,13800138000,王小明\r\nc-2,,"欧阳, 娜娜"\r\n', 'gbk');

    // Act
    const results = await customers(gbk);

    // Assess
    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1', phone: '13800138000', name: '王小明' } },
      { ok: true, line: 3, value: { customerId: 'c-2', name: '欧阳, 娜娜' } },
    ]);
  });

  it('decides on GBK only when the first non-ASCII bytes arrive, across chunk boundaries', async () => {
    const ascii = Array.from({ length: 500 }, (_, i) => `c-${i},,Name ${i}`).join('\n');
    const data = iconv.encode(`customer_id,phone,name\n${ascii}\nc-x,,张伟\n`, 'gbk');

    const results = await collect(readCustomerRows(chunked(data, 333), 'customers.csv', CUSTOMER_OPTIONS));

    expect(results).toHaveLength(501);
    expect(results.at(-1)).toEqual({ ok: true, line: 502, value: { customerId: 'c-x', name: '张伟' } });
  });

  it('refuses a file that is neither UTF-8 nor GBK, naming the line', async () => {
    // Latin-1 "José": an accented letter before ASCII, which GBK never has.
    const latin1 = Buffer.concat([Buffer.from('customer_id,phone,name\nc-1,,Ana\nc-2,,Jos'), Buffer.from([0xe9]), Buffer.from(' Silva\n')]);

    const error = await formatError(readCustomerRows(bytes(latin1), 'latin1.csv', CUSTOMER_OPTIONS));

    expect(error.message).toBe('latin1.csv:3: the file is neither UTF-8 nor GBK text: save it as "CSV UTF-8"');
  });

  it('refuses a UTF-8 file that turns invalid later, naming the line', async () => {
    const chunks = [Buffer.from('customer_id,phone,name\nc-1,,王小明\n', 'utf8'), iconv.encode('c-2,,李雷\n', 'gbk')];

    const error = await formatError(readCustomerRows(Readable.from(chunks), 'mixed.csv', CUSTOMER_OPTIONS));

    expect(error.message).toMatch(/^mixed\.csv:3: this line is not valid UTF-8/);
  });

  it('refuses UTF-16', async () => {
    const data = Buffer.from(`\uFEFF${CUSTOMER_HEADER}\n`, 'utf16le');

    const error = await formatError(readCustomerRows(bytes(data), 'unicode.csv', CUSTOMER_OPTIONS));

    expect(error.message).toContain('UTF-16');
  });

  it('fails before any row when a required column is missing, naming the file and column', async () => {
    const error = await formatError(readCustomerRows(bytes('customer_id,name\nc-1,Li\n'), 'crm-export.csv', CUSTOMER_OPTIONS));

    expect(error.message).toBe(
      'crm-export.csv:1: missing column "phone" in the header: expected customer_id,phone,name[,timezone,sms_opt_in,opted_out,opt_in_at,push_endpoint]',
    );
    expect(error.file).toBe('crm-export.csv');
    expect(error.line).toBe(1);
    expect(error.retryable).toBe(false);
  });

  it('fails on unknown columns, naming them', async () => {
    const error = await formatError(readCustomerRows(bytes('customer_id,phone,name,email,VIP\n'), 'c.csv', CUSTOMER_OPTIONS));

    expect(error.message).toMatch(/^c\.csv:1: unknown columns "email", "VIP" in the header/);
  });

  it('fails on a file without a header row, or an empty file', async () => {
    const noHeader = await formatError(readCustomerRows(bytes('c-1,13800138000,Li\n'), 'c.csv', CUSTOMER_OPTIONS));
    const empty = await formatError(readCustomerRows(bytes(''), 'empty.csv', CUSTOMER_OPTIONS));

    expect(noHeader.message).toMatch(/^c\.csv:1: no header row/);
    expect(empty.message).toMatch(/^empty\.csv: the file is empty/);
  });

  it('fails on an unbalanced quote, naming the line it opens on', async () => {
    const error = await formatError(readCustomerRows(bytes('customer_id,phone,name\nc-1,,ok\nc-2,,"Li\nc-3,,x\n'), 'q.csv', CUSTOMER_OPTIONS));

    expect(error.message).toBe('q.csv:3: a quoted cell starting on this line is never closed (unbalanced ")');
  });

  it('fails on a quote that swallows the rest of a long file, after yielding the rows before it', async () => {
    // Prepare
    const filler = Array.from({ length: 3000 }, (_, i) => `c-${i},,${'x'.repeat(50)}`).join('\n');
    const text = `customer_id,phone,name\nc-1,,ok\nc-2,,"Li\n${filler}\n`;
    const seen: number[] = [];

    // Act
    const error = await formatError(
      (async function* () {
        for await (const result of readCustomerRows(bytes(text), 'q.csv', CUSTOMER_OPTIONS)) {
          seen.push(result.line);
          yield result;
        }
      })(),
    );

    // Assess
    expect(seen).toEqual([2]);
    expect(error.message).toMatch(/^q\.csv:3: the row starting on this line is longer than 128000 characters/);
  });
});

describe('readCustomerRows: what a row says and what it leaves alone', () => {
  it('leaves out every field whose column is absent or whose cell is empty', async () => {
    const results = await customers('customer_id,phone,name,sms_opt_in,timezone\nc-1,,,,\nc-2,+8613800138000,Li,,\n');

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1' } },
      { ok: true, line: 3, value: { customerId: 'c-2', phone: '+8613800138000', name: 'Li' } },
    ]);
  });

  it('reads opted_out and opt_in_at (wall-clock times in the merchant zone)', async () => {
    const results = await customers('customer_id,phone,name,opted_out,opt_in_at\nc-1,,,是,\nc-2,,,,2026-03-07 09:30\nc-3,,,maybe,\nc-4,,,,next week\n');

    expect(results.slice(0, 2)).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1', optedOut: true } },
      { ok: true, line: 3, value: { customerId: 'c-2', optInAt: '2026-03-07T09:30:00+08:00' } },
    ]);
    expect(rejections(results)).toEqual([
      { line: 4, reason: 'bad-opt-in' },
      { line: 5, reason: 'bad-opt-in' },
    ]);
    expect(results[2]).toMatchObject({ message: expect.stringContaining('opted_out "maybe"') });
  });

  it('warns about masked, landline and impossible numbers, masking the digits, and keeps the row', async () => {
    const results = await customers('customer_id,phone,name\nc-1,138****8001,A\nc-2,+861058001234,B\nc-3,+999123,C\nc-4,+8613800138000,D\n');

    expect(results.map((result) => (result.ok ? result.warning?.reason : 'rejected'))).toEqual(['masked-phone', 'landline-phone', 'invalid-phone', undefined]);
    const messages = results.flatMap((result) => (result.ok && result.warning ? [result.warning.message] : []));
    expect(messages.join('\n')).not.toMatch(/58001234|999123/);
    expect(messages[1]).toContain('1234');
  });

  it('never echoes a phone cell that is too long, only its length and last digits', async () => {
    const long = `+86 138 0013 8001 ${'9'.repeat(40)}`;
    const [result] = await customers(`customer_id,phone,name\nc-1,${long},A\n`);

    expect(result).toMatchObject({ ok: false, reason: 'bad-phone' });
    expect(result?.ok === false && result.message).not.toContain('138 0013 8001');
    expect(result?.ok === false && result.message).toContain(`${long.length} characters`);
  });
});

describe('readOrders: dates after the import\'s as-of', () => {
  it('rejects an order dated more than a day after the as-of as future-date, and keeps one within the day', async () => {
    const asOf = new Date('2026-11-22T02:00:00Z');
    const text = `${ORDER_HEADER}\no1,c1,2126-01-01 12:00,cosmetics,10,\no2,c1,2026-11-23 09:00,cosmetics,10,\no3,c1,2026-11-23 11:00,cosmetics,10,\n`;

    const results = await collect(readOrders(bytes(text), 'orders.csv', { timeZone: SHANGHAI, asOf }));

    expect(rejections(results)).toEqual([
      { line: 2, reason: 'future-date' },
      { line: 4, reason: 'future-date' },
    ]);
    expect(results.filter((result) => result.ok).map((result) => result.ok && result.value.orderId)).toEqual(['o2']);
    expect(results[0]).toMatchObject({ message: expect.stringContaining('ordered_at "2126-01-01 12:00"') });
  });
});

describe('readOrders', () => {
  it('groups consecutive rows of one order into its lines', async () => {
    // Prepare
    const text = [
      ORDER_HEADER, // 1
      'o-1,c-1,2024-03-05 14:30,cosmetics,120.50,', // 2
      'o-1,c-1,2024-03-05 14:30,womens-shoes,80,SPRING-50', // 3
      'o-2,c-2,2024-03-06T09:00:00+08:00,mens-shoes,300,', // 4
      'o-1,c-1,2024-03-05 14:30,cosmetics,10,', // 5: not consecutive, a new run
    ].join('\n');

    // Act
    const results = await orders(text);

    // Assess
    expect(results).toEqual([
      {
        ok: true,
        line: 2,
        value: {
          orderId: 'o-1',
          customerId: 'c-1',
          orderedAt: '2024-03-05T14:30:00+08:00',
          lines: [
            { category: 'cosmetics', amount: 120.5 },
            { category: 'womens-shoes', amount: 80 },
          ],
          couponCode: 'SPRING-50',
        },
      },
      {
        ok: true,
        line: 4,
        value: {
          orderId: 'o-2',
          customerId: 'c-2',
          orderedAt: '2024-03-06T09:00:00+08:00',
          lines: [{ category: 'mens-shoes', amount: 300 }],
        },
      },
      expect.objectContaining({ ok: true, line: 5, value: expect.objectContaining({ orderId: 'o-1' }) }),
    ]);
  });

  it('rejects each bad row with its reason and physical line, keeping the rest of its order', async () => {
    // Prepare
    const text = [
      ORDER_HEADER, // 1
      'o-1,c-1,2024-03-05,cosmetics,100,', // 2
      'o-1,c-1,2024-03-05,cosmetics,-5,', // 3
      'o-1,c-1,2024-03-05,cosmetics,abc,', // 4
      'o-1,c-1,2024-03-05,,10,', // 5
      'o-1,c-2,2024-03-05,cosmetics,10,', // 6
      'o-1,c-1,2024-03-05,cosmetics,20,', // 7
      ',c-1,2024-03-05,cosmetics,10,', // 8
      'o-2,,2024-03-05,cosmetics,10,', // 9
      'o-3,c-3,05/03/2024,cosmetics,10,', // 10
      'o-4,c-4,2024-03-05,cosmetics,10', // 11
      'o-5,c-5,2024-03-05,cosmetics,10,', // 12
      'o-5,c-5,2024-03-06,cosmetics,10,', // 13
      'o-6,c-6,2024-03-05,cosmetics,10,A', // 14
      'o-6,c-6,2024-03-05,cosmetics,10,B', // 15
      `${'o'.repeat(129)},c-7,2024-03-05,cosmetics,10,`, // 16
      'o-8,c-8,2024-03-05,cosmetics,1,234,', // 17
    ].join('\n');

    // Act
    const results = await orders(text);

    // Assess
    expect(rejections(results)).toEqual([
      { line: 3, reason: 'negative-amount' },
      { line: 4, reason: 'bad-amount' },
      { line: 5, reason: 'missing-category' },
      { line: 6, reason: 'customer-mismatch' },
      { line: 8, reason: 'missing-order-id' },
      { line: 9, reason: 'missing-customer-id' },
      { line: 10, reason: 'bad-date' },
      { line: 11, reason: 'wrong-column-count' },
      { line: 13, reason: 'date-mismatch' },
      { line: 15, reason: 'coupon-mismatch' },
      { line: 16, reason: 'bad-order-id' },
      { line: 17, reason: 'wrong-column-count' },
    ]);
    const accepted = results.flatMap((result) => (result.ok ? [result] : []));
    expect(accepted.map((result) => [result.line, result.value.orderId, result.value.lines.length])).toEqual([
      [2, 'o-1', 2],
      [12, 'o-5', 1],
      [14, 'o-6', 1],
    ]);
  });

  it('starts an order at its first good row when earlier rows of it are rejected', async () => {
    const results = await orders(`${ORDER_HEADER}\no-1,c-1,2024-03-05,cosmetics,x,\no-1,c-1,2024-03-05,cosmetics,5,\n`);

    expect(results).toEqual([
      expect.objectContaining({ ok: false, line: 2, reason: 'bad-amount' }),
      expect.objectContaining({ ok: true, line: 3, value: expect.objectContaining({ lines: [{ category: 'cosmetics', amount: 5 }] }) }),
    ]);
  });

  it('fails before any row when a required column is missing', async () => {
    const error = await formatError(readOrders(bytes('order_id,customer_id,category,amount\n'), 'orders.csv', { timeZone: SHANGHAI, asOf: IMPORT_AS_OF }));

    expect(error.message).toMatch(/^orders\.csv:1: missing column "ordered_at" in the header/);
  });

  it('reads a 200,000-row stream as it arrives, without loading it first', async () => {
    // Prepare: two rows per order, generated lazily; `produced` says how far the source has been read.
    const rows = 200_000;
    let produced = 0;
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from(`${ORDER_HEADER}\n`);
      const perChunk = 500;
      for (let start = 0; start < rows; start += perChunk) {
        let chunk = '';
        for (let row = start; row < start + perChunk; row += 1) {
          const order = Math.floor(row / 2);
          const minute = String(order % 60).padStart(2, '0');
          chunk += `order-${order},customer-${order % 9973},2024-03-05 10:${minute}:00,cosmetics,${(row % 500) + 0.5},\n`;
        }
        produced = start + perChunk;
        yield Buffer.from(chunk);
      }
    }
    let orderCount = 0;
    let lineCount = 0;
    let maxReadAhead = 0;

    // Act
    for await (const result of readOrders(Readable.from(source()), 'big.csv', { timeZone: SHANGHAI, asOf: IMPORT_AS_OF })) {
      if (!result.ok) throw new Error(`unexpected rejection: ${result.message}`);
      orderCount += 1;
      lineCount += result.value.lines.length;
      maxReadAhead = Math.max(maxReadAhead, produced - orderCount * 2);
    }

    // Assess
    expect(orderCount).toBe(100_000);
    expect(lineCount).toBe(rows);
    // Stream buffers hold a few chunks; the whole file would be 200,000 rows ahead.
    expect(maxReadAhead).toBeLessThan(20_000);
  });
});

describe('parseOrderedAt', () => {
  const newYork = 'America/New_York';

  it.each([
    ['2024-03-05T14:30:00+08:00', '2024-03-05T14:30:00+08:00'],
    ['2024-03-05T06:30:00Z', '2024-03-05T06:30:00+00:00'],
    ['2024-03-05 14:30:00.250 -0500', '2024-03-05T14:30:00.250-05:00'],
    ['2024-03-05 14:30', '2024-03-05T14:30:00+08:00'],
    ['2024-03-05 14:30:15', '2024-03-05T14:30:15+08:00'],
    ['2024-03-05', '2024-03-05T00:00:00+08:00'],
    ['2024/3/5 9:05', '2024-03-05T09:05:00+08:00'],
  ])('reads %j in Asia/Shanghai as %s', (text, expected) => {
    expect(parseOrderedAt(text, SHANGHAI)).toBe(expected);
  });

  it.each(['2024-02-30', '2024-13-01', '2024-03-05 24:00', '05/03/2024', '1899-12-30', '2024-03-05T14:30+15:00', 'soon', ''])(
    'refuses %j',
    (text) => {
      expect(parseOrderedAt(text, SHANGHAI)).toBeUndefined();
    },
  );

  it('uses the offset in force on that day, across daylight saving changes', () => {
    expect(parseOrderedAt('2024-01-15 12:00', newYork)).toBe('2024-01-15T12:00:00-05:00');
    expect(parseOrderedAt('2024-07-15 12:00', newYork)).toBe('2024-07-15T12:00:00-04:00');
    // The change days themselves: 2024-03-10 02:00 -> 03:00 and 2024-11-03 02:00 -> 01:00.
    expect(parseOrderedAt('2024-03-10 01:30', newYork)).toBe('2024-03-10T01:30:00-05:00');
    expect(parseOrderedAt('2024-03-10 02:30', newYork)).toBe('2024-03-10T03:30:00-04:00');
    expect(parseOrderedAt('2024-03-10 12:00', newYork)).toBe('2024-03-10T12:00:00-04:00');
    expect(parseOrderedAt('2024-11-03 01:30', newYork)).toBe('2024-11-03T01:30:00-04:00');
    expect(parseOrderedAt('2024-11-03 12:00', newYork)).toBe('2024-11-03T12:00:00-05:00');
  });

  it('refuses a time zone that does not exist when the reader is created', () => {
    expect(() => readOrders(bytes(ORDER_HEADER), 'orders.csv', { timeZone: 'Mars/Olympus', asOf: IMPORT_AS_OF })).toThrow(RangeError);
  });
});

describe('ImportTally', () => {
  it('counts imports and rejections by reason', () => {
    const tally = new ImportTally();

    tally.accept();
    tally.accept();
    tally.reject('bad-date');
    tally.reject('bad-date');
    tally.reject('customer-mismatch');

    expect(tally.counts).toEqual({ imported: 2, rejected: { 'bad-date': 2, 'customer-mismatch': 1 } });
  });
});
