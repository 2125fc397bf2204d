import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CampaignConfigSchema } from '../../lib/config/schema.ts';
import { splitShop } from '../../lib/demo/live.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { addDays, localDate, zonedInstant } from '../../lib/domain/dates.ts';

const config = CampaignConfigSchema.parse(JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')));

describe('splitShop', () => {
  it.each([
    ['Asia/Shanghai', '2026-11-08'],
    // Midnight and the day around it where the clock jumps: 2026-03-08 (spring) and 2026-11-01 (fall) in New York.
    ['America/New_York', '2026-03-09'],
    ['America/New_York', '2026-11-02'],
  ])('in %s from %s: seeds each order before the first lived day and lives the rest, by its merchant date', (timeZone, firstLiveDay) => {
    // Prepare
    const generated = [...generateDemoShop({ customers: 400, seed: 7, today: '2026-11-22', categories: config.categories, timeZone })];
    // And one customer with orders a millisecond either side of the merchant's midnights around the split.
    const midnights = [-2, -1, 0, 1].map((days) => zonedInstant(addDays(firstLiveDay, days), '00:00', timeZone).getTime());
    const edges = midnights.flatMap((at) => [at - 1, at, at + 1]);
    const template = generated[0];
    if (!template) throw new Error('an empty shop');
    const edgeCustomer = { customer: { ...template.customer, customerId: 'edge' }, orders: edges.map((at, i) => ({ orderId: `edge-${i}`, customerId: 'edge', orderedAt: new Date(at).toISOString(), lines: [{ category: 'skin', amount: 99 }] })) };
    const shop = [...generated, edgeCustomer];

    // Act
    const { seed, live } = splitShop(shop, firstLiveDay, timeZone);
    const seeded = [...seed];

    // Assess: the same split as each order's merchant date gives
    const dated = shop.flatMap(({ orders }) => orders.map((order) => ({ order, date: localDate(new Date(order.orderedAt), timeZone) })));
    expect(seeded.flatMap(({ orders }) => orders)).toEqual(dated.filter(({ date }) => date < firstLiveDay).map(({ order }) => order));
    const lived = new Map<string, unknown[]>();
    for (const { order, date } of dated.filter((entry) => entry.date >= firstLiveDay)) lived.set(date, [...(lived.get(date) ?? []), order]);
    expect(new Map([...live.byDate].sort())).toEqual(new Map([...lived].sort()));
    expect(live.byDate.size).toBeGreaterThan(0);
  });
});
