import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPacer } from '../../lib/adapters/dynamo-pacer.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../lib/adapters/embedded-dynamo.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import type { OrderInput } from '../../lib/domain/model.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { InlineSendQueue, LOCAL_DELIVERIES_IN_FLIGHT } from '../../lib/runtime/local.ts';
import { MemoryQueue } from '../../lib/runtime/local-pipeline.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { deliverMessage } from '../../lib/usecases/deliver.ts';
import type { ShardJobMessage } from '../../lib/events/schemas.ts';
import { planRecall, scanShardJob, sendJob } from '../../lib/usecases/pipeline.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { runShard } from '../../lib/usecases/run-shard.ts';
import { CrashPlan, isCrash } from '../support/crash.ts';
import { DynamoFaults } from '../support/dynamo-faults.ts';
import { guardLogLeaks } from '../support/leak-guard.ts';
import { EventBus } from '../support/mocked-bus.ts';
import { RedeliveringQueue } from '../support/redelivering-queue.ts';
import { RELIABILITY_SECRET, reliabilityConfig, RUN_NOW, runOn, seedShop, SHOP_NAMES, shopCustomers, shopPhones, TODAY } from '../support/reliability-shop.ts';
import { SmsChannel } from '../support/sms-channel.ts';
import { testDynamoClient } from '../support/store.ts';
import { compareWithClean, scanTable, restoreTable, type TableState } from '../support/table-state.ts';

/**
 * Crash at every write (issue 6, point 1). For each use case, a clean run on a copy of the shop
 * counts its writes and publishes: N. Then for every k in 1..N, on a fresh copy, the use case runs
 * until its k-th write or publish has taken effect and the process dies there; a new process
 * (new clients, new store, new transport) runs the use case again to completion. The state left
 * must be the clean run's, no message may go out twice, and every message the clean run sent
 * that is missing must be one the ledger holds as `sending` (unconfirmed).
 */

const clock = { now: () => new Date(RUN_NOW) };
/** The busy day's customers' numbers. */
const BUSY_PHONES = Array.from({ length: 40 }, (_, i) => `+86139000${String(20_000 + i)}`);
/** The crowded day's customers' numbers: more than one batch of profiles (100) in each shard. */
const CROWD_PHONES = Array.from({ length: 300 }, (_, i) => `+86139001${String(10_000 + i)}`);
/** Ledger key (`customer#journey#cycle#step`) of a table key `C#customer|L#journey#cycle#step`. */
const ledgerKeyOf = (tableKey: string) => tableKey.replace(/^C#/, '').replace('|L#', '#');

interface CrashReport {
  useCase: string;
  crashPoints: number;
  duplicates: number;
  /** Messages left `sending` over all crash points, and how many of them had gone out anyway. */
  unconfirmed: number;
  unconfirmedDelivered: number;
  /** Messages of the clean run that never went out (each must be unconfirmed). */
  lost: number;
  /** The most messages one crash left unconfirmed. */
  mostUnconfirmed: number;
  failures: string[];
}

const reports: CrashReport[] = [];

describe('crash at every write, then a fresh process runs the use case again', () => {
  let server: EmbeddedDynamo;
  /** Between a process that is to die and dynalite: it kills the process at its plan's point. */
  let faults: DynamoFaults;
  let setupClient: DynamoDBClient;
  let config: CampaignConfig;
  let shop: TableState;
  let tables = 0;
  const channel = new SmsChannel();
  const bus = new EventBus();
  const issuedCodes: string[] = [];

  guardLogLeaks({ phones: [...shopPhones(), ...BUSY_PHONES, ...CROWD_PHONES], secrets: [RELIABILITY_SECRET], names: SHOP_NAMES, couponCodes: () => issuedCodes });

  beforeAll(async () => {
    server = await startEmbeddedDynamo();
    faults = await DynamoFaults.start(server.endpoint);
    setupClient = testDynamoClient(server.endpoint);
    config = await reliabilityConfig();
    const store = await openTable(new Map());
    await seedShop(store, config);
    shop = await scanTable(store);
  });
  afterAll(async () => {
    for (const report of reports) {
      console.log(
        `reliability: ${report.useCase}: ${report.crashPoints} crash points tried, ${report.duplicates} duplicate messages, ` +
          `${report.unconfirmed} unconfirmed (${report.unconfirmedDelivered} of them delivered; at most ${report.mostUnconfirmed} after one crash), ${report.lost} lost`,
      );
    }
    channel.restore();
    bus.restore();
    setupClient.destroy();
    await faults.close();
    await server.close();
  });

  /** A fresh table holding `state`, seen by the test's own client (never crashed). */
  async function openTable(state: TableState): Promise<DynamoStore> {
    const store = new DynamoStore(setupClient, `crash-${++tables}`);
    await store.ensureTable();
    await restoreTable(store, state);
    return store;
  }

  /** What one process builds: its own client and store; with a crash plan, through the proxy that kills it. */
  function processStore(table: DynamoStore, plan?: CrashPlan): DynamoStore {
    if (plan) faults.crashWith(plan);
    const client = testDynamoClient(plan ? faults.endpoint : server.endpoint);
    return new DynamoStore(client, table.tableName);
  }

  /** Crashes after every write (or only after the writes `crashPoints` picks of the clean run's N). */
  async function crashAtEveryWrite(
    useCase: string,
    initial: TableState,
    run: (store: DynamoStore) => Promise<unknown>,
    crashPoints: (writes: number) => number[] = (writes) => Array.from({ length: writes }, (_, i) => i + 1),
  ): Promise<CrashReport> {
    channel.reset();
    bus.reset();
    const cleanTable = await openTable(initial);
    const cleanPlan = new CrashPlan();
    channel.plan = cleanPlan;
    const cleanProcess = processStore(cleanTable, cleanPlan);
    await run(cleanProcess);
    cleanProcess.client.destroy();
    const clean = await scanTable(cleanTable);
    const cleanDeliveries = channel.deliveriesByKey();
    issuedCodes.push(...channel.delivered.flatMap((job) => job.couponCode ?? []));

    const points = crashPoints(cleanPlan.writes);
    const report: CrashReport = { useCase, crashPoints: points.length, duplicates: 0, unconfirmed: 0, unconfirmedDelivered: 0, lost: 0, mostUnconfirmed: 0, failures: [] };
    for (const k of points) {
      channel.reset();
      bus.reset();
      const table = await openTable(initial);
      const plan = new CrashPlan(k);
      channel.plan = plan;
      const dying = processStore(table, plan);
      const crashed = await run(dying).then(
        () => false,
        (error: unknown) => {
          if (!isCrash(error)) throw error;
          return true;
        },
      );
      await faults.settled();
      dying.client.destroy();
      channel.plan = undefined;
      if (!crashed) report.failures.push(`k=${k}: the run finished without reaching its ${k}th write`);

      const fresh = processStore(table);
      await run(fresh);
      fresh.client.destroy();

      const { unconfirmed, differences } = compareWithClean(clean, await scanTable(table));
      const deliveries = channel.deliveriesByKey();
      const unconfirmedKeys = new Set(unconfirmed.map(ledgerKeyOf));
      const lost = [...cleanDeliveries.keys()].filter((key) => !deliveries.has(key));
      report.duplicates += [...deliveries.values()].reduce((sum, count) => sum + count - 1, 0);
      report.unconfirmed += unconfirmed.length;
      report.mostUnconfirmed = Math.max(report.mostUnconfirmed, unconfirmed.length);
      report.unconfirmedDelivered += [...unconfirmedKeys].filter((key) => deliveries.has(key)).length;
      report.lost += lost.length;
      const at = `k=${k} (after ${plan.points[k - 1] ?? '?'})`;
      for (const difference of differences) report.failures.push(`${at}: state differs: ${difference}`);
      for (const [key, count] of deliveries) {
        if (count > 1) report.failures.push(`${at}: ${key} sent ${count} times`);
        if (!cleanDeliveries.has(key)) report.failures.push(`${at}: ${key} sent, but not by the clean run`);
      }
      for (const key of lost) if (!unconfirmedKeys.has(key)) report.failures.push(`${at}: ${key} lost without being reported unconfirmed`);
      const announced = bus.ofType('MessageSent').map((event) => [event.detail.customerId, event.detail.journeyId, event.detail.cycle, event.detail.stepId].map(String).join('#'));
      if (new Set(announced).size !== announced.length) report.failures.push(`${at}: a MessageSent published twice: ${announced.join(', ')}`);
      const codes = bus.ofType('CouponIssued').map((event) => String(event.detail.couponCode));
      if (new Set(codes).size !== codes.length) report.failures.push(`${at}: a coupon issued twice: ${codes.join(', ')}`);
    }
    reports.push(report);
    return report;
  }

  // A crash at each of its ~50 writes, each followed by a full re-run: about a minute alone, more on a loaded machine.
  it('the daily run (runDay, delivering inline through deliverMessage and SNS)', { timeout: 240_000 }, async () => {
    const run = (store: DynamoStore) => {
      const transport = channel.transport(config);
      return runDay(
        {
          store,
          config,
          couponSecret: RELIABILITY_SECRET,
          sendQueue: { enqueue: async (jobs) => void (await Promise.all(jobs.map((job) => deliverMessage({ store, transport, clock }, job)))) },
        },
        runOn(config),
      );
    };

    const report = await crashAtEveryWrite('daily run', shop, run);

    // The clean run sends 6, decides 14 candidates: every write of every path is a crash point.
    expect(report.crashPoints).toBeGreaterThanOrEqual(40);
    expect(report.failures).toEqual([]);
    expect(report.duplicates).toBe(0);
    // A crash between the first write (sending) and sending -> sent happens at some k: unconfirmed exists.
    expect(report.unconfirmed).toBeGreaterThan(0);
  });

  /**
   * Many messages in flight (issue "Trust II", point 6): a local run of a busy day, delivering
   * through the InlineSendQueue of `recall run`, 10 deliveries at once, killed at points spread
   * over its writes. Whatever was in flight may stay unconfirmed, never more than the bound.
   */
  it('the daily run with the in-flight bound reached (InlineSendQueue, as recall run delivers)', async () => {
    const busy = await busyShop();
    let inFlight = 0;
    let mostInFlight = 0;
    const run = (store: DynamoStore) => {
      const transport = channel.transport(config);
      const sendQueue = new InlineSendQueue(async (job) => {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        try {
          return await deliverMessage({ store, transport, clock }, job);
        } finally {
          inFlight--;
        }
      });
      return runDay({ store, config, couponSecret: RELIABILITY_SECRET, sendQueue }, runOn(config));
    };

    const report = await crashAtEveryWrite('daily run, deliveries in flight at the bound', busy, run, (writes) => [0.2, 0.35, 0.5, 0.65, 0.8].map((share) => Math.round(writes * share)));

    expect(mostInFlight).toBe(LOCAL_DELIVERIES_IN_FLIGHT);
    expect(report.failures).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.unconfirmed).toBeGreaterThan(0);
    expect(report.mostUnconfirmed).toBeLessThanOrEqual(LOCAL_DELIVERIES_IN_FLIGHT);
  });

  it('record-order (recordOrder over a stream of OrderPlaced events, replayed from the start after the crash)', async () => {
    const [first, , , fourth, , , seventh] = shopCustomers();
    const id = (entry: typeof first) => entry?.customer.customerId ?? '?';
    const orders: OrderInput[] = [
      // A repurchase: the category-window and recency cycles restart from today.
      { orderId: 'n1', customerId: id(first), orderedAt: '2026-11-22T09:00:00+08:00', lines: [{ category: 'cosmetics', amount: 99 }] },
      // Two lines, 450 in all: two category histories, a new ladder cycle.
      { orderId: 'n2', customerId: id(seventh), orderedAt: '2026-11-22T09:30:00+08:00', lines: [{ category: 'womens-clothing', amount: 180 }, { category: 'skincare', amount: 270 }] },
      // A customer the shop never imported, with a line in a category the config does not know.
      { orderId: 'n3', customerId: 'walk-in-1', orderedAt: '2026-11-22T09:45:00+08:00', lines: [{ category: 'garden-gnomes', amount: 40 }, { category: 'cosmetics', amount: 60 }] },
      // An old order arriving late: first purchase moves back, its ladder is stale (dormant).
      { orderId: 'n4', customerId: id(fourth), orderedAt: '2026-01-15T12:00:00+08:00', lines: [{ category: 'womens-clothing', amount: 220 }] },
      // The first one again (the bus delivers at least once).
      { orderId: 'n1', customerId: id(first), orderedAt: '2026-11-22T09:00:00+08:00', lines: [{ category: 'cosmetics', amount: 99 }] },
    ];
    const run = async (store: DynamoStore) => {
      for (const order of orders) await recordOrder({ store, config, clock }, order);
    };

    const report = await crashAtEveryWrite('record-order', shop, run);

    expect(report.crashPoints).toBeGreaterThanOrEqual(15);
    expect(report.failures).toEqual([]);
  });

  it('send-message (sendJob: pacer, SNS, ledger, MessageSent and CouponIssued on the bus)', async () => {
    const { initial, jobs } = await claimedShop();
    const run = async (store: DynamoStore) => {
      // The pacer's clock moves only when it sleeps: a busy machine cannot make it miss a slot and
      // book again, so every run of the batch makes the same writes, each one a crash point.
      let pacerNow = clock.now().getTime();
      const pacer = new DynamoPacer(store.client, store.tableName, { mps: config.sms.mps, now: () => pacerNow, sleep: async (ms) => void (pacerNow += ms) });
      const deps = { store, config, transport: channel.transport(config), clock, events: bus.publisher(), pacer, sendQueue: new MemoryQueue<SendJob>() };
      // SQS delivers every message of the batch; a redelivery after the crash delivers them all again.
      for (const job of jobs) await sendJob(deps, job);
    };

    const report = await crashAtEveryWrite('send-message', initial, run);

    // Per message: the pacer's booking, its ledger item written as sending, the publish, sending -> sent.
    expect(report.crashPoints).toBe(jobs.length * 4);
    expect(report.failures).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.unconfirmed).toBeGreaterThan(0);
  });

  /**
   * Regression test, was a bug (fixed) in (lib/usecases/pipeline.ts sendJob, lib/usecases/deliver.ts): MessageSent and CouponIssued
   * are published after the ledger moves sending -> sent. A sender that dies between that move and
   * PutEvents has sent the SMS, and its redelivery finds the ledger `sent` (deliverMessage returns
   * 'duplicate'), so the events are never published: the shop's coupon service never hears of a
   * coupon the customer holds, and nothing reports it (the ledger says `sent`, not unconfirmed).
   */
  it('send-message: every message that went out is announced on the bus, even when the sender dies just after marking it sent', async () => {
    const { initial, jobs } = await claimedShop();
    const unannounced: string[] = [];
    const run = async (store: DynamoStore) => {
      const deps = { store, config, transport: channel.transport(config), clock, events: bus.publisher(), sendQueue: new MemoryQueue<SendJob>() };
      for (const job of jobs) await sendJob(deps, job);
    };
    channel.reset();
    for (let k = 1; ; k++) {
      channel.reset();
      bus.reset();
      const table = await openTable(initial);
      const plan = new CrashPlan(k);
      channel.plan = plan;
      bus.plan = plan;
      bus.countsAsWrite = true;
      const dying = processStore(table, plan);
      const crashed = await run(dying).then(() => false, (error: unknown) => isCrash(error) || Promise.reject(error));
      await faults.settled();
      dying.client.destroy();
      channel.plan = undefined;
      bus.plan = undefined;
      if (!crashed) break;
      const fresh = processStore(table);
      await run(fresh);
      fresh.client.destroy();
      const state = await scanTable(table);
      for (const job of channel.delivered) {
        const item = state.get(`C#${job.customerId}|L#${job.journeyId}#${job.cycle}#${job.stepId}`);
        const announced = bus.ofType('MessageSent').some((event) => event.detail.customerId === job.customerId && event.detail.cycle === job.cycle && event.detail.stepId === job.stepId);
        if (item?.status === 'sent' && !announced) unannounced.push(`k=${k} (after ${plan.points[k - 1] ?? '?'}): ${job.customerId} ${job.stepId}`);
      }
    }

    expect(unannounced).toEqual([]);
  });

  /**
   * The day on the Lambda path: plan-recall's jobs through a queue that redelivers a job whose
   * handler threw; the first delivery goes to the process `dying` kills, every later one to a new
   * process. What RunCompleted said.
   */
  async function runTheDay(table: DynamoStore, dying?: CrashPlan): Promise<Record<string, unknown> | undefined> {
    bus.reset();
    const fresh = processStore(table);
    const first = dying ? processStore(table, dying) : fresh;
    const work = new RedeliveringQueue<ShardJobMessage>();
    const send = new MemoryQueue<SendJob>();
    const events = bus.publisher();
    await planRecall({ store: fresh, config, workQueue: work, events, clock }, { runId: `daily-${TODAY}`, asOf: TODAY, dryRun: false });
    let deliveries = 0;
    await work.drain(async (job) => {
      const store = deliveries++ === 0 ? first : fresh;
      await scanShardJob({ store, config, sendQueue: send, workQueue: work, events, couponSecret: RELIABILITY_SECRET }, job, () => false);
    });
    if (dying) await faults.settled();
    first.client.destroy();
    fresh.client.destroy();
    return bus.ofType('RunCompleted')[0]?.detail;
  }

  /** RunCompleted of the day on `initial` for each crash point of the first shard job's writes, where it differs from a clean run's. */
  async function miscountedAfterCrashes(initial: TableState, points: (writes: number) => number[]): Promise<{ clean: Record<string, unknown> | undefined; miscounted: string[] }> {
    const clean = await runTheDay(await openTable(initial));
    const counting = new CrashPlan();
    await runTheDay(await openTable(initial), counting);
    expect(counting.writes).toBeGreaterThan(3);
    const miscounted: string[] = [];
    for (const k of points(counting.writes)) {
      const plan = new CrashPlan(k);
      const crashed = await runTheDay(await openTable(initial), plan);
      if (JSON.stringify(crashed) !== JSON.stringify(clean)) miscounted.push(`k=${k} (after ${plan.points[k - 1] ?? '?'}): ${JSON.stringify(crashed)}`);
    }
    return { clean, miscounted };
  }

  /**
   * A shard job that dies before its counts are stored leaves its decisions due (their steps move
   * on only after the counts), and one that dies after them leaves its counts: either way SQS's
   * next delivery counts each decision once (docs/architecture.md#counting-a-run), so RunCompleted
   * equals the clean run's wherever the first delivery died.
   */
  it('RunCompleted counts the whole day wherever a shard job died and SQS delivered it again', async () => {
    const { clean, miscounted } = await miscountedAfterCrashes(shop, (writes) => Array.from({ length: writes }, (_, i) => i + 1));
    expect(clean).toMatchObject({ sent: 6, due: 14 });
    expect(miscounted).toEqual([]);
  });

  /**
   * The same with more than one batch of customers per shard job, so that a delivery goes on from
   * counts an earlier batch stored: crash points spread over the first job's writes (every write
   * would take minutes), the first and the last among them.
   */
  it('RunCompleted counts the whole day when the dead shard job had stored the counts of earlier batches', async () => {
    const crowded = await crowdedShop();
    const spread = (writes: number) => [...new Set(Array.from({ length: 13 }, (_, j) => 1 + Math.round((j * (writes - 1)) / 12)))];
    const { clean, miscounted } = await miscountedAfterCrashes(crowded, spread);
    expect(clean).toMatchObject({ due: expect.any(Number) });
    expect(Number(clean?.due)).toBeGreaterThan(2 * 100);
    expect(miscounted).toEqual([]);
  });

  /** The shop and 40 more customers whose cosmetics window passed two days ago: 40 messages due at once. */
  async function busyShop(): Promise<TableState> {
    const store = await openTable(shop);
    const busy = BUSY_PHONES.map((phone, i) => ({
      customer: { customerId: `busy-${i}`, phone, name: '', smsOptIn: true },
      orders: [{ orderId: `busy-o${i}`, customerId: `busy-${i}`, orderedAt: '2026-09-05T12:00:00+08:00', lines: [{ category: 'cosmetics', amount: 150 }] }],
    }));
    await seedCustomers({ store, config }, TODAY, busy);
    return scanTable(store);
  }

  /** The shop and 300 more customers whose cosmetics window passed: each shard job decides more than one batch of profiles. */
  async function crowdedShop(): Promise<TableState> {
    const store = await openTable(shop);
    const crowd = CROWD_PHONES.map((phone, i) => ({
      customer: { customerId: `crowd-${String(i).padStart(3, '0')}`, phone, name: '', smsOptIn: true },
      orders: [{ orderId: `crowd-o${i}`, customerId: `crowd-${String(i).padStart(3, '0')}`, orderedAt: '2026-09-05T12:00:00+08:00', lines: [{ category: 'cosmetics', amount: 150 }] }],
    }));
    await seedCustomers({ store, config }, TODAY, crowd);
    return scanTable(store);
  }

  /** The shop after its shard jobs claimed today's messages: what the send queue holds. */
  async function claimedShop(): Promise<{ initial: TableState; jobs: SendJob[] }> {
    const store = await openTable(shop);
    const sendQueue = new MemoryQueue<SendJob>();
    for (let shard = 0; shard < config.shards; shard++) {
      await runShard({ store, config, sendQueue, couponSecret: RELIABILITY_SECRET }, { shard }, runOn(config, TODAY));
    }
    const jobs = sendQueue.take(100);
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    issuedCodes.push(...jobs.flatMap((job) => job.couponCode ?? []));
    return { initial: await scanTable(store), jobs };
  }
});
