import { describe, expect, it } from 'vitest';
import { lift, wilsonInterval } from '../../lib/domain/stats.ts';
import type { LedgerEntry, OrderMarker } from '../../lib/domain/records.ts';
import { buildReport } from '../../lib/domain/report.ts';
import { shopRepurchase } from '../../lib/domain/repurchase.ts';
import { checkPeriod } from '../../lib/usecases/report.ts';
import { formatReport } from '../../lib/report/text.ts';
import { testConfig } from '../support/fixtures.ts';

describe('lift and its 95% interval', () => {
  it("matches Newcombe's (1998) published intervals for the difference of two proportions (method 10)", () => {
    // Prepare / Act
    const a = lift(56, 70, 48, 80);
    const b = lift(5, 56, 0, 29);

    // Assess: Newcombe, Statistics in Medicine 17:873-890, table II, examples (a) and (c)
    expect(a.absolute).toBeCloseTo(0.2, 10);
    expect(a.absoluteInterval[0]).toBeCloseTo(0.0524, 4);
    expect(a.absoluteInterval[1]).toBeCloseTo(0.3339, 4);
    expect(a.significant).toBe(true);
    expect(b.absoluteInterval[0]).toBeCloseTo(-0.0381, 4);
    expect(b.absoluteInterval[1]).toBeCloseTo(0.1926, 4);
    expect(b.significant).toBe(false);
    expect(b.relative).toBeNull();
  });

  it('the relative lift is the rate ratio minus 1, with the Katz log interval', () => {
    const result = lift(40, 400, 20, 400);
    expect(result.relative).toBeCloseTo(1, 10);
    // ln(2) +- 1.96 * sqrt(1/40 - 1/400 + 1/20 - 1/400)
    const spread = 1.959963984540054 * Math.sqrt(1 / 40 - 1 / 400 + 1 / 20 - 1 / 400);
    expect(result.relativeInterval?.[0]).toBeCloseTo(2 * Math.exp(-spread) - 1, 10);
    expect(result.relativeInterval?.[1]).toBeCloseTo(2 * Math.exp(spread) - 1, 10);
  });

  it('the Wilson interval stays inside [0, 1] with zero or all successes', () => {
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 4);
  });
});

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

function item(overrides: Partial<LedgerEntry> & Pick<LedgerEntry, 'customerId' | 'outcome'>): LedgerEntry {
  return { journeyId: 'category-recall', cycle: '2026-08-01', stepId: 'coupon-1', runDate: '2026-11-02', ...overrides };
}

describe('buildReport', () => {
  it('counts per journey and step: candidates, sent, held out, skipped by reason, conversions, lift, revenue, coupons, SMS parts', async () => {
    // Prepare: 4 sent (2 converted, 1 redeemed), 1 unconfirmed, 1 never delivered, 2 held out (1 converted), 2 skipped
    const config = await testConfig();
    const sent = (customerId: string, extra: Partial<LedgerEntry> = {}) => item({ customerId, outcome: 'sent', status: 'sent', channel: 'sms', parts: 2, couponCode: 'X', couponValue: 50, ...extra });
    const ledger: LedgerEntry[] = [
      sent('s1', { convertedBy: 'o1', revenue: 300, redeemedBy: 'o1' }),
      sent('s2', { convertedBy: 'o2', revenue: 120 }),
      sent('s3'),
      sent('s4', { runDate: '2026-11-03' }),
      sent('s5', { status: 'sending' }),
      sent('s6', { status: 'failed' }),
      item({ customerId: 'h1', outcome: 'held-out', convertedBy: 'o3', revenue: 80 }),
      item({ customerId: 'h2', outcome: 'held-out' }),
      item({ customerId: 'k1', outcome: 'skipped:no-consent' }),
      item({ customerId: 'k2', outcome: 'skipped:invalid-contact' }),
      item({ customerId: 'l1', journeyId: 'lifecycle', stepId: 'sleeping', outcome: 'sent', status: 'sent', channel: 'push', parts: 1 }),
      // Outside the period: not counted.
      sent('old', { runDate: '2026-10-31', convertedBy: 'o9', revenue: 999 }),
    ];

    // Act
    const report = buildReport(config, { ledger, orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');

    // Assess
    const step = report.byJourney['category-recall']?.steps['coupon-1'];
    expect(step).toMatchObject({
      candidates: 10,
      sent: 5,
      unconfirmed: 1,
      notDelivered: 1,
      heldOut: 2,
      skipped: { 'no-consent': 1, 'invalid-contact': 1 },
      conversions: { sent: 2, heldOut: 1 },
      conversionRate: { sent: 0.4, heldOut: 0.5 },
      redemptions: 1,
      revenue: { sent: 420, heldOut: 80 },
      // 5 x (420 / 5 - 80 / 2)
      incrementalRevenue: 220,
      couponCost: 50,
      smsParts: 10,
    });
    expect(step?.lift?.absolute).toBeCloseTo(-0.1, 10);
    expect(step?.lift?.significant).toBe(false);
    expect(report.byJourney.lifecycle?.total).toMatchObject({ sent: 1, smsParts: 0, lift: null });
    expect(report.totals).toMatchObject({ candidates: 11, sent: 6, heldOut: 2 });
    expect(report.daily.find((point) => point.date === '2026-11-02')).toEqual({ date: '2026-11-02', sent: 5, heldOut: 2, conversionsSent: 2, conversionsHeldOut: 1 });
    expect(report.daily.find((point) => point.date === '2026-11-03')).toMatchObject({ sent: 1 });
    expect(report.daily).toHaveLength(7);
    expect(report.deferred).toBe('not persisted');
    expect(Object.keys(report.byJourney)).toEqual(['category-recall', 'lifecycle']);

    const text = formatReport(report);
    expect(text).toContain('deferred: not persisted');
    expect(text).toMatch(/category-recall\s+coupon-1\s+2\/5 40\.0%\s+1\/2 50\.0%\s+-10\.0 pts \(95% CI .* not significant\)/);
  });

  it('uses the coupon value stored at claim time; older items take it from the config', async () => {
    const config = await testConfig();
    const redeemed = (customerId: string, couponValue?: number) =>
      item({ customerId, journeyId: 'lifecycle', stepId: 'pre-lost', outcome: 'sent', status: 'sent', redeemedBy: `o-${customerId}`, ...(couponValue === undefined ? {} : { couponValue }) });
    const report = buildReport(config, { ledger: [redeemed('a', 80), redeemed('b')], orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');
    expect(report.totals.couponCost).toBe(180);
  });

  it('refuses a period that ends before it starts or is longer than 400 days', () => {
    expect(() => checkPeriod({ from: '2026-11-02', to: '2026-11-01' })).toThrow(/after --to/);
    expect(() => checkPeriod({ from: '2025-01-01', to: '2026-11-01' })).toThrow(/at most 400/);
  });
});
