import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { ConflictException, InternalServerException, PinpointSMSVoiceV2Client, SendTextMessageCommand, ThrottlingException, type SendTextMessageCommandInput } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as planRecall } from '../../functions/plan-recall.ts';
import { handler as runTestCampaignHandler } from '../../functions/run-test-campaign.ts';
import { handler as scanShard } from '../../functions/scan-shard.ts';
import { handler as sendMessage } from '../../functions/send-message.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { SmsVoiceTransport } from '../../lib/adapters/sms-voice-transport.ts';
import type { CliIo } from '../../lib/cli/context.ts';
import { main } from '../../lib/cli/main.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { maskPhone } from '../../lib/domain/phone.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { SendJobMessageSchema, ShardJobMessageSchema, type ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { lambdaContext, MemoryQueue } from '../../lib/runtime/local-pipeline.ts';
import { openLocalRuntime } from '../../lib/runtime/local.ts';
import { deliverMessage } from '../../lib/usecases/deliver.ts';
import { importCustomers } from '../../lib/usecases/import.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { runShard } from '../../lib/usecases/run-shard.ts';
import { csv, RecordingQueue } from '../support/fixtures.ts';
import { middayZone, mockAws, putEvents, sendMessageBatches, smsSends, zoneAtHour } from '../support/aws-mocks.ts';
import { COUPON_SECRET, COUPON_SECRET_ARN, SEND_QUEUE_URL, WORK_QUEUE_URL } from '../support/handler-env.ts';
import { type HandlerTable, startHandlerTable } from '../support/handler-table.ts';
import { loadSqsEvent, withBodies } from '../support/sample-events.ts';
import { guardLogLeaks, leaksIn, type LogSecrets } from '../support/leak-guard.ts';
import { capturedLogLines, fullPhoneNumbersIn } from '../support/log-guard.ts';
import { SMS_RESOURCES } from '../support/sms-channel.ts';
import { RELIABILITY_SECRET, reliabilityConfig, RUN_NOW, runOn, seedShop, SHOP_NAMES, shopCustomers, shopPhones, TODAY } from '../support/reliability-shop.ts';
import { changedKeys, scanTable } from '../support/table-state.ts';
import { TestDynamo, testDynamoClient } from '../support/store.ts';

/**
 * Security (issue 6, point 5): nothing secret in a log line, numbers masked in the CLI, the test
 * campaign locked to its allowlist, no coupon secret without Secrets Manager on AWS, and STOP
 * honoured up to the moment of sending.
 */

const issuedCodes: string[] = [];
const SECRETS: LogSecrets = { phones: shopPhones(), secrets: [RELIABILITY_SECRET, COUPON_SECRET], names: SHOP_NAMES, couponCodes: () => issuedCodes };

guardLogLeaks(SECRETS);

/** One set of SDK mocks for the file: aws-sdk-client-mock keeps only the last mock of a client class. */
const aws = mockAws();
afterAll(() => {
  aws.restore();
});

describe('log lines', () => {
  it('the scanner finds each kind of leak, and lets masked numbers through', () => {
    const planted = [
      '{"message":"x","to":"+8613800138001"}',
      '{"message":"x","phone":"13800138001"}',
      `{"message":"x","secret":"${RELIABILITY_SECRET}"}`,
      `{"message":"x","name":"${SHOP_NAMES[0]}"}`,
      `{"message":"x","name":"\\u6797\\u9edb\\u7389"}`,
      '{"message":"x","code":"AB12CD34EF"}',
      '{"message":"x","to":"+86*******8001","customerId":"c000418"}',
    ];

    const leaks = leaksIn(planted, { ...SECRETS, couponCodes: () => ['AB12CD34EF'] });

    expect(leaks.map((leak) => leak.kind)).toEqual(['phone', 'phone', 'phone', 'phone', 'secret', 'name', 'name', 'coupon']);
    expect(leaks.some((leak) => leak.line.includes('*******'))).toBe(false);
  });
});

describe('through the deployed handlers', () => {
  let table: HandlerTable;
  let config: CampaignConfig;
  let sqsSample: SQSEvent;
  const sqs = (bodies: unknown[]) => withBodies(sqsSample, bodies);
  /**
   * The handlers send on the wall clock and End User Messaging refuses outside the send window:
   * send jobs go in the zone where it is noon now, and run-test-campaign (whose jobs are in the
   * merchant zone) cold-starts with the shop's config in the zone where it is 10:00 now, so the
   * window is open whenever the test runs. The other handlers keep the shop's zone.
   */
  const atNoon = (jobs: SendJob[]): SendJob[] => jobs.map((job) => ({ ...job, timeZone: middayZone() }));
  async function runTestCampaign(event: unknown): Promise<unknown> {
    const shopConfig = process.env.RECALL_CONFIG_JSON;
    process.env.RECALL_CONFIG_JSON = JSON.stringify({ ...config, merchantTimeZone: zoneAtHour(10) });
    try {
      return await runTestCampaignHandler(event, lambdaContext('run-test-campaign'));
    } finally {
      process.env.RECALL_CONFIG_JSON = shopConfig;
    }
  }

  beforeAll(async () => {
    table = await startHandlerTable();
    config = await reliabilityConfig();
    process.env.RECALL_CONFIG_JSON = JSON.stringify(config);
    await seedShop(table.store, config);
    sqsSample = await loadSqsEvent('send-message.sqs-batch.json');
  });
  beforeEach(() => {
    aws.reset();
  });
  afterAll(async () => {
    delete process.env.RECALL_CONFIG_JSON;
    await table.stop();
  });

  it('a whole day, with a throttled, an opted-out and an unconfirmed send, leaves no phone number, secret, name or coupon code in any log line', async () => {
    await planRecall({ asOf: TODAY, dryRun: false }, lambdaContext('plan-recall'));
    const work = collectQueued().work;
    for (const job of work) await scanShard(sqs([job]), lambdaContext('scan-shard'));
    const { send } = collectQueued();
    issuedCodes.push(...send.flatMap((job) => job.couponCode ?? []));
    const [throttled, optedOut, unconfirmed] = send.filter((job) => job.channel === 'sms');
    if (!throttled || !optedOut || !unconfirmed) throw new Error('the shop has too few messages today');
    // The errors name the number, as a careless log line would repeat it.
    aws.sendTextMessage.callsFake((input: SendTextMessageCommandInput) => {
      const to = input.DestinationPhoneNumber;
      if (to === throttled.to) throw new ThrottlingException({ message: `Rate exceeded sending to ${to}`, $metadata: { httpStatusCode: 400 } });
      if (to === optedOut.to) {
        throw new ConflictException({ message: `${to} is opted out`, Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ResourceType: 'opt-out-list', ResourceId: 'recall-opt-outs', $metadata: { httpStatusCode: 400 } });
      }
      if (to === unconfirmed.to) throw new InternalServerException({ message: `Internal error sending to ${to}`, $metadata: { httpStatusCode: 500 } });
      return { MessageId: 'm-1' };
    });

    const result = await sendMessage(sqs(atNoon(send)), lambdaContext('send-message'));
    // A test campaign that is refused, and one that runs.
    await runTestCampaign({ journey: 'lifecycle', step: 'sleeping', sample: 2, recipients: ['+8613900139000'], dryRun: false }).catch(() => undefined);
    await runTestCampaign({ journey: 'category-recall', step: 'coupon-1', sample: 3, recipients: [config.testAllowlist[0] ?? ''], dryRun: false });

    // The throttled one goes back to the queue; the unconfirmed one is permanent (kept as `sending`), logged and dropped.
    expect(result.batchItemFailures).toHaveLength(1);
    // Every SMS of the day reached End User Messaging, and the campaign's 3 went to the tester.
    const expected = [...send.filter((job) => job.channel === 'sms').map((job) => job.to), ...Array<string>(3).fill(config.testAllowlist[0] ?? '')];
    expect(smsSends(aws).map((input) => input.DestinationPhoneNumber).sort()).toEqual(expected.sort());
    const lines = capturedLogLines();
    // The lines exist (masked numbers, error names) and hold nothing they should not.
    expect(lines.some((line) => line.includes('"message handled"') && line.includes('*******'))).toBe(true);
    expect(lines.some((line) => line.includes('"record failed"'))).toBe(true);
    expect(lines.some((line) => line.includes('"test campaign refused"'))).toBe(true);
    expect(leaksIn(lines, SECRETS)).toEqual([]);
    // Not on our bus either.
    expect(fullPhoneNumbersIn(JSON.stringify(putEvents(aws)))).toEqual([]);
  });

  it('run-test-campaign cannot reach a number that is not on the allowlist, whatever else the request holds', async () => {
    const allowed = config.testAllowlist[0] ?? '';
    const customers = shopCustomers().map((entry) => entry.customer.customerId);
    const mobile = fc.tuple(fc.constantFrom('130', '131', '135', '138', '139', '150', '158', '186', '188', '199'), fc.integer({ min: 0, max: 99_999_999 })).map(([prefix, rest]) => `+86${prefix}${String(rest).padStart(8, '0')}`);
    const foreign = fc.constantFrom('+14155550123', '+447700900123', '+8613800138000'.replace('+86', '+852'), '+61412345678');
    let refused = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(mobile, foreign), { minLength: 1, maxLength: 4 }), fc.boolean(), fc.boolean(), async (strangers, withAllowed, named) => {
        const recipients = [...strangers.filter((number) => number !== allowed), ...(withAllowed ? [allowed] : [])];
        fc.pre(recipients.some((number) => number !== allowed) && recipients.length <= 10);
        aws.reset();
        const event = { journey: 'category-recall', step: 'coupon-1', recipients, dryRun: false, ...(named ? { customers: customers.slice(0, 3) } : { sample: 2 }) };

        const outcome = await runTestCampaign(event).then(
          () => 'delivered',
          (error: unknown) => (error instanceof Error ? error.name : 'error'),
        );

        expect(['RecipientNotAllowedError', 'InvalidEventError']).toContain(outcome);
        expect(aws.smsVoice.commandCalls(SendTextMessageCommand)).toEqual([]);
        refused++;
      }),
      { numRuns: 40, seed: 6 },
    );
    expect(refused).toBeGreaterThanOrEqual(30);

    // Allowed, it sends to the tester only: never to a customer's own number.
    aws.reset();
    const sent = await runTestCampaign({ journey: 'category-recall', step: 'coupon-1', customers: customers.slice(0, 3), recipients: [allowed], dryRun: false });
    expect(sent).toMatchObject({ dryRun: false, delivered: 3, recipients: [maskPhone(allowed)] });
    expect(smsSends(aws).map((input) => input.DestinationPhoneNumber)).toEqual([allowed, allowed, allowed]);
  });

  function collectQueued(): { work: ShardJobMessage[]; send: SendJob[] } {
    const work = sendMessageBatches(aws, WORK_QUEUE_URL).flat().map((body) => ShardJobMessageSchema.parse(body));
    const send = sendMessageBatches(aws, SEND_QUEUE_URL).flat().map((body) => SendJobMessageSchema.parse(body));
    aws.reset();
    return { work, send };
  }
});

describe('the coupon secret', () => {
  let table: HandlerTable;

  beforeAll(async () => {
    table = await startHandlerTable();
  });
  beforeEach(() => {
    aws.reset();
    vi.resetModules();
  });
  afterAll(async () => {
    await table.stop();
    process.env.COUPON_SECRET_ARN = COUPON_SECRET_ARN;
  });

  /** A fresh import of a handler module: a new cold start. */
  const coldScanShard = async () => (await import('../../functions/scan-shard.ts')).handler;
  const coldTestCampaign = async () => (await import('../../functions/run-test-campaign.ts')).handler;
  const shardJob = async () => loadSqsEvent('scan-shard.sqs-batch.json');

  it('on AWS it comes from Secrets Manager only: without COUPON_SECRET_ARN the cold start fails naming it, even with the local variable set, and nothing is read or written', async () => {
    const arn = process.env.COUPON_SECRET_ARN;
    delete process.env.COUPON_SECRET_ARN;
    process.env.RECALL_COUPON_SECRET = 'a-local-secret-that-aws-must-not-use';
    try {
      const before = await scanTable(table.store);

      const shard = (await coldScanShard())(await shardJob(), lambdaContext('scan-shard'));
      const campaign = (await coldTestCampaign())({ journey: 'lifecycle', step: 'sleeping', sample: 1, recipients: ['+8613800138000'] }, lambdaContext('run-test-campaign'));

      await expect(shard).rejects.toMatchObject({ name: 'EnvironmentError', message: 'environment variable COUPON_SECRET_ARN is not set' });
      await expect(campaign).rejects.toMatchObject({ name: 'EnvironmentError', message: 'environment variable COUPON_SECRET_ARN is not set' });
      expect(aws.secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
      expect(aws.sqs.calls()).toEqual([]);
      expect(changedKeys(before, await scanTable(table.store))).toEqual([]);
    } finally {
      process.env.COUPON_SECRET_ARN = arn;
      delete process.env.RECALL_COUPON_SECRET;
    }
  });

  it('a secret without a string value, or one that cannot be read, fails the cold start too; the next invocation after the fix starts clean', async () => {
    const before = await scanTable(table.store);
    aws.getSecretValue.resolves({ ARN: 'arn:aws:secretsmanager:x:1:secret:recall', SecretBinary: new Uint8Array([1, 2, 3]) });
    const scan = await coldScanShard();

    await expect(scan(await shardJob(), lambdaContext('scan-shard'))).rejects.toMatchObject({ name: 'EnvironmentError', message: expect.stringMatching(/has no string value/) });
    aws.getSecretValue.rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } }));
    await expect(scan(await shardJob(), lambdaContext('scan-shard'))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(changedKeys(before, await scanTable(table.store))).toEqual([]);

    aws.reset();
    await expect(scan(await shardJob(), lambdaContext('scan-shard'))).resolves.toEqual({ batchItemFailures: [] });
  });

  it('locally each store gets its own random secret (kept in the store, readable by its owner only) unless RECALL_COUPON_SECRET is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recall-secret-'));
    const dynamo = await TestDynamo.start();
    try {
      const open = (store: string) => openLocalRuntime({ storeDir: join(dir, store), endpoint: dynamo.endpoint, tableName: `secret-${store}` });
      const secretOf = async (store: string) => {
        const runtime = await open(store);
        await runtime.close();
        return runtime.couponSecret;
      };

      const first = await secretOf('a');
      const again = await secretOf('a');
      const other = await secretOf('b');
      process.env.RECALL_COUPON_SECRET = RELIABILITY_SECRET;
      const configured = await secretOf('c');
      delete process.env.RECALL_COUPON_SECRET;

      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(again).toBe(first);
      expect(other).not.toBe(first);
      expect(configured).toBe(RELIABILITY_SECRET);
      expect((await stat(join(dir, 'a', 'coupon-secret'))).mode & 0o777).toBe(0o600);
    } finally {
      delete process.env.RECALL_COUPON_SECRET;
      await dynamo.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-cli-security-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function recall(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), now: () => new Date(RUN_NOW) };
    const code = await main(args, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('masks phone numbers in what it prints (demo, run, run --json, import errors); the full number is only in the outbox file, which is what the user asked for', async () => {
    const store = ['--store', join(dir, 'demo')];
    const customers = join(dir, 'customers.csv');
    await writeFile(customers, 'customer_id,phone,name,sms_opt_in\nx1,+8613800138401,甄英莲,maybe\nx2,+8613800138402\n,+8613800138403,封氏,true\n');

    // A short demo: the days it lives before today cost a run each.
    let demo = await recall([...store, 'demo', '--customers', '150', '--seed', '3', '--live-days', '2']);
    if (demo.code === 2 && /unknown option/.test(demo.err)) demo = await recall([...store, 'demo', '--customers', '150', '--seed', '3']);
    const run = await recall([...store, 'run', '--as-of', addDays(TODAY, 30), '--allow-future']);
    const json = await recall([...store, 'run', '--as-of', addDays(TODAY, 31), '--json', '--allow-future']);
    const imported = await recall([...store, 'import', 'customers', customers]);

    for (const result of [demo, run, json, imported]) {
      expect(result.code).toBe(0);
      expect(fullPhoneNumbersIn(result.out)).toEqual([]);
      expect(fullPhoneNumbersIn(result.err)).toEqual([]);
    }
    // The demo shows a few of today's messages, each with its number masked.
    expect(demo.out).toMatch(/\+86\*{7}\d{4} {2}\[/);
    expect(imported.err).toMatch(/customers\.csv:2: bad-opt-in/);
    const report = await readFile(join(dir, 'demo', 'report.html'), 'utf8');
    expect(report).toMatch(/^<!doctype html>/);
    // What the page shows (its text, the charts' labels included), not the SVG geometry: a path's
    // digits ("3.5 0 0 1 25 3.5") read as a phone number to the detector.
    expect(fullPhoneNumbersIn(report.replace(/<[^>]*>/g, ' '))).toEqual([]);
    const outbox = (await readFile(join(dir, 'demo', 'outbox.jsonl'), 'utf8')).trim().split('\n');
    expect(outbox.length).toBeGreaterThan(0);
    expect(outbox.filter((line) => fullPhoneNumbersIn(line).length === 0)).toEqual([]);
  });
});

describe('STOP between the claim and the send', () => {
  let dynamo: TestDynamo;
  let config: CampaignConfig;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    config = await reliabilityConfig();
  });
  beforeEach(() => {
    aws.reset();
  });
  afterAll(async () => {
    await dynamo.stop();
  });
  /** The production SMS transport (no SDK retries) on the mocked End User Messaging client. */
  const smsTransport = () => new SmsVoiceTransport(new PinpointSMSVoiceV2Client({ region: 'us-east-1', maxAttempts: 1 }), config, SMS_RESOURCES);

  async function claimedDay(): Promise<{ store: DynamoStore; jobs: SendJob[] }> {
    const store = await dynamo.freshStore();
    await seedShop(store, config);
    const sendQueue = new MemoryQueue<SendJob>();
    for (let shard = 0; shard < config.shards; shard++) await runShard({ store, config, sendQueue, couponSecret: RELIABILITY_SECRET }, { shard }, runOn(config));
    return { store, jobs: sendQueue.take(100) };
  }
  // 10:00 in the shop's zone, where its jobs are: inside the send window.
  const clock = { now: () => new Date(RUN_NOW) };

  it('an opt-out stored after the shard job claimed the message: not sent, skipped:opted-out, and no later run or re-import sends to that customer again', async () => {
    const { store, jobs } = await claimedDay();
    const stopped = jobs.filter((_, index) => index % 2 === 0);
    for (const job of stopped) await store.markOptedOut(job.customerId, new Date().toISOString());
    const transport = smsTransport();

    const results = await Promise.all(jobs.map((job) => deliverMessage({ store, transport, clock }, job)));

    expect(results.filter((result) => result === 'opted-out')).toHaveLength(stopped.length);
    const published = new Set(smsSends(aws).map((input) => input.DestinationPhoneNumber));
    for (const job of stopped) expect(published.has(job.to)).toBe(false);
    expect(published.size).toBe(jobs.length - stopped.length);
    const state = await scanTable(store);
    for (const job of stopped) expect(state.get(`C#${job.customerId}|L#${job.journeyId}#${job.cycle}#${job.stepId}`)).toMatchObject({ status: 'failed', outcome: 'skipped:opted-out' });

    // The shop re-imports its customers (opted in, as its CRM still says): the STOP stays.
    const rows = ['customer_id,phone,name,sms_opt_in', ...stopped.map((job) => `${job.customerId},${job.to},x,true`)].join('\n');
    await importCustomers({ store }, readCustomerRows(csv(rows), 'crm.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date());
    const queue = new RecordingQueue(store);
    for (let day = 1; day <= 120; day += 7) await runDay({ store, config, sendQueue: queue, couponSecret: RELIABILITY_SECRET }, runOn(config, addDays(TODAY, day)));
    expect(queue.delivered.length).toBeGreaterThan(0);
    expect(queue.delivered.filter((job) => stopped.some((stop) => stop.customerId === job.customerId))).toEqual([]);
  });

  it('a STOP that reaches End User Messaging before the message (the number on its opt-out list): refused, skipped:opted-out, the profile opted out for every later run', async () => {
    const { store, jobs } = await claimedDay();
    const [job] = jobs;
    if (!job) throw new Error('no message claimed');
    aws.sendTextMessage.rejects(
      new ConflictException({ message: 'The destination phone number is opted out.', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ResourceType: 'opt-out-list', ResourceId: 'recall-opt-outs', $metadata: { httpStatusCode: 400 } }),
    );

    expect(await deliverMessage({ store, transport: smsTransport(), clock }, job)).toBe('opted-out');

    const state = await scanTable(store);
    expect(smsSends(aws).map((input) => input.DestinationPhoneNumber)).toEqual([job.to]);
    expect(state.get(`C#${job.customerId}|PROFILE`)).toMatchObject({ optedOut: true });
    aws.reset();
    const queue = new RecordingQueue(store);
    for (let day = 1; day <= 120; day += 7) await runDay({ store, config, sendQueue: queue, couponSecret: RELIABILITY_SECRET }, runOn(config, addDays(TODAY, day)));
    expect(queue.delivered.filter((sent) => sent.customerId === job.customerId)).toEqual([]);
  });

  /**
   * Regression test, was a bug (fixed) in (lib/adapters/dynamo-store.ts getProfiles, as used by lib/usecases/deliver.ts): the
   * sender's last look at the profile before publishing is a BatchGetItem without
   * ConsistentRead, i.e. eventually consistent on DynamoDB. A STOP written a moment before the
   * send (after the claim) can be missed, and the SMS goes out to a customer who opted out.
   * dynalite is always consistent, so the test checks the request the sender makes.
   */
  it('the pre-send profile read is strongly consistent, so a STOP just written is seen', async () => {
    const { store, jobs } = await claimedDay();
    const [job] = jobs;
    if (!job) throw new Error('no message claimed');
    const client: DynamoDBClient = testDynamoClient(dynamo.endpoint);
    const reads: unknown[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchGetItemCommand') reads.push(args.input);
        return next(args);
      },
      { step: 'initialize', name: 'recordReads' },
    );
    const sender = new DynamoStore(client, store.tableName);

    await deliverMessage({ store: sender, transport: smsTransport(), clock }, job);
    client.destroy();

    expect(reads).toHaveLength(1);
    expect(JSON.stringify(reads[0])).toContain('"ConsistentRead":true');
  });
});
