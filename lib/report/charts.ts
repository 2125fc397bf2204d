/**
 * The report's charts: ECharts options rendered on the server by its SVG renderer into inline SVG
 * strings, so the HTML report stays one file that loads nothing and runs no chart script.
 */
import * as echarts from 'echarts';
import type { Cohort } from '../domain/analysis.ts';
import type { Report, StepResult } from '../domain/report.ts';
import { wilsonInterval } from '../domain/stats.ts';
import type { WindowLearning } from '../domain/windows.ts';
import { wordsOf, type Formats, type Language } from './i18n.ts';
import { compactLift } from './tables.ts';

/** Chinese first in the common Windows, macOS and Linux fonts, so Chinese never shows as boxes where one is installed. */
export const FONT_STACK =
  "system-ui, -apple-system, 'Segoe UI', 'Microsoft YaHei', 'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', sans-serif";

/** One colour per series, the same in every chart (and in the tests that look for them). */
export const COLORS = {
  sent: '#2563eb',
  heldOut: '#f59e0b',
  delivered: '#1d4ed8',
  converted: '#15803d',
  redeemed: '#0f766e',
  handedOver: '#93c5fd',
  reason: '#64748b',
  curve: '#0f766e',
  learned: '#dc2626',
  open: '#cbd5e1',
  ink: '#111827',
  muted: '#6b7280',
} as const;

/** An option rendered to an SVG string at the given size (scaled to the page width by CSS through its viewBox). */
export function renderChart(option: echarts.EChartsOption, width: number, height: number, language: Language): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height, locale: language === 'zh' ? 'ZH' : 'EN' });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT_STACK, color: COLORS.ink }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export const percentAxis = (digits = 0) => ({ type: 'value' as const, axisLabel: { formatter: (value: number) => `${(value * 100).toFixed(digits)}%` } });

/** A 95% interval's whisker at pixel `x`, from `low` to `high`: the line and its two caps (a custom series' item). */
export function whisker(x: number, low: number, high: number) {
  const style = { stroke: COLORS.ink, lineWidth: 1.2 };
  return {
    type: 'group' as const,
    children: [
      { type: 'line' as const, shape: { x1: x, y1: low, x2: x, y2: high }, style },
      { type: 'line' as const, shape: { x1: x - 5, y1: low, x2: x + 5, y2: low }, style },
      { type: 'line' as const, shape: { x1: x - 5, y1: high, x2: x + 5, y2: high }, style },
    ],
  };
}

/** Messages per day or week (bars) and their conversion rate, sent and held out (lines on the right axis). */
export function trendChart(report: Report, language: Language): string {
  const words = wordsOf(language);
  const { bucket, points } = report.trend;
  const label = (point: (typeof points)[number]) => (bucket === 'day' || point.from === point.to ? point.from.slice(5) : `${point.from.slice(5)}~${point.to.slice(5)}`);
  const rate = (x: number, n: number) => (n > 0 ? x / n : null);
  return renderChart(
    {
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 40 },
      xAxis: { type: 'category', data: points.map(label) },
      yAxis: [{ type: 'value', name: words.messages, minInterval: 1 }, { ...percentAxis(), name: words.columns.rate, splitLine: { show: false } }],
      series: [
        { type: 'bar', name: words.stages.sent, data: points.map((point) => point.sent), itemStyle: { color: COLORS.sent } },
        { type: 'bar', name: words.heldOutSeries, data: points.map((point) => point.heldOut), itemStyle: { color: COLORS.heldOut } },
        { type: 'line', name: words.rateSent, yAxisIndex: 1, data: points.map((point) => rate(point.conversionsSent, point.sent)), itemStyle: { color: COLORS.converted }, lineStyle: { width: 2 } },
        { type: 'line', name: words.rateHeldOut, yAxisIndex: 1, data: points.map((point) => rate(point.conversionsHeldOut, point.heldOut)), itemStyle: { color: COLORS.heldOut }, lineStyle: { width: 2, type: 'dashed' } },
      ],
    },
    960,
    360,
    language,
  );
}

const BAR = 26;

/** Conversion rate of sent vs held out per journey, with 95% (Wilson) whiskers and the lift under each journey's name. */
export function journeyChart(report: Report, language: Language, format: Formats): string {
  const words = wordsOf(language);
  const journeys = Object.entries(report.byJourney);
  const names = journeys.map(([id, { total }]) => `${report.names.journeys[id] ?? id}\n${words.lift} ${compactLift(total.lift, words, format)}`);
  const groups = (result: StepResult) => [
    { n: result.sent, x: result.conversions.sent, rate: result.conversionRate.sent },
    { n: result.heldOut, x: result.conversions.heldOut, rate: result.conversionRate.heldOut },
  ];
  const whiskers = journeys.flatMap(([, { total }], index) =>
    groups(total).flatMap((group, side) => (group.n > 0 ? [[index, ...wilsonInterval(group.x, group.n), side === 0 ? -1 : 1]] : [])),
  );
  // The axis reaches the highest whisker, rounded up to 5 points: the intervals are never cut off.
  const top = Math.min(1, Math.ceil(Math.max(0.01, ...whiskers.map((interval) => interval[2] ?? 0)) * 20) / 20);
  const rateLabel = { show: true, position: 'top' as const, formatter: (params: { value: unknown }) => (typeof params.value === 'number' ? format.percent(params.value) : '-') };
  return renderChart(
    {
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 40, bottom: 64 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, width: Math.max(120, 860 / Math.max(1, journeys.length) - 16), overflow: 'break', lineHeight: 16 } },
      yAxis: { ...percentAxis(), max: top },
      series: [
        { type: 'bar', name: words.stages.sent, barWidth: BAR, barGap: '0%', data: journeys.map(([, { total }]) => total.conversionRate.sent), itemStyle: { color: COLORS.sent }, label: rateLabel },
        { type: 'bar', name: words.heldOutSeries, barWidth: BAR, data: journeys.map(([, { total }]) => total.conversionRate.heldOut), itemStyle: { color: COLORS.heldOut }, label: rateLabel },
        {
          type: 'custom',
          name: words.ci,
          data: whiskers,
          itemStyle: { color: COLORS.ink },
          renderItem: (_params, api) => {
            const side = Number(api.value(3));
            const [x = 0, low = 0] = api.coord([api.value(0), api.value(1)]);
            const [, high = 0] = api.coord([api.value(0), api.value(2)]);
            return whisker(x + (side * BAR) / 2, low, high);
          },
        },
      ],
    },
    960,
    360,
    language,
  );
}

/** sent -> delivered -> converted -> redeemed per journey and in total, as shares of each row's sent (a small journey reads as clearly as a big one). */
export function funnelChart(report: Report, language: Language, format: Formats): string {
  const words = wordsOf(language);
  const rows: [string, StepResult][] = [...Object.entries(report.byJourney).map(([id, { total }]): [string, StepResult] => [report.names.journeys[id] ?? id, total]), [words.total, report.totals]];
  const stages = [
    ['sent', COLORS.handedOver],
    ['delivered', COLORS.delivered],
    ['converted', COLORS.converted],
    ['redeemed', COLORS.redeemed],
  ] as const;
  return renderChart(
    {
      legend: { top: 0 },
      grid: { left: 260, right: 90, top: 36, bottom: 28 },
      xAxis: { ...percentAxis(), max: 1, name: words.shareOfSent, nameLocation: 'middle', nameGap: 22 },
      yAxis: { type: 'category', inverse: true, data: rows.map(([name]) => name), axisLabel: { width: 200, overflow: 'breakAll' } },
      series: stages.map(([stage, color]) => ({
        type: 'bar' as const,
        name: words.stages[stage],
        barGap: '10%',
        itemStyle: { color },
        data: rows.map(([, result]) => ({ value: result.funnel.sent > 0 ? result.funnel[stage] / result.funnel.sent : 0, count: result.funnel[stage] })),
        label: { show: true, position: 'right' as const, fontSize: 11, formatter: (params: { data: unknown }) => format.number(countOf(params.data)) },
      })),
    },
    960,
    Math.max(200, 70 + rows.length * 96),
    language,
  );
}

/** The `count` a data item carries beside its plotted share. */
function countOf(data: unknown): number {
  return typeof data === 'object' && data !== null && 'count' in data && typeof data.count === 'number' ? data.count : 0;
}

/** Counts by reason (failures, survey answers), largest first, each with its share. */
export function reasonChart(counts: Record<string, number>, language: Language, format: Formats): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return renderChart(
    {
      grid: { left: 200, right: 110, top: 8, bottom: 24 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: entries.map(([reason]) => reason) },
      series: [
        {
          type: 'bar',
          barMaxWidth: 22,
          itemStyle: { color: COLORS.reason },
          data: entries.map(([, count]) => count),
          label: { show: true, position: 'right', formatter: (params: { value: unknown }) => (typeof params.value === 'number' ? `${format.number(params.value)} (${format.percent(total > 0 ? params.value / total : null)})` : '') },
        },
      ],
    },
    960,
    Math.max(90, 40 + entries.length * 30),
    language,
  );
}

/**
 * Next-month repurchase by first-order month (bars; a month whose month after has not ended is
 * drawn light) and the cohort sizes (line): the report's and the analysis page's, each with its
 * own labels. Bar labels only while they fit (16 months).
 */
export function cohortChart(months: readonly Cohort[], labels: { rate: string; customers: string }, language: Language, format: Formats): string {
  return renderChart(
    {
      legend: { top: 0 },
      grid: { left: 56, right: 64, top: 40, bottom: 32 },
      xAxis: { type: 'category', data: months.map((month) => month.month) },
      yAxis: [{ ...percentAxis(), name: labels.rate }, { type: 'value', name: labels.customers, minInterval: 1, splitLine: { show: false } }],
      series: [
        {
          type: 'bar',
          name: labels.rate,
          barMaxWidth: 40,
          itemStyle: { color: COLORS.curve },
          data: months.map((month) => ({ value: month.rate, itemStyle: { color: month.complete ? COLORS.curve : COLORS.open } })),
          label: { show: months.length <= 16, position: 'top', fontSize: 11, formatter: (params: { value: unknown }) => (typeof params.value === 'number' ? format.percent(params.value) : '') },
        },
        { type: 'line', name: labels.customers, yAxisIndex: 1, data: months.map((month) => month.customers), itemStyle: { color: COLORS.ink } },
      ],
    },
    960,
    300,
    language,
  );
}

/** A category's cumulative share of second purchases by day, the configured window (dashed) and the learned 50% point. */
export function windowChart(window: WindowLearning, language: Language, format: Formats): string {
  const words = wordsOf(language);
  const title = { text: `${window.name} (${window.category})`, left: 0, top: 0, textStyle: { fontSize: 13 } };
  if (window.curve.length === 0) {
    return renderChart({ title: { ...title, subtext: words.noSecondPurchase(format.number(window.buyers)) } }, 300, 200, language);
  }
  const learned = window.learnedDays;
  return renderChart(
    {
      title: learned === null ? { ...title, subtext: words.tooFew(window.repeaters), subtextStyle: { color: '#b45309' } } : title,
      grid: { left: 44, right: 14, top: learned === null ? 52 : 36, bottom: 40 },
      xAxis: { type: 'value', name: words.daysAfterFirst(format.number(window.repeaters)), nameLocation: 'middle', nameGap: 24, max: window.curve[window.curve.length - 1]?.day ?? 1 },
      yAxis: { ...percentAxis(), max: 1, interval: 0.5 },
      series: [
        {
          type: 'line',
          name: window.category,
          showSymbol: false,
          data: window.curve.map((point) => [point.day, point.share]),
          itemStyle: { color: COLORS.curve },
          lineStyle: { width: 2 },
          markLine: {
            symbol: 'none',
            silent: true,
            data: [{ xAxis: window.configuredDays, label: { formatter: words.window(window.configuredDays), position: 'insideEndTop' }, lineStyle: { type: 'dashed', color: COLORS.ink } }],
          },
          markPoint: {
            symbol: 'circle',
            symbolSize: 9,
            itemStyle: { color: COLORS.learned },
            label: { position: 'right', color: COLORS.learned, fontWeight: 'bold', formatter: learned === null ? '' : words.learnedAt(learned) },
            data: learned === null ? [] : [{ name: 'learned', coord: [learned, 0.5] }],
          },
        },
      ],
    },
    300,
    200,
    language,
  );
}
