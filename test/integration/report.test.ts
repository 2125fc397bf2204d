import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { MESSAGE_MOVES } from '../../lib/domain/message-state.ts';
import type { OrderInput } from '../../lib/domain/model.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { makeReport } from '../../lib/usecases/report.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/usecases/report.ts on a real DynamoDB-API server: makeReport reads a period through the date
 * index, never a Scan. What it computes from the rows (buildReport): test/unit/report.test.ts.
 */

const SECRET = 'attribution-test-secret';
/** The day the crafted messages were decided. */
const DAY = '2026-11-01';

function order(customerId: string, orderId: string, date: string, amount = 260, code?: string): OrderInput {
  return { orderId, customerId, orderedAt: `${date}T12:00:00+08:00`, lines: [{ category: 'cosmetics', amount }], ...(code ? { couponCode: code } : {}) };
}

describe('the report on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('end to end: a real run, an order with the real code, and the report reading the period through the date index (no Scan)', async () => {
    const store: DynamoStore = await dynamo.freshStore();
    const config = await testConfig({ holdoutPercent: 10 });
    const today = '2026-11-22';
    await seedCustomers({ store, config }, today, generateDemoShop({ customers: 300, seed: 5, today, categories: config.categories, timeZone: config.merchantTimeZone }));
    const queue = new RecordingQueue(store);
    const summary = await runDay({ store, config, sendQueue: queue, couponSecret: SECRET }, dailyRun(config, today));
    const withCoupon = queue.delivered.find((job) => job.couponCode !== undefined);
    expect(withCoupon).toBeDefined();
    const answer = order(withCoupon?.customerId ?? '', 'answer-1', addDays(today, 2), 299, withCoupon?.couponCode);
    const recorded = await recordOrder({ store, config, clock: fixedClock(answer.orderedAt), couponSecret: SECRET }, answer);
    expect(recorded).toMatchObject({ conversion: { outcome: 'sent', journeyId: withCoupon?.journeyId }, coupon: 'redeemed' });

    const calls: string[] = [];
    const watched = new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (...args: unknown[]) => (calls.push(String(property)), (value as (...a: unknown[]) => unknown).apply(target, args)) : value;
      },
    });
    const report = await makeReport({ store: watched, config }, { from: today, to: today }, addDays(today, 3));

    expect(report.totals).toMatchObject({ sent: summary.sent, heldOut: summary.heldOut, conversions: { sent: 1, heldOut: 0 }, redemptions: 1, revenue: { sent: 299 }, couponCost: 50 });
    expect(report.totals.smsParts).toBe(queue.delivered.reduce((sum, job) => sum + job.parts, 0));
    expect(report.totals.candidates).toBe(summary.sent + summary.heldOut + Object.values(summary.skipped).reduce((a, b) => a + b, 0));
    expect(report.shop.orders).toBe(0);
    expect(report.shop.nextMonth.buyers).toBe(0);
    expect(new Set(calls)).toEqual(new Set(['ledgerOfDay', 'ordersOfDay']));
  });

  /**
   * Issue "Trust II", point 5: after a kill -9 a date index once said `sent` where the item said
   * `sending` (dynalite writes the index entry before the item: actions/updateItem.js). Here every
   * index page the report reads is made to say `sent`, as that index did: the report still counts
   * the message unconfirmed, because it reads a message's status from its item.
   */
  it("a message's status comes from its item, not the index copy: an index ahead of its item cannot hide an unconfirmed message", async () => {
    const store: DynamoStore = await dynamo.freshStore();
    const unconfirmed = { customerId: 'c-1', journeyId: 'category-recall', cycle: '2026-09-05', stepId: 'coupon-1', runDate: DAY, outcome: 'sent' as const, channel: 'sms' as const, parts: 1 };
    await store.claimLedger({ ...unconfirmed, status: 'claimed' });
    await store.moveLedgerStatus(unconfirmed.customerId, unconfirmed, MESSAGE_MOVES.begin);
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'QueryCommand') {
          for (const item of (result.output as { Items?: Record<string, unknown>[] }).Items ?? []) if (item.status) item.status = typeof item.status === 'string' ? 'sent' : { S: 'sent' };
        }
        return result;
      },
      { step: 'initialize', name: 'indexAheadOfItem' },
    );

    const report = await makeReport({ store, config: await testConfig() }, { from: DAY, to: DAY }, DAY);

    expect(report.totals).toMatchObject({ sent: 1, unconfirmed: 1 });
  });

  it('a store made before the date index existed gets it when opened (made again with its items: lib/adapters/dynamo/provision.ts), so the report reads it', async () => {
    const client = dynamoClient(dynamo.endpoint);
    const keys = [
      { AttributeName: 'pk', KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ];
    await client.send(new CreateTableCommand({ TableName: 'before-reports', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: keys.map(({ AttributeName }) => ({ AttributeName, AttributeType: 'S' })), KeySchema: keys }));
    const store = new DynamoStore(client, 'before-reports');

    await store.ensureTable();

    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'before-reports' }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toContain('byDate');
    await expect(makeReport({ store, config: await testConfig() }, { from: DAY, to: DAY }, DAY)).resolves.toBeDefined();
  });
});
