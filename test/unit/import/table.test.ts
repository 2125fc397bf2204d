import { describe, expect, it } from 'vitest';
import { readCustomerRows } from '../../../lib/import/customers.ts';
import { bytes, collect, CUSTOMER_OPTIONS, customers, formatError } from '../../support/csv-files.ts';

/**
 * lib/import/table.ts: the header, quoted cells and physical line numbers, through readCustomerRows.
 */

describe('readCustomerRows', () => {
  it('takes the column order from the header and needs only the required columns', async () => {
    const results = await customers('name,customer_id,phone\nLi Lei,c-9,13800138000\n');

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-9', phone: '13800138000', name: 'Li Lei' }, mobile: '+8613800138000' },
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

  it('fails before any row when a required column is missing, naming the file and column', async () => {
    const error = await formatError(readCustomerRows(bytes('customer_id,name\nc-1,Li\n'), 'crm-export.csv', CUSTOMER_OPTIONS));

    expect(error.message).toBe(
      'crm-export.csv:1: missing column "phone" in the header: expected customer_id,phone,name[,timezone,sms_opt_in,opted_out,opt_in_at,push_endpoint,birthday]',
    );
    expect(error.file).toBe('crm-export.csv');
    expect(error.line).toBe(1);
    expect(error.retryable).toBe(false);
  });

  it('ignores columns it does not read (an export\'s e-mail, a VIP flag), naming them once, and reads the rest', async () => {
    const ignored: (readonly string[])[] = [];
    const text = 'customer_id,phone,name,email,VIP\nc-1,13800138000,Li,li@example.com,yes\nc-2,13800138001,Wang,,\n';

    const results = await collect(readCustomerRows(bytes(text), 'c.csv', { ...CUSTOMER_OPTIONS, onIgnoredColumns: (columns) => ignored.push(columns) }));

    expect(ignored).toEqual([['"email"', '"VIP"']]);
    expect(results.map((result) => result.ok && result.value)).toEqual([
      { customerId: 'c-1', phone: '13800138000', name: 'Li' },
      { customerId: 'c-2', phone: '13800138001', name: 'Wang' },
    ]);
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
