import { daysBetween, type CalendarDate } from './dates.ts';
import { wilsonInterval } from './stats.ts';

/*
 * `recall analyze` (docs/architecture.md#repurchase-analysis): the measures the shop articles judge
 * a shop by, from every customer's orders. Pure: the use case scans the table and hands the
 * customers over.
 */

const Z95 = 1.959963984540054;

export interface CustomerOrders {
  customerId: string;
  /** Each order's date and total, any order. */
  orders: readonly { date: CalendarDate; total: number }[];
}

export interface NextOrderChance {
  /** Orders placed so far. */
  k: number;
  /** Customers with at least k orders. */
  customers: number;
  /** Of them, those with at least k + 1. */
  placedNext: number;
  rate: number;
  interval: [number, number];
}

/** Below this many customers a step of the curve is too noisy to judge a plateau on. */
export const MIN_CUSTOMERS_PER_STEP = 30;
/** One more order raising the chance of the next by less than this: the curve has levelled off. */
export const MAGIC_NUMBER_GAIN = 0.02;

/** P(k + 1 | k) for k = 1..maxK: of the customers with k orders, the share who placed another. */
export function nextOrderChances(counts: readonly number[], maxK = 10): NextOrderChance[] {
  const chances: NextOrderChance[] = [];
  for (let k = 1; k <= maxK; k++) {
    const customers = counts.filter((count) => count >= k).length;
    if (customers === 0) break;
    const placedNext = counts.filter((count) => count >= k + 1).length;
    chances.push({ k, customers, placedNext, rate: placedNext / customers, interval: wilsonInterval(placedNext, customers) });
  }
  return chances;
}

/**
 * The repurchase "magic number": the smallest k after which one more order raises the chance of
 * the next by less than MAGIC_NUMBER_GAIN (P(k+2 | k+1) - P(k+1 | k) < 2 points), judged only
 * where both steps have MIN_CUSTOMERS_PER_STEP customers; null when the curve never levels off there.
 */
export function magicNumber(chances: readonly NextOrderChance[], minCustomers = MIN_CUSTOMERS_PER_STEP): number | null {
  for (let index = 0; index + 1 < chances.length; index++) {
    const here = chances[index];
    const next = chances[index + 1];
    if (!here || !next || next.customers < minCustomers) break;
    if (next.rate - here.rate < MAGIC_NUMBER_GAIN) return here.k;
  }
  return null;
}

export interface Cohort {
  /** The month of the customers' first order, `YYYY-MM`. */
  month: string;
  customers: number;
  /** Of them, those who ordered again in the calendar month after. */
  nextMonth: number;
  rate: number;
  /** False while the month after has not ended by the as-of: the rate can still grow. */
  complete: boolean;
}

function nextMonthOf(month: string): string {
  const [year, number] = month.split('-').map(Number) as [number, number];
  return number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, '0')}`;
}

/** Next-month repurchase by first-purchase month. */
export function cohorts(customers: readonly CustomerOrders[], asOf: CalendarDate): Cohort[] {
  const byMonth = new Map<string, { customers: number; nextMonth: number }>();
  for (const customer of customers) {
    const dates = customer.orders.map((order) => order.date).sort();
    const first = dates[0];
    if (!first) continue;
    const month = first.slice(0, 7);
    const following = nextMonthOf(month);
    const cohort = byMonth.get(month) ?? { customers: 0, nextMonth: 0 };
    cohort.customers++;
    if (dates.some((date) => date.startsWith(following))) cohort.nextMonth++;
    byMonth.set(month, cohort);
  }
  const currentMonth = asOf.slice(0, 7);
  return [...byMonth]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([month, cohort]) => ({ month, ...cohort, rate: cohort.nextMonth / cohort.customers, complete: nextMonthOf(month) < currentMonth }));
}

/** Lifecycle tiers by days since the last order (docs/architecture.md#semantics): the same thresholds as the recency journey. */
export interface LifecycleSizes {
  /** Within 90 days. */
  active: number;
  /** 90 to 180 days. */
  sleeping: number;
  /** 180 to 365 days. */
  preLost: number;
  /** Over 365 days. */
  lost: number;
}

export function lifecycleSizes(customers: readonly CustomerOrders[], asOf: CalendarDate): LifecycleSizes {
  const sizes: LifecycleSizes = { active: 0, sleeping: 0, preLost: 0, lost: 0 };
  for (const customer of customers) {
    const last = customer.orders.reduce<CalendarDate | undefined>((latest, order) => (latest === undefined || order.date > latest ? order.date : latest), undefined);
    if (last === undefined) continue;
    const days = daysBetween(last, asOf);
    if (days < 90) sizes.active++;
    else if (days < 180) sizes.sleeping++;
    else if (days <= 365) sizes.preLost++;
    else sizes.lost++;
  }
  return sizes;
}

export interface RfmCell {
  /** 5 = most recent / most orders. */
  r: number;
  f: number;
  customers: number;
  averageSpend: number;
}

export interface RfmGrid {
  /** The values at the 20th, 40th, 60th and 80th percentiles: days since the last order, orders, spend. */
  edges: { recencyDays: number[]; orders: number[]; spend: number[] };
  cells: RfmCell[];
}

/** The value at quantile q of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function quintileEdges(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return [0.2, 0.4, 0.6, 0.8].map((q) => quantile(sorted, q));
}

/** 1..5: how many edges the value is above (ties stay in the lower quintile). */
const scoreAbove = (value: number, edges: readonly number[]) => 1 + edges.filter((edge) => value > edge).length;

/** Recency, frequency and monetary quintiles; customers per recency x frequency cell with their average spend. */
export function rfmGrid(customers: readonly CustomerOrders[], asOf: CalendarDate): RfmGrid {
  const rows = customers
    .filter((customer) => customer.orders.length > 0)
    .map((customer) => ({
      recencyDays: daysBetween(customer.orders.reduce((latest, order) => (order.date > latest ? order.date : latest), customer.orders[0]?.date ?? asOf), asOf),
      orders: customer.orders.length,
      spend: customer.orders.reduce((sum, order) => sum + order.total, 0),
    }));
  const edges = { recencyDays: quintileEdges(rows.map((row) => row.recencyDays)), orders: quintileEdges(rows.map((row) => row.orders)), spend: quintileEdges(rows.map((row) => row.spend)) };
  const cells = new Map<string, RfmCell & { total: number }>();
  for (const row of rows) {
    // Fewer days since the last order is better: the most recent fifth scores 5.
    const r = 6 - scoreAbove(row.recencyDays, edges.recencyDays);
    const f = scoreAbove(row.orders, edges.orders);
    const cell = cells.get(`${r}:${f}`) ?? { r, f, customers: 0, averageSpend: 0, total: 0 };
    cell.customers++;
    cell.total += row.spend;
    cells.set(`${r}:${f}`, cell);
  }
  return {
    edges,
    cells: [...cells.values()].sort((a, b) => b.r - a.r || b.f - a.f).map(({ total, ...cell }) => ({ ...cell, averageSpend: Math.round((total / cell.customers) * 100) / 100 })),
  };
}

export interface SurvivalPoint {
  day: number;
  /** Share still without a second purchase after `day` days. */
  survival: number;
  /** 95% interval (Greenwood's variance, log transform). */
  interval: [number, number];
}

export interface SurvivalCurve {
  customers: number;
  /** Second purchases seen; the rest are censored at the as-of. */
  events: number;
  points: SurvivalPoint[];
  /** Days until half have come back; null when the curve never reaches 50%. */
  medianDays: number | null;
  /** 95% interval of the median (Brookmeyer-Crowley from the curve's intervals); an end is null where the curve's bound never reaches 50%. */
  medianInterval: [number | null, number | null] | null;
}

/**
 * Kaplan-Meier curve of days to the second purchase: each customer comes back after `days`
 * (`event`), or has not yet, `days` after the first purchase at the as-of (censored). Unlike the
 * median of the repeaters, it counts the customers who have not come back yet.
 */
export function survivalCurve(observations: readonly { days: number; event: boolean }[]): SurvivalCurve {
  const byDay = new Map<number, { events: number; censored: number }>();
  for (const { days, event } of observations) {
    const entry = byDay.get(days) ?? { events: 0, censored: 0 };
    if (event) entry.events++;
    else entry.censored++;
    byDay.set(days, entry);
  }
  let atRisk = observations.length;
  let survival = 1;
  let greenwood = 0;
  const points: SurvivalPoint[] = [];
  for (const [day, { events, censored }] of [...byDay].sort(([a], [b]) => a - b)) {
    if (events > 0) {
      survival *= 1 - events / atRisk;
      greenwood += atRisk > events ? events / (atRisk * (atRisk - events)) : 0;
      const spread = Z95 * Math.sqrt(greenwood);
      const interval: [number, number] = survival > 0 ? [Math.max(0, survival * Math.exp(-spread)), Math.min(1, survival * Math.exp(spread))] : [0, 0];
      points.push({ day, survival, interval });
    }
    atRisk -= events + censored;
  }
  const firstAtOrBelowHalf = (value: (point: SurvivalPoint) => number) => points.find((point) => value(point) <= 0.5)?.day ?? null;
  const medianDays = firstAtOrBelowHalf((point) => point.survival);
  return {
    customers: observations.length,
    events: observations.filter((observation) => observation.event).length,
    points,
    medianDays,
    medianInterval: medianDays === null ? null : [firstAtOrBelowHalf((point) => point.interval[0]), firstAtOrBelowHalf((point) => point.interval[1])],
  };
}
