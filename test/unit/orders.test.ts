import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { journeyScope, startCycle } from '../../lib/domain/journeys.ts';
import { cyclesStartedBy, recordCategoryPurchase, type OrderFacts } from '../../lib/domain/orders.ts';
import type { CategoryHistory, JourneyState } from '../../lib/domain/records.ts';

const config = await loadDefaultConfig();

function journeyById(id: string) {
  const journey = config.journeys.find((candidate) => candidate.id === id);
  if (!journey) throw new Error(`no journey ${id} in the default config`);
  return journey;
}

const categoryRecall = journeyById('category-recall');
const lifecycle = journeyById('lifecycle');
const ladder = journeyById('spend-200-ladder');

/** Records orders one after another, failing if one of them is refused as a replay. */
function historyOf(orders: readonly [orderId: string, date: string][]): CategoryHistory {
  let history: CategoryHistory | undefined;
  for (const [orderId, date] of orders) {
    const next = recordCategoryPurchase(history, 'c1', 'cosmetics', orderId, date);
    if (!next) throw new Error(`order ${orderId} was refused as a replay`);
    history = next;
  }
  if (!history) throw new Error('no orders');
  return history;
}

function orderOf(overrides: Partial<OrderFacts> = {}): OrderFacts {
  return { orderId: 'o-1', customerId: 'c1', orderDate: '2024-06-15', total: 120, categories: ['cosmetics'], ...overrides };
}

function scopesOf(started: { scope: string }[]): string[] {
  return started.map((entry) => entry.scope).sort();
}

describe('recordCategoryPurchase', () => {
  it('starts a history with the first order', () => {
    // Act
    const history = recordCategoryPurchase(undefined, 'c1', 'cosmetics', 'o-1', '2024-01-10');

    // Assess
    expect(history).toEqual({
      customerId: 'c1',
      category: 'cosmetics',
      firstDate: '2024-01-10',
      firstOrderId: 'o-1',
      lastDate: '2024-01-10',
      orderCount: 1,
      recentOrderIds: ['o-1'],
      version: 1,
    });
  });

  it('sets the second purchase from a later order', () => {
    // Act
    const history = historyOf([
      ['o-1', '2024-01-10'],
      ['o-2', '2024-03-01'],
    ]);

    // Assess
    expect(history.firstDate).toBe('2024-01-10');
    expect(history.firstOrderId).toBe('o-1');
    expect(history.secondDate).toBe('2024-03-01');
    expect(history.secondOrderId).toBe('o-2');
    expect(history.lastDate).toBe('2024-03-01');
    expect(history.orderCount).toBe(2);
    expect(history.version).toBe(2);
  });

  it('makes an earlier order that arrives late the first, and the old first the second', () => {
    // Act
    const history = historyOf([
      ['o-2', '2024-03-01'],
      ['o-1', '2024-01-10'],
    ]);

    // Assess
    expect(history.firstDate).toBe('2024-01-10');
    expect(history.firstOrderId).toBe('o-1');
    expect(history.secondDate).toBe('2024-03-01');
    expect(history.secondOrderId).toBe('o-2');
    expect(history.lastDate).toBe('2024-03-01');
  });

  it('keeps the two earliest orders as first and second, whatever the arrival order', () => {
    // Act
    const history = historyOf([
      ['o-3', '2024-05-01'],
      ['o-1', '2024-01-10'],
      ['o-4', '2024-06-01'],
      ['o-2', '2024-03-01'],
    ]);

    // Assess
    expect([history.firstOrderId, history.secondOrderId]).toEqual(['o-1', 'o-2']);
    expect([history.firstDate, history.secondDate]).toEqual(['2024-01-10', '2024-03-01']);
    expect(history.lastDate).toBe('2024-06-01');
    expect(history.orderCount).toBe(4);
  });

  it('does not move lastDate back for an older order', () => {
    // Act
    const history = historyOf([
      ['o-2', '2024-03-01'],
      ['o-3', '2024-05-01'],
      ['o-1', '2024-01-10'],
    ]);

    // Assess
    expect(history.lastDate).toBe('2024-05-01');
  });

  it('refuses a replayed order id', () => {
    // Prepare
    const history = historyOf([
      ['o-1', '2024-01-10'],
      ['o-2', '2024-03-01'],
    ]);

    // Act
    const replayFirst = recordCategoryPurchase(history, 'c1', 'cosmetics', 'o-1', '2024-01-10');
    const replaySecond = recordCategoryPurchase(history, 'c1', 'cosmetics', 'o-2', '2024-03-01');

    // Assess
    expect(replayFirst).toBeUndefined();
    expect(replaySecond).toBeUndefined();
  });

  it('refuses a replay of the first order even after it has dropped out of the recent ids', () => {
    // Prepare: the first order, then 12 more, so o-0 is no longer among the last 10
    const orders: [string, string][] = [['o-0', '2024-01-01']];
    for (let n = 1; n <= 12; n++) orders.push([`o-${n}`, `2024-02-${String(n).padStart(2, '0')}`]);
    const history = historyOf(orders);

    // Act
    const replay = recordCategoryPurchase(history, 'c1', 'cosmetics', 'o-0', '2024-01-01');

    // Assess
    expect(history.recentOrderIds).not.toContain('o-0');
    expect(history.orderCount).toBe(13);
    expect(replay).toBeUndefined();
  });

  it('counts a second, different order on the same day', () => {
    // Act
    const history = historyOf([
      ['o-1', '2024-01-10'],
      ['o-2', '2024-01-10'],
    ]);

    // Assess
    expect(history.orderCount).toBe(2);
    expect(history.secondDate).toBe('2024-01-10');
    expect(history.secondOrderId).toBe('o-2');
  });

  it('does not change the history it is given', () => {
    // Prepare
    const history = historyOf([['o-1', '2024-01-10']]);
    const before = structuredClone(history);

    // Act
    recordCategoryPurchase(history, 'c1', 'cosmetics', 'o-2', '2024-01-01');

    // Assess
    expect(history).toEqual(before);
  });
});

describe('cyclesStartedBy', () => {
  it('starts one category-window cycle per category of the order and one recency cycle', () => {
    // Prepare
    const order = orderOf({ categories: ['cosmetics', 'skincare'], total: 120 });

    // Act
    const started = cyclesStartedBy(config, order, new Map());

    // Assess
    expect(scopesOf(started)).toEqual(['category-recall#cosmetics', 'category-recall#skincare', 'lifecycle']);
    const skincare = started.find((entry) => entry.scope === 'category-recall#skincare');
    expect(skincare?.state).toEqual(startCycle(categoryRecall, 'c1', '2024-06-15', { category: 'skincare' }));
  });

  it('starts a ladder cycle only when the total reaches minAmount', () => {
    // Act
    const below = cyclesStartedBy(config, orderOf({ total: 199.99 }), new Map());
    const exactly = cyclesStartedBy(config, orderOf({ total: 200 }), new Map());

    // Assess
    expect(scopesOf(below)).not.toContain('spend-200-ladder#o-1');
    expect(scopesOf(exactly)).toContain('spend-200-ladder#o-1');
    const ladderCycle = exactly.find((entry) => entry.scope === 'spend-200-ladder#o-1');
    expect(ladderCycle?.state).toEqual(startCycle(ladder, 'c1', '2024-06-15', { orderId: 'o-1' }));
  });

  it('restarts category-window and recency cycles on a newer purchase (the exit rule)', () => {
    // Prepare
    const existing = new Map<string, JourneyState>([
      ['category-recall#cosmetics', startCycle(categoryRecall, 'c1', '2024-03-01', { category: 'cosmetics' })],
      ['lifecycle', startCycle(lifecycle, 'c1', '2024-03-01', {})],
    ]);

    // Act
    const started = cyclesStartedBy(config, orderOf({ orderDate: '2024-06-15' }), existing);

    // Assess
    expect(scopesOf(started)).toEqual(['category-recall#cosmetics', 'lifecycle']);
    expect(started.every((entry) => entry.state.anchorDate === '2024-06-15' && entry.state.stepIndex === 0)).toBe(true);
  });

  it.each([
    ['an older', '2024-02-01'],
    ['a same-day', '2024-03-01'],
  ])('does not restart a cycle on %s purchase', (_label, orderDate) => {
    // Prepare
    const existing = new Map<string, JourneyState>([
      ['category-recall#cosmetics', startCycle(categoryRecall, 'c1', '2024-03-01', { category: 'cosmetics' })],
      ['lifecycle', startCycle(lifecycle, 'c1', '2024-03-01', {})],
    ]);

    // Act
    const started = cyclesStartedBy(config, orderOf({ orderDate, orderId: 'o-late' }), existing);

    // Assess
    expect(started).toEqual([]);
  });

  it('restarts only the category that was bought again', () => {
    // Prepare
    const existing = new Map<string, JourneyState>([
      ['category-recall#cosmetics', startCycle(categoryRecall, 'c1', '2024-03-01', { category: 'cosmetics' })],
      ['category-recall#skincare', startCycle(categoryRecall, 'c1', '2024-03-01', { category: 'skincare' })],
      ['lifecycle', startCycle(lifecycle, 'c1', '2024-03-01', {})],
    ]);

    // Act
    const started = cyclesStartedBy(config, orderOf({ categories: ['skincare'] }), existing);

    // Assess
    expect(scopesOf(started)).toEqual(['category-recall#skincare', 'lifecycle']);
  });

  it('does not restart a ladder on a later purchase, but starts a new ladder for a new qualifying order', () => {
    // Prepare: an existing ladder from o-1
    const firstLadder = startCycle(ladder, 'c1', '2024-05-01', { orderId: 'o-1' });
    const existing = new Map<string, JourneyState>([[journeyScope(ladder, undefined, 'o-1'), firstLadder]]);

    // Act
    const small = cyclesStartedBy(config, orderOf({ orderId: 'o-2', total: 50 }), existing);
    const big = cyclesStartedBy(config, orderOf({ orderId: 'o-3', total: 300 }), existing);

    // Assess
    expect(scopesOf(small).filter((scope) => scope.startsWith('spend-200-ladder'))).toEqual([]);
    expect(scopesOf(big).filter((scope) => scope.startsWith('spend-200-ladder'))).toEqual(['spend-200-ladder#o-3']);
  });

  it('starts nothing new when the same qualifying order is recorded again', () => {
    // Prepare
    const order = orderOf({ total: 300 });
    const existing = new Map(cyclesStartedBy(config, order, new Map()).map((entry) => [entry.scope, entry.state] as const));

    // Act
    const replay = cyclesStartedBy(config, order, existing);

    // Assess
    expect(existing.size).toBe(3);
    expect(replay).toEqual([]);
  });

  it('ignores disabled journeys', () => {
    // Prepare
    const onlyLadderEnabled: CampaignConfig = {
      ...config,
      journeys: config.journeys.map((journey) => ({ ...journey, enabled: journey.id === ladder.id })),
    };

    // Act
    const started = cyclesStartedBy(onlyLadderEnabled, orderOf({ total: 300, categories: ['cosmetics', 'skincare'] }), new Map());

    // Assess
    expect(scopesOf(started)).toEqual(['spend-200-ladder#o-1']);
  });
});
