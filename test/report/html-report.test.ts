import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../lib/domain/dates.ts';
import { learnWindows } from '../../lib/domain/windows.ts';
import { renderReportHtml } from '../../lib/report/html.ts';
import type { LedgerEntry, OrderMarker } from '../../lib/domain/records.ts';
import { buildReport } from '../../lib/domain/report.ts';
import { charts, ensureChromium, renderInChromium, seriesCount, type ChromiumAvailability } from '../support/chromium.ts';
import { testConfig } from '../support/fixtures.ts';

const FROM = '2026-11-01';
const TO = '2026-11-14';

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

  it('renders with no console output at all, its script runs, and every chart has its series', async (context) => {
    if (!chromium.ok) context.skip(`Chromium unavailable: ${chromium.reason}`);
    // Prepare
    const config = await testConfig();
    const report = buildReport(config, { ledger: ledger(), orders: orders() }, { from: FROM, to: TO }, '2026-11-20');
    const html = renderReportHtml({ report, config, windows: learnWindows(config, purchasePairs()) });

    // Act
    const rendered = await page('report.html', html);

    // Assess
    expect(rendered.console).toEqual([]);
    expect(rendered.dom).toMatch(/<body[^>]*data-interactive="true"/);
    const found = charts(rendered.dom);
    const daily = found.filter((chart) => chart.chart === 'daily');
    const journeys = found.filter((chart) => chart.chart === 'journeys');
    const windows = found.filter((chart) => chart.chart === 'window');
    expect(daily).toHaveLength(1);
    // Messages (sent, held out) and their conversions (sent, held out).
    expect(seriesCount(daily[0]?.markup ?? '')).toBe(4);
    // Sent vs held out, one bar per journey in each.
    expect(journeys).toHaveLength(1);
    expect(seriesCount(journeys[0]?.markup ?? '')).toBe(2);
    expect([...(journeys[0]?.markup ?? '').matchAll(/class="label"/g)]).toHaveLength(3);
    // One panel per configured category; a curve where there are second purchases.
    expect(windows.map((chart) => chart.category)).toEqual(config.categories.map((category) => category.id));
    const curves = Object.fromEntries(windows.map((chart) => [chart.category, seriesCount(chart.markup)]));
    expect(curves).toEqual({ cosmetics: 1, 'womens-shoes': 1, 'mens-shoes': 1, 'womens-clothing': 1, 'mens-clothing': 0, skincare: 0, 'baby-care': 0, 'pet-food': 0 });
    // The configured window on every curve; the learned 50% point only where there are 30 repeaters.
    for (const chart of windows.filter((candidate) => seriesCount(candidate.markup) > 0)) expect(chart.markup).toContain('class="window"');
    const learned = windows.filter((chart) => chart.markup.includes('class="learned"')).map((chart) => chart.category);
    expect(learned).toEqual(['cosmetics', 'womens-shoes', 'mens-shoes']);
    expect(windows.find((chart) => chart.category === 'womens-clothing')?.markup).toContain('too few repeaters');
    // The funnel per journey and in total; why messages failed; the survey's answers; the flagged step.
    const funnel = found.filter((chart) => chart.chart === 'funnel');
    expect(funnel).toHaveLength(1);
    expect(seriesCount(funnel[0]?.markup ?? '')).toBe(4);
    expect([...(funnel[0]?.markup ?? '').matchAll(/class="label"[^>]*>([^<]+)</g)].map((match) => match[1])).toEqual(['category-recall', 'lifecycle', 'spend-200-ladder', 'total']);
    const failures = found.filter((chart) => chart.chart === 'failures');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.markup).toMatch(/>BLOCKED</);
    expect(failures[0]?.markup).toMatch(/>expired</);
    const survey = found.filter((chart) => chart.chart === 'survey');
    expect(survey).toHaveLength(1);
    expect(survey[0]?.markup).toMatch(/>price<\/text><text class="value"[^>]*>28 \(66\.7%\)</);
    expect(rendered.dom).toMatch(/<ul class="flags"><li>lifecycle\/sleeping: 14 of \d+ recipients/);
    expect(rendered.dom).toMatch(/<table data-table="funnel">/);
    // Self-contained: nothing to fetch.
    expect(html).not.toMatch(/\b(?:src|href)\s*=|url\(|@import/i);
  });

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
