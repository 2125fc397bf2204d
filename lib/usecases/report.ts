/**
 * `recall report` (docs/architecture.md#measurement): what the recalls of a period achieved against doing
 * nothing. `buildReport` is a pure function over ledger items and order markers; `readReportRows`
 * reads them through the date index, one Query per day and shard, never a Scan.
 */
import type { CampaignConfig } from '../config/schema.ts';
import { reachedCustomer } from '../domain/attribution.ts';
import { addDays, daysBetween, type CalendarDate } from '../domain/dates.ts';
import { lift, type Lift } from '../domain/stats.ts';
import type { ReportReader } from '../ports/store.ts';
import type { LedgerEntry, OrderMarker } from '../domain/records.ts';
import { BadInputError } from '../errors.ts';

/** The next-month repurchase rate looks at this many days after the period. */
export const NEXT_MONTH_DAYS = 30;
/** One report covers at most this many days (a Query per day and shard). */
export const MAX_REPORT_DAYS = 400;

export interface ReportPeriod {
  from: CalendarDate;
  to: CalendarDate;
}

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

export interface ShopRepurchase {
  orders: number;
  /** Customers with at least one order in the period. */
  buyers: number;
  /** Of them, customers with at least two orders in the period. */
  repeatBuyers: number;
  /** repeatBuyers / buyers. */
  repurchaseRate: number | null;
  revenue: number;
  /** The period's buyers who ordered again in the 30 days after it. */
  nextMonth: NextMonthRepurchase;
  /**
   * The same measure a month earlier, for the buyers of days 60 to 31 before the period's end who
   * ordered again in its last 30 days: final as soon as the period is over, when its own is not.
   */
  previousMonth: NextMonthRepurchase;
}

export interface NextMonthRepurchase {
  /** The cohort: customers with an order from `cohortFrom` to `cohortTo`. */
  cohortFrom: CalendarDate;
  cohortTo: CalendarDate;
  buyers: number;
  /** The 30 days looked at for a next order. */
  from: CalendarDate;
  to: CalendarDate;
  /** Buyers of the cohort who ordered in those 30 days. */
  returning: number;
  /** returning / buyers; null without buyers, or before any of the 30 days has passed. */
  rate: number | null;
  /** Days of the 30 up to the report's `asOf` (included); the rate is final only when all have. */
  daysElapsed: number;
  complete: boolean;
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

/** Each customer's order count in [from, to] (a marker read twice counts once). */
function buyersIn(orders: readonly OrderMarker[], from: CalendarDate, to: CalendarDate): Map<string, number> {
  const buyers = new Map<string, number>();
  const seen = new Set<string>();
  for (const order of orders) {
    const key = `${order.customerId}#${order.orderId}`;
    if (order.orderDate < from || order.orderDate > to || seen.has(key)) continue;
    seen.add(key);
    buyers.set(order.customerId, (buyers.get(order.customerId) ?? 0) + 1);
  }
  return buyers;
}

/** Of the buyers of [cohortFrom, cohortTo], the share who ordered again in the 30 days after cohortTo. */
function nextMonthOf(orders: readonly OrderMarker[], cohortFrom: CalendarDate, cohortTo: CalendarDate, asOf: CalendarDate): NextMonthRepurchase {
  const cohort = buyersIn(orders, cohortFrom, cohortTo);
  const from = addDays(cohortTo, 1);
  const to = addDays(cohortTo, NEXT_MONTH_DAYS);
  const later = buyersIn(orders, from, asOf < to ? asOf : to);
  const returning = [...cohort.keys()].filter((customer) => later.has(customer)).length;
  // Days up to and including `asOf` (whose orders so far are in) count as passed.
  const daysElapsed = Math.max(0, Math.min(NEXT_MONTH_DAYS, daysBetween(cohortTo, asOf)));
  return {
    cohortFrom,
    cohortTo,
    buyers: cohort.size,
    from,
    to,
    returning,
    rate: cohort.size > 0 && daysElapsed > 0 ? returning / cohort.size : null,
    daysElapsed,
    complete: daysElapsed === NEXT_MONTH_DAYS,
  };
}

/**
 * The shop's repurchase rate in the period (customers with >= 2 orders / customers with >= 1
 * order), its next-month repurchase rate (of those buyers, the share who ordered again in the 30
 * days after the period), and the same a month earlier (see `previousMonth`).
 */
export function shopRepurchase(orders: readonly OrderMarker[], period: ReportPeriod, asOf: CalendarDate): ShopRepurchase {
  const inPeriod = buyersIn(orders, period.from, period.to);
  const seen = new Set<string>();
  let count = 0;
  let revenue = 0;
  for (const order of orders) {
    const key = `${order.customerId}#${order.orderId}`;
    if (order.orderDate < period.from || order.orderDate > period.to || seen.has(key)) continue;
    seen.add(key);
    count++;
    revenue += order.total ?? 0;
  }
  const buyers = inPeriod.size;
  const repeatBuyers = [...inPeriod.values()].filter((orders) => orders >= 2).length;
  return {
    orders: count,
    buyers,
    repeatBuyers,
    repurchaseRate: buyers > 0 ? repeatBuyers / buyers : null,
    revenue: round2(revenue),
    nextMonth: nextMonthOf(orders, period.from, period.to, asOf),
    previousMonth: nextMonthOf(orders, addDays(period.to, -2 * NEXT_MONTH_DAYS + 1), addDays(period.to, -NEXT_MONTH_DAYS), asOf),
  };
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

/** A bad period: bad input, exit code 2. */
export class ReportPeriodError extends BadInputError {
  override name = 'ReportPeriodError';
}

export function checkPeriod(period: ReportPeriod): ReportPeriod {
  if (period.from > period.to) throw new ReportPeriodError(`--from ${period.from} is after --to ${period.to}`);
  const days = daysBetween(period.from, period.to) + 1;
  if (days > MAX_REPORT_DAYS) throw new ReportPeriodError(`--from/--to: ${days} days; a report covers at most ${MAX_REPORT_DAYS}`);
  return period;
}

/** Runs `tasks` with at most `limit` at once. */
async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      for (let index = next++; index < tasks.length; index = next++) results[index] = await (tasks[index] as () => Promise<T>)();
    }),
  );
  return results;
}

/**
 * The rows of a report: ledger entries decided in the period, and order markers from a month
 * before the period to 30 days after it (up to `asOf`), read by date (the store's date index:
 * queries, never a Scan), `concurrency` days at a time.
 */
export async function readReportRows(store: ReportReader, period: ReportPeriod, asOf: CalendarDate, concurrency = 2): Promise<Required<ReportRows>> {
  const orderTo = [addDays(period.to, NEXT_MONTH_DAYS), asOf].sort()[0] ?? period.to;
  const ledgerTasks = datesOf(period).map((date) => () => store.ledgerOfDay(date));
  const orderFrom = [addDays(period.from, -NEXT_MONTH_DAYS), addDays(period.to, -2 * NEXT_MONTH_DAYS + 1)].sort()[0] ?? period.from;
  const orderTasks = datesOf({ from: orderFrom, to: orderTo < period.to ? period.to : orderTo }).map((date) => () => store.ordersOfDay(date));
  const ledger = await inParallel(ledgerTasks, concurrency);
  const orders = await inParallel(orderTasks, concurrency);
  return {
    ledger: ledger.flatMap((page) => page.items),
    orders: orders.flatMap((page) => page.items),
    invalidItems: [...ledger, ...orders].reduce((sum, page) => sum + page.invalid, 0),
  };
}

/** Reads and builds the report of a period. */
export async function makeReport(deps: { store: ReportReader; config: CampaignConfig }, period: ReportPeriod, asOf: CalendarDate): Promise<Report> {
  const rows = await readReportRows(deps.store, checkPeriod(period), asOf);
  return buildReport(deps.config, rows, period, asOf);
}
