import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { buildReport } from '../../lib/domain/report.ts';
import { messagesPerArm, programmeResult, tierResults, variantResults } from '../../lib/domain/segments.ts';
import { renderReportHtml } from '../../lib/report/html.ts';
import { formatReport } from '../../lib/report/text.ts';
import { reportTables, tableCsv } from '../../lib/report/tables.ts';

/** lib/domain/segments.ts: variants, tiers and the programme line of the report (docs/architecture.md#variants). */

const base = await loadDefaultConfig();
const config: CampaignConfig = {
  ...base,
  tiers: [
    { id: 'base', name: '普通', requires: 'all' },
    { id: 'vip', name: '至尊VIP', minSpend: 1000, requires: 'all' },
  ],
  journeys: base.journeys.map((journey) =>
    journey.id === 'lifecycle'
      ? { ...journey, steps: journey.steps.map((step) => (step.id === 'sleeping' ? { ...step, variants: [{ id: 'warm', weight: 1 }, { id: 'bold', weight: 1, template: '{name}，回来看看。' }] } : step)) }
      : journey,
  ),
};

const DAY = '2026-11-02';

/** `count` ledger items of lifecycle/sleeping, `converted` of them converted (revenue 100 each). */
function items(prefix: string, count: number, converted: number, extra: Partial<LedgerEntry>): LedgerEntry[] {
  return Array.from({ length: count }, (_, n) => ({
    customerId: `${prefix}-${n}`,
    journeyId: 'lifecycle',
    cycle: '2026-08-01',
    stepId: 'sleeping',
    runDate: DAY,
    outcome: 'sent' as const,
    status: 'delivered' as const,
    channel: 'sms' as const,
    parts: 1,
    ...extra,
    ...(n < converted ? { convertedBy: `order-${prefix}-${n}`, revenue: 100 } : {}),
  }));
}

const heldOut = (prefix: string, count: number, converted: number, extra: Partial<LedgerEntry> = {}) =>
  items(prefix, count, converted, { outcome: 'held-out', status: undefined, channel: undefined, parts: undefined, ...extra }).map(({ status: _status, channel: _channel, parts: _parts, ...item }) => item);

describe('messagesPerArm', () => {
  it('matches the two-proportion formula worked by hand at a 5% control rate', () => {
    // p1 = 0.05, p2 = 0.07, p = 0.06.
    // z_{a/2} * sqrt(2 * 0.06 * 0.94) = 1.959964 * sqrt(0.1128) = 1.959964 * 0.335857 = 0.658268
    // z_b * sqrt(0.05 * 0.95 + 0.07 * 0.93) = 0.841621 * sqrt(0.1126) = 0.841621 * 0.335559 = 0.282414
    // (0.658268 + 0.282414)^2 / 0.02^2 = 0.940682^2 / 0.0004 = 0.884882 / 0.0004 = 2212.2, rounded up: 2213
    expect(messagesPerArm(0.05)).toBe(2213);
  });

  it('needs fewer messages at a lower base rate, and has no answer past 98%', () => {
    // p1 = 0.01, p2 = 0.03, p = 0.02: (1.959964 * sqrt(0.0392) + 0.841621 * sqrt(0.0099 + 0.0291))^2 / 0.0004
    // = (0.388051 + 0.166219)^2 / 0.0004 = 0.307215 / 0.0004 = 768.04 -> 769
    expect(messagesPerArm(0.01)).toBe(769);
    expect(messagesPerArm(0.99)).toBeNull();
  });
});

describe('variantResults', () => {
  it('gives each arm its lift over the step’s held-out control with the hand-computed 95% interval', () => {
    // Prepare: control 50 of 1,000 held out (5%), spread over both arms; "bold" 70 of 1,000 (7%); "warm" 50 of 1,000.
    const ledger = [
      ...heldOut('h-warm', 500, 25, { variant: 'warm' }),
      ...heldOut('h-bold', 500, 25, { variant: 'bold' }),
      ...items('bold', 1000, 70, { variant: 'bold' }),
      ...items('warm', 1000, 50, { variant: 'warm' }),
    ];

    // Act
    const [warm, bold] = variantResults(config, ledger);

    // Assess. Newcombe's hybrid score interval (method 10), z = 1.959964:
    // Wilson of 70/1000: centre (0.07 + z^2/2000) / (1 + z^2/1000) = 0.0719210 / 1.0038415 = 0.0716455,
    //   half z * sqrt(0.07 * 0.93 / 1000 + z^2 / 4e6) / 1.0038415 = 0.0159305 / 1.0038415 = 0.0158691 -> [0.0557764, 0.0875146]
    // Wilson of 50/1000: centre 0.0519207 / 1.0038415 = 0.0517220, half 0.0136440 / 1.0038415 = 0.0135918 -> [0.0381303, 0.0653138]
    // lower = 0.02 - sqrt((0.07 - 0.0557764)^2 + (0.0653138 - 0.05)^2) = 0.02 - sqrt(0.00020231 + 0.00023451) = 0.02 - 0.0209004 = -0.0009004
    // upper = 0.02 + sqrt((0.0875146 - 0.07)^2 + (0.05 - 0.0381303)^2) = 0.02 + sqrt(0.00030676 + 0.00014089) = 0.02 + 0.0211578 = 0.0411578
    // So +2.0 points [-0.09, +4.12]: not significant at 1,000 a group; 2,213 per arm would tell 2 points at 5%.
    expect(bold).toMatchObject({ journeyId: 'lifecycle', stepId: 'sleeping', variantId: 'bold', messages: 1000, conversions: 70, conversionRate: 0.07, neededPerArm: 2213 });
    expect(bold?.control).toEqual({ heldOut: 1000, conversions: 50, conversionRate: 0.05 });
    expect(bold?.lift?.absolute).toBeCloseTo(0.02, 10);
    expect(bold?.lift?.absoluteInterval[0]).toBeCloseTo(-0.0009004, 6);
    expect(bold?.lift?.absoluteInterval[1]).toBeCloseTo(0.0411578, 6);
    expect(bold?.lift?.significant).toBe(false);
    expect(warm).toMatchObject({ variantId: 'warm', messages: 1000, conversions: 50 });
    expect(warm?.lift?.absolute).toBeCloseTo(0, 10);
  });

  it('has no rows without variants and no lift without a control', () => {
    expect(variantResults(config, items('plain', 10, 1, {}))).toEqual([]);
    expect(variantResults(config, items('bold', 10, 1, { variant: 'bold' }))[0]).toMatchObject({ lift: null, neededPerArm: null });
  });
});

describe('tierResults and programmeResult', () => {
  it('counts messages that went out, conversions and revenue per tier, in config order', () => {
    // Prepare
    const ledger = [...items('v', 4, 2, { tier: 'vip' }), ...items('b', 10, 1, { tier: 'base' }), ...items('f', 3, 0, { tier: 'base', status: 'failed' }), ...heldOut('h', 5, 5, { tier: 'vip' })];

    // Act
    const tiers = tierResults(config, ledger);

    // Assess: failed and held-out items are not messages.
    expect(tiers).toEqual([
      { tierId: 'base', messages: 10, conversions: 1, conversionRate: 0.1, revenue: 100 },
      { tierId: 'vip', messages: 4, conversions: 2, conversionRate: 0.5, revenue: 200 },
    ]);
  });

  it('compares every messaged customer once with the global control, only with holdout.scope global', () => {
    // Prepare: m-0 got two messages (one converted): one converted customer of 3; control 1 of 4.
    const ledger = [...items('m', 3, 1, {}), ...items('m', 1, 0, { journeyId: 'category-recall', stepId: 'coupon-1' }), ...heldOut('h', 4, 1)];

    // Act
    const global = programmeResult({ holdout: { scope: 'global' } }, ledger);
    const perJourney = programmeResult({ holdout: { scope: 'journey' } }, ledger);

    // Assess
    expect(global?.messaged).toEqual({ customers: 3, converted: 1, conversionRate: 1 / 3, revenue: 100 });
    expect(global?.control).toEqual({ customers: 4, converted: 1, conversionRate: 0.25, revenue: 100 });
    expect(global?.lift?.absolute).toBeCloseTo(1 / 3 - 0.25, 10);
    expect(perJourney).toBeNull();
  });
});

describe('the report with variants, tiers and a global control', () => {
  const period = { from: '2026-11-01', to: '2026-11-07' };

  it('shows the sections, in English and Chinese, and writes them as CSV', () => {
    // Prepare
    const ledger = [...heldOut('h', 1000, 50, { variant: 'warm', tier: 'base' }), ...items('bold', 1000, 70, { variant: 'bold', tier: 'vip' })];
    const report = buildReport({ ...config, holdout: { scope: 'global' } }, { ledger, orders: [] }, period, '2026-11-20');

    // Act
    const en = formatReport(report, 'en');
    const zh = formatReport(report, 'zh');
    const csv = Object.fromEntries(reportTables(report, 'en').map((table) => [table.id, tableCsv(table)]));
    const html = renderReportHtml({ report, config, language: 'zh' });

    // Assess
    expect(en).toContain('Variants: each arm against the control');
    expect(en).toMatch(/bold\s+1,000\s+70\/1,000 7\.0%\s+50\/1,000 5\.0%\s+\+2\.0 \[-0\.1, \+4\.1\] not significant\s+2,213/);
    expect(en).toMatch(/至尊VIP\s+1,000\s+70\/1,000 7\.0%/);
    expect(en).toContain('all journeys vs the global control');
    expect(zh).toContain('方案对比：各方案对对照组');
    expect(zh).toContain('各会员等级的消息');
    expect(zh).toContain('全部旅程 vs 全局对照组');
    expect(csv['variants']?.split('\r\n')[1]).toBe('lifecycle,"Recency lifecycle: sleeping, pre-lost, lost",sleeping,sleeping,bold,1000,70,0.07,1000,50,0.05,2,-0.09,4.1158,no,2213');
    expect(csv['tiers']).toContain('vip,至尊VIP,1000,70,0.07,7000');
    expect(csv['programme']).toContain('1000,70,0.07,1000,50,0.05,2,-0.09,4.1158,no,7000,5000');
    expect(html).toContain('<h2>方案、会员等级与整体计划</h2>');
    for (const id of ['variants', 'tiers', 'programme']) expect(html).toContain(`data-table="${id}"`);
  });

  it('leaves the sections out without data for them', () => {
    // Act
    const report = buildReport(config, { ledger: items('plain', 10, 1, {}), orders: [] }, period, '2026-11-20');

    // Assess
    expect(report).toMatchObject({ variants: [], tiers: [], programme: null });
    expect(reportTables(report, 'en').map((table) => table.id)).not.toEqual(expect.arrayContaining(['variants']));
    expect(formatReport(report, 'en')).not.toMatch(/Variants|member tier|global control/);
    expect(renderReportHtml({ report, config, language: 'en' })).not.toContain('Variants, tiers and the programme');
  });
});
