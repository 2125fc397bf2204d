import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readOrders } from '../../../lib/import/orders.ts';
import { bytes, collect, formatError, IMPORT_AS_OF, ORDER_HEADER, orders, rejections, SHANGHAI } from '../../support/csv-files.ts';

/**
 * lib/import/orders.ts: readOrders, the order lines of a CSV file grouped into orders.
 */

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

describe('readOrders: cells as shop exports write them (issue "Operate", point 4)', () => {
  it('reads amounts with ¥ / ￥ / 元 and thousands separators, Chinese and slashed dates, and categories by their configured name', async () => {
    const text = [
      ORDER_HEADER,
      'o1,c1,2024年3月7日 10:05,女鞋,¥268.50,',
      'o2,c1,2024年3月8日,cosmetics,"￥1,299.00",',
      'o3,c2,2024/3/9 10:05:00,彩妆,268.5元,',
      'o4,c2,2024-03-10 10:00,garden-gnomes,"12,34",',
    ].join('\n');

    const results = await collect(readOrders(bytes(text), 'orders.csv', { timeZone: SHANGHAI, asOf: IMPORT_AS_OF, categories: [{ id: 'womens-shoes', name: '女鞋' }, { id: 'cosmetics', name: '彩妆' }] }));

    const accepted = results.flatMap((result) => (result.ok ? [result.value] : []));
    expect(accepted.map((order) => [order.orderId, order.orderedAt, order.lines])).toEqual([
      ['o1', '2024-03-07T10:05:00+08:00', [{ category: 'womens-shoes', amount: 268.5 }]],
      ['o2', '2024-03-08T00:00:00+08:00', [{ category: 'cosmetics', amount: 1299 }]],
      ['o3', '2024-03-09T10:05:00+08:00', [{ category: 'cosmetics', amount: 268.5 }]],
    ]);
    // "12,34" is no grouping of thousands (a decimal comma?): refused, never read as 1234.
    expect(rejections(results)).toEqual([{ line: 5, reason: 'bad-amount' }]);
  });
});
