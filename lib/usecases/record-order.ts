import type { CampaignConfig } from '../config/schema.ts';
import { attributedMessage, couponMessage, ledgerLookback } from '../domain/attribution.ts';
import { localDate, type CalendarDate } from '../domain/dates.ts';
import { shardOf } from '../domain/hashing.ts';
import { categoryOf, positionOn } from '../domain/journeys.ts';
import { countMemberOrder, memberFromOrders, type Member } from '../domain/members.ts';
import type { OrderInput } from '../domain/model.ts';
import { cyclesStartedBy, memberOrder, recordCategoryPurchase, tierUpCyclesStartedBy, type OrderFacts } from '../domain/orders.ts';
import type { CustomerHistory, OrderFingerprint, OrderHistory, StoredMember } from '../ports/store.ts';
import type { Clock, EventPublisher } from '../ports/messaging.ts';
import type { OrderMarker } from '../domain/records.ts';
import { dueSlot } from './due-index.ts';
import { PermanentError } from '../errors.ts';

/** The message an order converted (docs/architecture.md#measurement). */
export interface Conversion {
  journeyId: string;
  stepId: string;
  cycle: string;
  /** `held-out` conversions count for the control group. */
  outcome: 'sent' | 'held-out';
  /** The day the message was decided. */
  runDate: string;
  revenue: number;
}

/**
 * What became of the coupon code an order carried: `rejected` when it was not derived from any of
 * this customer's coupon messages (unknown, mistyped, another customer's or forged): counted,
 * never trusted.
 */
export type CouponOutcome = 'redeemed' | 'already-redeemed' | 'rejected';

export interface RecordOrderResult {
  /** `conflicting`: the order id was recorded before with other content; nothing was written. */
  status: 'recorded' | 'duplicate' | 'conflicting';
  /** Set when `conflicting`: what was recorded and what this order says. */
  conflict?: string;
  /** Lines whose category the config does not know: counted, the rest of the order is kept. */
  unknownCategories: string[];
  cyclesStarted: number;
  /** Set when the order converted a sent or held-out message. */
  conversion?: Conversion;
  /** Set when the order carried a coupon code. */
  coupon?: CouponOutcome;
}

export interface RecordOrderDeps {
  store: OrderHistory;
  config: CampaignConfig;
  clock: Clock;
  /** Verifies coupon codes; without it no code can be verified, and every code is rejected. */
  couponSecret?: string;
  /** Our bus: CustomerConverted. Absent for imports of history. */
  events?: EventPublisher;
}

const MAX_CONFLICT_RETRIES = 5;

/** The shop's clock and EventBridge's may disagree by this much. */
const CLOCK_SKEW_MS = 60_000;

/** An order dated after the event that announced it: a broken clock or a typo. Permanent. */
export class FutureOrderError extends PermanentError {
  override name = 'FutureOrderError';
}

/** Markers written before totals or categories were kept compare on what they have. */
export function sameOrder(stored: Pick<OrderMarker, 'orderDate' | 'total' | 'categories'>, order: OrderFingerprint): boolean {
  if (stored.orderDate !== order.orderDate) return false;
  if (stored.total !== undefined && Math.abs(stored.total - order.total) > 0.005) return false;
  return stored.categories === undefined || stored.categories.join('\n') === order.categories.join('\n');
}

export function describeConflict(stored: Pick<OrderMarker, 'orderDate' | 'total' | 'categories'>, order: OrderFingerprint): string {
  const show = (date: string, total: number | undefined, categories: string[] | undefined) =>
    `${date}, total ${total ?? '?'}${categories ? `, ${categories.join('+')}` : ''}`;
  return `order ${order.orderId} was recorded as ${show(stored.orderDate, stored.total, stored.categories)}; this one says ${show(order.orderDate, order.total, order.categories)}`;
}

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

/** What the order marker holds: a repeat of the id with other content is a conflict. */
export function orderFingerprint(facts: OrderFacts, order: OrderInput): OrderFingerprint {
  return { orderId: facts.orderId, customerId: facts.customerId, orderDate: facts.orderDate, total: facts.total, categories: [...new Set(order.lines.map((line) => line.category))].sort() };
}

/**
 * Records one order: the category histories, the member figures (and a tier-up it brings), and
 * the journey cycles it starts or restarts (the exit rules). A cycle whose steps are already stale
 * on the clock's date (history imported after the fact) is stored dormant, past those steps. Idempotent per order and per line: a marker item says whether the order was fully
 * applied, each category history remembers the orders it counted, and every journey write is
 * conditional on the stored cycle being older, so a replay or a retry after a crash changes nothing.
 */
export async function recordOrder(deps: RecordOrderDeps, order: OrderInput, options: { receivedAt?: Date } = {}): Promise<RecordOrderResult> {
  const { store, config } = deps;
  if (options.receivedAt && Date.parse(order.orderedAt) > options.receivedAt.getTime() + CLOCK_SKEW_MS) {
    throw new FutureOrderError(`order ${order.orderId}: placed at ${order.orderedAt}, after the event's time ${options.receivedAt.toISOString()}`);
  }
  const today = localDate(deps.clock.now(), config.merchantTimeZone);
  const { facts, unknownCategories } = orderFacts(config, order);
  const fingerprint = orderFingerprint(facts, order);
  const begun = await store.beginOrder(fingerprint);
  if (begun.state === 'seen' && begun.stored && !sameOrder(begun.stored, fingerprint)) {
    return { status: 'conflicting', conflict: describeConflict(begun.stored, fingerprint), unknownCategories, cyclesStarted: 0 };
  }
  if (begun.state === 'seen' && begun.stored?.applied) return { status: 'duplicate', unknownCategories, cyclesStarted: 0 };

  for (let attempt = 0; ; attempt++) {
    const [history, stored] = await Promise.all([store.getCustomerHistory(facts.customerId), store.getMember(facts.customerId)]);
    let conflict = false;
    for (const category of facts.categories) {
      // A history that no longer parses is lost either way: this order starts it again.
      const replaceCorrupt = history.corruptCategories.has(category);
      const next = recordCategoryPurchase(history.categories.get(category), facts.customerId, category, facts.orderId, facts.orderDate);
      if (next && !(await store.saveCategoryHistory(next, { replaceCorrupt }))) conflict = true;
    }
    const member = conflict ? undefined : await countMember(deps, facts, history, stored, today);
    if (member && !member.saved) conflict = true;
    if (conflict && attempt < MAX_CONFLICT_RETRIES) continue;
    if (conflict) throw new Error(`order ${facts.orderId}: customer ${facts.customerId} kept changing under ${MAX_CONFLICT_RETRIES} retries`);

    let cyclesStarted = member?.cyclesStarted ?? 0;
    for (const { scope, state } of cyclesStartedBy(config, facts, history.journeys)) {
      const journey = config.journeys.find((candidate) => candidate.id === state.journeyId);
      if (!journey) continue;
      const positioned = positionOn(config, journey, state, today);
      if (await store.saveJourneyState(scope, positioned, dueSlot(config, journey, positioned))) cyclesStarted++;
    }
    const measured = await attribute(deps, order, facts);
    // Published before the order is marked applied: a failed publish fails the order, and its
    // redelivery (which converts nothing twice) publishes again. At least once, keyed by orderId.
    if (measured.conversion && deps.events) {
      await deps.events.publish([
        {
          type: 'CustomerConverted',
          detail: {
            customerId: facts.customerId,
            orderId: facts.orderId,
            journeyId: measured.conversion.journeyId,
            stepId: measured.conversion.stepId,
            outcome: measured.conversion.outcome,
            amount: measured.conversion.revenue,
            ...(measured.coupon === 'redeemed' && order.couponCode ? { couponCode: order.couponCode } : {}),
            convertedAt: order.orderedAt,
          },
        },
      ]);
    }
    await store.completeOrder(facts.customerId, facts.orderId);
    return { status: 'recorded', unknownCategories, cyclesStarted, ...measured };
  }
}

/**
 * Counts the order in the profile's member figures, conditional on the version read (false when
 * another order wrote first: the caller reads again). A profile without figures (recorded before
 * they were kept) starts from the customer's applied order markers, so its first order does not
 * forget the rest (`recall migrate` does the same for customers who order no more). A tier-up's
 * cycles are saved before the figures: a retry after a crash between the two finds the cycle
 * there, and a retry after the figures finds the order counted and starts nothing.
 */
async function countMember(deps: RecordOrderDeps, facts: OrderFacts, history: CustomerHistory, stored: StoredMember, today: CalendarDate): Promise<{ saved: boolean; cyclesStarted: number }> {
  const { store, config } = deps;
  let before: Member | undefined;
  if (stored.state === 'stored') {
    before = stored.member;
  } else {
    const markers = await store.ordersOf(facts.customerId);
    before = memberFromOrders(config, markers.items.filter((marker) => marker.applied && marker.orderId !== facts.orderId).map((marker) => memberOrder(config, marker)));
  }
  const after = countMemberOrder(config, before, memberOrder(config, facts));
  if (!after) return { saved: true, cyclesStarted: 0 };
  let cyclesStarted = 0;
  for (const { scope, state } of tierUpCyclesStartedBy(config, facts, before, after, history.journeys)) {
    const journey = config.journeys.find((candidate) => candidate.id === state.journeyId);
    if (!journey) continue;
    const positioned = positionOn(config, journey, state, today);
    if (await store.saveJourneyState(scope, positioned, dueSlot(config, journey, positioned))) cyclesStarted++;
  }
  const expected = stored.state === 'stored' ? stored.member.version : stored.state === 'corrupt' ? 'any' : undefined;
  const saved = await store.saveMember(facts.customerId, { member: after, shard: shardOf(facts.customerId, config.shards) }, expected);
  return { saved, cyclesStarted };
}

/**
 * Attribution and redemption, each one conditional update on a ledger item, so a replay or a
 * retry converts and redeems nothing twice: the latest sent or held-out message whose window
 * holds the order is converted, unless another order converted it first; a coupon code counts
 * only when it verifies against one of this customer's coupon messages.
 */
async function attribute(deps: RecordOrderDeps, order: OrderInput, facts: OrderFacts): Promise<Pick<RecordOrderResult, 'conversion' | 'coupon'>> {
  const { store, config } = deps;
  const ledger = await store.getCustomerLedger(facts.customerId, ledgerLookback(config, facts.orderDate));
  const result: Pick<RecordOrderResult, 'conversion' | 'coupon'> = {};

  const message = attributedMessage(ledger, facts.orderDate, config.attributionDays);
  if (message && (message.outcome === 'sent' || message.outcome === 'held-out') && (message.convertedBy === undefined || message.convertedBy === facts.orderId)) {
    const converted = await store.markConverted(facts.customerId, message, { orderId: facts.orderId, convertedAt: order.orderedAt, revenue: facts.total });
    if (converted) {
      result.conversion = { journeyId: message.journeyId, stepId: message.stepId, cycle: message.cycle, outcome: message.outcome, runDate: message.runDate, revenue: facts.total };
    }
  }

  if (order.couponCode !== undefined) {
    const issued = couponMessage(deps.couponSecret, ledger, order.couponCode);
    if (!issued) result.coupon = 'rejected';
    else if (issued.redeemedBy !== undefined && issued.redeemedBy !== facts.orderId) result.coupon = 'already-redeemed';
    else result.coupon = (await store.markRedeemed(facts.customerId, issued, facts.orderId)) ? 'redeemed' : 'already-redeemed';
  }
  return result;
}
