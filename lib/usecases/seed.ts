import { mobileNumber } from '../domain/phone.ts';
import type { CampaignConfig } from '../config/schema.ts';
import type { CustomerInput, OrderInput } from '../domain/model.ts';
import { shardOf } from '../domain/hashing.ts';
import { countMemberOrder, type Member } from '../domain/members.ts';
import { cyclesStartedBy, memberOrder, recordCategoryPurchase, tierUpCyclesStartedBy } from '../domain/orders.ts';
import { positionOn } from '../domain/journeys.ts';
import type { CalendarDate } from '../domain/dates.ts';
import type { CustomerImport, CustomerSnapshot, OrderHistorySnapshot } from '../ports/store.ts';
import { dueSlot } from './due-index.ts';
import { orderFacts } from './record-order.ts';
import type { CategoryHistory, JourneyState } from '../domain/records.ts';

/**
 * One customer's orders folded into the items record-order would have written, order by order,
 * with the same domain functions, and positioned on `today` as record-order would: the order
 * markers, category histories, member figures and journey states (with their due slots, tier-up
 * cycles included). Each order id once.
 */
export function orderHistorySnapshot(config: CampaignConfig, customerId: string, orders: readonly OrderInput[], today: CalendarDate): OrderHistorySnapshot {
  const categories = new Map<string, CategoryHistory>();
  const journeys = new Map<string, JourneyState>();
  const markers: OrderHistorySnapshot['orders'] = [];
  let member: Member | undefined;
  for (const order of orders) {
    const { facts } = orderFacts(config, order);
    markers.push({ orderId: facts.orderId, orderDate: facts.orderDate, total: facts.total, categories: [...new Set(order.lines.map((line) => line.category))].sort() });
    for (const category of facts.categories) {
      const next = recordCategoryPurchase(categories.get(category), facts.customerId, category, facts.orderId, facts.orderDate);
      if (next) categories.set(category, next);
    }
    for (const { scope, state } of cyclesStartedBy(config, facts, journeys)) journeys.set(scope, state);
    const counted = countMemberOrder(config, member, memberOrder(config, facts));
    if (!counted) continue;
    for (const { scope, state } of tierUpCyclesStartedBy(config, facts, member, counted, journeys)) journeys.set(scope, state);
    member = counted;
  }
  return {
    ...(member ? { member: { member, shard: shardOf(customerId, config.shards) } } : {}),
    customerId,
    categories: [...categories.values()],
    journeys: [...journeys].flatMap(([scope, started]) => {
      const journey = config.journeys.find((candidate) => candidate.id === started.journeyId);
      if (!journey) return [];
      const state = positionOn(config, journey, started, today);
      return [{ scope, state, waitsFor: dueSlot(config, journey, state) }];
    }),
    orders: markers,
  };
}

/**
 * A seeded customer: the profile as given, and their history as record-order would have written
 * it (`orderHistorySnapshot`). Seeding a shop this way costs one batched write per item instead
 * of a read-modify-write per order.
 */
export function customerSnapshot(config: CampaignConfig, customer: CustomerInput, orders: readonly OrderInput[], today: CalendarDate): CustomerSnapshot {
  const { categories, journeys, orders: markers, member } = orderHistorySnapshot(config, customer.customerId, orders, today);
  const mobile = mobileNumber(customer.phone, config.defaultCountry);
  return {
    customer,
    ...(mobile.ok ? { mobile: mobile.e164 } : {}),
    ...(customer.birthday ? { birthday: { monthDay: customer.birthday, shard: shardOf(customer.customerId, config.shards) } } : {}),
    categories,
    journeys,
    orders: markers,
    ...(member ? { member } : {}),
  };
}

export async function seedCustomers(
  deps: { store: Pick<CustomerImport, 'putSnapshots'>; config: CampaignConfig },
  today: CalendarDate,
  customers: Iterable<{ customer: CustomerInput; orders: OrderInput[] }>,
  onProgress: (customers: number) => void = () => {},
  batchSize = 100,
  inFlight = 4,
): Promise<number> {
  const writing = new Set<Promise<void>>();
  let count = 0;
  const write = async (batch: CustomerSnapshot[]) => {
    const task = deps.store.putSnapshots(batch).then(() => onProgress(batch.length));
    writing.add(task);
    void task.finally(() => writing.delete(task)).catch(() => {});
    if (writing.size >= inFlight) await Promise.race(writing);
  };
  let batch: CustomerSnapshot[] = [];
  for (const { customer, orders } of customers) {
    batch.push(customerSnapshot(deps.config, customer, orders, today));
    count++;
    if (batch.length >= batchSize) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await write(batch);
  await Promise.all(writing);
  return count;
}
