import { table } from './table.ts';
import type { WindowLearning } from '../domain/windows.ts';
import type { Lift } from '../domain/stats.ts';
import type { Report, StepResult } from '../domain/report.ts';
import type { NextMonthRepurchase, ShopRepurchase } from '../domain/repurchase.ts';
import type { LearnedWindows } from '../usecases/windows.ts';

/** Plain-text renderings of a report and of learned windows, for the terminal. */

export const number = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });
export const percent = (value: number | null, digits = 1) => (value === null ? '-' : `${(value * 100).toFixed(digits)}%`);
const signed = (value: number, digits = 1) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
/** A fraction as signed percentage points: 0.021 -> "+2.1". */
const points = (value: number) => signed(value * 100);

function reasons(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? '-' : entries.map(([reason, count]) => `${reason} ${number(count)}`).join(', ');
}

/** "+2.1 pts (95% CI -0.4 to +4.6, not significant)" */
export function formatLift(lift: Lift | null): string {
  if (!lift) return 'no control group';
  const [low, high] = lift.absoluteInterval;
  return `${points(lift.absolute)} pts (95% CI ${points(low)} to ${points(high)}${lift.significant ? '' : ', not significant'})`;
}

/** "+42% (95% CI +5% to +90%)" */
export function formatRelativeLift(lift: Lift | null): string {
  if (!lift || lift.relative === null) return '-';
  const interval = lift.relativeInterval ? ` (95% CI ${signed(lift.relativeInterval[0] * 100, 0)}% to ${signed(lift.relativeInterval[1] * 100, 0)}%)` : '';
  return `${signed(lift.relative * 100, 0)}%${interval}`;
}

const conversion = (x: number, n: number, rate: number | null) => (n === 0 ? '-' : `${number(x)}/${number(n)} ${percent(rate)}`);

function rows(report: Report, row: (journey: string, step: string, result: StepResult) => string[]): string[][] {
  const out: string[][] = [];
  for (const [journey, { total, steps }] of Object.entries(report.byJourney)) {
    for (const [step, result] of Object.entries(steps)) out.push(row(journey, step, result));
    if (Object.keys(steps).length > 1) out.push(row(journey, '(all)', total));
  }
  out.push(row('total', '', report.totals));
  return out;
}

function cohortText(cohort: NextMonthRepurchase): string {
  const progress = cohort.complete ? '' : cohort.daysElapsed === 0 ? ', not started' : `, ${cohort.daysElapsed} of 30 days passed`;
  return `${number(cohort.returning)} of ${number(cohort.buyers)} buyers of ${cohort.cohortFrom} to ${cohort.cohortTo} ordered again ${cohort.from} to ${cohort.to}${progress}`;
}

/**
 * The next-month repurchase rate worth showing: the period's own once its 30 following days have
 * passed, else the month before's (complete), else the period's so far.
 */
export function nextMonthRate(shop: ShopRepurchase): { cohort: NextMonthRepurchase; text: string } {
  const own = shop.nextMonth;
  if (own.complete || !shop.previousMonth.complete || shop.previousMonth.buyers === 0) {
    return { cohort: own, text: `${percent(own.rate)}${own.complete ? '' : ' so far'} (${cohortText(own)})` };
  }
  const previous = shop.previousMonth;
  return { cohort: previous, text: `${percent(previous.rate)} (${cohortText(previous)})` };
}

/** The headline: what a marketer reads first. */
export function formatHeadline(report: Report): string[] {
  const { totals, shop } = report;
  const nextMonth = nextMonthRate(shop).text;
  return [
    `Messages sent ${number(totals.sent)} (${number(totals.smsParts)} SMS parts), held out ${number(totals.heldOut)}, skipped ${number(Object.values(totals.skipped).reduce((a, b) => a + b, 0))}`,
    `Unconfirmed ${number(totals.unconfirmed)}${totals.unconfirmed ? ' (counted as sent; may not have gone out: `recall reconcile` lists them)' : ''}`,
    `Conversion within ${report.attributionDays} days: sent ${percent(totals.conversionRate.sent)} vs held out ${percent(totals.conversionRate.heldOut)}; lift ${formatLift(totals.lift)}`,
    `Attributed revenue ${number(totals.revenue.sent)}${totals.incrementalRevenue === null ? '' : ` (incremental over the control ${number(totals.incrementalRevenue)})`}; coupons redeemed ${number(totals.redemptions)}, coupon cost ${number(totals.couponCost)}`,
    `Shop repurchase rate ${percent(shop.repurchaseRate)} (${number(shop.repeatBuyers)} of ${number(shop.buyers)} buyers ordered twice or more); next-month repurchase rate ${nextMonth}`,
  ];
}

export function formatReport(report: Report): string {
  const decisions = table(
    ['journey', 'step', 'candidates', 'sent', 'unconfirmed', 'held-out', 'skipped', 'not delivered'],
    rows(report, (journey, step, r) => [
      journey,
      step,
      number(r.candidates),
      number(r.sent),
      r.unconfirmed ? number(r.unconfirmed) : '-',
      number(r.heldOut),
      reasons(r.skipped),
      r.notDelivered ? number(r.notDelivered) : '-',
    ]),
  );
  const results = table(
    ['journey', 'step', 'converted: sent', 'held-out', 'lift', 'relative', 'redeemed', 'revenue', 'coupon cost', 'SMS parts'],
    rows(report, (journey, step, r) => [
      journey,
      step,
      conversion(r.conversions.sent, r.sent, r.conversionRate.sent),
      conversion(r.conversions.heldOut, r.heldOut, r.conversionRate.heldOut),
      formatLift(r.lift),
      formatRelativeLift(r.lift),
      number(r.redemptions),
      number(r.revenue.sent),
      number(r.couponCost),
      number(r.smsParts),
    ]),
  );
  const { shop } = report;
  return [
    `Recall report ${report.period.from} to ${report.period.to} (${report.period.days} days), as of ${report.asOf}`,
    `Messages decided in the period; an order within ${report.attributionDays} days of a sent or held-out message converts it (the latest message wins).`,
    '',
    ...formatHeadline(report),
    '',
    decisions,
    'deferred: not persisted (a deferred candidate stays due and is decided again on the next run; `recall run --json` counts them per run)',
    '',
    results,
    `lift: sent minus held-out conversion rate in percentage points, 95% CI by Newcombe's score method; "not significant" when it includes 0.`,
    report.openWindowFrom <= report.period.to ? `Messages decided after ${report.openWindowFrom} can still convert: their numbers are not final.` : '',
    '',
    `Shop: ${number(shop.orders)} orders by ${number(shop.buyers)} customers in the period (revenue ${number(shop.revenue)}); ` +
      `${number(shop.repeatBuyers)} ordered at least twice (repurchase rate ${percent(shop.repurchaseRate)}); ` +
      `next-month repurchase rate ${percent(shop.nextMonth.rate)} (${cohortText(shop.nextMonth)}); a month earlier ${percent(shop.previousMonth.rate)} (${cohortText(shop.previousMonth)}).`,
    report.invalidItems ? `${number(report.invalidItems)} invalid index items skipped.` : '',
  ]
    .filter((line, index, all) => line !== '' || all[index - 1] !== '')
    .join('\n')
    .trimEnd();
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
