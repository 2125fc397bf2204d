import { readFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { CampaignConfigSchema } from '../../lib/config/schema.ts';
import { createRandom } from '../../lib/demo/random.ts';
import { generateDemoShop, type DemoCustomer, type DemoShopOptions } from '../../lib/demo/shop.ts';
import { CustomerInputSchema, OrderInputSchema } from '../../lib/domain/model.ts';

const config = CampaignConfigSchema.parse(
  JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')),
);
const TODAY = '2026-11-22';
const options = (overrides: Partial<DemoShopOptions> = {}): DemoShopOptions => ({
  customers: 200,
  seed: 42,
  today: TODAY,
  categories: config.categories,
  timeZone: config.merchantTimeZone,
  ...overrides,
});

const DAY_MS = 86_400_000;
/** Whole days between two `YYYY-MM-DD` dates. */
const daysBetween = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / DAY_MS;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The merchant-local date and time of an instant, read with Intl independently of the generator. */
function localDateTime(instant: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(instant);
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}`;
}

const isValidMobile = (phone: string): boolean => {
  const parsed = parsePhoneNumberFromString(phone);
  return parsed !== undefined && parsed.isValid() && parsed.getType() === 'MOBILE';
};

describe('createRandom', () => {
  it('is reproducible from its seed and stays in range', () => {
    // Prepare
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);

    // Act
    const fromA = Array.from({ length: 1000 }, () => a.next());
    const fromB = Array.from({ length: 1000 }, () => b.next());
    const fromC = Array.from({ length: 1000 }, () => c.next());

    // Assess
    expect(fromA).toEqual(fromB);
    expect(fromA).not.toEqual(fromC);
    expect(fromA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws integers in both bounds, picks from arrays, and centres logNormal on its median', () => {
    const random = createRandom(1);

    const ints = Array.from({ length: 5000 }, () => random.int(3, 6));
    const picks = new Set(Array.from({ length: 500 }, () => random.pick(['a', 'b', 'c'])));
    const draws = Array.from({ length: 20_000 }, () => random.logNormal(76, 0.5));
    const normals = Array.from({ length: 20_000 }, () => random.normal());

    expect(new Set(ints)).toEqual(new Set([3, 4, 5, 6]));
    expect(picks).toEqual(new Set(['a', 'b', 'c']));
    expect(median(draws)).toBeGreaterThan(76 * 0.97);
    expect(median(draws)).toBeLessThan(76 * 1.03);
    const mean = normals.reduce((sum, x) => sum + x, 0) / normals.length;
    const variance = normals.reduce((sum, x) => sum + (x - mean) ** 2, 0) / normals.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
    expect(() => random.pick([])).toThrow(RangeError);
    expect(() => random.int(5, 4)).toThrow(RangeError);
  });
});

describe('generateDemoShop', () => {
  it('gives the same shop for the same seed and a different one for another seed', () => {
    const first = [...generateDemoShop(options())];
    const again = [...generateDemoShop(options())];
    const other = [...generateDemoShop(options({ seed: 43 }))];

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first).toHaveLength(200);
  });

  it('yields customers one at a time without building the whole shop', () => {
    const shop = generateDemoShop(options({ customers: 1_000_000_000 }));

    const first = shop.next();

    expect(first.done).toBe(false);
    expect(first.value?.customer.customerId).toBe('c0000000001');
  });

  it('rejects options it cannot honour', () => {
    expect(() => generateDemoShop(options({ today: '2026-02-30' })).next()).toThrow(RangeError);
    expect(() => generateDemoShop(options({ categories: [] })).next()).toThrow(RangeError);
    expect(() => generateDemoShop(options({ customers: -1 })).next()).toThrow(RangeError);
  });

  describe('a 5,000-customer shop', () => {
    const shop: DemoCustomer[] = [...generateDemoShop(options({ customers: 5000, seed: 20261122 }))];
    const customers = shop.map((entry) => entry.customer);
    const orders = shop.flatMap((entry) => entry.orders);

    it('matches the customer and order schemas', () => {
      for (const customer of customers) expect(CustomerInputSchema.parse(customer)).toEqual(customer);
      for (const order of orders) expect(OrderInputSchema.parse(order)).toEqual(order);
      expect(new Set(customers.map((c) => c.customerId)).size).toBe(5000);
      expect(new Set(orders.map((o) => o.orderId)).size).toBe(orders.length);
      expect(customers[122]?.customerId).toBe('c000123');
    });

    it('puts half of second purchases within each category window', () => {
      // Prepare: first and second purchase date per (customer, category), from the orders alone.
      const intervals = new Map<string, number[]>();
      for (const { orders: own } of shop) {
        const dates = new Map<string, string[]>();
        for (const order of own) {
          for (const line of order.lines) {
            const list = dates.get(line.category) ?? [];
            list.push(localDateTime(new Date(order.orderedAt), config.merchantTimeZone).slice(0, 10));
            dates.set(line.category, list);
          }
        }
        for (const [category, list] of dates) {
          const [first, second] = [...list].sort();
          if (first === undefined || second === undefined) continue;
          const values = intervals.get(category) ?? [];
          values.push(daysBetween(first, second));
          intervals.set(category, values);
        }
      }

      // Act
      const learned = Object.fromEntries(
        [...intervals].map(([category, values]) => [category, { median: median(values), samples: values.length }]),
      );

      // Assess
      const seeded = { cosmetics: 76, 'womens-shoes': 78, 'mens-shoes': 108, 'womens-clothing': 47 };
      for (const [category, windowDays] of Object.entries(seeded)) {
        const result = learned[category];
        expect(result?.samples, category).toBeGreaterThan(200);
        expect(Math.abs((result?.median ?? 0) / windowDays - 1), category).toBeLessThan(0.1);
      }
    });

    it('has no order on or after today, all inside the history and during shop hours', () => {
      const start = '2024-11-22';
      for (const order of orders) {
        const local = localDateTime(new Date(order.orderedAt), config.merchantTimeZone);
        // Rendered in the merchant's zone: the written wall time is the local one.
        expect(order.orderedAt.slice(0, 19)).toBe(local);
        expect(order.orderedAt.endsWith('+08:00')).toBe(true);
        expect(local.slice(0, 10) < TODAY).toBe(true);
        expect(local.slice(0, 10) >= start).toBe(true);
        expect(local.slice(11, 13) >= '08').toBe(true);
      }
    });

    it('lists each customer’s orders oldest first', () => {
      for (const { orders: own } of shop) {
        const times = own.map((order) => Date.parse(order.orderedAt));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(own.length).toBeGreaterThan(0);
      }
    });

    it('has realistic amounts with about 30% of orders at 200 or more', () => {
      const amounts = orders.flatMap((order) => order.lines.map((line) => line.amount));
      const large = amounts.filter((amount) => amount >= 200).length / amounts.length;

      expect(Math.min(...amounts)).toBeGreaterThanOrEqual(49);
      expect(Math.max(...amounts)).toBeLessThanOrEqual(899);
      expect(large).toBeGreaterThan(0.25);
      expect(large).toBeLessThan(0.35);
    });

    it('brings back 55-75% of customers for a second order', () => {
      const returning = shop.filter((entry) => entry.orders.length >= 2).length / shop.length;

      expect(returning).toBeGreaterThan(0.55);
      expect(returning).toBeLessThan(0.75);
    });

    it('mixes in invalid, missing and opted-out contacts and a few customers abroad', () => {
      const share = (predicate: (customer: (typeof customers)[number]) => boolean): number =>
        customers.filter(predicate).length / customers.length;

      const missing = share((c) => c.phone === undefined);
      const invalid = share((c) => c.phone !== undefined && !isValidMobile(c.phone));
      const optedOut = share((c) => !c.smsOptIn);
      const abroad = share((c) => c.timeZone !== undefined && c.timeZone !== config.merchantTimeZone);

      expect(missing).toBeGreaterThan(0.005);
      expect(missing).toBeLessThan(0.02);
      expect(invalid).toBeGreaterThan(0.012);
      expect(invalid).toBeLessThan(0.03);
      expect(optedOut).toBeGreaterThan(0.02);
      expect(optedOut).toBeLessThan(0.045);
      expect(abroad).toBeGreaterThan(0.001);
      expect(abroad).toBeLessThan(0.012);
      // Every invalid number still looks like one to a naive pattern or is merely too short.
      for (const customer of customers) {
        if (customer.phone === undefined || isValidMobile(customer.phone)) continue;
        expect(customer.phone).toMatch(/^\+86(140\d{8}|1\d{7})$/);
      }
    });
  });

  it('renders the offset a DST zone has on each date', () => {
    const shop = [...generateDemoShop(options({ customers: 300, timeZone: 'America/New_York' }))];
    const offsets = new Set<string>();

    for (const { orders } of shop) {
      for (const order of orders) {
        offsets.add(order.orderedAt.slice(19));
        expect(order.orderedAt.slice(0, 19)).toBe(localDateTime(new Date(order.orderedAt), 'America/New_York'));
      }
    }

    expect(offsets).toEqual(new Set(['-05:00', '-04:00']));
  });
});
