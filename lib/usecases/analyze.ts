import type { CampaignConfig } from '../config/schema.ts';
import { cohorts, lifecycleSizes, magicNumber, nextOrderChances, rfmGrid, survivalCurve, type Cohort, type CustomerOrders, type LifecycleSizes, type NextOrderChance, type RfmGrid, type SurvivalCurve } from '../domain/analysis.ts';
import { daysBetween, type CalendarDate } from '../domain/dates.ts';
import type { BatchScans } from '../ports/store.ts';
import { scanAll } from './scan.ts';
import { learnStoredWindows } from './windows.ts';

/** What `recall analyze --json` prints (docs/architecture.md#repurchase-analysis). */
export interface RepurchaseAnalysis {
  asOf: CalendarDate;
  customers: number;
  orders: number;
  nextOrder: NextOrderChance[];
  magicNumber: number | null;
  cohorts: Cohort[];
  lifecycle: LifecycleSizes;
  rfm: RfmGrid;
  /** Per configured category: days to the second purchase in it, by survival, beside the windows. */
  windows: { category: string; configuredDays: number; learnedDays: number | null; survival: SurvivalCurve }[];
  /** Order markers and histories that failed validation (counted, not used). */
  invalidItems: number;
  readUnits: number;
}

/**
 * `recall analyze`: an explicit batch job over every order marker and category history (parallel
 * Scans, never the daily path). Orders still being recorded (`applied: false`) are left out.
 */
export async function analyzeRepurchase(deps: { store: BatchScans; config: CampaignConfig }, asOf: CalendarDate): Promise<RepurchaseAnalysis> {
  const before = deps.store.usage.readUnits;
  const byCustomer = new Map<string, { date: CalendarDate; total: number }[]>();
  let orders = 0;
  const invalidOrders = await scanAll(
    (segment, total, cursor) => deps.store.scanOrders(segment, total, cursor),
    (marker) => {
      if (!marker.applied || marker.orderDate > asOf) return;
      const list = byCustomer.get(marker.customerId) ?? [];
      list.push({ date: marker.orderDate, total: marker.total ?? 0 });
      byCustomer.set(marker.customerId, list);
      orders++;
    },
  );
  const customers: CustomerOrders[] = [...byCustomer].map(([customerId, list]) => ({ customerId, orders: list }));
  const nextOrder = nextOrderChances(customers.map((customer) => customer.orders.length));

  const { curves, invalid: invalidHistories } = await categorySurvival(deps, asOf);
  const learned = await learnStoredWindows(deps);
  const windows = deps.config.categories.map((category) => {
    const window = learned.windows.find((candidate) => candidate.category === category.id);
    return { category: category.id, configuredDays: category.windowDays, learnedDays: window?.learnedDays ?? null, survival: curves.get(category.id) ?? survivalCurve([]) };
  });
  return {
    asOf,
    customers: customers.length,
    orders,
    nextOrder,
    magicNumber: magicNumber(nextOrder),
    cohorts: cohorts(customers, asOf),
    lifecycle: lifecycleSizes(customers, asOf),
    rfm: rfmGrid(customers, asOf),
    windows,
    invalidItems: invalidOrders + invalidHistories,
    readUnits: Math.round((deps.store.usage.readUnits - before) * 10) / 10,
  };
}

/**
 * Per configured category, the Kaplan-Meier curve of days from the first purchase in it to the
 * second (censored at `asOf` for those not back yet): a parallel Scan of the category histories.
 */
export async function categorySurvival(deps: { store: BatchScans; config: CampaignConfig }, asOf: CalendarDate): Promise<{ curves: Map<string, SurvivalCurve>; invalid: number }> {
  const observations = new Map(deps.config.categories.map((category) => [category.id, [] as { days: number; event: boolean }[]]));
  const invalid = await scanAll(
    (segment, total, cursor) => deps.store.scanCategories(segment, total, cursor),
    (history) => {
      if (history.firstDate > asOf) return;
      const event = history.secondDate !== undefined && history.secondDate <= asOf;
      observations.get(history.category)?.push({ days: daysBetween(history.firstDate, event && history.secondDate ? history.secondDate : asOf), event });
    },
  );
  return { curves: new Map([...observations].map(([category, list]) => [category, survivalCurve(list)])), invalid };
}
