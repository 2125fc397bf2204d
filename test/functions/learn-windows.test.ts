import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/learn-windows.ts';
import { addDays, type CalendarDate } from '../../lib/domain/dates.ts';
import { WindowsLearnedSchema } from '../../lib/events/domain-events.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { mockAws, putEvents } from '../support/aws-mocks.ts';
import { EVENT_BUS_NAME } from '../support/handler-env.ts';
import { changedKeys, type HandlerTable, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { loadEvent, loadEventObject } from '../support/sample-events.ts';
import type { CategoryHistory } from '../../lib/domain/records.ts';

const FIRST: CalendarDate = '2026-01-05';

function history(customerId: string, category: string, secondAfterDays?: number): CategoryHistory {
  const second = secondAfterDays === undefined ? undefined : addDays(FIRST, secondAfterDays);
  return {
    customerId,
    category,
    firstDate: FIRST,
    firstOrderId: `${customerId}-1`,
    ...(second ? { secondDate: second, secondOrderId: `${customerId}-2` } : {}),
    lastDate: second ?? FIRST,
    orderCount: second ? 2 : 1,
    recentOrderIds: second ? [`${customerId}-1`, `${customerId}-2`] : [`${customerId}-1`],
    version: 1,
  };
}

/**
 * A small shop on the default config: pet-food has 40 repeaters (20 came back after 30 days, 20
 * after 40: median 30) among 50 buyers; baby-care has 5 repeaters of 8 buyers (too few: flagged).
 */
const SHOP: CategoryHistory[] = [
  ...Array.from({ length: 20 }, (_, i) => history(`p30-${i}`, 'pet-food', 30)),
  ...Array.from({ length: 20 }, (_, i) => history(`p40-${i}`, 'pet-food', 40)),
  ...Array.from({ length: 10 }, (_, i) => history(`p1-${i}`, 'pet-food')),
  ...Array.from({ length: 5 }, (_, i) => history(`b12-${i}`, 'baby-care', 12)),
  ...Array.from({ length: 3 }, (_, i) => history(`b1-${i}`, 'baby-care')),
];

describe('learn-windows (the deployed handler on dynalite, EventBridge mocked)', () => {
  const aws = mockAws();
  let table: HandlerTable;

  beforeAll(async () => {
    table = await startHandlerTable();
    for (const item of SHOP) await table.store.saveCategoryHistory(item);
  });
  beforeEach(() => {
    aws.reset();
  });
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  const learned = () => {
    const events = putEvents(aws);
    expect(events.map((event) => [event.type, event.source, event.bus])).toEqual([['WindowsLearned', 'recall.campaigns', EVENT_BUS_NAME]]);
    return WindowsLearnedSchema.parse(events[0]!.detail);
  };

  it('the scheduled sample: learns every configured category from a Scan and publishes WindowsLearned, writing nothing', async () => {
    const before = await tableItems(table.store);

    const result = await handler(await loadEvent('learn-windows.scheduled.json'), lambdaContext('learn-windows'));

    const detail = learned();
    expect(result).toMatchObject({ categories: 8, flagged: 7, histories: SHOP.length, invalidItems: 0, unknownCategories: 0, learnedAt: detail.learnedAt });
    expect(detail.categories.map((category) => category.category)).toEqual([
      'cosmetics', 'womens-shoes', 'mens-shoes', 'womens-clothing', 'mens-clothing', 'skincare', 'baby-care', 'pet-food',
    ]);
    const byCategory = new Map(detail.categories.map((category) => [category.category, category]));
    expect(byCategory.get('pet-food')).toEqual({ category: 'pet-food', configuredWindowDays: 36, learnedWindowDays: 30, repeaters: 40, customers: 50, cameBackShare: 0.8, flagged: false });
    expect(byCategory.get('baby-care')).toEqual({ category: 'baby-care', configuredWindowDays: 33, repeaters: 5, customers: 8, cameBackShare: 5 / 8, flagged: true });
    expect(byCategory.get('cosmetics')).toEqual({ category: 'cosmetics', configuredWindowDays: 76, repeaters: 0, customers: 0, cameBackShare: null, flagged: true });
    expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
  });

  it('by hand ({} or nothing): the same windows', async () => {
    await handler({}, lambdaContext('learn-windows'));
    const byHand = learned();
    aws.reset();
    await handler(undefined, lambdaContext('learn-windows'));

    expect(learned().categories).toEqual(byHand.categories);
  });

  it.each([
    ['an unknown key', { dryRun: true }, /learn-windows: not a schedule invocation nor \{\}/],
    ['a schedule invocation without its scheduledTime', 'schedule', /scheduledTime/],
  ])('%s: a clear InvalidEventError, nothing published', async (_name, event, message) => {
    const input = event === 'schedule' ? (({ scheduledTime: _dropped, ...rest }) => rest)(await loadEventObject('learn-windows.scheduled.json')) : event;

    const learning = handler(input, lambdaContext('learn-windows'));

    await expect(learning).rejects.toMatchObject({ name: 'InvalidEventError', retryable: false });
    await expect(learning).rejects.toThrow(message);
    expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
  });
});
