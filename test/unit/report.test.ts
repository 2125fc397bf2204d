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

    const text = formatReport(report, 'en');
    expect(text).toContain('Deferred candidates are not persisted');
    expect(text).toMatch(/^Category window recall: 4 x 50 staged coupons · coupon-1\s+2\/5 40\.0%\s+1\/2 50\.0%\s+-10\.0 \[-\d+\.\d, \+\d+\.\d\] not significant/m);
    expect(formatReport(report, 'zh')).toMatch(/^Category window recall: 4 x 50 staged coupons · coupon-1\s+2\/5 40\.0%\s+1\/2 50\.0%\s+-10\.0 \[-\d+\.\d, \+\d+\.\d\] 不显著/m);
  });

  it('uses the coupon value stored at claim time; older items take it from the config', async () => {
    const config = await testConfig();
    const redeemed = (customerId: string, couponValue?: number) =>
      item({ customerId, journeyId: 'lifecycle', stepId: 'pre-lost', outcome: 'sent', status: 'sent', redeemedBy: `o-${customerId}`, ...(couponValue === undefined ? {} : { couponValue }) });
    const report = buildReport(config, { ledger: [redeemed('a', 80), redeemed('b')], orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');
    expect(report.totals.couponCost).toBe(180);
  });

  it('the loop with the phone: delivered, failures by reason, the funnel, SMS spend priced and estimated, cost per conversion', async () => {
    // Prepare: 0.02 USD per part, 7.1 CNY per USD (the defaults)
    const config = await testConfig();
    const sms = (customerId: string, extra: Partial<LedgerEntry>) => item({ customerId, outcome: 'sent', status: 'sent', channel: 'sms', parts: 1, ...extra });
    const ledger: LedgerEntry[] = [
      // Priced by the provider: 0.0081 + 0.002 carrier fee; converted, coupon redeemed.
      sms('d1', { status: 'delivered', markedBy: 'provider', parts: 2, priceUsd: 0.0081, carrierFeeUsd: 0.002, billedParts: 2, couponValue: 50, convertedBy: 'o1', revenue: 300, redeemedBy: 'o1' }),
      // Not priced (yet): estimated from parts, or from the parts billed.
      sms('d2', { status: 'delivered', markedBy: 'provider', parts: 2 }),
      sms('u1', { status: 'sending' }),
      sms('s1', { parts: 3, billedParts: 2 }),
      // Failed after the provider took it: billed all the same.
      sms('f1', { status: 'failed', markedBy: 'provider', failureReason: 'BLOCKED', priceUsd: 0.005 }),
      sms('f2', { status: 'failed', markedBy: 'provider', failureReason: 'INVALID', parts: 2 }),
      sms('e1', { status: 'expired', markedBy: 'provider' }),
      // Never left us: our refusal, an operator's mark, an old item without an error, a claim still waiting. Free.
      sms('f3', { status: 'failed', error: 'InvalidParameter: Invalid parameter: PhoneNumber Reason: +8613800001234 is not valid to publish to' }),
      sms('f4', { status: 'failed', markedBy: 'operator', error: 'not sent (marked by an operator)' }),
      sms('f5', { status: 'failed' }),
      sms('c1', { status: 'claimed' }),
      item({ customerId: 'h1', outcome: 'held-out' }),
      item({ customerId: 'h2', outcome: 'held-out' }),
      // Push: no SMS cost, even delivered.
      item({ customerId: 'p1', journeyId: 'lifecycle', stepId: 'sleeping', outcome: 'sent', status: 'delivered', channel: 'push', parts: 1 }),
    ];

    // Act
    const report = buildReport(config, { ledger, orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');

    // Assess
    const step = report.byJourney['category-recall']?.steps['coupon-1'];
    expect(step).toMatchObject({
      sent: 4,
      unconfirmed: 1,
      delivered: 2,
      notDelivered: 7,
      failures: { BLOCKED: 1, INVALID: 1, expired: 1, InvalidParameter: 1, 'not sent (marked by an operator)': 1, unknown: 1 },
      funnel: { sent: 7, delivered: 2, converted: 1, redeemed: 1 },
      couponCost: 50,
      // 400 USD x 0.0101 + 0.04 + 0.02 + 0.04 + 0.005 + 0.04 + 0.02
      smsSpend: { usd: 0.1751, shopCurrency: 1.24, code: 'CNY', estimatedUsd: 0.16, estimatedParts: 8 },
      // (0.1751 x 7.1 + 50) / 1
      costPerConversion: 51.24,
      incrementalRevenue: 300,
      // 300 / 51.24
      returnOnSpend: 5.85,
      optOuts: 0,
      optOutRate: 0,
      optOutFlag: false,
      survey: {},
    });
    expect(JSON.stringify(report)).not.toContain('8613800001234');
    expect(report.byJourney.lifecycle?.total).toMatchObject({ delivered: 1, funnel: { sent: 1, delivered: 1 }, smsSpend: { usd: 0, shopCurrency: 0, estimatedParts: 0 } });
    expect(report.totals.smsSpend).toEqual(step?.smsSpend);
    expect(report.totals.funnel).toEqual({ sent: 8, delivered: 3, converted: 1, redeemed: 1 });
    expect(report.smsPricing).toEqual({ pricePerPartUsd: 0.02, currency: 'CNY', perUsd: 7.1 });
  });

  it('spend in the shop\'s currency at the configured rate and price; no conversion, no control: no cost per conversion, no return', async () => {
    const base = await testConfig();
    const config = { ...base, sms: { ...base.sms, pricePerPartUsd: 0.05 }, currency: { code: 'EUR', perUsd: 0.9 } };
    const ledger = [item({ customerId: 'a', outcome: 'sent', status: 'sent', channel: 'sms', parts: 3 })];
    const report = buildReport(config, { ledger, orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');
    expect(report.totals).toMatchObject({ smsSpend: { usd: 0.15, shopCurrency: 0.14, code: 'EUR', estimatedUsd: 0.15, estimatedParts: 3 }, costPerConversion: null, returnOnSpend: null });
  });

  it('flags a step when more than 1% of its recipients opted out within 7 days; a recipient counts once', async () => {
    // Prepare: coupon-1: 1 of 100 opted out (1%: not flagged); coupon-2: 2 of 100 (flagged), one of them the same customer
    const config = await testConfig();
    const sent = (customerId: string, stepId: string, optedOut: boolean) =>
      item({ customerId, stepId, outcome: 'sent', status: 'delivered', channel: 'sms', parts: 1, ...(optedOut ? { optedOutAt: '2026-11-04T09:00:00+08:00' } : {}) });
    const ledger = [
      ...Array.from({ length: 100 }, (_, n) => sent(`a${n}`, 'coupon-1', n === 0)),
      ...Array.from({ length: 100 }, (_, n) => sent(n === 0 ? 'a0' : `b${n}`, 'coupon-2', n < 2)),
      // Never reached the phone: its opt-out is not this message's doing.
      item({ customerId: 'x', stepId: 'coupon-2', outcome: 'sent', status: 'failed', failureReason: 'BLOCKED', optedOutAt: '2026-11-04T09:00:00+08:00' }),
    ];

    // Act
    const report = buildReport(config, { ledger, orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');

    // Assess
    const steps = report.byJourney['category-recall']?.steps;
    expect(steps?.['coupon-1']).toMatchObject({ optOuts: 1, optOutRate: 0.01, optOutFlag: false });
    expect(steps?.['coupon-2']).toMatchObject({ optOuts: 2, optOutRate: 0.02, optOutFlag: true });
    expect(report.totals).toMatchObject({ sent: 200, optOuts: 2, optOutRate: 0.01, optOutFlag: false });
    const text = formatReport(report, 'en');
    expect(text).toMatch(/^Category window recall: 4 x 50 staged coupons · coupon-2: 2 of 100 recipients \(2\.0%\) opted out within 7 days, over 1%$/m);
    expect(text).not.toMatch(/coupon-1: \d+ of \d+ recipients/);
  });

  it('counts survey answers by reason, every configured reason shown', async () => {
    // Prepare: lifecycle/lost asks why (1 price, 2 quality, 3 service, 4 other)
    const config = await testConfig();
    const lost = (customerId: string, reply?: string) =>
      item({ customerId, journeyId: 'lifecycle', stepId: 'lost', outcome: 'sent', status: 'delivered', channel: 'sms', parts: 1, ...(reply ? { reply, repliedAt: '2026-11-03T10:00:00+08:00', replyId: `in-${customerId}` } : {}) });
    const ledger = [lost('a', 'price'), lost('b', 'price'), lost('c', 'quality'), lost('d'), lost('e')];

    // Act
    const report = buildReport(config, { ledger, orders: [] }, { from: '2026-11-01', to: '2026-11-07' }, '2026-11-20');

    // Assess
    expect(report.byJourney.lifecycle?.steps.lost?.survey).toEqual({ price: 2, quality: 1, service: 0, other: 0 });
    expect(report.totals.survey).toEqual({ price: 2, quality: 1 });
    const text = formatReport(report, 'en');
    for (const [answer, count] of [['price', 2], ['quality', 1], ['service', 0], ['other', 0]] as const) expect(text).toMatch(new RegExp(`^Recency lifecycle: sleeping, pre-lost, lost · lost\\s+${answer}\\s+${count}$`, 'm'));
  });

  it('refuses a period that ends before it starts or is longer than 400 days', () => {
    expect(() => checkPeriod({ from: '2026-11-02', to: '2026-11-01' })).toThrow(/after --to/);
    expect(() => checkPeriod({ from: '2025-01-01', to: '2026-11-01' })).toThrow(/at most 400/);
  });
});
