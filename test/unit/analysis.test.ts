import { describe, expect, it } from 'vitest';
import { cohorts, lifecycleSizes, magicNumber, nextOrderChances, rfmGrid, survivalCurve, type NextOrderChance } from '../../lib/domain/analysis.ts';
import { addDays } from '../../lib/domain/dates.ts';

const AS_OF = '2026-03-10';
const customer = (customerId: string, ...orders: [string, number][]) => ({ customerId, orders: orders.map(([date, total]) => ({ date, total })) });

describe('repurchase analysis (hand-computed examples)', () => {
  it('P(k+1 | k): of the customers with k orders, the share with another, with a Wilson interval', () => {
    const chances = nextOrderChances([1, 1, 1, 2, 2, 3, 5]);
    expect(chances.map(({ k, customers, placedNext }) => [k, customers, placedNext])).toEqual([
      [1, 7, 4],
      [2, 4, 2],
      [3, 2, 1],
      [4, 1, 1],
      [5, 1, 0],
    ]);
    expect(chances[0]?.rate).toBeCloseTo(4 / 7, 10);
    // Wilson 95% for 4 of 7: 0.2504 to 0.8416.
    expect(chances[0]?.interval[0]).toBeCloseTo(0.2504, 3);
    expect(chances[0]?.interval[1]).toBeCloseTo(0.8416, 3);
  });

  it('the magic number is the smallest k after which one more order adds less than 2 points, where both steps have 30 customers', () => {
    const step = (k: number, rate: number, customers = 100): NextOrderChance => ({ k, customers, placedNext: rate * customers, rate, interval: [0, 1] });
    expect(magicNumber([step(1, 0.3), step(2, 0.5), step(3, 0.6), step(4, 0.61), step(5, 0.7)])).toBe(3);
    expect(magicNumber([step(1, 0.3), step(2, 0.5), step(3, 0.6), step(4, 0.61, 29)])).toBeNull();
    expect(magicNumber([step(1, 0.3), step(2, 0.5), step(3, 0.6)])).toBeNull();
  });

  it('cohorts by first-purchase month: who ordered again in the calendar month after (December into January too); a month not over is marked', () => {
    const result = cohorts(
      [
        customer('a', ['2026-01-15', 100], ['2026-02-03', 50]),
        customer('b', ['2026-03-01', 80], ['2026-01-20', 100]),
        customer('c', ['2026-02-10', 30]),
        customer('d', ['2025-12-30', 10], ['2026-01-02', 10]),
      ],
      AS_OF,
    );
    expect(result).toEqual([
      { month: '2025-12', customers: 1, nextMonth: 1, rate: 1, complete: true },
      { month: '2026-01', customers: 2, nextMonth: 1, rate: 0.5, complete: true },
      { month: '2026-02', customers: 1, nextMonth: 0, rate: 0, complete: false },
    ]);
  });

  it('lifecycle sizes by days since the last order: under 90 active, 90-179 sleeping, 180-365 pre-lost, over 365 lost', () => {
    const ago = (days: number) => addDays(AS_OF, -days);
    const sizes = lifecycleSizes([10, 89, 90, 179, 180, 365, 366].map((days, index) => customer(`c${index}`, [ago(days + 400), 1], [ago(days), 1])), AS_OF);
    expect(sizes).toEqual({ active: 2, sleeping: 2, preLost: 2, lost: 1 });
  });

  it('RFM quintiles: the most recent fifth scores R 5, the most orders F 5; each cell with its average spend', () => {
    const ago = (days: number) => addDays(AS_OF, -days);
    const customers = [1, 10, 20, 30, 40].map((days, index) =>
      customer(`c${index}`, ...Array.from({ length: 5 - index }, (_, order): [string, number] => [ago(days + order * 50), 100])),
    );
    const grid = rfmGrid(customers, AS_OF);
    expect(grid.edges.recencyDays).toEqual([1, 10, 20, 30]);
    expect(grid.edges.orders).toEqual([1, 2, 3, 4]);
    expect(grid.cells).toEqual([
      { r: 5, f: 5, customers: 1, averageSpend: 500 },
      { r: 4, f: 4, customers: 1, averageSpend: 400 },
      { r: 3, f: 3, customers: 1, averageSpend: 300 },
      { r: 2, f: 2, customers: 1, averageSpend: 200 },
      { r: 1, f: 1, customers: 1, averageSpend: 100 },
    ]);
  });

  it('Kaplan-Meier days to the second purchase counts those not back yet; its median and Brookmeyer-Crowley interval', () => {
    const curve = survivalCurve([
      { days: 2, event: true },
      { days: 3, event: false },
      { days: 5, event: true },
      { days: 5, event: true },
      { days: 8, event: false },
      { days: 10, event: true },
    ]);
    // S(2) = 5/6; S(5) = 5/6 x 2/4; S(10) = 0. Greenwood at 5: 1/30 + 2/8.
    expect(curve.points.map((point) => [point.day, point.survival])).toEqual([
      [2, 5 / 6],
      [5, 5 / 12],
      [10, 0],
    ]);
    const spread = 1.959963984540054 * Math.sqrt(1 / 30 + 2 / 8);
    expect(curve.points[1]?.interval[0]).toBeCloseTo((5 / 12) * Math.exp(-spread), 10);
    expect(curve.points[1]?.interval[1]).toBe(1);
    expect(curve).toMatchObject({ customers: 6, events: 4, medianDays: 5, medianInterval: [5, 10] });
    // The median of the repeaters alone (2, 5, 5, 10) would be 5 too, but a shop where most have not come back has no median.
    expect(survivalCurve([{ days: 3, event: true }, { days: 30, event: false }, { days: 30, event: false }]).medianDays).toBeNull();
  });
});
