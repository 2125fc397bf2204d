import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/run-test-campaign.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { verifyCouponCode } from '../../lib/domain/coupon.ts';
import { localDate } from '../../lib/domain/dates.ts';
import { OUTCOMES } from '../../lib/domain/guardrails.ts';
import { isHeldOut } from '../../lib/domain/hashing.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { readOrders } from '../../lib/import/orders.ts';
import type { Pacer, SendJob, Transport } from '../../lib/ports/messaging.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { importCustomers, importOrders } from '../../lib/usecases/import.ts';
import { UnknownJourneyError } from '../../lib/usecases/pipeline.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import {
  RecipientNotAllowedError,
  runTestCampaign,
  testCouponKey,
  TestCampaignInputSchema,
  TestCustomersNotFoundError,
  UnknownStepError,
  type TestCampaignInput,
} from '../../lib/usecases/test-campaign.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { csv, dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

const SECRET = 'test-secret';
const TODAY = '2026-11-22';
/** On the default config's testAllowlist. */
const TESTER = '+8613800138000';
const EVENTS_DIR = join(import.meta.dirname, '../../events');

const CUSTOMERS = `customer_id,phone,name,timezone,sms_opt_in,push_endpoint
c1,+8613800138001,张三,,true,
c2,+8613800138002,李四,,false,
c3,+8614012345678,王五,,true,
c4,138 0013 8004,赵六,,yes,
c5,+8613800138005,钱七,,true,
c6,+8613800138006,孙八,,true,
`;

// c1..c3 bought cosmetics 78 days ago and c4 womens-clothing 47 days ago: all four wait at
// category-recall/coupon-1. c5 bought two years ago: its cycles went by stale. c6 never bought.
const ORDERS = `order_id,customer_id,ordered_at,category,amount
o1,c1,2026-09-05 12:00,cosmetics,150
o2,c2,2026-09-05 12:00,cosmetics,150
o3,c3,2026-09-05 12:00,cosmetics,150
o4,c4,2026-10-06 12:00,womens-clothing,250
o5,c5,2024-10-01 12:00,mens-shoes,300
`;

/** The channel as the test campaign sees it: every message handed to it. */
class RecordingTransport implements Transport {
  readonly jobs: SendJob[] = [];

  async deliver(job: SendJob): Promise<void> {
    this.jobs.push(job);
  }
}

/** Every item of the table, sorted: a test may Scan, to prove nothing was written. */
async function tableSnapshot(store: DynamoStore): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(store.client);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: store.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const key = (item: Record<string, unknown>) => `${String(item.pk)}|${String(item.sk)}`;
  return items.sort((a, b) => key(a).localeCompare(key(b)));
}

const codeIn = (text: string) => /券码([0-9A-Z]{10})/.exec(text)?.[1];

describe('run-test-campaign', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  async function shop(overrides: Partial<CampaignConfig> = {}) {
    const store = await dynamo.freshStore();
    const config = await testConfig(overrides);
    // 10:00 in Shanghai: inside the send window.
    const clock = fixedClock(`${TODAY}T02:00:00Z`);
    await importCustomers({ store }, readCustomerRows(csv(CUSTOMERS), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date());
    await importOrders({ store, config, clock }, readOrders(csv(ORDERS), 'orders.csv', { timeZone: config.merchantTimeZone, asOf: clock.now() }), clock.now());
    const transport = new RecordingTransport();
    return { store, config, clock, transport, deps: { store, config, transport, couponSecret: SECRET, clock } };
  }

  const input = (fields: Partial<TestCampaignInput>): TestCampaignInput =>
    TestCampaignInputSchema.parse({ journey: 'category-recall', step: 'coupon-1', recipients: [TESTER], ...fields });

  describe('the use case', () => {
    it('a dry run returns each customer rendered with the outcome they would get, and sends and writes nothing', async () => {
      const { store, config, transport, deps } = await shop();
      const before = await tableSnapshot(store);

      const result = await runTestCampaign(deps, input({ customers: ['c1', 'c2', 'c3'] }));

      expect(result.dryRun).toBe(true);
      expect(result.messages.map(({ customerId, outcome, channel }) => ({ customerId, outcome, channel }))).toEqual([
        { customerId: 'c1', outcome: 'sent', channel: 'sms' },
        { customerId: 'c2', outcome: 'skipped:no-consent', channel: 'sms' },
        { customerId: 'c3', outcome: 'skipped:invalid-contact', channel: 'sms' },
      ]);
      const [first] = result.messages;
      expect(first?.text).toContain('张三');
      expect(first?.text).toContain('彩妆');
      expect(first?.text).toContain('满200可用');
      expect(first?.text.endsWith(config.sms.optOutText)).toBe(true);
      expect(first?.parts).toBeGreaterThan(1);
      expect(codeIn(first?.text ?? '')).toBeDefined();
      // The response never carries a customer's number.
      expect(JSON.stringify(result)).not.toMatch(/\+86|1380013800\d/);
      expect(result.messages.every((message) => !('to' in message))).toBe(true);
      expect(transport.jobs).toEqual([]);
      expect(await tableSnapshot(store)).toEqual(before);
    });

    it('a real run sends every message to each test recipient only, with test coupon codes, and writes nothing', async () => {
      const { store, transport, deps } = await shop();
      const reserved: number[] = [];
      const pacer: Pacer = { reserve: async (parts) => void reserved.push(parts) };
      const before = await tableSnapshot(store);
      const history = await store.getCustomerHistory('c1');
      const realCycle = history.journeys.get('category-recall#cosmetics')?.cycle ?? '';

      const result = await runTestCampaign({ ...deps, pacer }, input({ customers: ['c1', 'c2', 'c4'], dryRun: false }));

      expect(result).toMatchObject({ dryRun: false, delivered: 3, recipients: ['+86*******8000'] });
      expect(transport.jobs).toHaveLength(3);
      expect(transport.jobs.map((job) => job.to)).toEqual([TESTER, TESTER, TESTER]);
      expect(transport.jobs.map((job) => job.customerId)).toEqual(['c1', 'c2', 'c4']);
      expect(reserved).toEqual(transport.jobs.map((job) => job.parts));
      for (const job of transport.jobs) {
        const code = codeIn(job.text) ?? '';
        expect(job.couponCode).toBe(code);
        expect(verifyCouponCode(SECRET, testCouponKey('category-recall', 'coupon-1', job.customerId), code)).toBe(true);
      }
      // The code a tester gets is not the one the shop would honour for c1's real coupon-1.
      expect(realCycle).not.toBe('');
      expect(verifyCouponCode(SECRET, ledgerKey({ customerId: 'c1', journeyId: 'category-recall', cycle: realCycle }, 'coupon-1'), transport.jobs[0]?.couponCode ?? '')).toBe(false);
      expect(JSON.stringify(result)).not.toMatch(/1380013800\d/);
      // No ledger item, no cap slot, no journey state moved.
      expect(await tableSnapshot(store)).toEqual(before);
    });

    it('sends N customers x M recipients messages', async () => {
      const { transport, deps } = await shop({ testAllowlist: [TESTER, '+8613800138099'] });

      const result = await runTestCampaign(deps, input({ customers: ['c1', 'c4'], recipients: [TESTER, '+8613800138099'], dryRun: false }));

      expect(result).toMatchObject({ delivered: 4, recipients: ['+86*******8000', '+86*******8099'] });
      expect(transport.jobs.map((job) => [job.customerId, job.to])).toEqual([
        ['c1', TESTER],
        ['c1', '+8613800138099'],
        ['c4', TESTER],
        ['c4', '+8613800138099'],
      ]);
    });

    it('refuses a recipient not on the allowlist before reading or sending anything, naming it masked', async () => {
      const { store, transport, deps } = await shop();
      const before = await tableSnapshot(store);
      const readsBefore = store.usage.readUnits;

      const refused = runTestCampaign(deps, input({ customers: ['c1'], recipients: [TESTER, '+8613800138009'], dryRun: false }));

      await expect(refused).rejects.toThrow(RecipientNotAllowedError);
      await expect(refused).rejects.toThrow(/not on the config's testAllowlist: \+86\*{7}8009/);
      await expect(refused).rejects.toMatchObject({ retryable: false, refused: ['+86*******8009'] });
      await expect(refused).rejects.not.toThrow(/13800138009/);
      expect(transport.jobs).toEqual([]);
      expect(store.usage.readUnits).toBe(readsBefore);
      expect(await tableSnapshot(store)).toEqual(before);
    });

    it('compares recipients with the allowlist as E.164, whatever format the allowlist uses', async () => {
      const { transport, deps } = await shop({ testAllowlist: ['138 0013 8000'] });

      const result = await runTestCampaign(deps, input({ customers: ['c1'], dryRun: false }));

      expect(result).toMatchObject({ delivered: 1 });
      expect(transport.jobs[0]?.to).toBe(TESTER);
    });

    it('judges a customer with no state in the journey on a cycle starting today, and a stale cycle as stale', async () => {
      const { deps } = await shop();

      const result = await runTestCampaign(deps, input({ customers: ['c6', 'c5'] }));

      // c6 never bought: a cycle anchored today in the config's first category (cosmetics).
      expect(result.messages[0]).toMatchObject({ customerId: 'c6', outcome: 'sent' });
      expect(result.messages[0]?.text).toContain('孙八');
      expect(result.messages[0]?.text).toContain('彩妆');
      // c5's mens-shoes cycle went by two years ago: the daily run would skip it as stale.
      expect(result.messages[1]).toMatchObject({ customerId: 'c5', outcome: 'skipped:stale' });
      expect(result.messages[1]?.text).toContain('男鞋');
    });

    it('reports the guardrail outcome without acting on it: a held-out customer is still rendered', async () => {
      const { transport, deps } = await shop({ holdoutPercent: 50 });
      const expected = (id: string) => (isHeldOut(id, 'category-recall', 50) ? 'held-out' : 'sent');

      const result = await runTestCampaign(deps, input({ customers: ['c1', 'c4', 'c5', 'c6'], dryRun: false }));

      expect(result.messages.map((message) => message.outcome)).toEqual([expected('c1'), expected('c4'), 'skipped:stale', expected('c6')]);
      expect(transport.jobs).toHaveLength(4);
    });

    it('reports a customer the daily run already messaged as capped, and still leaves the cap and the state alone', async () => {
      const { store, config, deps } = await shop();
      const daily = await runDay({ store, config, sendQueue: new RecordingQueue(store), couponSecret: SECRET }, dailyRun(config, TODAY));
      expect(daily.sent).toBe(2);
      const before = await tableSnapshot(store);

      // c1 got coupon-1 today and now waits for coupon-2: one message per 7 days.
      const result = await runTestCampaign(deps, input({ step: 'coupon-2', customers: ['c1'], dryRun: false }));

      expect(result.messages).toMatchObject([{ customerId: 'c1', outcome: 'deferred:capped' }]);
      expect(result.messages[0]?.text).toContain('第2张');
      expect(await tableSnapshot(store)).toEqual(before);
    });

    it('samples customers waiting at the step through the due index', async () => {
      const { store, deps } = await shop();
      const before = await tableSnapshot(store);

      const two = await runTestCampaign(deps, input({ sample: 2 }));
      const all = await runTestCampaign(deps, input({ sample: 50 }));

      expect(two.messages).toHaveLength(2);
      expect(all.messages.map((message) => message.customerId).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
      expect(two.messages.every((message) => ['c1', 'c2', 'c3', 'c4'].includes(message.customerId))).toBe(true);
      expect(await tableSnapshot(store)).toEqual(before);
    });

    it('samples from the journey\'s first step when nobody waits at the requested one', async () => {
      const { deps } = await shop();

      const result = await runTestCampaign(deps, input({ step: 'coupon-2', sample: 50 }));

      expect(result.messages.map((message) => message.customerId).sort()).toEqual(['c1', 'c2', 'c3', 'c4']);
      expect(result.messages.every((message) => message.text.includes('第2张'))).toBe(true);
      expect(result.messages.find((message) => message.customerId === 'c1')?.outcome).toBe('sent');
    });

    it('says so when nobody waits in the journey at all', async () => {
      const store = await dynamo.freshStore();
      await importCustomers({ store }, readCustomerRows(csv(CUSTOMERS), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date());
      const deps = { store, config: await testConfig(), transport: new RecordingTransport(), couponSecret: SECRET, clock: fixedClock(`${TODAY}T02:00:00Z`) };

      await expect(runTestCampaign(deps, input({ step: 'coupon-2', sample: 3 }))).rejects.toThrow(
        /no customer is waiting at category-recall\/coupon-2 nor at its first step coupon-1/,
      );
    });

    it('refuses an unknown journey, step or customer with a clear permanent error', async () => {
      const { transport, deps } = await shop();

      await expect(runTestCampaign(deps, input({ journey: 'nope', customers: ['c1'] }))).rejects.toThrow(UnknownJourneyError);
      await expect(runTestCampaign(deps, input({ journey: 'nope', customers: ['c1'] }))).rejects.toThrow(/unknown journey id nope \(known: category-recall/);
      await expect(runTestCampaign(deps, input({ step: 'coupon-9', customers: ['c1'] }))).rejects.toThrow(UnknownStepError);
      await expect(runTestCampaign(deps, input({ step: 'coupon-9', customers: ['c1'] }))).rejects.toThrow(/category-recall has no step coupon-9/);
      await expect(runTestCampaign(deps, input({ customers: ['c1', 'ghost'], dryRun: false }))).rejects.toThrow(TestCustomersNotFoundError);
      await expect(runTestCampaign(deps, input({ customers: ['c1', 'ghost'], dryRun: false }))).rejects.toThrow(/no readable profile for ghost/);
      expect(transport.jobs).toEqual([]);
    });
  });

  describe('the input schema', () => {
    const base = { journey: 'category-recall', step: 'coupon-1', recipients: [TESTER] };

    it('defaults to a dry run', () => {
      expect(TestCampaignInputSchema.parse({ ...base, sample: 3 }).dryRun).toBe(true);
    });

    it.each([
      ['both customers and sample', { ...base, customers: ['c1'], sample: 2 }, /exactly one of customers/],
      ['neither customers nor sample', base, /exactly one of customers/],
      ['a number that is not E.164', { ...base, sample: 1, recipients: ['13800138000'] }, /E\.164/],
      ['no recipient', { ...base, sample: 1, recipients: [] }, /recipients/],
      ['more than 10 recipients', { ...base, sample: 1, recipients: Array.from({ length: 11 }, () => TESTER) }, /recipients/],
      ['more than 50 customers', { ...base, customers: Array.from({ length: 51 }, (_, i) => `c${i}`) }, /customers/],
      ['a sample of 0', { ...base, sample: 0 }, /sample/],
      ['an unknown key', { ...base, sample: 1, to: TESTER }, /to/],
    ])('refuses %s', (_name, event, message) => {
      const parsed = TestCampaignInputSchema.safeParse(event);
      expect(parsed.success).toBe(false);
      expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
    });

    it.each(['run-test-campaign.dry-run.json', 'run-test-campaign.customers.json'])('parses events/%s', (file) => {
      const parsed = TestCampaignInputSchema.safeParse(JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8')));
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data?.recipients).toEqual([TESTER]);
    });
  });

  describe('the handler', () => {
    const secrets = mockClient(SecretsManagerClient);
    const sns = mockClient(SNSClient);
    const event = (file: string): unknown => JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8'));
    let store: DynamoStore;

    beforeAll(async () => {
      store = await dynamo.freshStore();
      const config = await testConfig();
      // The handler runs on the system clock: the shop's history ends yesterday in the merchant zone.
      const today = localDate(new Date(), config.merchantTimeZone);
      await seedCustomers({ store, config }, today, generateDemoShop({ customers: 120, seed: 3, today, categories: config.categories, timeZone: config.merchantTimeZone }));
      process.env.TABLE_NAME = store.tableName;
      process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
      process.env.COUPON_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:coupon-secret';
    });
    afterEach(() => {
      sns.reset();
    });
    afterAll(() => {
      secrets.restore();
      sns.restore();
      delete process.env.TABLE_NAME;
      delete process.env.DYNAMODB_ENDPOINT;
      delete process.env.COUPON_SECRET_ARN;
    });

    it('refuses a malformed event with a clear error, before reading the secret or the store', async () => {
      const readsBefore = store.usage.readUnits;

      const malformed = handler({ journey: 'category-recall', step: 'coupon-1', sample: 2, customers: ['c000001'], recipients: ['not-a-number'] }, lambdaContext('run-test-campaign'));

      await expect(malformed).rejects.toMatchObject({ name: 'InvalidEventError', retryable: false });
      await expect(malformed).rejects.toThrow(/run-test-campaign: expected \{ journey, step, customers \| sample, recipients, dryRun\? \}: recipients\.0: expected an E\.164 number/);
      await expect(handler('not an object', lambdaContext('run-test-campaign'))).rejects.toThrow(/InvalidEventError|expected object/);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
      expect(store.usage.readUnits).toBe(readsBefore);
    });

    it('runs the dry-run sample: rendered messages and outcomes, nothing published, numbers masked in the logs', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
      const before = await tableSnapshot(store);

      const result: unknown = await handler(event('run-test-campaign.dry-run.json'), lambdaContext('run-test-campaign'));

      expect(result).toMatchObject({ dryRun: true });
      const messages = (result as { messages: { customerId: string; outcome: string; text: string; parts: number; channel: string }[] }).messages;
      expect(messages).toHaveLength(3);
      for (const message of messages) {
        expect(Object.keys(message).sort()).toEqual(['channel', 'customerId', 'outcome', 'parts', 'text']);
        expect(OUTCOMES).toContain(message.outcome);
        expect(message.text).toMatch(/券码[0-9A-Z]{10}/);
      }
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(await tableSnapshot(store)).toEqual(before);
      const done = capturedLogLines().find((line) => line.includes('test campaign done'));
      expect(done).toContain('+86*******8000');
      expect(done).not.toContain(TESTER);
    });

    it('runs the customers sample for real: SNS SMS to the test recipient only, the ledger untouched', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
      sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
      const customerItems = async () => (await tableSnapshot(store)).filter((item) => String(item.pk).startsWith('C#'));
      const before = await customerItems();

      const result = await handler(event('run-test-campaign.customers.json'), lambdaContext('run-test-campaign'));

      expect(result).toMatchObject({ dryRun: false, delivered: 2, recipients: ['+86*******8000'] });
      const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
      expect(published).toHaveLength(2);
      expect(published.map((input) => input.PhoneNumber)).toEqual([TESTER, TESTER]);
      expect(published.every((input) => input.MessageAttributes?.['AWS.SNS.SMS.SMSType']?.StringValue === 'Promotional')).toBe(true);
      // Only the pacer's own item may change: no customer item (ledger, cap, journey state) does.
      expect(await customerItems()).toEqual(before);
    });

    it('refuses a non-allowlisted recipient: nothing published, the table unchanged, the refusal logged masked', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
      const before = await tableSnapshot(store);
      // Powertools writes warnings to stderr, which the stdout log guard does not see.
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

      const refused = handler({ journey: 'lifecycle', step: 'pre-lost', customers: ['c000001'], recipients: ['+8613800138007'], dryRun: false }, lambdaContext('run-test-campaign'));

      await expect(refused).rejects.toThrow(RecipientNotAllowedError);
      const warnings = stderr.mock.calls.map(([chunk]) => String(chunk));
      stderr.mockRestore();
      expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
      expect(await tableSnapshot(store)).toEqual(before);
      const warning = warnings.find((line) => line.includes('test campaign refused'));
      expect(warning).toContain('+86*******8007');
      expect(warning).not.toContain('13800138007');
    });
  });
});
