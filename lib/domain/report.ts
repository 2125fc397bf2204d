import type { CampaignConfig } from '../config/schema.ts';
import { reachedCustomer } from './attribution.ts';
import { addDays, daysBetween, type CalendarDate } from './dates.ts';
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
  /** Claimed for sending but never delivered (failed at the channel, or still waiting). */
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
}

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
    if (!reachedCustomer(item)) {
      this.notDelivered++;
      return;
    }
    this.sent++;
    if (item.status === 'sending') this.unconfirmed++;
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
      incrementalRevenue: bothGroups ? Math.round(this.sent * (this.revenueSent / this.sent - this.revenueHeldOut / this.heldOut)) : null,
      couponCost: round2(this.couponCost),
      smsParts: this.smsParts,
    };
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;

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
  const totals = new StepTally();
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
    const journey = journeys.get(item.journeyId) ?? { total: new StepTally(), steps: new Map<string, StepTally>() };
    journey.total.add(item, value);
    const step = journey.steps.get(item.stepId) ?? new StepTally();
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
  };
}

