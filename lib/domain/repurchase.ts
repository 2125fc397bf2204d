import { addDays, daysBetween, type CalendarDate } from './dates.ts';
import type { OrderMarker } from './records.ts';

/*
 * The shop's repurchase measures (docs/architecture.md#measurement): the repurchase rate of a
 * period and the next-month repurchase rate of its buyers, over order markers. Pure.
 */

/** The next-month repurchase rate looks at this many days after the period. */
export const NEXT_MONTH_DAYS = 30;

/** A period of run dates, both ends included. */
export interface ReportPeriod {
  from: CalendarDate;
  to: CalendarDate;
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

const round2 = (value: number) => Math.round(value * 100) / 100;

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
