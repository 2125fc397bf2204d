import type { Report, StepResult } from '../domain/report.ts';
import type { Lift } from '../domain/stats.ts';
import { formats, wordsOf, type Formats, type Language, type Words } from './i18n.ts';

/**
 * The report's tables, each defined once: the text report and the HTML report show a row's
 * `text` cells, `--csv` writes its `csv` values (numbers as numbers, ids and names apart).
 */

export interface ReportTable {
  /** The CSV file's name without `.csv`. */
  id: 'decisions' | 'results' | 'funnel' | 'trend' | 'cohorts' | 'failures' | 'survey' | 'variants' | 'tiers' | 'programme';
  title: string;
  /** What the table's figures mean, shown under it. */
  note?: string;
  /** Shown in the text and HTML report; the others back a chart and are exported only. */
  shown: boolean;
  columns: { header: string; csvHeaders: string[] }[];
  rows: { total: boolean; cells: { text: string; csv: (string | number | null)[] }[] }[];
}

type Cell = ReportTable['rows'][number]['cells'][number];
type Csv = Cell['csv'][number];

const cell = (text: string, ...csv: Csv[]): Cell => ({ text, csv: csv.length ? csv : [text] });
const plain = (value: number, format: Formats): Cell => cell(format.number(value), value);
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Every row a step table has: each journey's steps, the journey's total where it has several, the grand total. */
interface StepRow {
  journeyId: string;
  stepId: string;
  label: string;
  total: boolean;
  result: StepResult;
}

function stepRows(report: Report, words: Words): StepRow[] {
  const rows: StepRow[] = [];
  for (const [journeyId, { total, steps }] of Object.entries(report.byJourney)) {
    const journey = report.names.journeys[journeyId] ?? journeyId;
    for (const [stepId, result] of Object.entries(steps)) rows.push({ journeyId, stepId, label: `${journey} · ${report.names.steps[journeyId]?.[stepId] ?? stepId}`, total: false, result });
    if (Object.keys(steps).length > 1) rows.push({ journeyId, stepId: '', label: `${journey} ${words.all}`, total: true, result: total });
  }
  rows.push({ journeyId: '', stepId: '', label: words.total, total: true, result: report.totals });
  return rows;
}

/** "+2.1 pts [-0.4, +4.6] n.s." */
export function compactLift(lift: Lift | null, words: Words, format: Formats): string {
  if (!lift) return '-';
  const [low, high] = lift.absoluteInterval;
  return `${format.points(lift.absolute)} [${format.points(low)}, ${format.points(high)}]${lift.significant ? '' : ` ${words.notSignificant}`}`;
}

/** An estimate with its interval, "¥1,200 [¥-300, ¥2,700]"; marked when the lift behind it is not significant. */
function estimate(value: number | null, interval: readonly [number, number | null] | null, show: (value: number) => string, significant: boolean, words: Words): string {
  if (value === null) return '-';
  const range = interval ? ` [${show(interval[0])}, ${interval[1] === null ? '∞' : show(interval[1])}]` : '';
  return `${show(value)}${range}${significant ? '' : ` ${words.notSignificant}`}`;
}

function stepTable(id: 'decisions' | 'results' | 'funnel', report: Report, words: Words, format: Formats, columns: [string, string[], (row: StepRow) => Cell][]): ReportTable {
  const c = words.columns;
  return {
    id,
    title: words.tables[id],
    shown: true,
    columns: [{ header: `${c.journey} · ${c.step}`, csvHeaders: [c.journeyId, c.journey, c.stepId, c.step] }, ...columns.map(([header, csvHeaders]) => ({ header, csvHeaders: csvHeaders.length ? csvHeaders : [header] }))],
    rows: stepRows(report, words).map((row) => ({
      total: row.total,
      cells: [
        cell(row.label, row.journeyId || words.total, row.journeyId ? (report.names.journeys[row.journeyId] ?? row.journeyId) : words.total, row.stepId, row.stepId ? (report.names.steps[row.journeyId]?.[row.stepId] ?? row.stepId) : ''),
        ...columns.map(([, , make]) => make(row)),
      ],
    })),
  };
}

const reasonText = (counts: Record<string, number>, format: Formats) =>
  Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${format.number(count)}`)
    .join(', ') || '-';

/** Every table of the report in one language. */
export function reportTables(report: Report, language: Language): ReportTable[] {
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  const c = words.columns;
  const money = (value: number | null) => (value === null ? cell('-', null) : cell(format.money(value), value));
  const conversion = (x: number, n: number, rate: number | null) => cell(n === 0 ? '-' : `${format.number(x)}/${format.number(n)} ${format.percent(rate)}`, x, rate === null ? null : round(rate, 6));
  const spend = (r: StepResult) => r.smsSpend.shopCurrency + r.couponCost;

  const decisions = stepTable('decisions', report, words, format, [
    [c.candidates, [], (row) => plain(row.result.candidates, format)],
    [c.sent, [], (row) => plain(row.result.sent, format)],
    [c.heldOut, [], (row) => plain(row.result.heldOut, format)],
    [c.skipped, [], (row) => cell(reasonText(row.result.skipped, format))],
    [c.notDelivered, [], (row) => plain(row.result.notDelivered, format)],
  ]);

  const results = stepTable('results', report, words, format, [
    [c.conversionSent, [`${c.conversionSent}`, `${c.conversionSent} ${c.rate}`], (row) => conversion(row.result.conversions.sent, row.result.sent, row.result.conversionRate.sent)],
    [c.conversionHeldOut, [`${c.conversionHeldOut}`, `${c.conversionHeldOut} ${c.rate}`], (row) => conversion(row.result.conversions.heldOut, row.result.heldOut, row.result.conversionRate.heldOut)],
    [
      c.lift,
      [c.liftPoints, c.liftLow, c.liftHigh, c.significant],
      ({ result: { lift } }) =>
        cell(
          compactLift(lift, words, format),
          lift ? round(lift.absolute * 100, 4) : null,
          lift ? round(lift.absoluteInterval[0] * 100, 4) : null,
          lift ? round(lift.absoluteInterval[1] * 100, 4) : null,
          lift ? (lift.significant ? c.yes : c.no) : null,
        ),
    ],
    [c.relative, [], ({ result: { lift } }) => (lift?.relative == null ? cell('-', null) : cell(`${format.signed(lift.relative * 100, 0)}%`, round(lift.relative, 6)))],
    [c.revenue, [], (row) => money(row.result.revenue.sent)],
    [
      c.incrementalRevenue,
      [c.incrementalRevenue, c.incrementalRevenueLow, c.incrementalRevenueHigh],
      ({ result: r }) =>
        cell(estimate(r.incrementalRevenue, r.incrementalRevenueInterval, format.money, r.lift?.significant ?? false, words), r.incrementalRevenue, r.incrementalRevenueInterval?.[0] ?? null, r.incrementalRevenueInterval?.[1] ?? null),
    ],
    [
      c.returnOnSpend,
      [c.returnOnSpend, c.returnOnSpendLow, c.returnOnSpendHigh],
      ({ result: r }) =>
        cell(estimate(r.returnOnSpend, r.returnOnSpendInterval, (value) => `${format.number(value)}x`, r.lift?.significant ?? false, words), r.returnOnSpend, r.returnOnSpendInterval?.[0] ?? null, r.returnOnSpendInterval?.[1] ?? null),
    ],
    [c.costPerConversion, [], (row) => money(row.result.costPerConversion)],
    [
      c.costPerIncremental,
      [c.costPerIncremental, `${c.costPerIncremental} ${c.from}`, `${c.costPerIncremental} ${c.to}`],
      ({ result: r }) =>
        cell(
          estimate(r.costPerIncrementalConversion, r.costPerIncrementalConversionInterval, format.money, r.lift?.significant ?? false, words),
          r.costPerIncrementalConversion,
          r.costPerIncrementalConversionInterval?.[0] ?? null,
          r.costPerIncrementalConversionInterval?.[1] ?? null,
        ),
    ],
  ]);

  const funnel = stepTable('funnel', report, words, format, [
    [c.sent, [], (row) => plain(row.result.funnel.sent, format)],
    [
      c.delivered,
      [],
      ({ result: r }) => cell(`${format.number(r.funnel.delivered)}${r.funnel.sent ? ` (${format.percent(r.funnel.delivered / r.funnel.sent)})` : ''}`, r.funnel.delivered),
    ],
    [c.unconfirmed, [], (row) => plain(row.result.unconfirmed, format)],
    [c.failed, [c.failed, `${c.failed}: ${c.reason}`], ({ result: r }) => cell(sum(r.failures) ? `${format.number(sum(r.failures))}: ${reasonText(r.failures, format)}` : '-', sum(r.failures), reasonText(r.failures, format))],
    [c.converted, [], (row) => plain(row.result.funnel.converted, format)],
    [c.redeemed, [], (row) => plain(row.result.funnel.redeemed, format)],
    [c.smsSpend, [c.smsUsd, c.smsSpend], ({ result: r }) => cell(`${format.money(r.smsSpend.shopCurrency)} (${format.number(r.smsSpend.usd, 4)} USD)`, r.smsSpend.usd, r.smsSpend.shopCurrency)],
    [c.couponCost, [], (row) => money(row.result.couponCost)],
    [c.spend, [], (row) => money(Math.round(spend(row.result) * 100) / 100)],
    [
      c.optOuts,
      [c.optOuts, `${c.optOuts} ${c.rate}`],
      ({ result: r }) => cell(r.optOuts ? `${format.number(r.optOuts)} (${format.percent(r.optOutRate)})${r.optOutFlag ? ` ${words.flaggedMark}` : ''}` : '-', r.optOuts, r.optOutRate === null ? null : round(r.optOutRate, 6)),
    ],
  ]);

  const rate = (x: number, n: number) => (n > 0 ? round(x / n, 6) : null);
  const trend: ReportTable = {
    id: 'trend',
    title: words.tables.trend,
    shown: false,
    columns: [c.from, c.to, c.sent, c.heldOut, c.conversionSent, c.conversionHeldOut, words.rateSent, words.rateHeldOut].map((header) => ({ header, csvHeaders: [header] })),
    rows: report.trend.points.map((point) => ({
      total: false,
      cells: [
        cell(point.from),
        cell(point.to),
        plain(point.sent, format),
        plain(point.heldOut, format),
        plain(point.conversionsSent, format),
        plain(point.conversionsHeldOut, format),
        cell(format.percent(rate(point.conversionsSent, point.sent)), rate(point.conversionsSent, point.sent)),
        cell(format.percent(rate(point.conversionsHeldOut, point.heldOut)), rate(point.conversionsHeldOut, point.heldOut)),
      ],
    })),
  };
  const cohorts: ReportTable = {
    id: 'cohorts',
    title: words.tables.cohorts,
    shown: false,
    columns: [c.month, c.customers, c.nextMonth, c.rate, c.complete].map((header) => ({ header, csvHeaders: [header] })),
    rows: report.cohorts.months.map((month) => ({
      total: false,
      cells: [cell(month.month), plain(month.customers, format), plain(month.nextMonth, format), cell(format.percent(month.rate), round(month.rate, 6)), cell(month.complete ? c.yes : c.no)],
    })),
  };
  const reasons = (id: 'failures' | 'survey', entries: [string, string, number][]): ReportTable => ({
    id,
    title: words.tables[id],
    shown: false,
    columns: [`${c.journey} · ${c.step}`, id === 'failures' ? c.reason : c.answer, c.count].map((header) => ({ header, csvHeaders: [header] })),
    rows: entries.map(([where, reason, count]) => ({ total: false, cells: [cell(where), cell(reason), plain(count, format)] })),
  });
  const byStep = stepRows(report, words).filter((row) => !row.total);
  return [
    decisions,
    results,
    funnel,
    trend,
    cohorts,
    reasons('failures', byStep.flatMap((row) => Object.entries(row.result.failures).map(([reason, count]): [string, string, number] => [row.label, reason, count]))),
    reasons('survey', byStep.flatMap((row) => Object.entries(row.result.survey).map(([answer, count]): [string, string, number] => [row.label, answer, count]))),
    // Only with data: a shop without variants, tiers or a global control sees no empty table.
    ...segmentTables(report, words, format).filter((table) => table.rows.length > 0),
  ];
}

/** Lift cells as the results table has them: the text, then points, low, high and significance for CSV. */
function liftCell(lift: Lift | null, words: Words, format: Formats): Cell {
  const c = words.columns;
  return cell(
    compactLift(lift, words, format),
    lift ? round(lift.absolute * 100, 4) : null,
    lift ? round(lift.absoluteInterval[0] * 100, 4) : null,
    lift ? round(lift.absoluteInterval[1] * 100, 4) : null,
    lift ? (lift.significant ? c.yes : c.no) : null,
  );
}

/** Variants per tested step, messages per tier, and the programme against the global control. */
function segmentTables(report: Report, words: Words, format: Formats): ReportTable[] {
  const c = words.columns;
  const conversion = (x: number, n: number, rate: number | null) => cell(n === 0 ? '-' : `${format.number(x)}/${format.number(n)} ${format.percent(rate)}`, x, rate === null ? null : round(rate, 6));
  const headers = (list: [string, string[]][]) => list.map(([header, csvHeaders]) => ({ header, csvHeaders: csvHeaders.length ? csvHeaders : [header] }));
  const liftHeaders: [string, string[]] = [c.lift, [c.liftPoints, c.liftLow, c.liftHigh, c.significant]];
  const variants: ReportTable = {
    id: 'variants',
    title: words.tables.variants,
    note: words.variantsNote,
    shown: true,
    columns: headers([
      [`${c.journey} · ${c.step}`, [c.journeyId, c.journey, c.stepId, c.step]],
      [c.variant, []],
      [c.messages, []],
      [c.conversionSent, [c.conversionSent, `${c.conversionSent} ${c.rate}`]],
      [c.conversionHeldOut, [c.heldOut, c.conversionHeldOut, `${c.conversionHeldOut} ${c.rate}`]],
      liftHeaders,
      [c.neededPerArm, []],
    ]),
    rows: report.variants.map((variant) => {
      const journey = report.names.journeys[variant.journeyId] ?? variant.journeyId;
      const step = report.names.steps[variant.journeyId]?.[variant.stepId] ?? variant.stepId;
      const control = conversion(variant.control.conversions, variant.control.heldOut, variant.control.conversionRate);
      return {
        total: false,
        cells: [
          cell(`${journey} · ${step}`, variant.journeyId, journey, variant.stepId, step),
          cell(variant.variantId),
          plain(variant.messages, format),
          conversion(variant.conversions, variant.messages, variant.conversionRate),
          { ...control, csv: [variant.control.heldOut, ...control.csv] },
          liftCell(variant.lift, words, format),
          variant.neededPerArm === null ? cell('-', null) : plain(variant.neededPerArm, format),
        ],
      };
    }),
  };
  const tiers: ReportTable = {
    id: 'tiers',
    title: words.tables.tiers,
    note: words.tiersNote,
    shown: true,
    columns: headers([
      [c.tier, [c.tierId, c.tier]],
      [c.messages, []],
      [c.conversionSent, [c.conversionSent, `${c.conversionSent} ${c.rate}`]],
      [c.revenue, []],
    ]),
    rows: report.tiers.map((tier) => ({
      total: false,
      cells: [
        cell(report.names.tiers[tier.tierId] ?? tier.tierId, tier.tierId, report.names.tiers[tier.tierId] ?? tier.tierId),
        plain(tier.messages, format),
        conversion(tier.conversions, tier.messages, tier.conversionRate),
        cell(format.money(tier.revenue), tier.revenue),
      ],
    })),
  };
  const { programme } = report;
  const programmeTable: ReportTable = {
    id: 'programme',
    title: words.tables.programme,
    note: words.programmeNote,
    shown: true,
    columns: headers([
      [c.scope, []],
      [c.conversionMessaged, [c.messagedCustomers, c.messagedConverted, c.messagedRate]],
      [c.conversionControl, [c.controlCustomers, c.controlConverted, c.controlRate]],
      liftHeaders,
      [c.revenueBoth, [c.messagedRevenue, c.controlRevenue]],
    ]),
    rows: programme
      ? [
          {
            total: true,
            cells: [
              cell(words.programme),
              { ...conversion(programme.messaged.converted, programme.messaged.customers, programme.messaged.conversionRate), csv: [programme.messaged.customers, programme.messaged.converted, programme.messaged.conversionRate === null ? null : round(programme.messaged.conversionRate, 6)] },
              { ...conversion(programme.control.converted, programme.control.customers, programme.control.conversionRate), csv: [programme.control.customers, programme.control.converted, programme.control.conversionRate === null ? null : round(programme.control.conversionRate, 6)] },
              liftCell(programme.lift, words, format),
              cell(`${format.money(programme.messaged.revenue)} / ${format.money(programme.control.revenue)}`, programme.messaged.revenue, programme.control.revenue),
            ],
          },
        ]
      : [],
  };
  return [variants, tiers, programmeTable];
}

/** A table as CSV for Excel: UTF-8 with a byte order mark (Chinese opens right), CRLF line ends, RFC 4180 quoting. */
export function tableCsv(table: ReportTable): string {
  const quote = (value: Csv) => {
    const text = value === null ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [table.columns.flatMap((column) => column.csvHeaders), ...table.rows.map((row) => row.cells.flatMap((value) => value.csv))].map((values) => values.map(quote).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
