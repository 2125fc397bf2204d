import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../lib/domain/dates.ts';
import { learnWindows } from '../../lib/domain/windows.ts';
import { renderReportHtml } from '../../lib/report/html.ts';
import type { LedgerEntry, OrderMarker } from '../../lib/domain/records.ts';
import { buildReport } from '../../lib/domain/report.ts';
import { COLORS } from '../../lib/report/charts.ts';
import { charts, ensureChromium, renderInChromium, shapesColoured, svgTexts, type ChromiumAvailability } from '../support/chromium.ts';
import { testConfig } from '../support/fixtures.ts';

const FROM = '2026-11-01';
const TO = '2026-11-14';

/** The journeys the ledger below decided for. */
const LEDGER_JOURNEYS = ['category-recall', 'lifecycle', 'spend-200-ladder'];

/** A fortnight of decisions for three journeys, every group with conversions. */
function ledger(): LedgerEntry[] {
  const items: LedgerEntry[] = [];
  const steps = [
    ['category-recall', 'coupon-1'],
    ['lifecycle', 'sleeping'],
    ['spend-200-ladder', 'month-1'],
  ] as const;
  for (let day = 0; day < 14; day++) {
    const runDate = addDays(FROM, day);
    steps.forEach(([journeyId, stepId], s) => {
      for (let n = 0; n < 12 + day + s * 3; n++) {
        const customerId = `c${day}-${s}-${n}`;
        const base = { customerId, journeyId, cycle: '2026-08-01', stepId, runDate };
        if (n % 10 === 0) items.push({ ...base, outcome: 'held-out', ...(n % 20 === 0 ? { convertedBy: `o-${customerId}`, revenue: 120 } : {}) });
        else if (n % 13 === 0) items.push({ ...base, outcome: 'skipped:no-consent' });
        else
          items.push({
            ...base,
            outcome: 'sent',
            status: n % 11 === 0 ? 'failed' : n % 9 === 0 ? 'expired' : n % 2 === 0 ? 'delivered' : 'sent',
            channel: 'sms',
            parts: 2,
            couponValue: 50,
            ...(n % 11 === 0 ? { markedBy: 'provider', failureReason: 'BLOCKED' } : {}),
            ...(n % 4 === 0 ? { priceUsd: 0.0118, billedParts: 2 } : {}),
            ...(n % 7 === 0 ? { convertedBy: `o-${customerId}`, revenue: 260, redeemedBy: `o-${customerId}` } : {}),
            // lifecycle/sleeping drives one recipient a day away: flagged.
            ...(s === 1 && n === 3 ? { optedOutAt: `${runDate}T12:00:00+08:00` } : {}),
          });
      }
    });
    // The lifecycle's survey: why did you stop buying?
    ['price', 'price', 'quality', undefined].forEach((reply, n) =>
      items.push({ customerId: `q${day}-${n}`, journeyId: 'lifecycle', cycle: '2026-08-01', stepId: 'lost', runDate, outcome: 'sent', status: 'delivered', channel: 'sms', parts: 1, ...(reply ? { reply } : {}) }),
    );
  }
  return items;
}

function orders(): OrderMarker[] {
  return Array.from({ length: 60 }, (_, n) => ({ customerId: `b${n % 40}`, orderId: `o${n}`, orderDate: addDays('2026-10-01', n), total: 150, applied: true }));
}

/** cosmetics, womens-shoes, mens-shoes: 40 repeaters each; womens-clothing: 10 (flagged); the rest: buyers only or nothing. */
function purchasePairs() {
  const pairs: { category: string; firstDate: string; secondDate?: string }[] = [];
  for (const [category, base] of [['cosmetics', 60], ['womens-shoes', 70], ['mens-shoes', 100]] as const) {
    for (let n = 0; n < 40; n++) pairs.push({ category, firstDate: '2025-01-01', secondDate: addDays('2025-01-01', base + n) });
  }
  for (let n = 0; n < 10; n++) pairs.push({ category: 'womens-clothing', firstDate: '2025-01-01', secondDate: addDays('2025-01-01', 30 + n) });
  pairs.push({ category: 'skincare', firstDate: '2025-01-01' });
  return pairs;
}

describe('the HTML report in headless Chromium', () => {
  let chromium: ChromiumAvailability;
  let dir: string;

  beforeAll(async () => {
    chromium = await ensureChromium();
    if (!chromium.ok) process.stderr.write(`\nSKIPPING the headless Chromium checks of the HTML report: ${chromium.reason}\n\n`);
    dir = await mkdtemp(join(tmpdir(), 'recall-html-'));
  }, 600_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function page(name: string, html: string) {
    const file = join(dir, name);
    await writeFile(file, html);
    if (!chromium.ok) throw new Error(chromium.reason);
    return renderInChromium(chromium.path, file);
  }

  const expected = {
    en: { sent: 'sent', heldOut: 'held out (control)', rateSent: 'conversion, sent', stages: ['sent', 'delivered', 'converted', 'redeemed'], total: 'total', lang: 'en' },
    zh: { sent: '发送', heldOut: '对照组（未发送）', rateSent: '转化率（发送）', stages: ['发送', '送达', '转化', '核销'], total: '合计', lang: 'zh-CN' },
  } as const;

  for (const language of ['zh', 'en'] as const) {
    it(`in ${language}: renders with no console output at all, and every chart has its series`, async (context) => {
      if (!chromium.ok) context.skip(`Chromium unavailable: ${chromium.reason}`);
      // Prepare
      const config = await testConfig();
      const report = buildReport(config, { ledger: ledger(), orders: orders() }, { from: FROM, to: TO }, '2026-11-20');
      const html = renderReportHtml({ report, config, language, windows: learnWindows(config, purchasePairs()) });
      const words = expected[language];

      // Act
      const rendered = await page(`report-${language}.html`, html);

      // Assess
      expect(rendered.console).toEqual([]);
      expect(rendered.dom).toContain(`<html lang="${words.lang}">`);
      const found = charts(rendered.dom);
      const only = (name: string) => {
        const matching = found.filter((chart) => chart.chart === name);
        expect(matching, name).toHaveLength(1);
        return matching[0]?.markup ?? '';
      };
      // The trend: 14 days of 15 to 38 sent messages a day are not quiet, so per day: bars of sent
      // and held out, and a line of each group's conversion rate.
      const trend = only('trend');
      expect(found.find((chart) => chart.chart === 'trend')?.attributes.bucket).toBe('day');
      expect(svgTexts(trend)).toEqual(expect.arrayContaining([words.sent, words.heldOut, words.rateSent, '11-01', '11-14']));
      expect(shapesColoured(trend, COLORS.sent)).toBeGreaterThanOrEqual(14);
      expect(shapesColoured(trend, COLORS.heldOut)).toBeGreaterThanOrEqual(14);
      expect(shapesColoured(trend, COLORS.converted, 'stroke')).toBeGreaterThanOrEqual(1);
      // Sent vs held out per journey, named from the config, each bar with its whisker.
      const journeys = only('journeys');
      const names = config.journeys.filter((journey) => LEDGER_JOURNEYS.includes(journey.id)).map((journey) => journey.name);
      for (const name of names) expect(svgTexts(journeys).join('\n')).toContain(name.slice(0, 12));
      // Three bars each, and the legend's swatch.
      expect(shapesColoured(journeys, COLORS.sent)).toBe(3 + 1);
      expect(shapesColoured(journeys, COLORS.heldOut)).toBe(3 + 1);
      expect(shapesColoured(journeys, COLORS.ink, 'stroke')).toBe(6 * 3);
      // The funnel per journey and in total, four stages.
      const funnel = only('funnel');
      expect(svgTexts(funnel)).toEqual(expect.arrayContaining([...words.stages, words.total]));
      for (const colour of [COLORS.handedOver, COLORS.delivered, COLORS.converted, COLORS.redeemed]) expect(shapesColoured(funnel, colour)).toBe(4 + 1);
      // Why messages failed; the survey's answers, largest first.
      expect(svgTexts(only('failures'))).toEqual(expect.arrayContaining(['BLOCKED', 'expired']));
      const survey = svgTexts(only('survey'));
      expect(survey).toEqual(expect.arrayContaining(['price', 'quality', '28 (66.7%)']));
      // Cohorts: the months of the order markers (October and November 2026).
      expect(svgTexts(only('cohorts'))).toEqual(expect.arrayContaining(['2026-10', '2026-11']));
      // One window panel per configured category; a curve where there are second purchases, the learned point from 30 repeaters.
      const windows = found.filter((chart) => chart.chart === 'window');
      expect(windows.map((chart) => chart.attributes.category)).toEqual(config.categories.map((category) => category.id));
      const curves = windows.filter((chart) => shapesColoured(chart.markup, COLORS.curve, 'stroke') > 0).map((chart) => chart.attributes.category);
      expect(curves).toEqual(['cosmetics', 'womens-shoes', 'mens-shoes', 'womens-clothing']);
      const learned = windows.filter((chart) => shapesColoured(chart.markup, COLORS.learned) > 0).map((chart) => chart.attributes.category);
      expect(learned).toEqual(['cosmetics', 'womens-shoes', 'mens-shoes']);
      // The tables, a row per step, journey total and total; the flagged step.
      expect([...rendered.dom.matchAll(/<table data-table="([a-z]+)">/g)].map((match) => match[1])).toEqual(['decisions', 'results', 'funnel']);
      expect(rendered.dom).toMatch(/<ul class="flags"><li>[^<]*sleeping[^<]*14[^<]*<\/li>/);
      // Self-contained: nothing to fetch (an SVG's url(#id) points inside the file).
      expect(html).not.toMatch(/\b(?:src|href)\s*=|url\((?!#)|@import/i);
      expect(html).toContain("'Microsoft YaHei', 'PingFang SC'");
      expect(html).toContain("'Noto Sans CJK SC'");
    });
  }

  it('the check sees a broken page: console errors and blocked requests are reported', async (context) => {
    if (!chromium.ok) context.skip(`Chromium unavailable: ${chromium.reason}`);
    const broken = await page(
      'broken.html',
      `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'"></head><body><img src="http://example.invalid/x.png"><script>console.error('boom'); missing();</script></body></html>`,
    );
    expect(broken.console.join('\n')).toMatch(/boom/);
    expect(broken.console.join('\n')).toMatch(/Uncaught ReferenceError/);
    expect(broken.console.join('\n')).toMatch(/Content Security Policy/);
  });
});
