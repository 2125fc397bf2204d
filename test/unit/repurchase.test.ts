import { describe, expect, it } from 'vitest';
import type { OrderMarker } from '../../lib/domain/records.ts';
import { shopRepurchase } from '../../lib/domain/repurchase.ts';

const order = (customerId: string, orderId: string, orderDate: string, total = 100): OrderMarker => ({ customerId, orderId, orderDate, total, applied: true });

describe('repurchase rates', () => {
  const period = { from: '2026-10-01', to: '2026-10-31' };
  // Hand-computed:
  //   a: 2 orders in the period                      -> repeat buyer; orders again 11-05 -> returning
  //   b: 1 order in the period, 1 on 2026-11-30     -> returning (day 30 after the period)
  //   c: 1 order in the period, 1 on 2026-12-01     -> not returning (day 31)
  //   d: 3 orders in the period, same day twice     -> repeat buyer
  //   e: only before the period (2026-09-20), back in the period -> previous month's returning buyer
  //   f: only after the period                      -> not a buyer of the period
  //   g: 2026-09-15 only                            -> previous month's buyer, not returning
  // Period: buyers a, b, c, d, e = 5; repeat buyers a, d = 2 -> 2/5 = 40%.
  // Next month (11-01..11-30): a, b come back -> 2/5 = 40%.
  // A month earlier (buyers of 09-02..10-01: e, g; back in 10-02..10-31): e -> 1/2 = 50%.
  const orders = [
    order('a', 'a1', '2026-10-02'),
    order('a', 'a2', '2026-10-20'),
    order('a', 'a3', '2026-11-05'),
    order('b', 'b1', '2026-10-10'),
    order('b', 'b2', '2026-11-30'),
    order('c', 'c1', '2026-10-31'),
    order('c', 'c2', '2026-12-01'),
    order('d', 'd1', '2026-10-03'),
    order('d', 'd2', '2026-10-03'),
    order('d', 'd3', '2026-10-30'),
    order('e', 'e1', '2026-09-20'),
    order('e', 'e2', '2026-10-15'),
    order('f', 'f1', '2026-11-02'),
    order('g', 'g1', '2026-09-15'),
  ];

  it('repurchase rate = customers with >= 2 orders / customers with >= 1 order in the period', () => {
    const shop = shopRepurchase(orders, period, '2027-01-15');
    expect(shop).toMatchObject({ orders: 8, buyers: 5, repeatBuyers: 2, repurchaseRate: 0.4, revenue: 800 });
  });

  it("next-month repurchase rate = the period's buyers who ordered again in the 30 days after it", () => {
    const shop = shopRepurchase(orders, period, '2027-01-15');
    expect(shop.nextMonth).toMatchObject({ from: '2026-11-01', to: '2026-11-30', buyers: 5, returning: 2, rate: 0.4, complete: true });
    expect(shop.previousMonth).toMatchObject({ cohortFrom: '2026-09-02', cohortTo: '2026-10-01', from: '2026-10-02', to: '2026-10-31', buyers: 2, returning: 1, rate: 0.5, complete: true });
  });

  it('a next month still under way says how much of it has passed; one not started has no rate', () => {
    const underWay = shopRepurchase(orders, period, '2026-11-10');
    expect(underWay.nextMonth).toMatchObject({ daysElapsed: 10, complete: false, returning: 1 });
    const notStarted = shopRepurchase(orders, period, '2026-10-31');
    expect(notStarted.nextMonth).toMatchObject({ daysElapsed: 0, rate: null });
  });

  it('an order read twice (overlapping pages) counts once', () => {
    expect(shopRepurchase([...orders, order('b', 'b1', '2026-10-10')], period, '2027-01-15')).toMatchObject({ buyers: 5, repeatBuyers: 2 });
  });
});
