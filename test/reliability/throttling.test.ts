import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPacer } from '../../lib/adapters/dynamo-pacer.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../lib/adapters/embedded-dynamo.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { addDays } from '../../lib/domain/dates.ts';
import type { ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { planRecall, scanShardJob, sendJob } from '../../lib/usecases/pipeline.ts';
import { DynamoFaults, type FaultStats } from '../support/dynamo-faults.ts';
import { FAULT_RATE, faultRandom } from '../support/fault-rate.ts';
import { guardLogLeaks } from '../support/leak-guard.ts';
import { EventBus } from '../support/mocked-bus.ts';
import { RedeliveringQueue } from '../support/redelivering-queue.ts';
import { RELIABILITY_SECRET, reliabilityConfig, RUN_NOW, seedShop, SHOP_NAMES, shopPhones, TODAY } from '../support/reliability-shop.ts';
import { SmsChannel } from '../support/sms-channel.ts';
import { testDynamoClient } from '../support/store.ts';
import { compareWithClean, ledgerKeysWithStatus, restoreTable, scanTable, type TableState } from '../support/table-state.ts';

/**
 * Throttling and errors (issue 6, point 3): the whole pipeline (plan -> shard jobs -> senders)
 * through its use cases, with SQS-like queues that redeliver a failed message. DynamoDB answers a
 * share RELIABILITY_FAULT_RATE (20% by default) of all requests with
 * ProvisionedThroughputExceededException, ThrottlingException or a 500, before they are sent:
 * the SDK's own retry (standard mode, backoff with jitter) must absorb them. SNS refuses the same
 * share of publishes with ThrottledException: the sender hands the message back (claimed) and the
 * queue redelivers it. The day must end as it ends without faults.
 */

const clock = { now: () => new Date(RUN_NOW) };
/** Generous: at 20% a request fails every attempt with odds 0.2^12. */
const MAX_ATTEMPTS = 12;
/**
 * The SDK's backoff (exponential, full jitter) from 20 ms rather than its 1 s throttling base, and
 * a retry quota that does not run dry at high fault rates (see testDynamoClient).
 */
const BACKOFF_BASE_MS = 20;

interface PipelineOutcome {
  state: TableState;
  delivered: Map<string, number>;
  completed: Record<string, unknown> | undefined;
  dynamo: FaultStats | undefined;
  snsThrottled: number;
  sendRedeliveries: number;
  workRedeliveries: number;
  deadLetters: number;
}

describe(`the daily pipeline with DynamoDB and SNS faults at ${FAULT_RATE * 100}%`, () => {
  let server: EmbeddedDynamo;
  let setupClient: DynamoDBClient;
  let config: CampaignConfig;
  let shop: TableState;
  let tables = 0;
  const channel = new SmsChannel();
  const bus = new EventBus();

  guardLogLeaks({ phones: shopPhones(), secrets: [RELIABILITY_SECRET], names: SHOP_NAMES, couponCodes: () => channel.delivered.flatMap((job) => job.couponCode ?? []) });

  beforeAll(async () => {
    server = await startEmbeddedDynamo();
    setupClient = testDynamoClient(server.endpoint);
    config = await reliabilityConfig();
    const store = await openTable(new Map());
    await seedShop(store, config);
    shop = await scanTable(store);
  });
  afterAll(async () => {
    channel.restore();
    bus.restore();
    setupClient.destroy();
    await server.close();
  });

  async function openTable(state: TableState): Promise<DynamoStore> {
    const store = new DynamoStore(setupClient, `faults-${++tables}`);
    await store.ensureTable();
    await restoreTable(store, state);
    return store;
  }

  /** One day through plan-recall, every shard job and every send, each message redelivered until it succeeds. */
  async function runPipeline(table: DynamoStore, runDate: string, faults: { dynamo: number; sns: number; afterSend?: boolean }): Promise<PipelineOutcome> {
    const proxy = faults.dynamo > 0 ? await DynamoFaults.start(server.endpoint) : undefined;
    proxy?.failAtRate(faults.dynamo, { random: faultRandom() });
    const client = testDynamoClient(proxy?.endpoint ?? server.endpoint, MAX_ATTEMPTS, BACKOFF_BASE_MS, { bottomlessQuota: true });
    const dynamo = proxy?.stats;
    const store = new DynamoStore(client, table.tableName);
    const work = new RedeliveringQueue<ShardJobMessage>();
    const send = new RedeliveringQueue<SendJob>();
    channel.throttleRate = faults.sns;
    const throttledBefore = channel.throttled;
    bus.reset();
    const events = bus.publisher();
    const pacer = new DynamoPacer(client, table.tableName, { mps: config.sms.mps });
    try {
      // EventBridge Scheduler retries a failed invocation of the same schedule.
      const plan = new RedeliveringQueue<string>();
      await plan.enqueue([runDate]);
      await plan.drain((asOf) => planRecall({ store, config, workQueue: work, events, clock }, { runId: `daily-${asOf}`, asOf, dryRun: false }));
      // Shard jobs and senders run concurrently, as Lambda runs them.
      await work.drain((job) => scanShardJob({ store, config, sendQueue: send, workQueue: work, events, couponSecret: RELIABILITY_SECRET }, job, () => false), 20, 4);
      await send.drain((job) => sendJob({ store, config, transport: channel.transport(config), clock, events, pacer, sendQueue: send }, job), 20, 10);
      return {
        state: await scanTable(table),
        delivered: channel.deliveriesByKey(),
        completed: bus.ofType('RunCompleted')[0]?.detail,
        dynamo,
        snsThrottled: channel.throttled - throttledBefore,
        sendRedeliveries: send.redeliveries,
        workRedeliveries: work.redeliveries + plan.redeliveries,
        deadLetters: work.deadLetters.length + send.deadLetters.length + plan.deadLetters.length,
      };
    } finally {
      client.destroy();
      await proxy?.close();
    }
  }

  it('the day completes with the same outcomes as without faults: same ledger, journeys, caps and counts, nothing lost, nothing twice', async () => {
    channel.reset();
    const clean = await runPipeline(await openTable(shop), TODAY, { dynamo: 0, sns: 0 });
    channel.reset();
    const faulty = await runPipeline(await openTable(shop), TODAY, { dynamo: FAULT_RATE, sns: FAULT_RATE });

    const { unconfirmed, differences } = compareWithClean(clean.state, faulty.state);
    expect(differences).toEqual([]);
    expect(unconfirmed).toEqual([]);
    expect(faulty.deadLetters).toBe(0);
    // Nothing lost: every message of the clean day went out, once; nothing is left claimed or sending.
    expect([...faulty.delivered.keys()].sort()).toEqual([...clean.delivered.keys()].sort());
    expect(Math.max(...faulty.delivered.values())).toBe(1);
    expect(ledgerKeysWithStatus(faulty.state, 'claimed')).toEqual([]);
    expect(ledgerKeysWithStatus(faulty.state, 'sending')).toEqual([]);
    expect(faulty.completed).toEqual(clean.completed);
    expect(faulty.completed).toMatchObject({ sent: 6, heldOut: 1, due: 14 });
    expect(bus.ofType('RunCompleted')).toHaveLength(1);

    // The faults happened, and the SDK absorbed them with backoff.
    const stats = faulty.dynamo;
    if (!stats) throw new Error('no DynamoDB fault statistics');
    console.log(
      `reliability: fault rate ${FAULT_RATE}: ${stats.requests} DynamoDB requests, injected ${JSON.stringify(stats.injected)}, ` +
        `${stats.retried} retried (max ${stats.maxAttempts} attempts, ${stats.totalRetryDelay} ms of backoff), ${stats.failed} failed after retries; ` +
        `SNS throttled ${faulty.snsThrottled} publishes, ${faulty.sendRedeliveries} send redeliveries, ${faulty.workRedeliveries} work/plan redeliveries`,
    );
    if (FAULT_RATE > 0) {
      expect(Object.values(stats.injected).every((count) => count > 0)).toBe(true);
      expect(stats.retried).toBeGreaterThan(0);
      expect(stats.maxAttempts).toBeGreaterThan(1);
      expect(stats.totalRetryDelay).toBeGreaterThan(0);
      expect(faulty.snsThrottled).toBeGreaterThan(0);
      expect(faulty.sendRedeliveries).toBeGreaterThanOrEqual(faulty.snsThrottled);
    }
  });

  it('a bigger shop (400 demo customers, the default 8 shards): the same day with and without faults', async () => {
    const defaults = await loadDefaultConfig();
    // A budget the pacer never waits for: this test is about faults, not pacing.
    const bigConfig = { ...defaults, holdoutPercent: 10, sms: { ...defaults.sms, mps: 1000 } };
    const seeded = await openTable(new Map());
    await seedCustomers({ store: seeded, config: bigConfig }, TODAY, generateDemoShop({ customers: 400, seed: 17, today: TODAY, categories: bigConfig.categories, timeZone: bigConfig.merchantTimeZone }));
    const big = await scanTable(seeded);
    const saved = config;
    config = bigConfig;
    try {
      channel.reset();
      const clean = await runPipeline(await openTable(big), TODAY, { dynamo: 0, sns: 0 });
      channel.reset();
      const faulty = await runPipeline(await openTable(big), TODAY, { dynamo: FAULT_RATE, sns: FAULT_RATE });

      expect(compareWithClean(clean.state, faulty.state)).toEqual({ unconfirmed: [], differences: [] });
      expect([...faulty.delivered.keys()].sort()).toEqual([...clean.delivered.keys()].sort());
      expect(Math.max(...faulty.delivered.values())).toBe(1);
      expect(faulty.completed).toEqual(clean.completed);
      expect(clean.delivered.size).toBeGreaterThan(20);
      expect(faulty.deadLetters).toBe(0);
      if (FAULT_RATE > 0) expect(faulty.dynamo?.totalRetryDelay).toBeGreaterThan(0);
      console.log(
        `reliability: fault rate ${FAULT_RATE}, 400 customers: ${faulty.dynamo?.requests} DynamoDB requests, injected ${JSON.stringify(faulty.dynamo?.injected)}, ` +
          `${faulty.dynamo?.retried} retried, ${faulty.dynamo?.totalRetryDelay} ms of backoff; SNS throttled ${faulty.snsThrottled}; ${clean.delivered.size} messages, same outcomes`,
      );
    } finally {
      config = saved;
    }
  });

  it('a 500 whose write did take effect (the answer lost on the way back): no message twice, and each one of the clean day is sent, unconfirmed, or resumed the next day', async () => {
    channel.reset();
    const clean = await runPipeline(await openTable(shop), TODAY, { dynamo: 0, sns: 0 });
    channel.reset();
    const table = await openTable(shop);
    const proxy = await DynamoFaults.start(server.endpoint);
    // The request reaches the store, then its answer is replaced by a 500. The SDK
    // retries, and the retry of a conditional write finds its own earlier write.
    proxy.failAtRate(FAULT_RATE, { random: faultRandom(99), only: (operation) => operation === 'PutItem' || operation === 'UpdateItem', codes: ['InternalServerError'], landed: true });
    const client = testDynamoClient(proxy.endpoint, MAX_ATTEMPTS, BACKOFF_BASE_MS, { bottomlessQuota: true });
    const store = new DynamoStore(client, table.tableName);
    const send = new RedeliveringQueue<SendJob>();
    const work = new RedeliveringQueue<ShardJobMessage>();
    const events = bus.publisher();
    bus.reset();
    await planRecall({ store, config, workQueue: work, events, clock }, { runId: `daily-${TODAY}`, asOf: TODAY, dryRun: false });
    await work.drain((job) => scanShardJob({ store, config, sendQueue: send, workQueue: work, events, couponSecret: RELIABILITY_SECRET }, job, () => false));
    await send.drain((job) => sendJob({ store, config, transport: channel.transport(config), clock, events, sendQueue: send }, job));
    client.destroy();
    await proxy.close();
    const lostAnswers = proxy.stats.injected.InternalServerError;
    // The next day, without faults, resumes what the lost answers left claimed.
    await runPipeline(table, addDays(TODAY, 1), { dynamo: 0, sns: 0 });

    const state = await scanTable(table);
    const delivered = channel.deliveriesByKey();
    const unconfirmed = new Set(ledgerKeysWithStatus(state, 'sending'));
    expect(lostAnswers).toBeGreaterThan(0);
    expect(Math.max(...delivered.values())).toBe(1);
    const unaccounted = [...clean.delivered.keys()].filter((key) => !delivered.has(key) && !unconfirmed.has(key));
    expect(unaccounted).toEqual([]);
    expect(ledgerKeysWithStatus(state, 'claimed')).toEqual([]);
  });
});
