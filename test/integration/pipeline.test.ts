import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as planHandler } from '../../lib/runtime/handlers/plan-recall.ts';
import { createHandler as scanHandler } from '../../lib/runtime/handlers/scan-shard.ts';
import { createHandler as sendHandler } from '../../lib/runtime/handlers/send-message.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import type { ShardPart } from '../../lib/domain/records.ts';
import type { DomainEvent } from '../../lib/events/catalog.ts';
import type { ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { drainQueues, lambdaContext, MemoryQueue } from '../../lib/runtime/local-pipeline.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { keys } from '../../lib/store/tables.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

const TODAY = '2026-11-22';
const SECRET = 'parity-secret';
const KEEP_UNTIL = '2026-12-31';

const part = (batches: number, sent: number, countedThrough: string, final = false): ShardPart => ({
  shard: 3,
  final,
  tally: { evaluated: sent, invalidItems: 1, byJourney: { recency: { first: { sent } } } },
  batches,
  countedThrough,
});

async function tableItems(store: DynamoStore, prefix: string): Promise<Map<string, Record<string, unknown>>> {
  const doc = DynamoDBDocumentClient.from(store.client);
  const items = new Map<string, Record<string, unknown>>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: store.tableName, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      if (String(item.sk).startsWith(prefix)) {
        const { sentAt: _sentAt, ...rest } = item;
        items.set(`${item.pk}|${item.sk}`, rest);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

describe('the Lambda pipeline and the local run share every use case', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('plan-recall -> scan-shard -> send-message writes the same ledger and journey states as `recall run`', async () => {
    const config = await testConfig({ holdoutPercent: 10 });
    const shop = () => generateDemoShop({ customers: 400, seed: 5, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone });
    const [local, lambda] = await Promise.all([dynamo.freshStore(), dynamo.freshStore()]);
    await Promise.all([seedCustomers({ store: local, config }, TODAY, shop()), seedCustomers({ store: lambda, config }, TODAY, shop())]);

    const localQueue = new RecordingQueue(local);
    const summary = await runDay({ store: local, config, sendQueue: localQueue, couponSecret: SECRET }, dailyRun(config, TODAY));

    const work = new MemoryQueue<ShardJobMessage>();
    const send = new MemoryQueue<SendJob>();
    const published: DomainEvent[] = [];
    const events = { publish: async (batch: readonly DomainEvent[]) => void published.push(...batch) };
    const sent: SendJob[] = [];
    const clock = fixedClock('2026-11-22T02:00:00Z');
    const plan = planHandler(async () => ({ config, store: lambda, workQueue: work, events, clock }));
    const scan = scanHandler(async () => async () => ({ config, store: lambda, sendQueue: send, workQueue: work, events, couponSecret: SECRET }));
    const deliver = sendHandler(async () => async () => ({ config, store: lambda, transport: { deliver: async (job) => void sent.push(job) }, events, clock, sendQueue: send }));

    const planned = await plan({ asOf: TODAY, dryRun: false }, lambdaContext('plan-recall'));
    const drained = await drainQueues({ work, send }, { scanShard: (event) => scan(event, lambdaContext('scan-shard')), sendMessage: (event) => deliver(event, lambdaContext('send-message')) });

    expect(planned).toMatchObject({ runDate: TODAY, shards: config.shards, planned: true });
    expect(drained.shardJobs).toBe(config.shards);
    expect(summary.sent).toBeGreaterThan(20);
    expect(sent).toHaveLength(summary.sent);
    expect(await tableItems(lambda, 'L#')).toEqual(await tableItems(local, 'L#'));
    expect(await tableItems(lambda, 'J#')).toEqual(await tableItems(local, 'J#'));

    const completed = published.filter((event) => event.type === 'RunCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({ due: summary.due, sent: summary.sent, heldOut: summary.heldOut, skipped: summary.skipped });
    expect(published.filter((event) => event.type === 'MessageSent')).toHaveLength(summary.sent);
    expect(published.filter((event) => event.type === 'CouponIssued').length).toBeGreaterThan(0);
  });

  it('a shard job near its timeout hands the rest of its shard to a continuation, and the run still adds up', async () => {
    const config = await testConfig({ shards: 1 });
    const shop = () => generateDemoShop({ customers: 1200, seed: 8, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone });
    const [local, lambda] = await Promise.all([dynamo.freshStore(), dynamo.freshStore()]);
    await Promise.all([seedCustomers({ store: local, config }, TODAY, shop()), seedCustomers({ store: lambda, config }, TODAY, shop())]);
    const summary = await runDay({ store: local, config, sendQueue: new RecordingQueue(local), couponSecret: SECRET }, dailyRun(config, TODAY));

    const work = new MemoryQueue<ShardJobMessage>();
    const send = new MemoryQueue<SendJob>();
    const published: DomainEvent[] = [];
    const events = { publish: async (batch: readonly DomainEvent[]) => void published.push(...batch) };
    const clock = fixedClock('2026-11-22T02:00:00Z');
    const plan = planHandler(async () => ({ config, store: lambda, workQueue: work, events, clock }));
    const scan = scanHandler(async () => async () => ({ config, store: lambda, sendQueue: send, workQueue: work, events, couponSecret: SECRET }));
    const deliver = sendHandler(async () => async () => ({ config, store: lambda, transport: { deliver: async () => {} }, events, clock, sendQueue: send }));
    // 30 s left of the timeout: below the 60 s margin, so every job yields after its first batch.
    const nearTimeout = () => ({ ...lambdaContext('scan-shard'), getRemainingTimeInMillis: () => 30_000 });

    await plan({ asOf: TODAY, dryRun: false }, lambdaContext('plan-recall'));
    const drained = await drainQueues({ work, send }, { scanShard: (event) => scan(event, nearTimeout()), sendMessage: (event) => deliver(event, lambdaContext('send-message')) });

    expect(summary.evaluated).toBeGreaterThan(100);
    expect(drained.shardJobs).toBe(Math.ceil(summary.evaluated / 100));
    expect(await tableItems(lambda, 'L#')).toEqual(await tableItems(local, 'L#'));
    const completed = published.filter((event) => event.type === 'RunCompleted');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.detail).toMatchObject({ evaluated: summary.evaluated, due: summary.due, sent: summary.sent });
  });

  /** A shard job's stored counts (docs/architecture.md#counting-a-run) on dynalite: they only ever move forward. */
  describe('a shard part', () => {
    let store: DynamoStore;
    beforeAll(async () => {
      store = await dynamo.freshStore();
    });

    it('is replaced by counts holding more batches, never by counts holding as many or fewer', async () => {
      expect(await store.getShardPart('daily-2026-12-01', 3, '')).toBeUndefined();
      await store.putShardPart('daily-2026-12-01', '', part(2, 150, 'c-0150'), KEEP_UNTIL);
      // A slower delivery of the same job, one batch behind, and a duplicate as far: both refused.
      await store.putShardPart('daily-2026-12-01', '', part(1, 90, 'c-0090'), KEEP_UNTIL);
      await store.putShardPart('daily-2026-12-01', '', part(2, 140, 'c-0140'), KEEP_UNTIL);
      expect(await store.getShardPart('daily-2026-12-01', 3, '')).toEqual(part(2, 150, 'c-0150'));

      await store.putShardPart('daily-2026-12-01', '', part(3, 200, 'c-0200', true), KEEP_UNTIL);
      expect(await store.getShardPart('daily-2026-12-01', 3, '')).toEqual(part(3, 200, 'c-0200', true));
      // Each (shard, part) is its own item: a continuation's counts beside the first job's.
      expect(await store.getShardPart('daily-2026-12-01', 3, 'c-0200')).toBeUndefined();
    });

    it('stored before the counts said how many batches they hold reads as none counted, and is replaced by the next', async () => {
      const doc = DynamoDBDocumentClient.from(store.client);
      const { batches: _batches, countedThrough: _through, ...older } = part(1, 40, 'c-0040', true);
      await doc.send(new PutCommand({ TableName: store.tableName, Item: { pk: keys.run('daily-2026-11-30'), sk: keys.shardPart(3, ''), ...older } }));
      expect(await store.getShardPart('daily-2026-11-30', 3, '')).toEqual({ ...older, batches: 0, countedThrough: '' });

      await store.putShardPart('daily-2026-11-30', '', part(1, 45, 'c-0045', true), KEEP_UNTIL);
      expect(await store.getShardPart('daily-2026-11-30', 3, '')).toEqual(part(1, 45, 'c-0045', true));
    });
  });
});
