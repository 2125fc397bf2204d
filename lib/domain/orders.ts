import type { CampaignConfig } from '../config/schema.ts';
import type { CalendarDate } from './dates.ts';
import { journeyScope, startCycle } from './journeys.ts';
import { tierReached, type Member, type MemberOrder } from './members.ts';
import type { CategoryHistory, JourneyState, OrderMarker } from './records.ts';

const RECENT_ORDERS_KEPT = 10;

/**
 * The category history after one order, or `undefined` when the order was already counted.
 * Orders may arrive in any order: first and second purchase are the two earliest orders.
 */
export function recordCategoryPurchase(
  history: CategoryHistory | undefined,
  customerId: string,
  category: string,
  orderId: string,
  date: CalendarDate,
): CategoryHistory | undefined {
  if (!history) {
    return {
      customerId,
      category,
      firstDate: date,
      firstOrderId: orderId,
      lastDate: date,
      orderCount: 1,
      recentOrderIds: [orderId],
      version: 1,
    };
  }
  if (history.recentOrderIds.includes(orderId) || history.firstOrderId === orderId || history.secondOrderId === orderId) {
    return undefined;
  }
  const next: CategoryHistory = {
    ...history,
    lastDate: date > history.lastDate ? date : history.lastDate,
    orderCount: history.orderCount + 1,
    recentOrderIds: [...history.recentOrderIds, orderId].slice(-RECENT_ORDERS_KEPT),
    version: history.version + 1,
  };
  if (date < history.firstDate) {
    next.secondDate = history.firstDate;
    next.secondOrderId = history.firstOrderId;
    next.firstDate = date;
    next.firstOrderId = orderId;
  } else if (history.secondDate === undefined || date < history.secondDate) {
    next.secondDate = date;
    next.secondOrderId = orderId;
  }
  return next;
}

export interface OrderFacts {
  orderId: string;
  customerId: string;
  orderDate: CalendarDate;
  total: number;
  categories: string[];
}

/**
 * The journey cycles an order starts. A purchase newer than a cycle's anchor replaces the cycle
 * (the exit rule of category-window and recency journeys: the journey restarts from the new
 * anchor); a qualifying order starts its own ladder cycle, which no later purchase exits.
 * `existing` holds the current state per journey scope.
 */
export function cyclesStartedBy(
  config: CampaignConfig,
  order: OrderFacts,
  existing: ReadonlyMap<string, JourneyState>,
): { scope: string; state: JourneyState }[] {
  const started: { scope: string; state: JourneyState }[] = [];
  const restartIfNewer = (scope: string, state: JourneyState): void => {
    const current = existing.get(scope);
    if (!current || current.anchorDate < state.anchorDate) started.push({ scope, state });
  };
  for (const journey of config.journeys) {
    if (!journey.enabled) continue;
    switch (journey.trigger.type) {
      case 'category-window':
        for (const category of order.categories) {
          const scope = journeyScope(journey, category, undefined);
          restartIfNewer(scope, startCycle(journey, order.customerId, order.orderDate, { category }));
        }
        break;
      case 'recency':
        restartIfNewer(journey.id, startCycle(journey, order.customerId, order.orderDate, {}));
        break;
      case 'purchase': {
        const scope = journeyScope(journey, undefined, order.orderId);
        if (order.total >= journey.trigger.minAmount && !existing.has(scope)) {
          started.push({ scope, state: startCycle(journey, order.customerId, order.orderDate, { orderId: order.orderId }) });
        }
        break;
      }
    }
  }
  return started;
}

/**
 * The `tier-up` cycles an order starts (docs/architecture.md#members): when it lifts the customer
 * above the tier they had on the order's day, one cycle of each enabled tier-up journey that lists
 * the tier reached (default: every tier above the first), scoped and named by the tier, unless a
 * state of that scope exists: once per tier ever, however often the customer falls and rises.
 * A fall starts nothing.
 */
export function tierUpCyclesStartedBy(
  config: CampaignConfig,
  order: Pick<OrderFacts, 'customerId' | 'orderDate'>,
  before: Member | undefined,
  after: Member,
  existing: ReadonlyMap<string, JourneyState>,
): { scope: string; state: JourneyState }[] {
  const tier = tierReached(config, before, after, order.orderDate);
  if (!tier) return [];
  const started: { scope: string; state: JourneyState }[] = [];
  for (const journey of config.journeys) {
    if (!journey.enabled || journey.trigger.type !== 'tier-up') continue;
    const tiers = journey.trigger.tiers ?? config.tiers.slice(1).map((candidate) => candidate.id);
    const scope = journeyScope(journey, undefined, tier.id);
    if (tiers.includes(tier.id) && !existing.has(scope)) started.push({ scope, state: startCycle(journey, order.customerId, order.orderDate, { cycle: tier.id }) });
  }
  return started;
}

/** What an order (or its marker) counts for the customer's membership: the categories the config knows. */
export function memberOrder(config: Pick<CampaignConfig, 'categories'>, order: Pick<OrderMarker, 'orderId' | 'orderDate' | 'total' | 'categories'>): MemberOrder {
  return { orderId: order.orderId, orderDate: order.orderDate, total: order.total ?? 0, categories: (order.categories ?? []).filter((category) => config.categories.some((known) => known.id === category)) };
}
