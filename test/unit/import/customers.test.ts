import { describe, expect, it } from 'vitest';
import { CUSTOMER_HEADER, customers, rejections } from '../../support/csv-files.ts';

/**
 * lib/import/customers.ts: readCustomerRows, what a customer row says. How the bytes become text
 * (text.test.ts) and the text a table (table.test.ts) are tested through this reader too.
 */

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
        // The phone as E.164 when it is a mobile number: what a reply from it is matched on.
        mobile: '+8613800138000',
      },
      { ok: true, line: 3, value: { customerId: 'c-2' } },
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
});

describe('readCustomerRows: what a row says and what it leaves alone', () => {
  it('leaves out every field whose column is absent or whose cell is empty', async () => {
    const results = await customers('customer_id,phone,name,sms_opt_in,timezone\nc-1,,,,\nc-2,+8613800138000,Li,,\n');

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'c-1' } },
      { ok: true, line: 3, value: { customerId: 'c-2', phone: '+8613800138000', name: 'Li' }, mobile: '+8613800138000' },
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
