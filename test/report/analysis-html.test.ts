import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cohorts, lifecycleSizes, magicNumber, nextOrderChances, rfmGrid, survivalCurve, type CustomerOrders } from '../../lib/domain/analysis.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { LIFECYCLE_COLORS } from '../../lib/report/analysis-charts.ts';
import { renderAnalysisHtml } from '../../lib/report/analysis-html.ts';
import { COLORS } from '../../lib/report/charts.ts';
import type { RepurchaseAnalysis } from '../../lib/usecases/analyze.ts';
import { charts, ensureChromium, renderInChromium, shapesColoured, svgTexts, type ChromiumAvailability } from '../support/chromium.ts';
import { testConfig } from '../support/fixtures.ts';

const AS_OF = '2026-11-30';

/** 1,000 customers: 700 with one order, 150 with two, 60 three, 35 four, 25 five, 30 six. */
function customers(): CustomerOrders[] {
  const byCount: [number, number][] = [[1, 700], [2, 150], [3, 60], [4, 35], [5, 25], [6, 30]];
  let n = 0;
  return byCount.flatMap(([count, many]) =>
    Array.from({ length: many }, () => {
      const first = addDays('2026-01-05', (n++ * 7) % 300);
      return { customerId: `c${n}`, orders: Array.from({ length: count }, (_, k) => ({ date: addDays(first, k * 20), total: 100 + 50 * k })) };
    }),
  );
}

async function analysis(): Promise<RepurchaseAnalysis> {
  const config = await testConfig();
  const list = customers();
  const nextOrder = nextOrderChances(list.map((customer) => customer.orders.length));
  // cosmetics: 60 of 100 back on days 30 to 89, the 50th on day 79 (its 50% point); skincare: 10 of 50 (none); the others: no buyers.
  const observations: Record<string, { days: number; event: boolean }[]> = {
    cosmetics: Array.from({ length: 100 }, (_, i) => (i < 60 ? { days: 30 + i, event: true } : { days: 200, event: false })),
    skincare: Array.from({ length: 50 }, (_, i) => (i < 10 ? { days: 40 + i, event: true } : { days: 150, event: false })),
  };
  return {
    asOf: AS_OF,
    customers: list.length,
    orders: list.reduce((sum, customer) => sum + customer.orders.length, 0),
    nextOrder,
    magicNumber: magicNumber(nextOrder),
    cohorts: cohorts(list, AS_OF),
    lifecycle: lifecycleSizes(list, AS_OF),
    rfm: rfmGrid(list, AS_OF),
    windows: config.categories.map((category) => ({ category: category.id, configuredDays: category.windowDays, learnedDays: category.id === 'cosmetics' ? 59 : null, survival: survivalCurve(observations[category.id] ?? []) })),
    invalidItems: 0,
    readUnits: 12.5,
  };
}

describe('the repurchase analysis page in headless Chromium', () => {
  let chromium: ChromiumAvailability;
  let dir: string;

  beforeAll(async () => {
    chromium = await ensureChromium();
    if (!chromium.ok) process.stderr.write(`\nSKIPPING the headless Chromium checks of the analysis page: ${chromium.reason}\n\n`);
    dir = await mkdtemp(join(tmpdir(), 'recall-analysis-html-'));
  }, 600_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const expected = {
    en: { lang: 'en', chance: 'chance of a next order', magic: 'magic number: 3', tiers: ['active', 'sleeping', 'pre-lost', 'lost'], median: '50% at 79 d', rfm: '· avg ' },
    zh: { lang: 'zh-CN', chance: '再次下单概率', magic: '魔法数字：3', tiers: ['活跃', '沉睡', '预流失', '流失'], median: '50% 于 79 天', rfm: '人 · 人均 ' },
  } as const;

  it('the hand-made shop levels off after 3 orders (P(k+1 | k) 30%, 50%, 60%, 61%)', async () => {
    const shop = await analysis();
    expect(shop.nextOrder.slice(0, 4).map((step) => Math.round(step.rate * 100))).toEqual([30, 50, 60, 61]);
    expect(shop.magicNumber).toBe(3);
  });

  for (const language of ['zh', 'en'] as const) {
    it(`in ${language}: renders with no console output at all, and every chart has its series`, async (context) => {
      if (!chromium.ok) context.skip(`Chromium unavailable: ${chromium.reason}`);
      // Prepare
      const config = await testConfig();
      const shop = await analysis();
      const html = renderAnalysisHtml({ analysis: shop, config, language });
      const words = expected[language];
      const file = join(dir, `analysis-${language}.html`);
      await writeFile(file, html);

      // Act
      const rendered = await renderInChromium(chromium.ok ? chromium.path : '', file);

      // Assess
      expect(rendered.console).toEqual([]);
      expect(rendered.dom).toContain(`<html lang="${words.lang}">`);
      const found = charts(rendered.dom);
      const only = (name: string) => {
        const matching = found.filter((chart) => chart.chart === name);
        expect(matching, name).toHaveLength(1);
        return matching[0] ?? { markup: '', attributes: {} as Record<string, string> };
      };
      // P(k+1 | k) for k = 1..6: a bar each (the magic number's in red), the legend, the whiskers and the mark.
      const nextOrder = only('next-order');
      expect(nextOrder.attributes.magic).toBe('3');
      expect(svgTexts(nextOrder.markup)).toEqual(expect.arrayContaining([words.chance, words.magic, '1', '6']));
      expect(shapesColoured(nextOrder.markup, COLORS.curve)).toBe(5 + 1);
      // The magic number's bar and its mark.
      expect(shapesColoured(nextOrder.markup, COLORS.learned)).toBe(1 + 1);
      expect(shapesColoured(nextOrder.markup, COLORS.ink, 'stroke')).toBeGreaterThanOrEqual(3 * 6);
      // Cohorts: a bar per first-purchase month and the cohort sizes.
      const cohortMonths = shop.cohorts.map((cohort) => cohort.month);
      expect(cohortMonths.length).toBeGreaterThan(5);
      const cohortChart = only('cohorts').markup;
      expect(svgTexts(cohortChart)).toEqual(expect.arrayContaining([cohortMonths[0], cohortMonths.at(-1)]));
      expect(shapesColoured(cohortChart, COLORS.ink, 'stroke')).toBeGreaterThanOrEqual(1);
      // Lifecycle: the four tiers, a bar each, counts adding up to the customers.
      const lifecycle = only('lifecycle').markup;
      expect(svgTexts(lifecycle)).toEqual(expect.arrayContaining([...words.tiers]));
      for (const colour of Object.values(LIFECYCLE_COLORS)) expect(shapesColoured(lifecycle, colour)).toBe(1);
      expect(Object.values(shop.lifecycle).reduce((a, b) => a + b, 0)).toBe(shop.customers);
      // RFM: every customer in one cell, each cell with its average spend in the shop's currency.
      const cells = [...rendered.dom.matchAll(/<td [^>]*data-customers="(\d+)"[^>]*>([^<]*)<\/td>/g)];
      expect(cells.reduce((sum, cell) => sum + Number(cell[1]), 0)).toBe(shop.customers);
      for (const cell of cells) expect(cell[2]).toContain(words.rfm);
      expect(cells.map((cell) => cell[2]).join('')).toContain('¥');
      // Survival: a panel per configured category; a curve where someone came back, the 50% point where half did.
      const survival = found.filter((chart) => chart.chart === 'survival');
      expect(survival.map((chart) => chart.attributes.category)).toEqual(config.categories.map((category) => category.id));
      expect(survival.filter((chart) => shapesColoured(chart.markup, COLORS.curve, 'stroke') > 0).map((chart) => chart.attributes.category)).toEqual(['cosmetics', 'skincare']);
      expect(survival.filter((chart) => shapesColoured(chart.markup, COLORS.learned) > 0).map((chart) => chart.attributes.category)).toEqual(['cosmetics']);
      expect(svgTexts(survival[0]?.markup ?? '')).toContain(words.median);
      expect([...rendered.dom.matchAll(/<table [^>]*data-table="([a-z-]+)"/g)].map((match) => match[1])).toEqual(['next-order', 'rfm', 'survival']);
      // Self-contained: nothing to fetch (an SVG's url(#id) points inside the file); the CJK font stack.
      expect(html).not.toMatch(/\b(?:src|href)\s*=|url\((?!#)|@import/i);
      expect(html).toContain("'Microsoft YaHei', 'PingFang SC'");
      expect(html).toContain("'Noto Sans CJK SC'");
    });
  }
});
