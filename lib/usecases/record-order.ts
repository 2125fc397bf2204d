import type { CampaignConfig } from '../config/schema.ts';
import { localDate } from '../domain/dates.ts';
import { categoryOf, positionOn } from '../domain/journeys.ts';
import type { OrderInput } from '../domain/model.ts';
import { cyclesStartedBy, recordCategoryPurchase, type OrderFacts } from '../domain/orders.ts';
import type { Clock, RecallStore } from '../ports.ts';
import { duePosition } from './due-index.ts';

export interface RecordOrderResult {
  status: 'recorded' | 'duplicate';
  /** Lines whose category the config does not know: counted, the rest of the order is kept. */
  unknownCategories: string[];
  cyclesStarted: number;
}

const MAX_CONFLICT_RETRIES = 5;

export function orderFacts(config: CampaignConfig, order: OrderInput): { facts: OrderFacts; unknownCategories: string[] } {
  const known = new Set<string>();
  const unknown = new Set<string>();
  for (const line of order.lines) (categoryOf(config, line.category) ? known : unknown).add(line.category);
  return {
    facts: {
      orderId: order.orderId,
      customerId: order.customerId,
      orderDate: localDate(new Date(order.orderedAt), config.merchantTimeZone),
      total: order.lines.reduce((sum, line) => sum + line.amount, 0),
      categories: [...known],
    },
    unknownCategories: [...unknown],
  };
}

/**
 * Records one order: the category histories, and the journey cycles it starts or restarts (the
 * exit rules). A cycle whose steps are already stale on the clock's date (history imported after
 * the fact) is stored dormant, past those steps. Idempotent per order and per line: a marker item says whether the order was fully
 * applied, each category history remembers the orders it counted, and every journey write is
 * conditional on the stored cycle being older, so a replay or a retry after a crash changes nothing.
 */
export async function recordOrder(deps: { store: RecallStore; config: CampaignConfig; clock: Clock }, order: OrderInput): Promise<RecordOrderResult> {
  const { store, config } = deps;
  const today = localDate(deps.clock.now(), config.merchantTimeZone);
  const { facts, unknownCategories } = orderFacts(config, order);
  const begun = await store.beginOrder({ orderId: facts.orderId, customerId: facts.customerId, orderDate: facts.orderDate });
  if (begun === 'applied') return { status: 'duplicate', unknownCategories, cyclesStarted: 0 };

  for (let attempt = 0; ; attempt++) {
    const history = await store.getCustomerHistory(facts.customerId);
    let conflict = false;
    for (const category of facts.categories) {
      const next = recordCategoryPurchase(history.categories.get(category), facts.customerId, category, facts.orderId, facts.orderDate);
      if (next && !(await store.saveCategoryHistory(next))) conflict = true;
    }
    if (conflict && attempt < MAX_CONFLICT_RETRIES) continue;
    if (conflict) throw new Error(`order ${facts.orderId}: customer ${facts.customerId} kept changing under ${MAX_CONFLICT_RETRIES} retries`);

    let cyclesStarted = 0;
    for (const { scope, state } of cyclesStartedBy(config, facts, history.journeys)) {
      const journey = config.journeys.find((candidate) => candidate.id === state.journeyId);
      if (!journey) continue;
      const positioned = positionOn(config, journey, state, today);
      if (await store.saveJourneyState(scope, positioned, duePosition(config, journey, positioned))) cyclesStarted++;
    }
    await store.completeOrder(facts.customerId, facts.orderId);
    return { status: 'recorded', unknownCategories, cyclesStarted };
  }
}
