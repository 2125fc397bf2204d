import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { verifyCouponCode } from '../../lib/domain/coupon.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { importCustomers } from '../../lib/usecases/import.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { runDay, type RunSummary } from '../../lib/usecases/run-day.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { csv, dailyRun, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { importedShop as importedShopOf, IMPORTED_SHOP_TODAY } from '../support/imported-shop.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/usecases/run-shard.ts: what the daily run's shard jobs decide and write (guardrails, exit
 * rule, next step, backfill, dry run, racing runs, accounting), driven through runDay, which runs
 * runShard for every shard as `recall run` does. On AWS each shard is a scan-shard job:
 * test/functions/scan-shard.test.ts and test/integration/pipeline.test.ts.
 */

const SECRET = 'test-secret';
const TODAY = IMPORTED_SHOP_TODAY;

function accounted(summary: Pick<RunSummary, 'sent' | 'heldOut' | 'skipped' | 'deferred'>): number {
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
  return summary.sent + summary.heldOut + sum(summary.skipped) + sum(summary.deferred);
}

describe('the recall engine on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  const importedShop = () => importedShopOf(dynamo, SECRET);

  it('runs import -> run -> order -> run: guardrails, exit rule, next step, nothing twice', async () => {
    const { store, config, clock, queue, deps } = await importedShop();

    const first = await runDay(deps, dailyRun(config, TODAY));

    expect(first).toMatchObject({ asOf: TODAY, evaluated: 4, due: 4, sent: 2, heldOut: 0 });
    expect(first.skipped).toEqual({ 'no-consent': 1 });
    // A fresh step with an unusable number waits: fixed within graceDays, it is sent.
    expect(first.deferred).toEqual({ 'invalid-contact': 1 });
    expect(accounted(first)).toBe(first.due);
    expect(first.readUnits).toBeGreaterThan(0);
    expect(first.byJourney['category-recall']?.['coupon-1']).toMatchObject({ due: 4, sent: 2 });
    expect(queue.delivered.map((job) => [job.customerId, job.to, job.stepId])).toEqual(
      expect.arrayContaining([
        ['c1', '+8613800138001', 'coupon-1'],
        ['c4', '+8613800138004', 'coupon-1'],
      ]),
    );
    expect(queue.delivered).toHaveLength(2);
    for (const job of queue.delivered) {
      expect(job.text).toContain(job.couponCode);
      expect(job.text.endsWith(config.sms.optOutText)).toBe(true);
      expect(verifyCouponCode(SECRET, `${job.customerId}#${job.journeyId}#${job.cycle}#${job.stepId}`, job.couponCode ?? '')).toBe(true);
    }

    const again = await runDay(deps, dailyRun(config, TODAY));
    expect(again.sent).toBe(0);
    expect(queue.delivered).toHaveLength(2);

    // c1 buys cosmetics again: the category-window cycle restarts from the new purchase (exit rule).
    clock.set('2026-11-25T04:00:00Z');
    const order = { orderId: 'o6', customerId: 'c1', orderedAt: '2026-11-25T12:00:00+08:00', lines: [{ category: 'cosmetics', amount: 99 }] };
    expect((await recordOrder({ store, config, clock }, order)).status).toBe('recorded');

    const month = addDays(TODAY, 30);
    const later = await runDay(deps, dailyRun(config, month));
    expect(later.sent).toBe(1);
    expect(queue.delivered.at(-1)).toMatchObject({ customerId: 'c4', stepId: 'coupon-2' });
    const history = await store.getCustomerHistory('c1');
    expect(history.journeys.get('category-recall#cosmetics')).toMatchObject({ anchorDate: '2026-11-25', stepIndex: 0 });
  });

  it('a step with an unusable number waits: fixed within graceDays it is sent on the next run, never fixed it is skipped once the grace is over', async () => {
    const fixed = await importedShop();
    const neverFixed = await importedShop();
    const coupon1 = (summary: RunSummary) => summary.byJourney['category-recall']?.['coupon-1'];

    // c3 (+8614012345678, an unallocated range) was due on 2026-11-20.
    await runDay(fixed.deps, dailyRun(fixed.config, TODAY));
    await importCustomers(fixed, readCustomerRows(csv('customer_id,phone,name\nc3,+8613800138003,王五\n'), 'fix.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date(`${addDays(TODAY, 1)}T02:00:00Z`));
    const afterFix = await runDay(fixed.deps, dailyRun(fixed.config, addDays(TODAY, 1)));
    const lastDayOfGrace = await runDay(neverFixed.deps, dailyRun(neverFixed.config, addDays(TODAY, 12)));
    const pastGrace = await runDay(neverFixed.deps, dailyRun(neverFixed.config, addDays(TODAY, 13)));

    expect(fixed.queue.delivered.filter((job) => job.customerId === 'c3')).toMatchObject([{ stepId: 'coupon-1', to: '+8613800138003' }]);
    expect(accounted(afterFix)).toBe(afterFix.due);
    expect(coupon1(lastDayOfGrace)?.deferred).toMatchObject({ 'invalid-contact': 1 });
    expect(coupon1(pastGrace)?.skipped).toMatchObject({ 'invalid-contact': 1 });
    expect(coupon1(pastGrace)?.deferred['invalid-contact']).toBeUndefined();
    expect(neverFixed.queue.delivered.filter((job) => job.customerId === 'c3')).toEqual([]);
  });

  it('sends nothing stale after importing two years of history, and --backfill sends each long-lapsed customer once', async () => {
    const { config, queue, deps } = await importedShop();

    await runDay(deps, dailyRun(config, TODAY));
    expect(queue.delivered.map((job) => job.customerId)).not.toContain('c5');

    const backfill = await runDay(deps, dailyRun(config, TODAY, { backfill: true }));
    const toC5 = queue.delivered.filter((job) => job.customerId === 'c5');
    expect(toC5).toHaveLength(1);
    // The ladder has the highest priority; a staged ladder is entered at its first step
    // (backfillFrom: first), never at "your last coupon".
    expect(toC5[0]).toMatchObject({ journeyId: 'spend-200-ladder', stepId: 'month-1' });
    expect(backfill.deferred.capped).toBeGreaterThanOrEqual(2);
    expect(accounted(backfill)).toBe(backfill.due);

    await runDay(deps, dailyRun(config, addDays(TODAY, 8), { backfill: true }));
    const backfilledTwice = queue.delivered.filter((job) => job.customerId === 'c5' && job.journeyId === 'spend-200-ladder');
    expect(backfilledTwice).toHaveLength(1);
  });

  it('a dry run decides the same but writes nothing and sends nothing', async () => {
    const { config, queue, deps, store } = await importedShop();
    const writesBefore = store.usage.writeUnits;

    const dry = await runDay(deps, dailyRun(config, TODAY, { dryRun: true }));
    const writesAfterDryRun = store.usage.writeUnits;
    const real = await runDay(deps, dailyRun(config, TODAY));

    expect(writesAfterDryRun).toBe(writesBefore);
    expect(store.usage.writeUnits).toBeGreaterThan(writesBefore);
    expect(dry).toMatchObject({ due: real.due, sent: real.sent, skipped: real.skipped, dryRun: true });
    expect(queue.delivered).toHaveLength(real.sent);
  });

  it('two runs racing on the same day never message a customer twice', async () => {
    const store = await dynamo.freshStore();
    const config = await testConfig({ holdoutPercent: 10 });
    const shop = generateDemoShop({ customers: 400, seed: 7, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone });
    await seedCustomers({ store, config }, TODAY, shop);
    const queue = new RecordingQueue(store);
    const deps = { store, config, sendQueue: queue, couponSecret: SECRET };

    const [a, b] = await Promise.all([runDay(deps, dailyRun(config, TODAY)), runDay(deps, dailyRun(config, TODAY))]);

    const perCustomer = new Map<string, number>();
    for (const job of queue.delivered) perCustomer.set(job.customerId, (perCustomer.get(job.customerId) ?? 0) + 1);
    expect(queue.delivered.length).toBeGreaterThan(10);
    expect(Math.max(...perCustomer.values())).toBe(1);
    expect(a.sent + b.sent).toBeGreaterThanOrEqual(queue.delivered.length);
  });

  it('accounting holds on random shops and run dates: every candidate has exactly one outcome', async () => {
    const store: DynamoStore = await dynamo.freshStore();
    const config = await testConfig({ holdoutPercent: 10 });
    await seedCustomers({ store, config }, TODAY, generateDemoShop({ customers: 300, seed: 11, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    const deps = { store, config, sendQueue: new RecordingQueue(store), couponSecret: SECRET };

    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 120 }), fc.boolean(), fc.integer({ min: 0, max: 23 }), async (offset, backfill, hour) => {
        const date = addDays(TODAY, offset);
        const summary = await runDay(deps, { ...dailyRun(config, date, { backfill, dryRun: true }), now: new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`) });
        expect(accounted(summary)).toBe(summary.due);
        for (const steps of Object.values(summary.byJourney)) {
          for (const counts of Object.values(steps)) expect(accounted(counts)).toBe(counts.due);
        }
      }),
      { numRuns: 12, seed: 42 },
    );
  });
});
