import type { CampaignConfig } from '../config/schema.ts';
import { reachedCustomer } from './attribution.ts';
import { addDays, daysBetween, type CalendarDate } from './dates.ts';
import { wentOut } from './message-state.ts';
import type { LedgerEntry, OrderMarker } from './records.ts';
import { shopRepurchase, type ReportPeriod, type ShopRepurchase } from './repurchase.ts';
import { cohorts, type Cohort } from './analysis.ts';
import { programmeResult, tierResults, variantResults, type ProgrammeResult, type TierResult, type VariantResult } from './segments.ts';
import { lift, wilsonInterval, type Lift } from './stats.ts';

/*
 * What the recalls of a period achieved against doing nothing (docs/architecture.md#measurement):
 * `buildReport` is a pure function over the ledger entries decided in the period and the order
 * markers around it. `recall report` reads them (lib/usecases/report.ts).
 */

export interface StepResult {
  /** Candidates decided in the period and kept in the ledger: sent, held out, skipped, not delivered. */
  candidates: number;
  /** Messages that went out (status sent), plus unconfirmed ones (they may have). */
  sent: number;
  /** Of `sent`: left `sending` by a crash mid-publish, never re-sent. */
  unconfirmed: number;
  /** Claimed for sending but never reached the phone: refused, failed at the provider, expired, or still waiting (claimed). */
  notDelivered: number;
  heldOut: number;
  /** reason -> count */
  skipped: Record<string, number>;
  conversions: { sent: number; heldOut: number };
  conversionRate: { sent: number | null; heldOut: number | null };
  /** Null until both groups have members. */
  lift: Lift | null;
  redemptions: number;
  /** Order totals of the converted messages. */
  revenue: { sent: number; heldOut: number };
  /**
   * What the messages added over the control: sent x (revenue per sent message - revenue per
   * held-out message). Null without a control group.
   */
  incrementalRevenue: number | null;
  /** Value of the redeemed coupons. */
  couponCost: number;
  /** SMS parts of the messages that went out (what SNS bills). */
  smsParts: number;
  /** Messages the provider confirmed on the phone (status `delivered`). */
  delivered: number;
  /**
   * Messages that did not reach the phone, by reason: the provider's (`failureReason`, e.g.
   * BLOCKED, INVALID), else our own refusal's error name (the text before its first colon, so no
   * raw provider message, which may hold a number, reaches a report), else `unknown`; a message
   * not delivered within its time to live is `expired`. Claimed messages still waiting are not here.
   */
  failures: Record<string, number>;
  /**
   * sent -> delivered -> converted -> redeemed. `sent` here is every message that left us: the
   * provider took it (or may have: unconfirmed), whatever became of it, so it also holds the ones
   * the provider then failed or let expire; the top-level `sent`, the conversion base, does not.
   */
  funnel: Funnel;
  /** What the SMS messages cost (see `smsCostOf`); push messages cost nothing here. */
  smsSpend: SmsSpend;
  /** (SMS spend in the shop's currency + coupon cost) per conversion of a sent message; null without one. */
  costPerConversion: number | null;
  /**
   * Incremental revenue over the control per unit spent (SMS spend in the shop's currency + coupon
   * cost): 3 means every 1 spent brought 3 more in revenue than doing nothing. Null without a
   * control group or without spend.
   */
  returnOnSpend: number | null;
  /**
   * 95% interval of `incrementalRevenue`: Newcombe's interval of the lift with each group's
   * conversions weighted by its average order (`incrementalRevenueInterval`); null without a
   * control group or without any conversion.
   */
  incrementalRevenueInterval: [number, number] | null;
  /** `incrementalRevenueInterval` per unit spent: the interval of `returnOnSpend`. */
  returnOnSpendInterval: [number, number] | null;
  /** Spend per conversion the messages added (sent x lift); null unless the lift is above 0 and something was spent. */
  costPerIncrementalConversion: number | null;
  /** Its 95% interval from the lift's; the upper end null (unbounded) when the lift's interval reaches 0. */
  costPerIncrementalConversionInterval: [number, number | null] | null;
  /** Recipients (distinct customers) who opted out within 7 days after a message of this step. */
  optOuts: number;
  /** `optOuts` over `sent`; null when nothing was sent. */
  optOutRate: number | null;
  /** More than `OPT_OUT_FLAG_RATE` (1%) of the recipients opted out: the message drives customers away. */
  optOutFlag: boolean;
  /** A survey's answers by reason (the config's `replies` values; every configured reason, 0 included). */
  survey: Record<string, number>;
}

export interface Funnel {
  sent: number;
  delivered: number;
  converted: number;
  redeemed: number;
}

export interface SmsSpend {
  usd: number;
  /** `usd` in the shop's currency at the configured rate (`currency.perUsd`). */
  shopCurrency: number;
  /** The shop's currency (ISO 4217). */
  code: string;
  /** Of `usd`: priced at `sms.pricePerPartUsd` because the provider has not said (yet). */
  estimatedUsd: number;
  /** The parts behind `estimatedUsd`. */
  estimatedParts: number;
}

/** A step is flagged when more than this share of its recipients opted out within 7 days. */
export const OPT_OUT_FLAG_RATE = 0.01;

export interface DailyPoint {
  date: CalendarDate;
  sent: number;
  heldOut: number;
  /** Conversions of that day's messages (whenever the order came, within the window). */
  conversionsSent: number;
  conversionsHeldOut: number;
}

/** Messages and their conversions over a span of run dates (a day, or a week on quiet periods). */
export interface TrendPoint {
  from: CalendarDate;
  to: CalendarDate;
  sent: number;
  heldOut: number;
  conversionsSent: number;
  conversionsHeldOut: number;
}

/** Below this many sent messages on the median day, the trend is summed by week: daily rates would be noise. */
export const QUIET_DAY_MESSAGES = 20;
/** Periods longer than this are summed by week whatever their volume. */
export const LONGEST_DAILY_TREND = 62;

export interface Report {
  period: ReportPeriod & { days: number };
  /** The day the report was made (merchant zone): conversions counted up to now. */
  asOf: CalendarDate;
  attributionDays: number;
  totals: StepResult;
  byJourney: Record<string, { total: StepResult; steps: Record<string, StepResult> }>;
  daily: DailyPoint[];
  /** `daily` summed by week (from the period's first day) when days are quiet or the period long; else `daily`. */
  trend: { bucket: 'day' | 'week'; points: TrendPoint[] };
  /** Journey names, step names (the step id where the config names none) and tier names, from the config. */
  names: { journeys: Record<string, string>; steps: Record<string, Record<string, string>>; tiers: Record<string, string> };
  /** Each arm of every tested step against the step's control (docs/architecture.md#variants); empty without variants. */
  variants: VariantResult[];
  /** Messages per member tier on the day they were decided (docs/architecture.md#members); empty without tiers. */
  tiers: TierResult[];
  /** Every messaged customer against the global control (`holdout.scope: global`); null otherwise. */
  programme: ProgrammeResult | null;
  /**
   * Next-month repurchase by the month of a customer's first order among the order markers the
   * report read (from `since`): a customer who bought before `since` counts in the month of the
   * first order seen, so the earliest month mixes new and returning customers.
   */
  cohorts: { since: CalendarDate | null; months: Cohort[] };
  shop: ShopRepurchase;
  /** Deferred candidates are decided again on the next run and not stored: not in the ledger. */
  deferred: 'not persisted';
  /** Conversions of messages from the last `attributionDays` days may still come. */
  openWindowFrom: CalendarDate;
  /** Index items that failed validation: counted, not used. */
  invalidItems: number;
  /** What SMS spend is estimated at where the provider has not priced a message, and the shop's currency. */
  smsPricing: { pricePerPartUsd: number; currency: string; perUsd: number };
}

export interface ReportRows {
  ledger: readonly LedgerEntry[];
  orders: readonly OrderMarker[];
  invalidItems?: number;
}

class StepTally {
  candidates = 0;
  sent = 0;
  unconfirmed = 0;
  notDelivered = 0;
  heldOut = 0;
  skipped: Record<string, number> = {};
  conversionsSent = 0;
  conversionsHeldOut = 0;
  redemptions = 0;
  revenueSent = 0;
  revenueHeldOut = 0;
  couponCost = 0;
  smsParts = 0;
  delivered = 0;
  handedOver = 0;
  failures: Record<string, number> = {};
  spendUsd = 0;
  estimatedUsd = 0;
  estimatedParts = 0;
  optedOut = new Set<string>();
  survey: Record<string, number>;

  constructor(
    private readonly pricing: Report['smsPricing'],
    surveyReasons: readonly string[] = [],
  ) {
    this.survey = Object.fromEntries(surveyReasons.map((reason) => [reason, 0]));
  }

  add(item: LedgerEntry, couponValue: number): void {
    this.candidates++;
    if (item.outcome.startsWith('skipped:')) {
      const reason = item.outcome.slice('skipped:'.length);
      this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
      return;
    }
    if (item.outcome === 'held-out') {
      this.heldOut++;
      if (item.convertedBy !== undefined) {
        this.conversionsHeldOut++;
        this.revenueHeldOut += item.revenue ?? 0;
      }
      return;
    }
    if (item.outcome !== 'sent') return;
    const cost = smsCostOf(item, this.pricing.pricePerPartUsd);
    this.spendUsd += cost.usd;
    if (cost.estimated) {
      this.estimatedUsd += cost.usd;
      this.estimatedParts += cost.parts;
    }
    if (leftUs(item)) this.handedOver++;
    if (item.reply !== undefined) increment(this.survey, item.reply);
    if (!reachedCustomer(item)) {
      this.notDelivered++;
      const reason = failureReasonOf(item);
      if (reason !== undefined) increment(this.failures, reason);
      return;
    }
    this.sent++;
    if (item.status === 'sending') this.unconfirmed++;
    if (item.status === 'delivered') this.delivered++;
    if (item.optedOutAt !== undefined) this.optedOut.add(item.customerId);
    if (item.channel !== 'push') this.smsParts += item.parts ?? 0;
    if (item.convertedBy !== undefined) {
      this.conversionsSent++;
      this.revenueSent += item.revenue ?? 0;
    }
    if (item.redeemedBy !== undefined) {
      this.redemptions++;
      this.couponCost += couponValue;
    }
  }

  result(): StepResult {
    const rate = (x: number, n: number) => (n > 0 ? x / n : null);
    const bothGroups = this.sent > 0 && this.heldOut > 0;
    const incrementalRevenue = bothGroups ? Math.round(this.sent * (this.revenueSent / this.sent - this.revenueHeldOut / this.heldOut)) : null;
    const smsSpend: SmsSpend = {
      usd: round4(this.spendUsd),
      shopCurrency: round2(this.spendUsd * this.pricing.perUsd),
      code: this.pricing.currency,
      estimatedUsd: round4(this.estimatedUsd),
      estimatedParts: this.estimatedParts,
    };
    const spend = this.spendUsd * this.pricing.perUsd + this.couponCost;
    const optOutRate = rate(this.optedOut.size, this.sent);
    const liftOfStep = bothGroups ? lift(this.conversionsSent, this.sent, this.conversionsHeldOut, this.heldOut) : null;
    const revenueInterval = bothGroups ? incrementalRevenueInterval(this.sent, this.conversionsSent, this.revenueSent, this.heldOut, this.conversionsHeldOut, this.revenueHeldOut) : null;
    const perIncremental = liftOfStep && spend > 0 ? costPerIncrementalConversion(spend, this.sent, liftOfStep) : null;
    return {
      candidates: this.candidates,
      sent: this.sent,
      unconfirmed: this.unconfirmed,
      notDelivered: this.notDelivered,
      heldOut: this.heldOut,
      skipped: this.skipped,
      conversions: { sent: this.conversionsSent, heldOut: this.conversionsHeldOut },
      conversionRate: { sent: rate(this.conversionsSent, this.sent), heldOut: rate(this.conversionsHeldOut, this.heldOut) },
      lift: liftOfStep,
      redemptions: this.redemptions,
      revenue: { sent: round2(this.revenueSent), heldOut: round2(this.revenueHeldOut) },
      incrementalRevenue,
      couponCost: round2(this.couponCost),
      smsParts: this.smsParts,
      delivered: this.delivered,
      failures: this.failures,
      funnel: { sent: this.handedOver, delivered: this.delivered, converted: this.conversionsSent, redeemed: this.redemptions },
      smsSpend,
      costPerConversion: this.conversionsSent > 0 ? round2(spend / this.conversionsSent) : null,
      returnOnSpend: incrementalRevenue !== null && spend > 0 ? round2(incrementalRevenue / spend) : null,
      incrementalRevenueInterval: revenueInterval,
      returnOnSpendInterval: revenueInterval && spend > 0 ? [round2(revenueInterval[0] / spend), round2(revenueInterval[1] / spend)] : null,
      costPerIncrementalConversion: perIncremental?.value ?? null,
      costPerIncrementalConversionInterval: perIncremental?.interval ?? null,
      optOuts: this.optedOut.size,
      optOutRate,
      optOutFlag: optOutRate !== null && optOutRate > OPT_OUT_FLAG_RATE,
      survey: this.survey,
    };
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * The 95% interval of sent x (revenue per sent message - revenue per held-out message). The
 * revenue per message is a group's conversion rate times its average order; the averages are taken
 * as known and the rates carry the uncertainty, combined as Newcombe's hybrid score interval does
 * for the lift (each side from the two Wilson intervals), each group's term weighted by its average
 * order. With equal averages it is exactly sent x average order x the lift's interval. A group
 * without conversions takes the other's average order; null when neither converted.
 */
export function incrementalRevenueInterval(sent: number, convertedSent: number, revenueSent: number, heldOut: number, convertedHeldOut: number, revenueHeldOut: number): [number, number] | null {
  if (convertedSent + convertedHeldOut === 0) return null;
  const averageSent = convertedSent > 0 ? revenueSent / convertedSent : revenueHeldOut / convertedHeldOut;
  const averageHeldOut = convertedHeldOut > 0 ? revenueHeldOut / convertedHeldOut : averageSent;
  const p1 = convertedSent / sent;
  const p2 = convertedHeldOut / heldOut;
  const [l1, u1] = wilsonInterval(convertedSent, sent);
  const [l2, u2] = wilsonInterval(convertedHeldOut, heldOut);
  const perMessage = p1 * averageSent - p2 * averageHeldOut;
  const below = Math.hypot(averageSent * (p1 - l1), averageHeldOut * (u2 - p2));
  const above = Math.hypot(averageSent * (u1 - p1), averageHeldOut * (p2 - l2));
  return [Math.round(sent * (perMessage - below)), Math.round(sent * (perMessage + above))];
}

/**
 * Spend per added conversion: spend / (sent x lift), with the interval from the lift's (a higher
 * lift, a lower cost). Null while the lift is not above 0: nothing was added to divide by.
 */
export function costPerIncrementalConversion(spend: number, sent: number, measured: Lift): { value: number; interval: [number, number | null] } | null {
  if (measured.absolute <= 0) return null;
  const [low, high] = measured.absoluteInterval;
  return { value: round2(spend / (sent * measured.absolute)), interval: [round2(spend / (sent * high)), low > 0 ? round2(spend / (sent * low)) : null] };
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;
/** Counts by a key that comes from outside (a provider's reason, a reply): own keys only, never the prototype's. */
const increment = (counts: Record<string, number>, key: string) => {
  counts[key] = (Object.hasOwn(counts, key) ? (counts[key] ?? 0) : 0) + 1;
};

/** A failed message the provider had taken: it said so with a reason (an operator's or our own `failed` never went out). */
function failedAtProvider(item: LedgerEntry): boolean {
  return item.status === 'failed' && (item.failureReason !== undefined || item.markedBy === 'provider');
}

/** The message left us: the provider took it or may have (unconfirmed), whatever became of it since. */
function leftUs(item: LedgerEntry): boolean {
  return wentOut(item.status) || item.status === 'expired' || failedAtProvider(item);
}

/** Why a message did not reach the phone; undefined while it may still (claimed, or it went out). */
function failureReasonOf(item: LedgerEntry): string | undefined {
  if (item.status === 'expired') return 'expired';
  if (item.status !== 'failed') return undefined;
  if (item.failureReason !== undefined) return item.failureReason;
  if (item.error === undefined) return 'unknown';
  // "InvalidParameter: Invalid parameter: PhoneNumber Reason: +86..." -> "InvalidParameter".
  const name = (item.error.split(':')[0] ?? '').trim().replace(/\+?\d{5,}/g, '#');
  return name === '' ? 'unknown' : name.slice(0, 60);
}

/**
 * What one message cost in SMS, in USD. The provider's price (`priceUsd` + `carrierFeeUsd`) where
 * its event gave one, whatever the status: it billed that. Otherwise an estimate at
 * `pricePerPartUsd` per part (`billedParts`, else the parts we counted) for every SMS that left us
 * (sending, sent, delivered, expired, failed at the provider): providers bill what they took,
 * delivered or not. A message we refused, or that never left (claimed, our own or an operator's
 * `failed`), costs nothing; nor does push.
 */
export function smsCostOf(item: LedgerEntry, pricePerPartUsd: number): { usd: number; estimated: boolean; parts: number } {
  const none = { usd: 0, estimated: false, parts: 0 };
  if (item.channel === 'push' || item.outcome !== 'sent') return none;
  if (item.priceUsd !== undefined || item.carrierFeeUsd !== undefined) {
    return { usd: (item.priceUsd ?? 0) + (item.carrierFeeUsd ?? 0), estimated: false, parts: item.billedParts ?? item.parts ?? 1 };
  }
  if (!leftUs(item)) return none;
  const parts = item.billedParts ?? item.parts ?? 1;
  return { usd: parts * pricePerPartUsd, estimated: true, parts };
}

/** Every calendar date from `from` to `to`, both included. */
export function datesOf(period: ReportPeriod): CalendarDate[] {
  const dates: CalendarDate[] = [];
  for (let date = period.from; date <= period.to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** The coupon value of a redeemed message: as claimed, or (older items) as the config says now. */
function couponValueOf(config: CampaignConfig, item: LedgerEntry): number {
  if (item.couponValue !== undefined) return item.couponValue;
  const step = config.journeys.find((journey) => journey.id === item.journeyId)?.steps.find((candidate) => candidate.id === item.stepId);
  return step?.coupon?.value ?? 0;
}

/** The report over ledger items decided in the period and the order markers around it. Pure. */
export function buildReport(config: CampaignConfig, rows: ReportRows, period: ReportPeriod, asOf: CalendarDate): Report {
  const pricing: Report['smsPricing'] = { pricePerPartUsd: config.sms.pricePerPartUsd, currency: config.currency.code, perUsd: config.currency.perUsd };
  const surveyReasons = (journeyId: string, stepId: string) => Object.values(config.journeys.find((journey) => journey.id === journeyId)?.steps.find((step) => step.id === stepId)?.replies ?? {});
  const totals = new StepTally(pricing);
  const journeys = new Map<string, { total: StepTally; steps: Map<string, StepTally> }>();
  const daily = new Map<CalendarDate, DailyPoint>(datesOf(period).map((date) => [date, { date, sent: 0, heldOut: 0, conversionsSent: 0, conversionsHeldOut: 0 }]));
  const seen = new Set<string>();
  const counted: LedgerEntry[] = [];

  for (const item of rows.ledger) {
    if (item.runDate < period.from || item.runDate > period.to) continue;
    const key = `${item.customerId}#${item.journeyId}#${item.cycle}#${item.stepId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    counted.push(item);
    const value = couponValueOf(config, item);
    totals.add(item, value);
    const journey = journeys.get(item.journeyId) ?? { total: new StepTally(pricing), steps: new Map<string, StepTally>() };
    journey.total.add(item, value);
    const step = journey.steps.get(item.stepId) ?? new StepTally(pricing, [...new Set(surveyReasons(item.journeyId, item.stepId))]);
    step.add(item, value);
    journey.steps.set(item.stepId, step);
    journeys.set(item.journeyId, journey);

    const point = daily.get(item.runDate);
    if (!point) continue;
    if (item.outcome === 'held-out') {
      point.heldOut++;
      if (item.convertedBy !== undefined) point.conversionsHeldOut++;
    } else if (reachedCustomer(item)) {
      point.sent++;
      if (item.convertedBy !== undefined) point.conversionsSent++;
    }
  }

  // Journeys and steps in config order; anything the config no longer has after them.
  const byJourney: Report['byJourney'] = {};
  const journeyOrder = [...config.journeys.map((journey) => journey.id), ...[...journeys.keys()].filter((id) => !config.journeys.some((journey) => journey.id === id))];
  for (const journeyId of journeyOrder) {
    const journey = journeys.get(journeyId);
    if (!journey) continue;
    const configured = config.journeys.find((candidate) => candidate.id === journeyId)?.steps.map((step) => step.id) ?? [];
    const stepOrder = [...configured, ...[...journey.steps.keys()].filter((id) => !configured.includes(id))];
    const steps: Record<string, StepResult> = {};
    for (const stepId of stepOrder) {
      const step = journey.steps.get(stepId);
      if (step) steps[stepId] = step.result();
    }
    byJourney[journeyId] = { total: journey.total.result(), steps };
  }

  const dailyPoints = [...daily.values()];
  return {
    period: { ...period, days: daysBetween(period.from, period.to) + 1 },
    asOf,
    attributionDays: config.attributionDays,
    totals: totals.result(),
    byJourney,
    daily: dailyPoints,
    trend: trendOf(dailyPoints),
    names: namesOf(config, byJourney),
    variants: variantResults(config, counted),
    tiers: tierResults(config, counted),
    programme: programmeResult(config, counted),
    cohorts: cohortsOf(rows.orders, asOf),
    shop: shopRepurchase(rows.orders, period, asOf),
    deferred: 'not persisted',
    openWindowFrom: addDays(asOf, -config.attributionDays),
    invalidItems: rows.invalidItems ?? 0,
    smsPricing: pricing,
  };
}


/** The daily points as they are, or summed by week from the first day when days are quiet or many. */
export function trendOf(daily: readonly DailyPoint[]): Report['trend'] {
  const sorted = daily.map((point) => point.sent).sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : ((sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) + (sorted[Math.ceil((sorted.length - 1) / 2)] ?? 0)) / 2;
  const point = (days: readonly DailyPoint[]): TrendPoint => ({
    from: days[0]?.date ?? '',
    to: days[days.length - 1]?.date ?? '',
    sent: days.reduce((sum, day) => sum + day.sent, 0),
    heldOut: days.reduce((sum, day) => sum + day.heldOut, 0),
    conversionsSent: days.reduce((sum, day) => sum + day.conversionsSent, 0),
    conversionsHeldOut: days.reduce((sum, day) => sum + day.conversionsHeldOut, 0),
  });
  if (daily.length <= LONGEST_DAILY_TREND && median >= QUIET_DAY_MESSAGES) return { bucket: 'day', points: daily.map((day) => point([day])) };
  const weeks: TrendPoint[] = [];
  for (let start = 0; start < daily.length; start += 7) weeks.push(point(daily.slice(start, start + 7)));
  return { bucket: 'week', points: weeks };
}

function namesOf(config: CampaignConfig, byJourney: Report['byJourney']): Report['names'] {
  const journeys: Record<string, string> = {};
  const steps: Record<string, Record<string, string>> = {};
  for (const [journeyId, { steps: results }] of Object.entries(byJourney)) {
    const journey = config.journeys.find((candidate) => candidate.id === journeyId);
    journeys[journeyId] = journey?.name ?? journeyId;
    steps[journeyId] = Object.fromEntries(Object.keys(results).map((stepId) => [stepId, journey?.steps.find((step) => step.id === stepId)?.name ?? stepId]));
  }
  const tiers = Object.fromEntries(config.tiers.map((tier) => [tier.id, tier.name]));
  return { journeys, steps, tiers };
}

/** Next-month repurchase by first-order month over the order markers read (see `Report['cohorts']`). */
function cohortsOf(orders: readonly OrderMarker[], asOf: CalendarDate): Report['cohorts'] {
  const byCustomer = new Map<string, Map<string, { date: CalendarDate; total: number }>>();
  for (const order of orders) {
    if (order.orderDate > asOf) continue;
    const customer = byCustomer.get(order.customerId) ?? new Map<string, { date: CalendarDate; total: number }>();
    customer.set(order.orderId, { date: order.orderDate, total: order.total ?? 0 });
    byCustomer.set(order.customerId, customer);
  }
  const since = orders.reduce<CalendarDate | null>((earliest, order) => (order.orderDate <= asOf && (earliest === null || order.orderDate < earliest) ? order.orderDate : earliest), null);
  return { since, months: cohorts([...byCustomer].map(([customerId, byId]) => ({ customerId, orders: [...byId.values()] })), asOf) };
}
