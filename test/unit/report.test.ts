import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { buildReport } from '../../lib/domain/report.ts';
import { checkPeriod } from '../../lib/usecases/report.ts';
import { formatReport } from '../../lib/report/text.ts';
import { testConfig } from '../support/fixtures.ts';

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
