import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/domain/dates.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { buildReport, trendOf, type DailyPoint } from '../../lib/domain/report.ts';
import { reportLanguage } from '../../lib/report/i18n.ts';
import { reportTables, tableCsv } from '../../lib/report/tables.ts';
import { formatHeadline, headlineKpis, headlineSentence } from '../../lib/report/text.ts';
import { testConfig } from '../support/fixtures.ts';

const PERIOD = { from: '2026-11-01', to: '2026-11-07' };

/** `sent` SMS of one part (0.02 USD each), `converted` of them bought for 200 and redeemed a 50 coupon; `heldOut` controls, `heldOutConverted` bought for 200. */
function ledger(sent: number, converted: number, heldOut: number, heldOutConverted: number): LedgerEntry[] {
  const base = { journeyId: 'category-recall', cycle: '2026-08-01', stepId: 'coupon-1', runDate: '2026-11-02' };
  return [
    ...Array.from({ length: sent }, (_, n): LedgerEntry => ({
      ...base,
      customerId: `s${n}`,
      outcome: 'sent',
      status: 'delivered',
      channel: 'sms',
      parts: 1,
      couponValue: 50,
      ...(n < converted ? { convertedBy: `o-s${n}`, revenue: 200, redeemedBy: `o-s${n}` } : {}),
    })),
    ...Array.from({ length: heldOut }, (_, n): LedgerEntry => ({ ...base, customerId: `h${n}`, outcome: 'held-out', ...(n < heldOutConverted ? { convertedBy: `o-h${n}`, revenue: 200 } : {}) })),
  ];
}

describe('what a marketer reads: return on spend, cost per conversion, honest headlines, CSV', () => {
  it('return on spend and cost per conversion with their intervals, on a hand-computed example', async () => {
    // Prepare: 100 sent, 20 converted (200 each, every one redeeming a 50 coupon); 100 held out, 10 converted (200 each).
    // SMS 100 x 0.02 USD = 2 USD = 14.2 CNY; coupons 20 x 50 = 1,000 CNY; spend 1,014.2 CNY.
    const config = await testConfig();

    // Act
    const { totals } = buildReport(config, { ledger: ledger(100, 20, 100, 10), orders: [] }, PERIOD, '2026-11-20');

    // Assess
    // Incremental revenue: 100 x (4,000 / 100 - 2,000 / 100) = 2,000.
    expect(totals.incrementalRevenue).toBe(2000);
    // Lift 0.1, Newcombe's interval from the Wilson intervals [0.13337, 0.28883] and [0.05523, 0.17437]:
    // 0.1 - sqrt(0.06663^2 + 0.07437^2) = 0.000149, 0.1 + sqrt(0.08883^2 + 0.04477^2) = 0.199474.
    expect(totals.lift?.absoluteInterval[0]).toBeCloseTo(0.000149, 6);
    expect(totals.lift?.absoluteInterval[1]).toBeCloseTo(0.199474, 6);
    expect(totals.lift?.significant).toBe(true);
    // Equal average orders (200): the revenue interval is 100 x 200 x the lift's interval.
    expect(totals.incrementalRevenueInterval).toEqual([3, 3989]);
    expect(totals.smsSpend.shopCurrency).toBe(14.2);
    expect(totals.couponCost).toBe(1000);
    // 2,000 / 1,014.2 = 1.972; the interval 3 / 1,014.2 to 3,989 / 1,014.2.
    expect(totals.returnOnSpend).toBe(1.97);
    expect(totals.returnOnSpendInterval).toEqual([0, 3.93]);
    // 1,014.2 / 20 conversions.
    expect(totals.costPerConversion).toBe(50.71);
    // 1,014.2 / (100 x 0.1) added conversions; 1,014.2 / 19.9474 and 1,014.2 / 0.0149025.
    expect(totals.costPerIncrementalConversion).toBe(101.42);
    expect(totals.costPerIncrementalConversionInterval?.[0]).toBeCloseTo(50.84, 2);
    expect(totals.costPerIncrementalConversionInterval?.[1]).toBeCloseTo(68_056, 0);
  });

  it('the headline claims an increment only when the lift is significant', async () => {
    // Prepare: 15 of 100 vs 10 of 100 (lift +5 points, 95% CI about -4.6 to +14.6): not significant.
    const config = await testConfig();
    const quiet = buildReport(config, { ledger: ledger(100, 15, 100, 10), orders: [] }, PERIOD, '2026-11-20');
    const clear = buildReport(config, { ledger: ledger(400, 80, 400, 20), orders: [] }, PERIOD, '2026-11-20');
    expect(quiet.totals.lift?.significant).toBe(false);
    expect(quiet.totals.incrementalRevenue).toBe(1000);
    expect(clear.totals.lift?.significant).toBe(true);

    for (const language of ['en', 'zh'] as const) {
      // Act
      const sentence = headlineSentence(quiet, language);
      const kpis = headlineKpis(quiet, language);

      // Assess: no figure of the increment is claimed; the estimate is marked not significant.
      expect(sentence).toMatch(language === 'en' ? /^No increment shown yet: .* could be chance\.$/ : /^尚未看到显著增量：.*可能只是随机波动。$/);
      expect(sentence).not.toMatch(/1,000/);
      const increments = language === 'en' ? ['lift', 'incremental revenue', 'return on spend'] : ['提升', '增量收入', '投入回报'];
      const claimed = kpis.filter((kpi) => increments.includes(kpi.label));
      expect(claimed).toHaveLength(3);
      for (const kpi of claimed) expect(kpi.value).toBe(language === 'en' ? 'not significant' : '不显著');
      expect(formatHeadline(quiet, language).join('\n')).not.toMatch(/^(?:incremental revenue|增量收入): ¥/m);

      // The significant lift is claimed, with its interval: 400 x 0.15 = 60 added conversions.
      expect(headlineSentence(clear, language)).toMatch(language === 'en' ? /^The messages added 60 conversions \(95% CI \d+ to \d+\), CN¥12,000 of revenue, / : /^短信多带来了 60 单转化（95% 置信区间 \d+ 至 \d+），增量收入 ¥12,000，/);
    }
  });

  it('the trend is summed by week when the median day sends fewer than 20 messages', () => {
    const days = (sent: (day: number) => number): DailyPoint[] =>
      Array.from({ length: 10 }, (_, day) => ({ date: addDays('2026-11-01', day), sent: sent(day), heldOut: 1, conversionsSent: 1, conversionsHeldOut: 0 }));

    const quiet = trendOf(days((day) => (day < 6 ? 19 : 40)));
    const busy = trendOf(days(() => 20));

    expect(quiet.bucket).toBe('week');
    expect(quiet.points).toEqual([
      { from: '2026-11-01', to: '2026-11-07', sent: 19 * 6 + 40, heldOut: 7, conversionsSent: 7, conversionsHeldOut: 0 },
      { from: '2026-11-08', to: '2026-11-10', sent: 120, heldOut: 3, conversionsSent: 3, conversionsHeldOut: 0 },
    ]);
    expect(busy.bucket).toBe('day');
    expect(busy.points).toHaveLength(10);
  });

  it('every table as CSV: a byte order mark, its header, one line per row, numbers as numbers', async () => {
    const config = await testConfig();
    const report = buildReport(config, { ledger: ledger(100, 20, 100, 10), orders: [] }, PERIOD, '2026-11-20');

    const tables = reportTables(report, 'zh');

    expect(tables.map((table) => table.id)).toEqual(['decisions', 'results', 'funnel', 'trend', 'cohorts', 'failures', 'survey']);
    for (const table of tables) {
      const csv = tableCsv(table);
      expect(csv.startsWith('\uFEFF')).toBe(true);
      const lines = csv.slice(1).split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines).toHaveLength(1 + table.rows.length);
    }
    const results = tableCsv(tables[1] ?? tables[0]!).slice(1).split('\r\n');
    expect(results[0]).toMatch(/^旅程 ID,旅程,步骤 ID,步骤,发送组转化,发送组转化 比例,/);
    // One step, then the total.
    expect(results[1]).toMatch(/^category-recall,Category window recall: 4 x 50 staged coupons,coupon-1,coupon-1,20,0\.2,10,0\.1,10,/);
    expect(results[2]).toMatch(/^合计,合计,,,20,0\.2,/);
    expect(results).toHaveLength(4);
  });

  it('the language: --lang, else the config, else Chinese for a shop in China', async () => {
    const config = await testConfig();
    expect(reportLanguage(config)).toBe('zh');
    expect(reportLanguage({ ...config, defaultCountry: 'US' })).toBe('en');
    expect(reportLanguage({ ...config, language: 'en' })).toBe('en');
    expect(reportLanguage({ ...config, language: 'en' }, 'zh')).toBe('zh');
    expect(() => reportLanguage(config, 'fr')).toThrow(/expected zh or en/);
  });
});
