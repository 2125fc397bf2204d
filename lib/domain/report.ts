import type { CampaignConfig } from '../config/schema.ts';
import { reachedCustomer } from './attribution.ts';
import { addDays, daysBetween, type CalendarDate } from './dates.ts';
import { wentOut } from './message-state.ts';
import type { LedgerEntry, OrderMarker } from './records.ts';
import { shopRepurchase, type ReportPeriod, type ShopRepurchase } from './repurchase.ts';
import { lift, type Lift } from './stats.ts';

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

export interface Report {
  period: ReportPeriod & { days: number };
  /** The day the report was made (merchant zone): conversions counted up to now. */
  asOf: CalendarDate;
  attributionDays: number;
  totals: StepResult;
  byJourney: Record<string, { total: StepResult; steps: Record<string, StepResult> }>;
  daily: DailyPoint[];
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
    return {
      candidates: this.candidates,
      sent: this.sent,
      unconfirmed: this.unconfirmed,
      notDelivered: this.notDelivered,
      heldOut: this.heldOut,
      skipped: this.skipped,
      conversions: { sent: this.conversionsSent, heldOut: this.conversionsHeldOut },
      conversionRate: { sent: rate(this.conversionsSent, this.sent), heldOut: rate(this.conversionsHeldOut, this.heldOut) },
      lift: bothGroups ? lift(this.conversionsSent, this.sent, this.conversionsHeldOut, this.heldOut) : null,
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
      optOuts: this.optedOut.size,
      optOutRate,
      optOutFlag: optOutRate !== null && optOutRate > OPT_OUT_FLAG_RATE,
      survey: this.survey,
    };
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;
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

  for (const item of rows.ledger) {
    if (item.runDate < period.from || item.runDate > period.to) continue;
    const key = `${item.customerId}#${item.journeyId}#${item.cycle}#${item.stepId}`;
    if (seen.has(key)) continue;
    seen.add(key);
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

  return {
    period: { ...period, days: daysBetween(period.from, period.to) + 1 },
    asOf,
    attributionDays: config.attributionDays,
    totals: totals.result(),
    byJourney,
    daily: [...daily.values()],
    shop: shopRepurchase(rows.orders, period, asOf),
    deferred: 'not persisted',
    openWindowFrom: addDays(asOf, -config.attributionDays),
    invalidItems: rows.invalidItems ?? 0,
    smsPricing: pricing,
  };
}

