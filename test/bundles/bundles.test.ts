import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bundleFunctions, type BuiltBundle } from '../../scripts/bundle.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { ShardJobMessageSchema, type ShardJobMessage } from '../../lib/events/schemas.ts';
import { sqsEvent } from '../../lib/runtime/local-pipeline.ts';
import { runShard } from '../../lib/usecases/run-shard.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { middayZone } from '../support/aws-mocks.ts';
import { testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

const run = promisify(execFile);
const TODAY = '2026-11-22';

interface Invocation {
  initMs: number;
  response?: unknown;
  error?: { name: string; message: string };
  calls: {
    sms: { DestinationPhoneNumber: string; MessageBody: string; ConfigurationSetName?: string; Context?: Record<string, string> }[];
    sns: { PhoneNumber?: string; TargetArn?: string; Message?: string }[];
    sqs: { QueueUrl: string; Entries: { MessageBody: string }[] }[];
    events: { Entries: { DetailType: string }[] }[];
  };
  stdout: string;
}

describe('the bundles that deploy, run in a fresh Node process against dynalite', () => {
  let dynamo: TestDynamo;
  let store: DynamoStore;
  let bundles: Map<string, BuiltBundle>;
  let work: string;

  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    store = await dynamo.freshStore();
    const config = await testConfig();
    await seedCustomers({ store, config }, TODAY, generateDemoShop({ customers: 800, seed: 3, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    // Inside the repository, so that the external @aws-sdk/* imports resolve from node_modules.
    await mkdir('dist', { recursive: true });
    work = await mkdtemp(join('dist', 'bundle-test-'));
    bundles = new Map((await bundleFunctions(join(work, 'functions'))).map((bundle) => [bundle.name, bundle]));
  }, 120_000);

  afterAll(async () => {
    await dynamo.stop();
    await rm(work, { recursive: true, force: true });
  });

  async function invoke(name: string, event: unknown, env: Record<string, string> = {}): Promise<Invocation> {
    const bundle = bundles.get(name);
    if (!bundle) throw new Error(`no bundle ${name}`);
    const dir = await mkdtemp(join(tmpdir(), `invoke-${name}-`));
    const eventFile = join(dir, 'event.json');
    const outFile = join(dir, 'out.json');
    await writeFile(eventFile, JSON.stringify(event));
    const { stdout } = await run(process.execPath, ['test/support/invoke-bundle.mjs', bundle.file, eventFile, outFile], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TABLE_NAME: store.tableName,
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        EVENT_BUS_NAME: 'recall-test-bus',
        WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
        SEND_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/send',
        COUPON_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:coupon-abc123',
        SMS_CONFIGURATION_SET_NAME: 'recall-test',
        POWERTOOLS_SERVICE_NAME: 'recall-bundle-test',
        POWERTOOLS_METRICS_NAMESPACE: 'RecallCampaignsTest',
        ...env,
      },
    });
    const result = JSON.parse(await readFile(outFile, 'utf8'));
    await rm(dir, { recursive: true, force: true });
    expect(stdout, `${name} logged a full phone number`).not.toMatch(/(?<![\d*])(?:\+?86)?1[3-9]\d{9}(?!\d)/);
    return { ...result, stdout };
  }

  const sample = async (file: string) => JSON.parse(await readFile(join('events', file), 'utf8'));

  it('plan-recall plans one job per shard from the EventBridge Scheduler sample', async () => {
    const result = await invoke('plan-recall', await sample('plan-recall.scheduled.json'));

    expect(result.error).toBeUndefined();
    expect(result.response).toMatchObject({ runDate: TODAY, shards: 8, planned: true });
    const jobs = result.calls.sqs.flatMap((call) => call.Entries.map((entry) => ShardJobMessageSchema.parse(JSON.parse(entry.MessageBody))));
    expect(jobs.map((job) => job.shard).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.calls.events.flatMap((call) => call.Entries.map((entry) => entry.DetailType))).toEqual(['RunStarted']);
  });

  it('scan-shard claims what the engine decides and send-message delivers it once', async () => {
    // The bundle carries the default config (holdout included), as `npm run bundle` bakes it in.
    const config = await loadDefaultConfig();
    const job: ShardJobMessage = { ...ShardJobMessageSchema.parse(JSON.parse((await sample('scan-shard.sqs-batch.json')).Records[0].body)), shard: 2, runId: 'bundle-run' };
    const expected = await runShard(
      { store, config, sendQueue: { enqueue: async () => {} }, couponSecret: 'unused' },
      { shard: job.shard },
      { runDate: job.runDate, now: new Date(job.now), dryRun: true, backfill: false },
    );

    const scanned = await invoke('scan-shard', sqsEvent([job], 'work'));
    expect(scanned.error).toBeUndefined();
    expect(scanned.response).toEqual({ batchItemFailures: [] });
    const sendJobs = scanned.calls.sqs.flatMap((call) => call.Entries.map((entry) => JSON.parse(entry.MessageBody)));
    expect(sendJobs.length).toBe(expected.tally.totals.sent);
    expect(sendJobs.length).toBeGreaterThan(0);

    // In the zone where it is noon now: inside the send window whenever the test runs.
    const batch = sendJobs.slice(0, 3).map((message) => ({ ...message, timeZone: middayZone() }));
    const sent = await invoke('send-message', sqsEvent(batch, 'send'));
    expect(sent.error).toBeUndefined();
    expect(sent.response).toEqual({ batchItemFailures: [] });
    expect(sent.calls.sms.map((call) => call.DestinationPhoneNumber).sort()).toEqual(batch.map((message) => message.to).sort());
    expect(sent.calls.sms.every((call) => call.ConfigurationSetName === 'recall-test' && call.Context?.customerId !== undefined)).toBe(true);
    expect(sent.calls.sns).toHaveLength(0);
    expect(sent.stdout).toContain('*******');

    const again = await invoke('send-message', sqsEvent(batch, 'send'));
    expect(again.calls.sms).toHaveLength(0);
  });

  it('record-order records the OrderPlaced sample once', async () => {
    const event = await sample('record-order.order-placed.json');
    const first = await invoke('record-order', event);
    const replay = await invoke('record-order', event);

    expect(first.error).toBeUndefined();
    expect(first.response).toMatchObject({ status: 'recorded' });
    expect(replay.response).toMatchObject({ status: 'duplicate' });
  });

  it('import-file takes the S3 notification sample; a result file it wrote is not imported (no S3 read, no claim)', async () => {
    const notification = await sample('import-file.s3-object-created.json');
    notification.Records[0].s3.object.key += '.result.json';

    const result = await invoke('import-file', notification, { AWS_LAMBDA_FUNCTION_NAME: 'recall-import-file', SMS_OPT_OUT_LIST_NAME: 'recall-test' });

    expect(result.error).toBeUndefined();
    expect(result.response).toEqual({ outcomes: [{ status: 'ignored', key: 'imports/orders/taobao 2026-11 订单.csv.result.json' }] });
  });

  it('a malformed event fails with a clear message, not a crash of the runtime', async () => {
    const result = await invoke('record-order', { 'detail-type': 'OrderPlaced', detail: { orderId: '' } });
    expect(result.error?.message).toMatch(/record-order: not an OrderPlaced event/);
  });

  it('learn-windows learns from a parallel Scan of the seeded shop and publishes WindowsLearned', async () => {
    const result = await invoke('learn-windows', await sample('learn-windows.scheduled.json'));

    expect(result.error).toBeUndefined();
    expect(result.response).toMatchObject({ categories: 8, invalidItems: 0 });
    expect(result.calls.events.flatMap((call) => call.Entries.map((entry) => entry.DetailType))).toEqual(['WindowsLearned']);
  });

  /** What the X-Ray SDK sends its daemon: a header line, then one segment document per datagram. */
  const SegmentSchema = z.object({ name: z.string(), trace_id: z.string(), type: z.string().optional(), metadata: z.unknown().optional() });
  async function withXRayDaemon(act: (address: string) => Promise<void>): Promise<z.infer<typeof SegmentSchema>[]> {
    const socket = createSocket('udp4');
    const datagrams: string[] = [];
    socket.on('message', (message) => datagrams.push(message.toString('utf8')));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      await act(`127.0.0.1:${socket.address().port}`);
      // Datagrams sent just before the invoking process exited may still be on their way.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      socket.close();
    }
    return datagrams.map((datagram) => SegmentSchema.parse(JSON.parse(datagram.slice(datagram.indexOf('\n') + 1))));
  }

  it('inside Lambda, the trace follows the handler into each AWS call: DynamoDB, SQS, EventBridge; no response recorded', async () => {
    const traceId = '1-5759e988-bd862e3fe1be46a994272793';
    const lambda = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', LAMBDA_TASK_ROOT: '/var/task', _HANDLER: 'index.handler', _X_AMZN_TRACE_ID: `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1` };

    const segments = await withXRayDaemon(async (address) => {
      const result = await invoke('plan-recall', await sample('plan-recall.manual.json'), { ...lambda, AWS_XRAY_DAEMON_ADDRESS: address });
      expect(result.response).toMatchObject({ planned: true });
    });

    expect(new Set(segments.map((segment) => segment.name))).toEqual(new Set(['## index.handler', 'DynamoDB', 'SQS', 'EventBridge']));
    expect(segments.every((segment) => segment.trace_id === traceId && segment.type === 'subsegment')).toBe(true);
    expect(segments.find((segment) => segment.name === '## index.handler')?.metadata).toBeUndefined();
  });

  it('outside Lambda the tracer is off: nothing reaches the daemon', async () => {
    const segments = await withXRayDaemon(async (address) => {
      const result = await invoke('plan-recall', await sample('plan-recall.manual.json'), { AWS_XRAY_DAEMON_ADDRESS: address });
      expect(result.response).toMatchObject({ planned: true });
    });

    expect(segments).toEqual([]);
  });

  it('every bundle loads: init time and size are reported by npm run bench', async () => {
    for (const bundle of bundles.values()) expect(bundle.bytes).toBeGreaterThan(10_000);
    const result = await invoke('plan-recall', await sample('plan-recall.manual.json'));
    expect(result.initMs).toBeGreaterThan(0);
    expect(result.response).toMatchObject({ planned: true });
  });
});
