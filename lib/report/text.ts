import { table } from './table.ts';
import type { WindowLearning } from '../domain/windows.ts';
import type { Report } from '../domain/report.ts';
import type { NextMonthRepurchase, ShopRepurchase } from '../domain/repurchase.ts';
import type { LearnedWindows } from '../usecases/windows.ts';
import { formats, wordsOf, type Language } from './i18n.ts';
import { reportTables } from './tables.ts';

/** Plain-text renderings of a report (in the report's language) and of learned windows, for the terminal. */

const number = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });
const percent = (value: number | null, digits = 1) => (value === null ? '-' : `${(value * 100).toFixed(digits)}%`);
const signed = (value: number, digits = 1) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;

/**
 * The next-month repurchase rate worth showing: the period's own once its 30 following days have
 * passed, else the month before's (complete), else the period's so far.
 */
export function nextMonthCohort(shop: ShopRepurchase): NextMonthRepurchase {
  const own = shop.nextMonth;
  return own.complete || !shop.previousMonth.complete || shop.previousMonth.buyers === 0 ? own : shop.previousMonth;
}

/**
 * The first sentence a marketer reads. It claims what the messages added only when the lift is
 * significant (its 95% interval excludes 0); otherwise it says the difference could be chance.
 */
export function headlineSentence(report: Report, language: Language): string {
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  const { totals } = report;
  if (totals.sent === 0) return words.headlineNothing;
  const rate = format.percent(totals.conversionRate.sent);
  const { lift } = totals;
  if (!lift) return words.headlineNoControl(rate);
  const control = format.percent(totals.conversionRate.heldOut);
  const [low, high] = lift.absoluteInterval;
  if (!lift.significant) return words.headlineNotSignificant(rate, control, words.range(format.points(low), format.points(high)));
  if (lift.absolute < 0) return words.headlineNegative(rate, control);
  const extra = (share: number) => format.number(Math.round(totals.sent * share), 0);
  return words.headlineSignificant(
    extra(lift.absolute),
    words.range(extra(low), extra(high)),
    totals.incrementalRevenue === null ? null : format.money(totals.incrementalRevenue),
    totals.returnOnSpend === null ? null : words.perSpent(format.number(totals.returnOnSpend)),
  );
}

export interface Kpi {
  label: string;
  value: string;
  detail: string;
}

/** The headline figures. An increment (lift, incremental revenue, return on spend) reads "not significant" unless its lift is. */
export function headlineKpis(report: Report, language: Language): Kpi[] {
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  const { totals, shop } = report;
  const { lift } = totals;
  const ci = (low: string, high: string | null) => `${words.ci} ${format.range(low, high)}`;
  /** A measured increment: claimed when the lift is significant, else shown as an estimate only. */
  const increment = (label: string, value: number | null, interval: readonly [number, number | null] | null, show: (value: number) => string): Kpi => {
    if (!lift || value === null) return { label, value: '-', detail: lift ? '' : words.noControl };
    const range = interval ? ci(show(interval[0]), interval[1] === null ? null : show(interval[1])) : '';
    return lift.significant ? { label, value: show(value), detail: range } : { label, value: words.notSignificant, detail: [words.notSignificantValue(show(value)), range].filter(Boolean).join('; ') };
  };
  const spend = totals.smsSpend.shopCurrency + totals.couponCost;
  const failed = Object.values(totals.failures).reduce((a, b) => a + b, 0);
  const flagged = Object.values(report.byJourney).flatMap(({ steps }) => Object.values(steps)).filter((step) => step.optOutFlag).length;
  const cohort = nextMonthCohort(shop);
  const incrementalCost = lift?.significant && totals.costPerIncrementalConversion !== null ? format.money(totals.costPerIncrementalConversion) : null;
  return [
    { label: words.sent, value: format.number(totals.sent), detail: words.sentDetail(format.number(totals.smsParts), format.number(totals.heldOut)) },
    { label: words.conversion, value: `${format.percent(totals.conversionRate.sent)} vs ${format.percent(totals.conversionRate.heldOut)}`, detail: words.withinDays(report.attributionDays) },
    increment(words.lift, lift?.absolute ?? null, lift?.absoluteInterval ?? null, (value) => `${format.points(value)} ${words.pts}`),
    increment(words.incrementalRevenue, totals.incrementalRevenue, totals.incrementalRevenueInterval, format.money),
    increment(words.returnOnSpend, totals.returnOnSpend, totals.returnOnSpendInterval, (value) => `${format.number(value)}x`),
    { label: words.spend, value: format.money(Math.round(spend * 100) / 100), detail: words.spendDetail(format.money(totals.smsSpend.shopCurrency), format.money(totals.couponCost)) },
    { label: words.costPerConversion, value: totals.costPerConversion === null ? '-' : format.money(totals.costPerConversion), detail: words.costPerConversionDetail(incrementalCost) },
    { label: words.attributedRevenue, value: format.money(totals.revenue.sent), detail: `${words.redeemed} ${format.number(totals.redemptions)}` },
    { label: words.delivered, value: totals.funnel.sent ? format.percent(totals.funnel.delivered / totals.funnel.sent) : '-', detail: words.deliveredDetail(format.number(totals.funnel.delivered), format.number(totals.funnel.sent), format.number(failed)) },
    { label: words.unconfirmed, value: format.number(totals.unconfirmed), detail: words.unconfirmedDetail(totals.unconfirmed) },
    { label: words.optOuts, value: format.percent(totals.optOutRate), detail: words.optOutsDetail(format.number(totals.optOuts), flagged) },
    { label: words.repurchase, value: format.percent(shop.repurchaseRate), detail: words.repurchaseDetail(format.number(shop.repeatBuyers), format.number(shop.buyers)) },
    {
      label: words.nextMonth,
      value: format.percent(cohort.rate),
      detail: words.nextMonthDetail(format.number(cohort.returning), format.number(cohort.buyers), cohort.cohortFrom, cohort.cohortTo, cohort.complete ? '' : words.progress(cohort.daysElapsed)),
    },
  ];
}

/** The headline: the sentence, then one line per figure. */
export function formatHeadline(report: Report, language: Language): string[] {
  return [headlineSentence(report, language), ...headlineKpis(report, language).map((kpi) => `${kpi.label}: ${kpi.value}${kpi.detail ? ` (${kpi.detail})` : ''}`)];
}

/** One line per step with more than 1% of its recipients opting out within 7 days. */
export function flaggedSteps(report: Report, language: Language): string[] {
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  return Object.entries(report.byJourney).flatMap(([journeyId, { steps }]) =>
    Object.entries(steps)
      .filter(([, step]) => step.optOutFlag)
      .map(([stepId, step]) =>
        words.flagged(`${report.names.journeys[journeyId] ?? journeyId} · ${report.names.steps[journeyId]?.[stepId] ?? stepId}`, format.number(step.optOuts), format.number(step.sent), format.percent(step.optOutRate)),
      ),
  );
}

/** The notes under the tables, in the report's language. */
export function reportNotes(report: Report, language: Language): string[] {
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  const { shop } = report;
  const cohort = nextMonthCohort(shop);
  return [
    words.shopLine(format.number(shop.orders), format.number(shop.buyers), format.percent(shop.repurchaseRate), `${format.percent(cohort.rate)}`),
    words.deferred,
    ...(report.openWindowFrom <= report.period.to ? [words.notFinal(report.openWindowFrom)] : []),
    ...(report.invalidItems ? [words.invalid(format.number(report.invalidItems))] : []),
  ];
}

export function formatReport(report: Report, language: Language): string {
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  const tables = reportTables(report, language).filter((candidate) => candidate.shown || (candidate.id === 'survey' && candidate.rows.length > 0));
  return [
    words.period(report.period.from, report.period.to, report.period.days, report.asOf),
    words.attributionNote(report.attributionDays),
    '',
    ...formatHeadline(report, language),
    ...tables.flatMap((shown) => [
      '',
      shown.title,
      table(
        shown.columns.map((column) => column.header),
        shown.rows.map((row) => row.cells.map((cell) => cell.text)),
      ),
      ...(shown.note ? [shown.note] : []),
    ]),
    '',
    words.journeysNote,
    words.funnelNote(format.number(report.smsPricing.pricePerPartUsd, 4), format.number(report.smsPricing.perUsd), report.smsPricing.currency),
    ...flaggedSteps(report, language),
    ...reportNotes(report, language),
  ].join('\n');
}

function windowRow(window: WindowLearning): string[] {
  return [
    window.category,
    String(window.configuredDays),
    window.learnedDays === null ? '-' : String(window.learnedDays),
    window.change === null ? '-' : `${signed(window.change * 100, 0)}%`,
    number(window.repeaters),
    number(window.buyers),
    percent(window.cameBack, 0),
    window.flag === 'too-few-repeaters' ? `too few repeaters (< 30): no suggestion` : '',
  ];
}

export function formatWindows(learned: LearnedWindows): string {
  return [
    `Learned windows from ${number(learned.histories)} category histories (parallel Scan, ${learned.segments} segments, ${learned.readUnits} read units)`,
    'learned: the days within which 50% of second purchases in the category happened (median first-to-second interval)',
    '',
    learned.windows.some((window) => window.flag)
      ? table(['category', 'configured', 'learned', 'change', 'repeaters', 'buyers', 'came back', ''], learned.windows.map(windowRow))
      : table(['category', 'configured', 'learned', 'change', 'repeaters', 'buyers', 'came back'], learned.windows.map((window) => windowRow(window).slice(0, -1))),
    learned.invalidItems || learned.unknownCategories
      ? `\n${number(learned.invalidItems)} invalid items and ${number(learned.unknownCategories)} histories of categories not in the config skipped.`
      : '',
  ]
    .join('\n')
    .trimEnd();
}
