/**
 * The charts of the repurchase analysis page (`recall analyze --html`): ECharts options rendered
 * to inline SVG on the server by the report's own renderer (lib/report/charts.ts).
 */
import type { LifecycleSizes, NextOrderChance, SurvivalCurve } from '../domain/analysis.ts';
import { analysisWordsOf } from './analysis-words.ts';
import { COLORS, percentAxis, renderChart, whisker } from './charts.ts';
import type { Formats, Language } from './i18n.ts';

/** The lifecycle tiers' colours, warm as customers drift away (the tests look for them). */
export const LIFECYCLE_COLORS = { active: '#15803d', sleeping: '#ca8a04', preLost: '#ea580c', lost: '#b91c1c' } as const;
/** The survival curve's 95% band. */
export const BAND_COLOR = '#99f6e4';

const BAR = 34;

/** P(k+1 | k) as bars with their 95% whiskers; the magic number's bar in red with a label above. */
export function nextOrderChart(chances: readonly NextOrderChance[], magic: number | null, language: Language, format: Formats): string {
  const words = analysisWordsOf(language);
  const top = Math.min(1, Math.ceil(Math.max(0.05, ...chances.map((chance) => chance.interval[1])) * 10) / 10);
  return renderChart(
    {
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 44 },
      xAxis: { type: 'category', name: words.ordersSoFar, nameLocation: 'middle', nameGap: 26, data: chances.map((chance) => String(chance.k)) },
      yAxis: { ...percentAxis(), max: top },
      series: [
        {
          type: 'bar',
          name: words.chance,
          barWidth: BAR,
          itemStyle: { color: COLORS.curve },
          data: chances.map((chance) => ({ value: chance.rate, ...(chance.k === magic ? { itemStyle: { color: COLORS.learned } } : {}) })),
          label: { show: true, position: 'insideTop', color: '#fff', fontSize: 11, formatter: (params: { value: unknown }) => (typeof params.value === 'number' ? format.percent(params.value, 0) : '') },
          markPoint:
            magic === null
              ? undefined
              : {
                  symbol: 'pin',
                  symbolSize: 1,
                  silent: true,
                  itemStyle: { color: COLORS.learned },
                  label: { position: 'top', distance: 2, color: COLORS.learned, fontWeight: 'bold', formatter: words.magicMark(magic) },
                  data: chances.filter((chance) => chance.k === magic).map((chance) => ({ name: 'magic', coord: [String(chance.k), chance.interval[1]] })),
                },
        },
        {
          type: 'custom',
          name: words.interval,
          itemStyle: { color: COLORS.ink },
          data: chances.map((chance, index) => [index, ...chance.interval]),
          renderItem: (_params, api) => {
            const [x = 0, low = 0] = api.coord([api.value(0), api.value(1)]);
            const [, high = 0] = api.coord([api.value(0), api.value(2)]);
            return whisker(x, low, high);
          },
        },
      ],
    },
    960,
    320,
    language,
  );
}

/** The four lifecycle tiers' sizes, each with its share of the customers. */
export function lifecycleChart(sizes: LifecycleSizes, language: Language, format: Formats): string {
  const words = analysisWordsOf(language);
  const tiers = (['active', 'sleeping', 'preLost', 'lost'] as const).map((tier) => ({ tier, count: sizes[tier] }));
  const total = tiers.reduce((sum, { count }) => sum + count, 0);
  return renderChart(
    {
      grid: { left: 90, right: 140, top: 8, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: tiers.map(({ tier }) => words.tiers[tier]) },
      series: [
        {
          type: 'bar',
          name: words.customers,
          barMaxWidth: 26,
          data: tiers.map(({ tier, count }) => ({ value: count, itemStyle: { color: LIFECYCLE_COLORS[tier] } })),
          label: {
            show: true,
            position: 'right',
            formatter: (params: { value: unknown }) => (typeof params.value === 'number' ? `${format.number(params.value)} (${format.percent(total > 0 ? params.value / total : null)})` : ''),
          },
        },
      ],
    },
    960,
    170,
    language,
  );
}

/**
 * A category's Kaplan-Meier curve of days to the second purchase (the share not back yet, a step
 * line from 100%), its 95% band, the configured window (dashed) and the 50% point (red dot).
 */
export function survivalChart(input: { title: string; configuredDays: number; survival: SurvivalCurve }, language: Language, format: Formats): string {
  const words = analysisWordsOf(language);
  const { survival, configuredDays } = input;
  const title = { text: input.title, left: 0, top: 0, textStyle: { fontSize: 13 } };
  if (survival.points.length === 0) {
    return renderChart({ title: { ...title, subtext: survival.customers > 0 ? words.noMedian : words.noBuyers } }, 300, 220, language);
  }
  const median = survival.medianDays;
  const last = survival.points[survival.points.length - 1]?.day ?? 1;
  // A year is enough to read a window of weeks; a later 50% point stretches the axis to it.
  const max = Math.min(last, Math.max(365, Math.ceil(((median ?? 0) * 1.2) / 10) * 10, configuredDays * 2));
  const shown = survival.points.filter((point) => point.day <= max);
  const from = (value: (point: SurvivalCurve['points'][number]) => number) => [[0, 1], ...shown.map((point) => [point.day, value(point)])];
  const band = { type: 'line' as const, step: 'end' as const, showSymbol: false, silent: true, name: words.survivalBand, itemStyle: { color: BAND_COLOR }, lineStyle: { width: 1, color: BAND_COLOR } };
  return renderChart(
    {
      title: median === null ? { ...title, subtext: words.noMedian, subtextStyle: { color: '#b45309' } } : title,
      grid: { left: 44, right: 14, top: median === null ? 52 : 36, bottom: 40 },
      xAxis: { type: 'value', name: words.daysAfterFirst(format.number(survival.customers), format.number(survival.events)), nameLocation: 'middle', nameGap: 24, max },
      yAxis: { ...percentAxis(), max: 1, interval: 0.25 },
      series: [
        { ...band, data: from((point) => point.interval[0]) },
        { ...band, data: from((point) => point.interval[1]) },
        {
          type: 'line',
          step: 'end',
          name: words.survivalShare,
          showSymbol: false,
          data: from((point) => point.survival),
          itemStyle: { color: COLORS.curve },
          lineStyle: { width: 2 },
          markLine: {
            symbol: 'none',
            silent: true,
            data: [{ xAxis: configuredDays, label: { formatter: words.window(configuredDays), position: 'insideEndTop' }, lineStyle: { type: 'dashed', color: COLORS.ink } }],
          },
          markPoint: {
            symbol: 'circle',
            symbolSize: 9,
            silent: true,
            itemStyle: { color: COLORS.learned },
            label: { position: 'right', color: COLORS.learned, fontWeight: 'bold', formatter: median === null ? '' : words.medianAt(median) },
            data: median === null ? [] : [{ name: 'median', coord: [median, 0.5] }],
          },
        },
      ],
    },
    300,
    220,
    language,
  );
}
