import { describe, expect, it } from 'vitest';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { countMemberOrder, memberFromOrders, memberOn, tierOn, tierReached, type Member, type MemberOrder } from '../../lib/domain/members.ts';
import { tierUpCyclesStartedBy } from '../../lib/domain/orders.ts';
import type { JourneyState } from '../../lib/domain/records.ts';
import { congrats, tierConfig } from '../support/tiers.ts';

/* lib/domain/members.ts and the tier-up part of lib/domain/orders.ts: pure, dates given. */

const config = await tierConfig();
const DAY = '2026-11-01';

const order = (orderId: string, orderDate: string, total = 100, categories: string[] = ['cosmetics']): MemberOrder => ({ orderId, orderDate, total, categories });

function counted(orders: readonly MemberOrder[], within: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers'> = config): Member {
  let member: Member | undefined;
  for (const next of orders) member = countMemberOrder(within, member, next) ?? member;
  if (!member) throw new Error('no orders');
  return member;
}

describe('member figures', () => {
  it('counts an order tierPeriodDays - 1 days before the day, not one tierPeriodDays before it', () => {
    // Prepare: 600 spent 29 days before DAY and 600 on it.
    const member = counted([order('a', addDays(DAY, -29), 600), order('b', DAY, 600)]);

    // Assess: both count on DAY (gold, 1,200); a day later the first is 30 days old and leaves.
    expect(memberOn(config, member, DAY)).toMatchObject({ orders: 2, spend: 1200, tier: { id: 'gold' } });
    expect(memberOn(config, member, addDays(DAY, 1))).toMatchObject({ orders: 1, spend: 600, tier: { id: 'regular' } });
    expect(member.days.map((day) => day.date)).toEqual([addDays(DAY, -29), DAY]);
  });

  it('prunes days older than the period before the latest order, whatever order the orders come in', () => {
    const orders = [order('old', addDays(DAY, -30), 900), order('new', DAY, 50), order('mid', addDays(DAY, -10), 70)];
    const forward = counted(orders);
    const backward = counted([...orders].reverse());

    expect(forward.days).toEqual([{ date: addDays(DAY, -10), orders: 1, spend: 70 }, { date: DAY, orders: 1, spend: 50 }]);
    expect(backward.days).toEqual(forward.days);
    expect(forward).toMatchObject({ lifetimeOrders: 3, lifetimeSpend: 1020, lastOrderDate: DAY, categories: ['cosmetics'], tier: 'silver' });
    expect(memberFromOrders(config, orders)).toMatchObject({ days: forward.days, lifetimeOrders: 3, lifetimeSpend: 1020, recentOrderIds: ['old', 'mid', 'new'] });
  });

  it('meets a tier on every threshold it sets, or on one with requires: any; lifetime counts every order', () => {
    const both = { ...config, tiers: [...config.tiers.slice(0, 2), { id: 'gold', name: 'VIP', minSpend: 1000, minOrders: 3, requires: 'all' as const }] };
    const either = { ...config, tiers: [...config.tiers.slice(0, 2), { id: 'gold', name: 'VIP', minSpend: 1000, minOrders: 3, requires: 'any' as const }] };
    const member = counted([order('a', DAY, 500), order('b', DAY, 500)]);

    expect(tierOn(both, member, DAY)?.id).toBe('silver');
    expect(tierOn(either, member, DAY)?.id).toBe('gold');
    expect(tierOn(config, member, DAY)?.id).toBe('gold');
    expect(tierOn(config, member, addDays(DAY, 30))?.id).toBe('regular');
    expect(tierOn({ ...config, tierPeriodDays: 'lifetime' }, counted([order('a', DAY, 500), order('b', DAY, 500)], { ...config, tierPeriodDays: 'lifetime' }), addDays(DAY, 3000))?.id).toBe('gold');
    expect(memberOn(config, undefined, DAY)).toMatchObject({ orders: 0, tier: { id: 'regular' } });
  });

  it('counts an order once: a replay returns undefined; each count is a new version', () => {
    const once = countMemberOrder(config, undefined, order('a', DAY));
    expect(once).toMatchObject({ version: 1, lifetimeOrders: 1 });
    expect(countMemberOrder(config, once, order('a', DAY))).toBeUndefined();
    const twice = countMemberOrder(config, once, order('b', DAY));
    expect(twice).toMatchObject({ version: 2, lifetimeOrders: 2, recentOrderIds: ['a', 'b'] });
  });

  it('remembers the last 20 orders counted', () => {
    const member = counted(Array.from({ length: 25 }, (_, i) => order(`o${i}`, addDays(DAY, i))));
    expect(member.recentOrderIds).toHaveLength(20);
    expect(member.recentOrderIds[0]).toBe('o5');
    expect(member.lifetimeOrders).toBe(25);
  });
});

describe('tier-up', () => {
  const states = (started: { scope: string; state: JourneyState }[]) => new Map(started.map(({ scope, state }) => [scope, state]));

  it('starts one cycle, named and scoped by the tier reached, on the order that lifts the customer', () => {
    const before = counted([order('a', DAY)]);
    const after = counted([order('a', DAY), order('b', DAY)]);

    const started = tierUpCyclesStartedBy(config, { customerId: 'c1', orderDate: DAY }, before, after, new Map());

    expect(started).toEqual([{ scope: 'congrats#silver', state: { customerId: 'c1', journeyId: 'congrats', cycle: 'silver', anchorDate: DAY, stepIndex: 0, fromDate: DAY } }]);
    // The same tier again (a fall and a rise): the state of that scope is there, nothing starts.
    expect(tierUpCyclesStartedBy(config, { customerId: 'c1', orderDate: DAY }, before, after, states(started))).toEqual([]);
  });

  it('starts nothing on an order that keeps or lowers the tier, for a tier the journey does not list, or for a disabled journey', () => {
    const gold = counted([order('a', DAY, 1200)]);
    const stillGold = counted([order('a', DAY, 1200), order('b', DAY, 10)]);
    expect(tierReached(config, gold, stillGold, DAY)).toBeUndefined();
    expect(tierUpCyclesStartedBy(config, { customerId: 'c1', orderDate: DAY }, gold, stillGold, new Map())).toEqual([]);
    // The day after the period the gold spend left: an order lifts to silver at most, from regular.
    const later = addDays(DAY, 40);
    const afterFall = counted([order('a', DAY, 1200), order('c', later, 10)]);
    expect(tierOn(config, gold, later)?.id).toBe('regular');
    expect(tierReached(config, gold, afterFall, later)).toBeUndefined();

    const silver = [order('a', DAY), order('b', DAY)];
    const goldOnly = { ...config, journeys: config.journeys.map((journey) => (journey.id === congrats.id ? { ...congrats, trigger: { type: 'tier-up' as const, tiers: ['gold'] } } : journey)) };
    expect(tierUpCyclesStartedBy(goldOnly, { customerId: 'c1', orderDate: DAY }, counted(silver.slice(0, 1)), counted(silver), new Map())).toEqual([]);
    const disabled = { ...config, journeys: config.journeys.map((journey) => (journey.id === congrats.id ? { ...congrats, enabled: false } : journey)) };
    expect(tierUpCyclesStartedBy(disabled, { customerId: 'c1', orderDate: DAY }, counted(silver.slice(0, 1)), counted(silver), new Map())).toEqual([]);
  });

  it('jumps to the highest tier reached, not every tier on the way', () => {
    const started = tierUpCyclesStartedBy(config, { customerId: 'c1', orderDate: DAY }, undefined, counted([order('a', DAY, 1500)]), new Map());
    expect(started.map(({ scope }) => scope)).toEqual(['congrats#gold']);
  });
});
