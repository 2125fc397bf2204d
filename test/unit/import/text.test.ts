import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { readCustomerRows } from '../../../lib/import/customers.ts';
import { bytes, chunked, collect, CUSTOMER_HEADER, CUSTOMER_OPTIONS, customers, formatError } from '../../support/csv-files.ts';

/**
 * lib/import/text.ts: bytes to text (BOM, UTF-8 or GBK, CRLF, chunk boundaries), through readCustomerRows.
 */

describe('readCustomerRows', () => {
  it('handles a BOM, CRLF line endings, quoted commas and escaped quotes', async () => {
    const text = `\uFEFF${CUSTOMER_HEADER}\r\nc-1,,"Wang, ""Xiao"" Li",,y,\r\nc-2,,Plain,,n,\r\n`;

    const results = await customers(text);

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1', name: 'Wang, "Xiao" Li', smsOptIn: true } },
      { ok: true, line: 3, value: { customerId: 'c-2', name: 'Plain', smsOptIn: false } },
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
      { ok: true, line: 2, value: { customerId: 'c-1', phone: '13800138000', name: '王小明' }, mobile: '+8613800138000' },
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
});
