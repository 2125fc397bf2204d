import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { verifyCouponCode } from '../../lib/domain/coupon.ts';
import { isHeldOut } from '../../lib/domain/hashing.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { readOrders } from '../../lib/import/orders.ts';
import type { Pacer, SendJob, Transport } from '../../lib/ports/messaging.ts';
import { importCustomers, importOrders } from '../../lib/usecases/import.ts';
import { UnknownJourneyError } from '../../lib/usecases/pipeline.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import {
  RecipientNotAllowedError,
  runTestCampaign,
  testCouponKey,
  TestCampaignInputSchema,
  TestCustomersNotFoundError,
  UnknownStepError,
  type TestCampaignInput,
} from '../../lib/usecases/test-campaign.ts';
import { csv, dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { EVENTS_DIR } from '../support/sample-events.ts';
import { TestDynamo } from '../support/store.ts';
import { tableSnapshot } from '../support/table-state.ts';

/**
 * lib/usecases/test-campaign.ts: runTestCampaign on a real DynamoDB-API server, and its input
 * schema. The deployed handler around it is tested in test/functions/run-test-campaign.test.ts.
 */

const SECRET = 'test-secret';
const TODAY = '2026-11-22';
/** On the default config's testAllowlist. */
const TESTER = '+8613800138000';

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
        { customerId: 'c3', outcome: 'deferred:invalid-contact', channel: 'sms' },
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
});
