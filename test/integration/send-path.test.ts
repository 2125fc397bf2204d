import { GetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPacer, PACER_KEEP_SECONDS, pacerKey } from '../../lib/adapters/dynamo-pacer.ts';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { CampaignConfigSchema, ledgerRetentionMinimum, longestCouponDays, REPORT_HORIZON_DAYS } from '../../lib/config/schema.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { addDays } from '../../lib/domain/dates.ts';
import type { DomainEvent } from '../../lib/events/catalog.ts';
import type { ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { createHandler as planHandler } from '../../lib/runtime/handlers/plan-recall.ts';
import { createHandler as scanHandler } from '../../lib/runtime/handlers/scan-shard.ts';
import { createHandler as sendHandler } from '../../lib/runtime/handlers/send-message.ts';
import { lambdaContext, MemoryQueue, sqsEvent } from '../../lib/runtime/local-pipeline.ts';
import { RUN_RETENTION_DAYS } from '../../lib/usecases/pipeline.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { fixedClock, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

const TODAY = '2026-11-22';
const SECRET = 'send-path-secret';

/** A queue that remembers how many jobs each enqueue call handed over. */
class CountingQueue<T> extends MemoryQueue<T> {
  readonly calls: number[] = [];

  override async enqueue(jobs: readonly T[], options: { delaySeconds?: number } = {}): Promise<void> {
    this.calls.push(jobs.length);
    await super.enqueue(jobs, options);
  }
}

/** Every strongly consistent BatchGetItem `store` sends from now on, as its number of keys. */
function consistentBatchReads(store: DynamoStore): number[] {
  const reads: number[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { RequestItems?: Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }> };
      if (context.commandName === 'BatchGetItemCommand') {
        for (const request of Object.values(input.RequestItems ?? {})) if (request.ConsistentRead) reads.push(request.Keys?.length ?? 0);
      }
      return next(args);
    },
    { step: 'build', name: `consistentBatchReads${Math.random()}` },
  );
  return reads;
}

/** Epoch seconds of the start (UTC) of `date`: DynamoDB's TTL format. */
const epochOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

describe('the send path in batches, and what the table may forget (issue 16, points 2 and 3)', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('scan-shard enqueues its messages in batches; send-message reads a batch of 10 profiles again in one consistent request and still honours an opt-out since the claim; ledger and run items carry their TTL', async () => {
    const config = await testConfig({ retentionDays: 1000 });
    const store = await dynamo.freshStore();
    await seedCustomers({ store, config }, TODAY, generateDemoShop({ customers: 300, seed: 5, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    const work = new MemoryQueue<ShardJobMessage>();
    const send = new CountingQueue<SendJob>();
    const events = { publish: async (_batch: readonly DomainEvent[]) => {} };
    const delivered: SendJob[] = [];
    const clock = fixedClock('2026-11-22T02:00:00Z');
    const plan = planHandler(async () => ({ config, store, workQueue: work, events, clock }));
    const scan = scanHandler(async () => async () => ({ config, store, sendQueue: send, workQueue: work, events, couponSecret: SECRET }));
    const deliver = sendHandler(async () => async () => ({ config, store, transport: { deliver: async (job) => void delivered.push(job) }, events, clock, sendQueue: send }));

    const planned = await plan({ asOf: TODAY, dryRun: false }, lambdaContext('plan-recall'));
    while (work.size > 0) await scan(sqsEvent(work.take(1), 'work-queue'), lambdaContext('scan-shard'));
    const enqueued = send.calls.reduce((sum, count) => sum + count, 0);

    expect(enqueued).toBeGreaterThan(20);
    expect(send.calls.length).toBeLessThanOrEqual(config.shards * Math.ceil(300 / 100));
    expect(Math.max(...send.calls)).toBeGreaterThan(1);

    const first = send.take(10);
    const optedOut = first[3];
    if (!optedOut) throw new Error('the first send batch has fewer than 4 messages');
    await store.markOptedOut(optedOut.customerId, '2026-11-22T01:59:00Z');
    const reads = consistentBatchReads(store);
    await deliver(sqsEvent(first, 'send-queue'), lambdaContext('send-message'));

    expect(reads).toEqual([10]);
    expect(delivered.map((job) => job.customerId).sort()).toEqual(first.filter((job) => job !== optedOut).map((job) => job.customerId).sort());
    const doc = DynamoDBDocumentClient.from(store.client);
    const ledgerKey = (job: SendJob) => ({ pk: `C#${job.customerId}`, sk: `L#${job.journeyId}#${job.cycle}#${job.stepId}` });
    const refused = (await doc.send(new GetCommand({ TableName: store.tableName, Key: ledgerKey(optedOut), ConsistentRead: true }))).Item;
    expect(refused).toMatchObject({ outcome: 'skipped:opted-out', status: 'failed' });

    // Every ledger item of the run may go `retentionDays` after its run date, the run's bookkeeping 30 days after it.
    const sent = (await doc.send(new GetCommand({ TableName: store.tableName, Key: ledgerKey(first[0] ?? optedOut), ConsistentRead: true }))).Item;
    expect(sent).toMatchObject({ status: 'sent', expiresAt: epochOf(addDays(TODAY, 1000)) });
    expect(refused?.expiresAt).toBe(epochOf('2029-08-18'));
    const run = (await doc.send(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `RUN#${planned.runId}` } }))).Items ?? [];
    expect(run.map((item) => item.sk)).toContain('META');
    expect(run.length).toBeGreaterThan(config.shards);
    expect(run.map((item) => item.expiresAt)).toEqual(run.map(() => epochOf(addDays(TODAY, RUN_RETENTION_DAYS))));
    expect(epochOf(addDays(TODAY, RUN_RETENTION_DAYS))).toBe(epochOf('2026-12-22'));
  });

  it('the pacer item may go an hour after its last grant, each grant moving that on', async () => {
    const { tableName } = await dynamo.freshStore();
    let now = 1_800_000_000_250;
    const pacer = new DynamoPacer(dynamoClient(dynamo.endpoint), tableName, { mps: 20, now: () => now, sleep: async (ms) => void (now += ms) });
    const doc = DynamoDBDocumentClient.from(dynamoClient(dynamo.endpoint));
    const expiresAt = async () => (await doc.send(new GetCommand({ TableName: tableName, Key: pacerKey, ConsistentRead: true }))).Item?.expiresAt;

    await pacer.reserve(1);
    expect(PACER_KEEP_SECONDS).toBe(3600);
    expect(await expiresAt()).toBe(1_800_000_000 + 3600);
    now += 90_000;
    await pacer.reserve(1);
    expect(await expiresAt()).toBe(1_800_000_090 + 3600);
  });

  it('retentionDays is at least the longest coupon validity + attributionDays + the report horizon, with an error that says so', async () => {
    const config = await loadDefaultConfig();
    const minimum = ledgerRetentionMinimum(config);
    expect(minimum).toBe(longestCouponDays(config) + config.attributionDays + REPORT_HORIZON_DAYS);
    expect(longestCouponDays(config)).toBeGreaterThan(0);
    expect(config.retentionDays).toBeGreaterThanOrEqual(minimum);

    expect(CampaignConfigSchema.safeParse({ ...config, retentionDays: minimum }).success).toBe(true);
    const short = CampaignConfigSchema.safeParse({ ...config, retentionDays: minimum - 1 });
    expect(short.success).toBe(false);
    expect(short.error?.issues).toEqual([
      expect.objectContaining({
        path: ['retentionDays'],
        message: expect.stringContaining(`must be at least ${minimum} days: the longest coupon validity (${longestCouponDays(config)}) + attributionDays (${config.attributionDays}) + the report horizon (${REPORT_HORIZON_DAYS})`),
      }),
    ]);
    // The default suits any valid config: the longest coupon (366) + the longest attribution (90) + the horizon.
    const longest = { ...config, attributionDays: 90, journeys: config.journeys.map((journey) => ({ ...journey, steps: journey.steps.map((step) => (step.coupon ? { ...step, coupon: { ...step.coupon, validDays: 366 } } : step)) })) };
    const { retentionDays: _default, ...withoutRetention } = longest;
    expect(CampaignConfigSchema.parse(withoutRetention).retentionDays).toBeGreaterThanOrEqual(366 + 90 + REPORT_HORIZON_DAYS);
  });
});
