import { RequestThrottled, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/scan-shard.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { verifyCouponCode } from '../../lib/domain/coupon.ts';
import { personKey, shardOf } from '../../lib/domain/hashing.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import { SendJobMessageSchema, ShardJobMessageSchema, type ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { keys } from '../../lib/store/tables.ts';
import { campaignConfig } from '../../lib/runtime/aws/env.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { failedRecordLines, metricSum } from '../support/emf.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { mockAws, putEvents, sendMessageBatches } from '../support/aws-mocks.ts';
import { COUPON_SECRET, COUPON_SECRET_ARN, EVENT_BUS_NAME, SEND_QUEUE_URL } from '../support/handler-env.ts';
import { changedKeys, type HandlerTable, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { loadSqsEvent, redelivered, withBodies } from '../support/sample-events.ts';
import { claimsAdded, slotKeys } from '../support/table-state.ts';

const TODAY = '2026-11-22';
/** The run the sample's job belongs to, as plan-recall records it. */
const RUN_ID = 'daily-2026-11-22';
const SHARDS = 8;

/**
 * 150 demo customers (seed 2) have, on 2026-11-22 at 10:00 in Shanghai, per shard: 0: 2 sends and
 * an invalid number; 1: 1 send; 2: 2 sends, 1 held out; 3: 1 send, 1 without consent; 4: 1 held
 * out; 5: 3 sends, 1 invalid number; 6: 1 send, 1 held out; 7: 5 sends, 1 held out. The tests
 * take shards in file order, on one table, until the run completes.
 */
const SHOP = { customers: 150, seed: 2 };

const keyOf = (job: Pick<SendJob, 'customerId' | 'journeyId' | 'cycle' | 'stepId'>) => `C#${job.customerId}|L#${job.journeyId}#${job.cycle}#${job.stepId}`;

describe('scan-shard (the deployed handler on dynalite, SQS, EventBridge and Secrets Manager mocked)', () => {
  const aws = mockAws();
  let table: HandlerTable;
  let sample: SQSEvent;
  let sampleJob: ShardJobMessage;
  /** Every send of the daily run accepted by the send queue, by ledger key, over the whole file. */
  const enqueuedForRun = new Map<string, SendJob>();

  beforeAll(async () => {
    table = await startHandlerTable();
    const config = campaignConfig();
    await seedCustomers({ store: table.store, config }, TODAY, generateDemoShop({ ...SHOP, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    sample = await loadSqsEvent('scan-shard.sqs-batch.json');
    sampleJob = ShardJobMessageSchema.parse(JSON.parse(sample.Records[0]?.body ?? ''));
    // What plan-recall wrote for the run before it enqueued the sample's job.
    await table.store.startRun({ runId: RUN_ID, runDate: TODAY, now: sampleJob.now, shards: SHARDS, dryRun: false }, TODAY);
  });
  beforeEach(() => {
    aws.reset();
    table.faults.clear();
  });
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  const jobFor = (shard: number, fields: Partial<ShardJobMessage> = {}): SQSEvent => withBodies(sample, [{ ...sampleJob, shard, ...fields }]);
  /** SendJobs of every SendMessageBatch to the send queue; `fromCall` skips attempts that failed. */
  const sendQueueJobs = (fromCall = 0) =>
    sendMessageBatches(aws, SEND_QUEUE_URL)
      .slice(fromCall)
      .flat()
      .map((body) => SendJobMessageSchema.parse(body));
  const remember = (jobs: readonly SendJob[]) => jobs.forEach((job) => enqueuedForRun.set(keyOf(job), job));
  const claimOf = (job: SendJob) => ledgerKey(job, job.stepId);

  describe('the sample (shard 5 of the daily run)', () => {
    it('claims each due message (its cap slot) and hands it to the send queue, once, with what the sender writes in the ledger', async () => {
      const before = await tableItems(table.store);

      const result = await handler(sample, lambdaContext('scan-shard'));

      expect(result).toEqual({ batchItemFailures: [] });
      const jobs = sendQueueJobs();
      remember(jobs);
      expect(jobs).toHaveLength(3);
      const after = await tableItems(table.store);
      expect(claimsAdded(before, after)).toEqual(jobs.map(claimOf).sort());
      for (const job of jobs) {
        expect(shardOf(job.customerId, SHARDS)).toBe(5);
        // The sender writes the message's ledger item: the run hands it over unwritten.
        expect(after.get(keyOf(job))).toBeUndefined();
        expect(job).toMatchObject({ runDate: TODAY, keepUntil: addDays(TODAY, campaignConfig().retentionDays), channel: 'sms' });
        expect(job.to).toMatch(/^\+861\d{10}$/);
        expect(job.text.endsWith('拒收请回复R')).toBe(true);
        // The coupon is signed with the secret read from Secrets Manager at cold start.
        if (job.couponCode) expect(verifyCouponCode(COUPON_SECRET, ledgerKey(job, job.stepId), job.couponCode)).toBe(true);
      }
      // The customer with an invalid number is decided too: deferred (fresh, within graceDays), so
      // no ledger item and no message: a number fixed before the grace ends is sent on a later run.
      const skips = changedKeys(before, after).filter((key) => key.includes('|L#') && String(after.get(key)?.outcome).endsWith('invalid-contact'));
      expect(skips).toEqual([]);
      expect(after.get(`RUN#${RUN_ID}|SHARD#5#`)).toMatchObject({ shard: 5, final: true });
      expect(aws.secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: COUPON_SECRET_ARN }]);
      // One shard of eight: the run is not complete.
      expect(putEvents(aws)).toEqual([]);
    });

    it('delivered again (the same SQS record), sends nothing to the send queue and writes nothing', async () => {
      const before = await tableItems(table.store);

      const result = await handler(redelivered(sample), lambdaContext('scan-shard'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });
  });

  describe('throttling', () => {
    it('a throttled SendMessageBatch is retried: every claim reaches the send queue exactly once', async () => {
      aws.sendMessageBatch.rejectsOnce(new RequestThrottled({ message: 'Request is throttled.', $metadata: { httpStatusCode: 400 } }));
      const before = await tableItems(table.store);

      const result = await handler(jobFor(7), lambdaContext('scan-shard'));

      expect(result).toEqual({ batchItemFailures: [] });
      // The job hands a batch of customers' messages over together (one SendMessageBatch for the
      // five): that call was refused, then retried whole.
      const accepted = sendQueueJobs(1);
      remember(accepted);
      expect(accepted).toHaveLength(5);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries?.length)).toEqual([5, 5]);
      expect(new Set(accepted.map(keyOf)).size).toBe(accepted.length);
      expect(claimsAdded(before, await tableItems(table.store))).toEqual(accepted.map(claimOf).sort());
    });

    it('a throttled DynamoDB query and a throttled cap slot write are retried by the SDK: nothing lost', async () => {
      table.faults.fail('Query', 'ProvisionedThroughputExceededException');
      table.faults.fail('UpdateItem', 'ProvisionedThroughputExceededException', { when: (request) => String(request.UpdateExpression).includes('#sends') });
      const before = await tableItems(table.store);

      const result = await handler(jobFor(0), lambdaContext('scan-shard'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(table.faults.injected).toEqual([
        { operation: 'Query', code: 'ProvisionedThroughputExceededException' },
        { operation: 'UpdateItem', code: 'ProvisionedThroughputExceededException' },
      ]);
      const jobs = sendQueueJobs();
      remember(jobs);
      expect(jobs).toHaveLength(2);
      expect(claimsAdded(before, await tableItems(table.store))).toEqual(jobs.map(claimOf).sort());
    });
  });

  describe('a malformed event', () => {
    it('a batch of bad records only: each is logged naming the record and what is wrong, counted, and not retried; nothing written or sent', async () => {
      const { runDate: _missing, ...withoutRunDate } = sampleJob;
      const event = withBodies(sample, ['{"runId": "daily-2026-11-22", ', withoutRunDate, { ...sampleJob, shard: -1 }, { ...sampleJob, stray: true }]);
      const [notJson, noRunDate, negative, stray] = event.Records.map((record) => record.messageId);
      const before = await tableItems(table.store);
      const since = capturedLogLines().length;

      const result = await handler(event, lambdaContext('scan-shard'));

      // Permanent (InvalidEventError): a redelivery would fail the same way, so none goes back to the queue.
      expect(result).toEqual({ batchItemFailures: [] });
      expect(metricSum('permanentFailures', since)).toBe(4);
      const failed = failedRecordLines(since);
      expect(failed.map((line) => line.permanent)).toEqual([true, true, true, true]);
      expect(failed.map((line) => (line.error as { message?: unknown }).message)).toEqual([
        `message ${notJson}: body is not JSON`,
        expect.stringMatching(new RegExp(`^message ${noRunDate}: runDate: `)),
        expect.stringMatching(new RegExp(`^message ${negative}: shard: .*>=0`)),
        expect.stringMatching(new RegExp(`^message ${stray}: \\(event\\): Unrecognized key: "stray"`)),
      ]);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    });

    it('a bad record beside a good one: the bad one is dropped and counted, the good one is processed, the bad one writes nothing', async () => {
      const runId = 'manual-malformed-neighbour';
      await table.store.startRun({ runId, runDate: TODAY, now: sampleJob.now, shards: SHARDS, dryRun: true }, TODAY);
      const event = withBodies(sample, ['not json at all', { ...sampleJob, runId, dryRun: true, shard: 2 }]);
      const before = await tableItems(table.store);
      const since = capturedLogLines().length;

      const result = await handler(event, lambdaContext('scan-shard'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(metricSum('permanentFailures', since)).toBe(1);
      expect(failedRecordLines(since).map((line) => line.messageId)).toEqual([event.Records[0]?.messageId]);
      // The good (dry-run) job stores its counts and nothing else; the bad one, nothing at all.
      expect(changedKeys(before, await tableItems(table.store))).toEqual([`RUN#${runId}|SHARD#2#`]);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    });

    // A job for a shard outside its run (shard 8 of 8) would store a final part that counts
    // towards the run's finished shards, so RunCompleted could go out while a shard still runs.
    it('a job for a shard outside its run is refused for good (counted, not retried), and writes nothing', async () => {
      const runId = 'manual-out-of-range';
      await table.store.startRun({ runId, runDate: TODAY, now: sampleJob.now, shards: SHARDS, dryRun: true }, TODAY);
      const before = await tableItems(table.store);
      const since = capturedLogLines().length;

      const result = await handler(jobFor(SHARDS, { runId, dryRun: true }), lambdaContext('scan-shard'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(metricSum('permanentFailures', since)).toBe(1);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });
  });

  describe('the end of the run', () => {
    it('the job that finishes the last shard publishes RunCompleted, exactly once, with the counts of every shard', async () => {
      const remaining = [1, 2, 3, 4, 6];
      for (const shard of remaining) {
        expect(await handler(jobFor(shard), lambdaContext('scan-shard'))).toEqual({ batchItemFailures: [] });
        const completed = putEvents(aws).filter((event) => event.type === 'RunCompleted');
        expect(completed, `after shard ${shard}`).toHaveLength(shard === remaining.at(-1) ? 1 : 0);
      }
      remember(sendQueueJobs());

      const items = [...(await tableItems(table.store)).values()];
      const outcomes = (outcome: string) => items.filter((item) => String(item.sk).startsWith('L#') && item.runDate === TODAY && item.outcome === outcome).length;
      const present = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
      expect(putEvents(aws).filter((event) => event.type === 'RunCompleted')).toEqual([
        {
          type: 'RunCompleted',
          source: 'recall.campaigns',
          bus: EVENT_BUS_NAME,
          detail: {
            runId: RUN_ID,
            runDate: TODAY,
            dryRun: false,
            evaluated: expect.any(Number),
            due: expect.any(Number),
            sent: enqueuedForRun.size,
            heldOut: outcomes('held-out'),
            skipped: present({ 'invalid-contact': outcomes('skipped:invalid-contact'), 'no-consent': outcomes('skipped:no-consent') }),
            // Customers due in two journeys (a tier-up and a ladder, say) have one deferred as capped.
            deferred: expect.objectContaining({ 'invalid-contact': expect.any(Number) }),
          },
        },
      ]);
      expect(enqueuedForRun.size).toBe(15);
    });

    it('a shard job delivered again after the run completed publishes nothing more', async () => {
      expect(await handler(jobFor(3), lambdaContext('scan-shard'))).toEqual({ batchItemFailures: [] });
      expect(await handler(redelivered(sample), lambdaContext('scan-shard'))).toEqual({ batchItemFailures: [] });

      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    });
  });
  describe('two Lambda instances racing on one shard (a redelivery while the first is still running)', () => {
    let raceStore: DynamoStore;
    let enqueued: SendJob[] = [];

    beforeAll(async () => {
      // A table of its own: the race decides the shard twice, which would blur the daily run's counts above.
      raceStore = await table.dynamo.freshStore();
      const config = campaignConfig();
      await seedCustomers({ store: raceStore, config }, TODAY, generateDemoShop({ ...SHOP, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
      await raceStore.startRun({ runId: RUN_ID, runDate: TODAY, now: sampleJob.now, shards: SHARDS, dryRun: false }, TODAY);
    });

    /** A cold start of the function's module with the env as it is now: a Lambda instance of its own. */
    async function coldStart(env: { tableName: string; endpoint: string }) {
      process.env.TABLE_NAME = env.tableName;
      process.env.DYNAMODB_ENDPOINT = env.endpoint;
      vi.resetModules();
      return (await import('../../functions/scan-shard.ts')).handler;
    }

    it('never hand a message to the send queue twice', async () => {
      const restore = { TABLE_NAME: process.env.TABLE_NAME, DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT };
      // Instance A reaches the table through the fault proxy, where its cap writes (takeCapSlot)
      // are slow; instance B, the redelivery, goes straight to dynalite and overtakes it.
      const slowCapWrite = table.faults.hold('UpdateItem', (request) => String(request.UpdateExpression).includes('#sends'));
      const event = jobFor(7);
      try {
        const instanceA = await coldStart({ tableName: raceStore.tableName, endpoint: table.faults.endpoint });
        const first = instanceA(event, lambdaContext('scan-shard'));
        // A has decided all 5 messages of shard 7 and waits on its cap writes.
        await vi.waitFor(() => expect(slowCapWrite.held).toBe(5), { timeout: 5000, interval: 10 });
        const instanceB = await coldStart({ tableName: raceStore.tableName, endpoint: table.dynamo.endpoint });
        const overtaking = await instanceB(redelivered(event), lambdaContext('scan-shard'));
        slowCapWrite.release();
        const slow = await first;

        expect(overtaking).toEqual({ batchItemFailures: [] });
        expect(slow).toEqual({ batchItemFailures: [] });
      } finally {
        slowCapWrite.release();
        Object.assign(process.env, restore);
      }
      enqueued = sendQueueJobs();
      expect(enqueued).toHaveLength(5);
      expect(new Set(enqueued.map(keyOf)).size).toBe(enqueued.length);
    });

    // B (a redelivery) takes the cap slots first and enqueues; A's cap write then fails and A
    // defers. B's slots must stay, or the sender finds no claim and never sends the message.
    it('keeps the cap slot (the claim) of every message it enqueued, so the sender sends it', async () => {
      const items = await tableItems(raceStore);

      expect(enqueued.map((job) => slotKeys(items.get(`C#${job.customerId}|PROFILE`)).includes(claimOf(job)))).toEqual(enqueued.map(() => true));
    });

    // A took the person's slot first, B found it its own (held); A's cap write then failed. A must
    // not give the person's slot back: B sent the message, and the person's cap must count it.
    it("keeps the person's cap slot of every message it enqueued", async () => {
      const items = await tableItems(raceStore);
      const personSlots = (job: SendJob) => {
        const item = items.get(`${keys.person(personKey({ channel: job.channel, to: job.to }))}|${keys.personCap}`) ?? {};
        return Object.entries(item).flatMap(([name, value]) => (/^s\d+$/.test(name) && typeof value === 'object' && value !== null && 'key' in value ? [String(value.key)] : []));
      };

      expect(enqueued.map((job) => personSlots(job).includes(claimOf(job)))).toEqual(enqueued.map(() => true));
    });
  });
});
