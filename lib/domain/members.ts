import * as z from 'zod/mini';
import { CalendarDateSchema, type Audience, type CampaignConfig, type Tier } from '../config/schema.ts';
import { addDays, daysBetween, type CalendarDate } from './dates.ts';
import { AmountSchema, EmptyListByDefaultSchema, OptionalCalendarDateSchema, OptionalStringSchema, PositiveIntSchema, ZeroByDefaultSchema } from './fields.ts';

/*
 * Member tiers and audiences (docs/architecture.md#members). The profile keeps each customer's
 * orders per day within the tier period, lifetime totals and the categories bought; a tier and
 * an audience are read from them on a given day, so a tier falls as old orders leave the period
 * without anything being written.
 */

const RECENT_ORDERS_KEPT = 20;

export const MemberDaySchema = z.object({ date: CalendarDateSchema, orders: PositiveIntSchema, spend: AmountSchema });

export const MemberSchema = z.object({
  /** Orders and spend per order day within the tier period before the latest order, oldest first. */
  days: z._default(z.array(MemberDaySchema), []),
  lifetimeOrders: ZeroByDefaultSchema,
  lifetimeSpend: z._default(AmountSchema, 0),
  lastOrderDate: OptionalCalendarDateSchema,
  /** Every category the customer bought in, sorted. */
  categories: EmptyListByDefaultSchema,
  /** The last orders counted: a retry of an order after a crash is not counted twice. */
  recentOrderIds: EmptyListByDefaultSchema,
  /** The tier as of the latest order counted: what a tier-up is measured from. */
  tier: OptionalStringSchema,
  /** Optimistic lock: every write is conditional on the version read, so two orders of one customer never lose one. */
  version: ZeroByDefaultSchema,
});
export type Member = z.infer<typeof MemberSchema>;

export interface MemberOrder {
  orderId: string;
  orderDate: CalendarDate;
  total: number;
  categories: readonly string[];
}

/** What a customer's membership is on one day. */
export interface MemberView {
  tier: Tier | undefined;
  /** Orders and spend within the tier period ending that day (lifetime with `tierPeriodDays: lifetime`). */
  orders: number;
  spend: number;
  lastOrderDate: CalendarDate | undefined;
  categories: readonly string[];
}

/** Days the profile keeps per-day figures for: the tier period, or none for `lifetime`. */
function keptDays(config: Pick<CampaignConfig, 'tierPeriodDays'>): number {
  return config.tierPeriodDays === 'lifetime' ? 0 : config.tierPeriodDays;
}

/**
 * The member after one order, or `undefined` when the order was counted already. Orders may come
 * in any order (an import of history): days are kept sorted and pruned to the period before the
 * latest order.
 */
export function countMemberOrder(config: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers'>, member: Member | undefined, order: MemberOrder): Member | undefined {
  const current = member ?? MemberSchema.parse({});
  if (current.recentOrderIds.includes(order.orderId)) return undefined;
  const lastOrderDate = current.lastOrderDate && current.lastOrderDate > order.orderDate ? current.lastOrderDate : order.orderDate;
  const period = keptDays(config);
  const days = period === 0 ? [] : addToDays(current.days, order).filter((day) => daysBetween(day.date, lastOrderDate) < period);
  const next: Member = {
    days,
    lifetimeOrders: current.lifetimeOrders + 1,
    lifetimeSpend: roundCents(current.lifetimeSpend + order.total),
    lastOrderDate,
    categories: [...new Set([...current.categories, ...order.categories])].sort(),
    recentOrderIds: [...current.recentOrderIds, order.orderId].slice(-RECENT_ORDERS_KEPT),
    version: current.version + 1,
  };
  const tier = tierOn(config, next, lastOrderDate);
  return tier ? { ...next, tier: tier.id } : next;
}

/**
 * Member figures from a customer's recorded orders (`recall migrate`, and record-order on a profile
 * that had none yet), oldest first, so the orders remembered are the latest.
 */
export function memberFromOrders(config: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers'>, orders: readonly MemberOrder[]): Member | undefined {
  const sorted = [...orders].sort((a, b) => a.orderDate.localeCompare(b.orderDate) || a.orderId.localeCompare(b.orderId));
  let member: Member | undefined;
  for (const order of sorted) member = countMemberOrder(config, member, order) ?? member;
  return member;
}

function addToDays(days: readonly z.infer<typeof MemberDaySchema>[], order: MemberOrder): z.infer<typeof MemberDaySchema>[] {
  const same = days.find((day) => day.date === order.orderDate);
  if (same) return days.map((day) => (day === same ? { ...day, orders: day.orders + 1, spend: roundCents(day.spend + order.total) } : day));
  return [...days, { date: order.orderDate, orders: 1, spend: order.total }].sort((a, b) => a.date.localeCompare(b.date));
}

const roundCents = (amount: number): number => Math.round(amount * 100) / 100;

/**
 * Orders and spend within the period ending on `date` (that day and the `tierPeriodDays - 1`
 * before it), or lifetime totals.
 */
export function memberOn(config: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers'>, member: Member | undefined, date: CalendarDate): MemberView {
  if (!member) return { tier: config.tiers[0], orders: 0, spend: 0, lastOrderDate: undefined, categories: [] };
  let orders = member.lifetimeOrders;
  let spend = member.lifetimeSpend;
  if (config.tierPeriodDays !== 'lifetime') {
    const from = addDays(date, 1 - config.tierPeriodDays);
    const inPeriod = member.days.filter((day) => day.date >= from && day.date <= date);
    orders = inPeriod.reduce((sum, day) => sum + day.orders, 0);
    spend = roundCents(inPeriod.reduce((sum, day) => sum + day.spend, 0));
  }
  const view = { orders, spend, lastOrderDate: member.lastOrderDate, categories: member.categories };
  return { ...view, tier: highestTier(config.tiers, view) };
}

export function tierOn(config: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers'>, member: Member | undefined, date: CalendarDate): Tier | undefined {
  return memberOn(config, member, date).tier;
}

function reaches(tier: Tier, figures: { orders: number; spend: number }): boolean {
  const tests = [
    ...(tier.minSpend === undefined ? [] : [figures.spend >= tier.minSpend]),
    ...(tier.minOrders === undefined ? [] : [figures.orders >= tier.minOrders]),
  ];
  return tier.requires === 'any' ? tests.length === 0 || tests.some(Boolean) : tests.every(Boolean);
}

/** The highest tier whose thresholds the figures meet (tiers are lowest first; the first has none). */
function highestTier(tiers: readonly Tier[], figures: { orders: number; spend: number }): Tier | undefined {
  let reached: Tier | undefined;
  for (const tier of tiers) if (reaches(tier, figures)) reached = tier;
  return reached;
}

/**
 * The tier an order lifted the customer to, when it is higher than the tier they had on the
 * order's day before it (a fall is never announced).
 */
export function tierReached(config: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers'>, before: Member | undefined, after: Member, orderDate: CalendarDate): Tier | undefined {
  const rank = (tier: Tier | undefined) => (tier ? config.tiers.findIndex((candidate) => candidate.id === tier.id) : -1);
  const was = tierOn(config, before, orderDate);
  const now = tierOn(config, after, orderDate);
  return rank(now) > rank(was) ? now : undefined;
}

/** What an audience asks of a customer beside their membership: the contacts the profile has. */
export interface Reachability {
  hasSms: boolean;
  hasPush: boolean;
}

/** Whether a customer is in a journey's audience on `date` (docs/architecture.md#audiences). */
export function inAudience(audience: Audience | undefined, view: MemberView, reach: Reachability, date: CalendarDate): boolean {
  if (!audience) return true;
  const within = (value: number, range: { min?: number | undefined; max?: number | undefined } | undefined) =>
    !range || ((range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max));
  if (audience.tiers && !(view.tier && audience.tiers.includes(view.tier.id))) return false;
  if (audience.categories && !audience.categories.some((category) => view.categories.includes(category))) return false;
  if (!within(view.orders, audience.orders) || !within(view.spend, audience.spend)) return false;
  if (audience.lastOrderWithinDays !== undefined && (view.lastOrderDate === undefined || daysBetween(view.lastOrderDate, date) > audience.lastOrderWithinDays)) return false;
  if (audience.hasSms !== undefined && audience.hasSms !== reach.hasSms) return false;
  if (audience.hasPush !== undefined && audience.hasPush !== reach.hasPush) return false;
  return true;
}
