import { table } from './table.ts';
import type { WindowLearning } from '../domain/windows.ts';
import type { Lift } from '../domain/stats.ts';
import { OPT_OUT_FLAG_RATE, type Report, type StepResult } from '../domain/report.ts';
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

/** USD amounts: SMS parts cost fractions of a cent. */
export const usd = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 4 });
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** "3 (37.5%)": a funnel stage with its share of the previous one. */
const stage = (count: number, of: number) => (of > 0 ? `${number(count)} (${percent(count / of)})` : number(count));

/** The funnel in one line: sent -> delivered -> converted -> redeemed, and what failed. */
export function formatFunnel(result: StepResult): string {
  const { funnel } = result;
  const failed = sum(result.failures);
  return `sent ${number(funnel.sent)} -> delivered ${stage(funnel.delivered, funnel.sent)} -> converted ${number(funnel.converted)} -> redeemed ${number(funnel.redeemed)}; failed ${number(failed)}${failed ? ` (${reasons(result.failures)})` : ''}`;
}

/** "0.1751 USD = 1.24 CNY (0.16 USD of it estimated: 8 parts at 0.02 USD, not priced by the provider)" */
export function formatSpend(report: Report, result: StepResult): string {
  const { smsSpend } = result;
  const estimated = smsSpend.estimatedParts > 0 ? ` (${usd(smsSpend.estimatedUsd)} USD of it estimated: ${number(smsSpend.estimatedParts)} parts at ${usd(report.smsPricing.pricePerPartUsd)} USD, not priced by the provider)` : '';
  return `${usd(smsSpend.usd)} USD = ${number(smsSpend.shopCurrency)} ${smsSpend.code}${estimated}`;
}

/** Every step with more than 1% of its recipients opting out, one line each. */
export function flaggedSteps(report: Report): string[] {
  const lines: string[] = [];
  for (const [journey, { steps }] of Object.entries(report.byJourney)) {
    for (const [step, result] of Object.entries(steps)) {
      if (!result.optOutFlag) continue;
      lines.push(`${journey}/${step}: ${number(result.optOuts)} of ${number(result.sent)} recipients (${percent(result.optOutRate)}) opted out within 7 days, over ${percent(OPT_OUT_FLAG_RATE, 0)}`);
    }
  }
  return lines;
}

/** Survey answers per step that asks (or was answered), "price 2, quality 1 (3 answers from 5 recipients, 60.0%)". */
export function surveys(report: Report): { journey: string; step: string; text: string }[] {
  const out: { journey: string; step: string; text: string }[] = [];
  for (const [journey, { steps }] of Object.entries(report.byJourney)) {
    for (const [step, result] of Object.entries(steps)) {
      if (Object.keys(result.survey).length === 0) continue;
      const answers = sum(result.survey);
      const answered = result.sent > 0 ? `, ${percent(answers / result.sent)}` : '';
      const counts = Object.entries(result.survey).map(([reason, count]) => `${reason} ${number(count)}`).join(', ');
      out.push({ journey, step, text: `${counts} (${number(answers)} answers from ${number(result.sent)} recipients${answered})` });
    }
  }
  return out;
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
    `Funnel: ${formatFunnel(totals)}`,
    `Attributed revenue ${number(totals.revenue.sent)}${totals.incrementalRevenue === null ? '' : ` (incremental over the control ${number(totals.incrementalRevenue)})`}; coupons redeemed ${number(totals.redemptions)}, coupon cost ${number(totals.couponCost)}`,
    `SMS spend ${formatSpend(report, totals)}; cost per conversion ${totals.costPerConversion === null ? '-' : `${number(totals.costPerConversion)} ${totals.smsSpend.code}`} (SMS and coupons)${totals.returnOnSpend === null ? '' : `; return on spend ${number(totals.returnOnSpend)}x (incremental revenue / spend)`}`,
    `Opt-outs within 7 days ${number(totals.optOuts)} of ${number(totals.sent)} recipients (${percent(totals.optOutRate)})${flaggedSteps(report).length ? `; ${flaggedSteps(report).length} step(s) flagged over ${percent(OPT_OUT_FLAG_RATE, 0)}` : ''}`,
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
  const funnel = table(
    ['journey', 'step', 'sent', 'delivered', 'unconfirmed', 'failed', 'converted', 'redeemed', 'SMS USD', `SMS ${report.smsPricing.currency}`, 'per conversion', 'return', 'opt-outs'],
    rows(report, (journey, step, r) => [
      journey,
      step,
      number(r.funnel.sent),
      stage(r.funnel.delivered, r.funnel.sent),
      r.unconfirmed ? number(r.unconfirmed) : '-',
      sum(r.failures) ? `${number(sum(r.failures))}: ${reasons(r.failures)}` : '-',
      number(r.funnel.converted),
      number(r.funnel.redeemed),
      usd(r.smsSpend.usd),
      number(r.smsSpend.shopCurrency),
      r.costPerConversion === null ? '-' : number(r.costPerConversion),
      r.returnOnSpend === null ? '-' : `${number(r.returnOnSpend)}x`,
      r.optOuts ? `${number(r.optOuts)} (${percent(r.optOutRate)})${r.optOutFlag ? ' FLAGGED' : ''}` : '-',
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
    funnel,
    `sent: every message the provider took (or may have: unconfirmed), also those it then failed or let expire; failed: by the provider's reason, our own refusals by error name, expired past their time to live.`,
    `SMS spend: the provider's price where it gave one, else ${usd(report.smsPricing.pricePerPartUsd)} USD per part for every SMS that left us (refusals before the provider took a message cost nothing); ${number(report.smsPricing.perUsd)} ${report.smsPricing.currency} per USD. per conversion: SMS and coupon cost per converted message; return: incremental revenue over the control per unit spent.`,
    ...flaggedSteps(report).map((line) => `Flagged: ${line}`),
    ...surveys(report).map(({ journey, step, text }) => `Survey ${journey}/${step}: ${text}`),
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
