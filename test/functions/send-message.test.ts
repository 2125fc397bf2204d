import { ConflictException, InternalServerException, SendTextMessageCommand, ThrottlingException, ValidationException } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/send-message.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { addDays, localDate } from '../../lib/domain/dates.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import { maskPhone } from '../../lib/domain/phone.ts';
import { SendJobMessageSchema } from '../../lib/events/schemas.ts';
import { recallTable } from '../../lib/store/tables.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { campaignConfig } from '../../lib/runtime/aws/env.ts';
import { lambdaContext, MemoryQueue } from '../../lib/runtime/local-pipeline.ts';
import { runShard } from '../../lib/usecases/run-shard.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { failedRecordLines, metricSum } from '../support/emf.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { middayZone, mockAws, putEvents, smsSends, snsPublishes, zoneAtHour } from '../support/aws-mocks.ts';
import { COUPON_SECRET } from '../support/handler-env.ts';
import { changedKeys, type HandlerTable, ledgerItem, profileItem, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { loadSqsEvent, redelivered, withBodies } from '../support/sample-events.ts';
import { SMS_RESOURCES } from '../support/sms-channel.ts';

const TODAY = '2026-11-22';
const RUN_NOW = '2026-11-22T02:00:00.000Z';
const SHARDS = 8;
/**
 * Every job is sent with the zone where it is noon now: the sender checks the send window at the
 * wall clock, and at noon the window (08:00-20:00) closes in 7 to 8 hours.
 */
const ZONE = middayZone();

/** The SendTextMessage a job becomes: the stack's configuration set and pool, a TTL to the window end, the ledger key as Context. */
const smsOf = (job: SendJob) => ({
  DestinationPhoneNumber: job.to,
  MessageBody: job.text,
  MessageType: 'PROMOTIONAL',
  ConfigurationSetName: SMS_RESOURCES.configurationSetName,
  OriginationIdentity: SMS_RESOURCES.poolId,
  TimeToLive: expect.toSatisfy((seconds: number) => seconds > 7 * 3600 - 120 && seconds <= 8 * 3600),
  Context: { customerId: job.customerId, journeyId: job.journeyId, cycle: job.cycle, stepId: job.stepId },
});

/** The customers of events/send-message.sqs-batch.json, as the shop would have imported them. */
const SAMPLE_CUSTOMERS = [
  { customerId: 'c000418', name: '王芳', phone: '+8613800138001', smsOptIn: true },
  { customerId: 'c000731', name: '李静', phone: '+8613800138002', smsOptIn: true },
  {
    customerId: 'c001204',
    name: '张伟',
    smsOptIn: true,
    pushEndpoint: 'arn:aws:sns:ap-southeast-1:123456789012:endpoint/GCM/recall-shop-app/5e3e9847-3183-3f18-a7e8-671c3a57d4b3',
  },
];

const keyOf = (job: Pick<SendJob, 'customerId' | 'journeyId' | 'cycle' | 'stepId'>) => `C#${job.customerId}|L#${job.journeyId}#${job.cycle}#${job.stepId}`;

/**
 * The daily run's claims are made by the real shard use case (200 demo customers, seed 2: 21 SMS
 * on 2026-11-22), and the sample's three by the same conditional cap slot write: the sender only
 * sends what a run claimed, and writes each message's ledger item itself. Each test takes jobs of its own. The pacer is the real
 * one at the default 20 parts/s on the same table: the file sends about 35 parts in all.
 */
describe('send-message (the deployed handler on dynalite; End User Messaging, SNS and EventBridge mocked)', () => {
  const aws = mockAws();
  let table: HandlerTable;
  let store: DynamoStore;
  let sample: SQSEvent;
  let claimed: SendJob[] = [];
  const taken: SendJob[] = [];
  const take = (count: number) => {
    const jobs = claimed.splice(0, count).map((job) => ({ ...job, timeZone: ZONE }));
    taken.push(...jobs);
    if (jobs.length < count) throw new Error('the daily run claimed too few messages for this file');
    return jobs;
  };
  const recordsFor = (jobs: readonly unknown[]) => withBodies(sample, jobs);
  const publishedTo = (to: string) => [...smsSends(aws).filter((input) => input.DestinationPhoneNumber === to), ...snsPublishes(aws).filter((input) => input.TargetArn === to)];
  const eventsOf = (type: string) => putEvents(aws).filter((event) => event.type === type);

  beforeAll(async () => {
    table = await startHandlerTable();
    // What the stack sets on send-message (infra/recall-stack.ts).
    process.env.SMS_CONFIGURATION_SET_NAME = SMS_RESOURCES.configurationSetName;
    process.env.SMS_POOL_ID = SMS_RESOURCES.poolId;
    store = table.store;
    const config = campaignConfig();
    await seedCustomers({ store, config }, TODAY, generateDemoShop({ customers: 200, seed: 2, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    const sendQueue = new MemoryQueue<SendJob>();
    for (let shard = 0; shard < SHARDS; shard++) {
      await runShard({ store, config, sendQueue, couponSecret: COUPON_SECRET }, { shard }, { runDate: TODAY, now: new Date(RUN_NOW), dryRun: false, backfill: false });
    }
    claimed = sendQueue.take(100);

    const file = await loadSqsEvent('send-message.sqs-batch.json');
    sample = withBodies(file, file.Records.map((record) => ({ ...SendJobMessageSchema.parse(JSON.parse(record.body)), timeZone: ZONE })));
    for (const { smsOptIn, ...contact } of SAMPLE_CUSTOMERS) await store.saveCustomer(contact, { smsOptIn, optedOut: false }, 'any');
    // The run's claim of each: the customer's cap slot naming the message.
    for (const record of sample.Records) {
      const job = SendJobMessageSchema.parse(JSON.parse(record.body));
      const { profiles } = await store.getProfiles([job.customerId], { consistent: true });
      const profile = profiles.get(job.customerId);
      if (!profile || !(await store.takeCapSlot(profile, { date: TODAY, key: ledgerKey(job, job.stepId) }, addDays(TODAY, -config.frequencyCap.perDays)))) {
        throw new Error(`no cap slot for ${job.customerId}`);
      }
    }
  });
  beforeEach(() => {
    aws.reset();
    table.faults.clear();
  });
  afterAll(async () => {
    delete process.env.SMS_CONFIGURATION_SET_NAME;
    delete process.env.SMS_POOL_ID;
    aws.restore();
    await table.stop();
  });

  it('the daily run claimed enough SMS for this file', () => {
    expect(claimed).toHaveLength(21);
    expect(claimed.every((job) => job.channel === 'sms')).toBe(true);
  });

  describe('the sample', () => {
    it('sends each message on its channel (SMS through End User Messaging, push to the endpoint through SNS), marks it sent and tells the bus', async () => {
      const jobs = sample.Records.map((record) => SendJobMessageSchema.parse(JSON.parse(record.body)));
      const [sleeping, coupon, push] = jobs;

      const result = await handler(sample, lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      if (!sleeping || !coupon || !push) throw new Error('the sample has three messages');
      expect(smsSends(aws)).toHaveLength(2);
      expect(snsPublishes(aws)).toHaveLength(1);
      expect(publishedTo('+8613800138001')).toEqual([smsOf(sleeping)]);
      expect(publishedTo('+8613800138002')).toEqual([smsOf(coupon)]);
      expect(publishedTo(push.to)).toEqual([{ TargetArn: push.to, Message: push.text }]);
      for (const job of jobs) expect(await ledgerItem(store, job)).toMatchObject({ status: 'sent', sentAt: expect.stringMatching(/^2\d{3}-/) });
      // The sender wrote each item whole (the run hands messages over unwritten): found by the
      // report's date index, the number masked, the coupon's value, deleted by TTL after retention.
      expect(await ledgerItem(store, coupon)).toMatchObject({
        runDate: TODAY,
        outcome: 'sent',
        channel: 'sms',
        recipient: maskPhone(coupon.to),
        parts: 2,
        couponCode: coupon.couponCode,
        couponValue: 50,
        [recallTable.dateIndex.partitionKey]: expect.stringContaining(TODAY),
        [recallTable.timeToLiveAttribute]: Date.parse(`${coupon.keepUntil ?? ''}T00:00:00Z`) / 1000,
      });
      expect(await ledgerItem(store, push)).toMatchObject({ recipient: 'push endpoint', couponValue: 100 });

      expect(eventsOf('MessageSent').map((event) => event.detail).sort((a, b) => String(a.customerId).localeCompare(String(b.customerId)))).toEqual([
        { customerId: 'c000418', journeyId: 'lifecycle', stepId: 'sleeping', cycle: '2026-08-24', channel: 'sms', parts: 1, sentAt: expect.any(String) },
        { customerId: 'c000731', journeyId: 'category-recall', stepId: 'coupon-1', cycle: 'cosmetics@2026-09-07', channel: 'sms', parts: 2, sentAt: expect.any(String) },
        { customerId: 'c001204', journeyId: 'lifecycle', stepId: 'pre-lost', cycle: '2026-05-26', channel: 'push', parts: 1, sentAt: expect.any(String) },
      ]);
      const validFrom = localDate(new Date(), 'Asia/Shanghai');
      expect(eventsOf('CouponIssued').map((event) => event.detail).sort((a, b) => String(a.customerId).localeCompare(String(b.customerId)))).toEqual([
        { couponCode: 'TYBB76E5SQ', customerId: 'c000731', journeyId: 'category-recall', stepId: 'coupon-1', value: 50, minSpend: 200, validFrom, validUntil: '2026-12-22' },
        { couponCode: 'VDQ13YDWHF', customerId: 'c001204', journeyId: 'lifecycle', stepId: 'pre-lost', value: 100, minSpend: 300, validFrom, validUntil: '2026-12-22' },
      ]);
      // No phone number, endpoint or text on our bus.
      expect(JSON.stringify(putEvents(aws))).not.toMatch(/138001380|endpoint\/GCM|【/);
    });

    it('delivered again (the whole batch), publishes nothing and tells nobody', async () => {
      const before = await tableItems(store);

      const result = await handler(redelivered(sample), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(aws.smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(0);
      expect(aws.sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(store)).filter((key) => !key.startsWith('PACER|'))).toEqual([]);
    });

    it('logs each message with its number masked, never in full', () => {
      const handled = capturedLogLines().filter((line) => line.includes('"message handled"'));
      const line = handled.find((candidate) => candidate.includes('"customerId":"c000418"'));

      expect(line).toContain('"to":"+86*******8001"');
      expect(handled.find((candidate) => candidate.includes('"customerId":"c001204"'))).toContain('"to":"push-endpoint"');
      for (const customer of SAMPLE_CUSTOMERS) {
        if (customer.phone) expect(capturedLogLines().filter((logged) => logged.includes(customer.phone.slice(3)))).toEqual([]);
      }
    });
  });

  describe("jobs from the daily run's shard jobs", () => {
    it('sends one SMS per job to its number, with the SMS type, configuration set, pool, TTL and ledger key, and publishes MessageSent and CouponIssued', async () => {
      const jobs = take(3);

      const result = await handler(recordsFor(jobs), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(smsSends(aws)).toHaveLength(3);
      for (const job of jobs) {
        expect(publishedTo(job.to)).toEqual([smsOf(job)]);
        expect(await ledgerItem(store, job)).toMatchObject({ status: 'sent', parts: job.parts });
      }
      expect(eventsOf('MessageSent').map((event) => event.detail.customerId).sort()).toEqual(jobs.map((job) => job.customerId).sort());
      expect(eventsOf('CouponIssued').map((event) => event.detail.couponCode).sort()).toEqual(jobs.flatMap((job) => job.couponCode ?? []).sort());
    });

    it('logs the masked number of each, never the full one', () => {
      const lines = capturedLogLines();

      expect(taken.length).toBeGreaterThan(0);
      for (const job of taken) {
        const handled = lines.filter((line) => line.includes('"message handled"') && line.includes(`"customerId":"${job.customerId}"`));
        expect(handled).toHaveLength(1);
        expect(handled[0]).toContain(`"to":"${maskPhone(job.to)}"`);
        expect(lines.filter((line) => line.includes(job.to.slice(3)))).toEqual([]);
      }
    });
  });

  describe('duplicate delivery', () => {
    it('two copies of one message in one batch (SQS is at least once): one SMS', async () => {
      const [job] = take(1);
      const event = recordsFor([job, job]);

      const result = await handler(event, lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(publishedTo(job?.to ?? '')).toHaveLength(1);
      expect(eventsOf('MessageSent')).toHaveLength(1);
    });

    it('a well-formed message nobody claimed (replayed from elsewhere) is not sent', async () => {
      const [template] = sample.Records;
      const forged = { ...SendJobMessageSchema.parse(JSON.parse(template?.body ?? '')), cycle: '2026-08-25' };

      const result = await handler(recordsFor([forged]), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(aws.smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(0);
      expect(await ledgerItem(store, forged)).toBeUndefined();
    });

    it('a message queued by the previous version (no runDate; its ledger item claimed by the run) is sent from its claim, once', async () => {
      const [job] = take(1);
      if (!job) throw new Error('unreachable');
      const { runDate: _runDate, keepUntil: _keepUntil, tier: _tier, variant: _variant, couponValue: _couponValue, ...queued } = job;
      const claim = { customerId: job.customerId, journeyId: job.journeyId, cycle: job.cycle, stepId: job.stepId, runDate: TODAY, outcome: 'sent' as const, channel: job.channel, parts: job.parts };
      await store.claimLedger({ ...claim, status: 'claimed', ...(job.couponCode ? { couponCode: job.couponCode } : {}) });

      const result = await handler(recordsFor([queued, queued]), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(smsSends(aws).map((input) => input.DestinationPhoneNumber)).toEqual([job.to]);
      expect(await ledgerItem(store, job)).toMatchObject({ ...claim, status: 'sent' });
    });
  });

  describe("End User Messaging's refusals", () => {
    it('throttled: just that record is reported for retry, its claim is kept, and the redelivery sends it exactly once', async () => {
      const [throttled, neighbour] = take(2);
      if (!throttled || !neighbour) throw new Error('unreachable');
      aws.smsVoice.on(SendTextMessageCommand, { DestinationPhoneNumber: throttled.to }).rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));
      const event = recordsFor([throttled, neighbour]);

      const result = await handler(event, lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] });
      // Refused before sending: back to claimed, neither lost nor left `sending` (unconfirmed).
      expect(await ledgerItem(store, throttled)).toMatchObject({ status: 'claimed' });
      expect(await ledgerItem(store, neighbour)).toMatchObject({ status: 'sent' });
      expect(eventsOf('MessageSent').map((sent) => sent.detail.customerId)).toEqual([neighbour.customerId]);

      aws.reset();
      const retried = await handler(redelivered({ Records: event.Records.slice(0, 1) }), lambdaContext('send-message'));

      expect(retried).toEqual({ batchItemFailures: [] });
      expect(smsSends(aws)).toEqual([smsOf(throttled)]);
      expect(await ledgerItem(store, throttled)).toMatchObject({ status: 'sent' });
      expect(eventsOf('MessageSent').map((sent) => sent.detail.customerId)).toEqual([throttled.customerId]);
    });

    it('a number on the opt-out list (ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT): skipped:opted-out in the ledger, the profile opted out, the record not retried', async () => {
      const [job] = take(1);
      if (!job) throw new Error('unreachable');
      const optedOut = new ConflictException({
        message: 'The destination phone number is opted out.',
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opt-out-list',
        ResourceId: 'recall-dev',
        $metadata: { httpStatusCode: 400 },
      });
      aws.smsVoice.on(SendTextMessageCommand, { DestinationPhoneNumber: job.to }).rejects(optedOut);
      const event = recordsFor([job]);

      const result = await handler(event, lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(await ledgerItem(store, job)).toMatchObject({ status: 'failed', outcome: 'skipped:opted-out' });
      expect(await profileItem(store, job.customerId)).toMatchObject({ optedOut: true });
      expect(eventsOf('MessageSent')).toEqual([]);

      const again = await handler(redelivered(event), lambdaContext('send-message'));
      expect(again).toEqual({ batchItemFailures: [] });
      expect(publishedTo(job.to)).toHaveLength(1);
    });

    it('an invalid parameter is permanent: failed in the ledger, not retried', async () => {
      const [job] = take(1);
      if (!job) throw new Error('unreachable');
      aws.smsVoice
        .on(SendTextMessageCommand, { DestinationPhoneNumber: job.to })
        .rejects(new ValidationException({ message: `Invalid destination ${job.to}`, Reason: 'INVALID_PARAMETER', $metadata: { httpStatusCode: 400 } }));

      const result = await handler(recordsFor([job]), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      // The reason, never the number.
      expect(await ledgerItem(store, job)).toMatchObject({ status: 'failed', outcome: 'sent', error: 'ValidationException INVALID_PARAMETER' });
      expect(eventsOf('MessageSent')).toEqual([]);
    });

    it('an error after which the SMS may have gone out (a 500): left unconfirmed (`sending`), counted, not retried, never sent again', async () => {
      const [job, neighbour] = take(2);
      if (!job || !neighbour) throw new Error('unreachable');
      aws.smsVoice.on(SendTextMessageCommand, { DestinationPhoneNumber: job.to }).rejects(new InternalServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } }));
      const event = recordsFor([job, neighbour]);
      const since = capturedLogLines().length;

      const result = await handler(event, lambdaContext('send-message'));
      // SQS is at least once: a copy delivered anyway finds the ledger at `sending` and sends nothing.
      const again = await handler(redelivered({ Records: event.Records.slice(0, 1) }), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(again).toEqual({ batchItemFailures: [] });
      expect(publishedTo(job.to)).toHaveLength(1);
      expect(await ledgerItem(store, job)).toMatchObject({ status: 'sending' });
      expect(metricSum('delivery_unconfirmed', since)).toBe(1);
      expect(metricSum('permanentFailures', since)).toBe(1);
      expect(failedRecordLines(since).map((line) => [line.messageId, line.permanent])).toEqual([[event.Records[0]?.messageId, true]]);
    });
  });

  describe("the send window closed in the customer's time zone before the send (a backlog at 21:00)", () => {
    it('is not sent: it goes back to the send queue as a fresh message, delayed at most 900 s, the claim kept and nothing written; the record is done (no receive used up, never the DLQ)', async () => {
      const [job, neighbour, early] = take(3);
      if (!job || !neighbour || !early) throw new Error('unreachable');
      const event = recordsFor([{ ...job, timeZone: zoneAtHour(21) }, neighbour, { ...early, timeZone: zoneAtHour(7) }]);
      const since = capturedLogLines().length;

      const result = await handler(event, lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(smsSends(aws).map((input) => input.DestinationPhoneNumber)).toEqual([neighbour.to]);
      expect(await ledgerItem(store, job)).toBeUndefined();
      expect(await ledgerItem(store, early)).toBeUndefined();
      for (const waits of [job, early]) expect((await profileItem(store, waits.customerId))?.recentSends).toContainEqual({ date: TODAY, key: ledgerKey(waits, waits.stepId) });
      const waiting = aws.sqs.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
      expect(waiting.map((entry) => JSON.parse(entry.MessageBody ?? '{}').customerId).sort()).toEqual([job.customerId, early.customerId].sort());
      // 21:xx: the window opens in more than 10 hours, so the longest delay; 07:xx: within the hour.
      const delayOf = (customerId: string) => waiting.find((entry) => JSON.parse(entry.MessageBody ?? '{}').customerId === customerId)?.DelaySeconds;
      expect(delayOf(job.customerId)).toBe(900);
      expect(delayOf(early.customerId)).toBeGreaterThan(0);
      expect(delayOf(early.customerId)).toBeLessThanOrEqual(900);
      expect(metricSum('delivery_waiting', since)).toBe(2);
      expect(eventsOf('MessageSent').map((sent) => sent.detail.customerId)).toEqual([neighbour.customerId]);
    });
  });

  describe('opted out after the claim (STOP arrived between the shard job and the send)', () => {
    it('is not sent: skipped:opted-out in the ledger, the record done', async () => {
      const [job] = take(1);
      if (!job) throw new Error('unreachable');
      await store.markOptedOut(job.customerId, new Date().toISOString());

      const result = await handler(recordsFor([job]), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(aws.smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(0);
      expect(await ledgerItem(store, job)).toMatchObject({ status: 'failed', outcome: 'skipped:opted-out', error: 'opted out after the claim' });
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    });
  });

  describe('a throttled DynamoDB write', () => {
    it('is retried by the SDK: the message goes out once and is marked sent', async () => {
      const [job] = take(1);
      if (!job) throw new Error('unreachable');
      const claimedToSending = (request: Record<string, unknown>) => JSON.stringify(request.ExpressionAttributeValues ?? {}).includes('{"S":"sending"}');
      table.faults.fail('UpdateItem', 'ProvisionedThroughputExceededException', { when: claimedToSending });

      const result = await handler(recordsFor([job]), lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(table.faults.injected.at(-1)).toEqual({ operation: 'UpdateItem', code: 'ProvisionedThroughputExceededException' });
      expect(publishedTo(job.to)).toHaveLength(1);
      expect(await ledgerItem(store, job)).toMatchObject({ status: 'sent' });
    });
  });

  describe('a malformed event', () => {
    it('a batch of bad records only: each is logged naming the record and what is wrong, counted, and not retried; nothing sent or written', async () => {
      const [job] = sample.Records.map((record) => SendJobMessageSchema.parse(JSON.parse(record.body)));
      const { to: _missing, ...withoutTo } = job ?? {};
      const event = recordsFor(['{"customerId":', withoutTo, { ...job, parts: 0 }, { ...job, channel: 'email' }]);
      const ids = event.Records.map((record) => record.messageId);
      const before = await tableItems(store);
      const since = capturedLogLines().length;

      const result = await handler(event, lambdaContext('send-message'));

      // Permanent (InvalidEventError): a redelivery would fail the same way, so none goes back to the queue.
      expect(result).toEqual({ batchItemFailures: [] });
      expect(metricSum('permanentFailures', since)).toBe(4);
      const failed = failedRecordLines(since);
      expect(failed.map((line) => line.permanent)).toEqual([true, true, true, true]);
      const errors = failed.map((line) => String((line.error as { message?: unknown }).message));
      expect(errors).toEqual([
        `message ${ids[0]}: body is not JSON`,
        expect.stringMatching(new RegExp(`^message ${ids[1]}: to: `)),
        expect.stringMatching(new RegExp(`^message ${ids[2]}: parts: `)),
        expect.stringMatching(new RegExp(`^message ${ids[3]}: channel: `)),
      ]);
      // The error names the field, never the number or the text.
      expect(errors.join('\n')).not.toMatch(/138001380|【/);
      expect(aws.smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(store))).toEqual([]);
    });

    it('a bad record beside a good one: the bad one dropped and counted, the good one sent, nothing written for the bad one', async () => {
      const [good] = take(1);
      if (!good) throw new Error('unreachable');
      const event = recordsFor([{ ...good, to: undefined, phone: good.to }, good]);
      const before = await tableItems(store);
      const since = capturedLogLines().length;

      const result = await handler(event, lambdaContext('send-message'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(metricSum('permanentFailures', since)).toBe(1);
      expect(failedRecordLines(since).map((line) => line.messageId)).toEqual([event.Records[0]?.messageId]);
      expect(smsSends(aws)).toHaveLength(1);
      // The good message's ledger item, and the pacer's budget: nothing else.
      expect(changedKeys(before, await tableItems(store))).toEqual(['PACER|SMS', keyOf(good)].sort());
    });
  });
});
