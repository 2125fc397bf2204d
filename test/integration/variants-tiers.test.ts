import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { isHeldOut, isHeldOutOf, variantOf } from '../../lib/domain/hashing.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { formatReport } from '../../lib/report/text.ts';
import { makeReport } from '../../lib/usecases/report.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { runTestCampaign, TestCampaignInputSchema } from '../../lib/usecases/test-campaign.ts';
import { dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * Tiers, variants and the global holdout through a real daily run (lib/usecases/run-shard.ts) on
 * a real DynamoDB-API server, and the report read back from it (docs/architecture.md#variants,
 * #members, #holdout-scope).
 */

const SECRET = 'variants-test-secret';
const TODAY = '2026-11-22';
const B_TEXT = '方案B专享';

async function testedConfig(): Promise<CampaignConfig> {
  const config = await testConfig({
    holdoutPercent: 20,
    holdout: { scope: 'global' },
    tiers: [
      { id: 'base', name: '普通会员', requires: 'all' },
      { id: 'vip', name: 'VIP', minSpend: 100_000, requires: 'all' },
    ],
  });
  return {
    ...config,
    journeys: config.journeys.map((journey) => ({
      ...journey,
      steps: journey.steps.map((step) =>
        step.coupon
          ? {
              ...step,
              template: `{tier}${step.template}`,
              coupon: { ...step.coupon, valueByTier: { base: 35 } },
              variants: [
                { id: 'a', weight: 1 },
                { id: 'b', weight: 1, template: `${B_TEXT}：{tier}{couponValue}元券，满{minSpend}可用，券码{code}，{expiry}前有效。` },
              ],
            }
          : step,
      ),
    })),
  };
}

describe('tiers, variants and the global holdout in a daily run', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('claims every decision with its tier and arm, held-out ones too, holds the global control out of every journey, and reports both', async () => {
    // Prepare
    const store = await dynamo.freshStore();
    const config = await testedConfig();
    await seedCustomers({ store, config }, TODAY, generateDemoShop({ customers: 400, seed: 11, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    const queue = new RecordingQueue(store);

    // Act
    const summary = await runDay({ store, config, sendQueue: queue, couponSecret: SECRET }, dailyRun(config, TODAY));
    const { items: ofDay } = await store.ledgerOfDay(TODAY);
    // The items themselves: the date index keeps what a report reads, and a held-out entry there has no arm or tier.
    const customers = [...new Set(ofDay.filter((item) => item.outcome === 'sent' || item.outcome === 'held-out').map((item) => item.customerId))];
    const ledger = (await Promise.all(customers.map((customerId) => store.getCustomerLedger(customerId, TODAY)))).flat().filter((item) => item.runDate === TODAY);
    const report = await makeReport({ store, config }, { from: TODAY, to: TODAY }, addDays(TODAY, 3));

    // Assess: the ledger. Every message and held-out decision of a coupon step carries the
    // customer's arm (the same hash a re-run or test campaign uses) and tier.
    expect(summary.sent).toBeGreaterThan(0);
    expect(summary.heldOut).toBeGreaterThan(0);
    const tested = ledger.filter((item) => (item.outcome === 'sent' || item.outcome === 'held-out') && config.journeys.find((journey) => journey.id === item.journeyId)?.steps.find((step) => step.id === item.stepId)?.variants);
    expect(tested.map((item) => item.outcome)).toEqual(expect.arrayContaining(['sent', 'held-out']));
    for (const item of tested) {
      const variants = config.journeys.find((journey) => journey.id === item.journeyId)?.steps.find((step) => step.id === item.stepId)?.variants ?? [];
      expect(item.variant).toBe(variantOf(item.customerId, item.journeyId, item.stepId, variants)?.id);
      expect(item.tier).toBe('base');
      if (item.outcome === 'sent') expect(item.couponValue).toBe(35);
    }
    expect(new Set(tested.map((item) => item.variant))).toEqual(new Set(['a', 'b']));
    // What went out: arm b's template, the tier's name and its coupon value.
    const sentB = tested.find((item) => item.outcome === 'sent' && item.variant === 'b');
    const jobB = queue.delivered.find((job) => job.customerId === sentB?.customerId && job.stepId === sentB.stepId);
    expect(jobB?.text).toMatch(new RegExp(`^${B_TEXT}：普通会员35元券`));
    const sentA = tested.find((item) => item.outcome === 'sent' && item.variant === 'a');
    expect(queue.delivered.find((job) => job.customerId === sentA?.customerId)?.text).toMatch(/^普通会员/);

    // The global control: held out exactly when the global hash says so, whatever the journey,
    // and never both messaged and held out.
    const decided = ledger.filter((item) => item.outcome === 'sent' || item.outcome === 'held-out');
    for (const item of decided) expect(item.outcome === 'held-out').toBe(isHeldOutOf(config, item.customerId, item.journeyId));
    const heldOutCustomers = new Set(decided.filter((item) => item.outcome === 'held-out').map((item) => item.customerId));
    expect(decided.filter((item) => item.outcome === 'sent' && heldOutCustomers.has(item.customerId))).toEqual([]);
    // ...and the global hash is what decided: a per-journey holdout would have messaged some of them.
    expect(decided.some((item) => item.outcome === 'held-out' && !isHeldOut(item.customerId, item.journeyId, config.holdoutPercent))).toBe(true);

    // The report: both arms per tested step against its control, the tier, the programme line.
    const arms = report.variants.filter((variant) => variant.stepId === sentB?.stepId && variant.journeyId === sentB.journeyId);
    expect(arms.map((variant) => variant.variantId)).toEqual(['a', 'b']);
    const messagesOf = (variantId: string) => tested.filter((item) => item.outcome === 'sent' && item.variant === variantId && item.stepId === sentB?.stepId && item.journeyId === sentB.journeyId).length;
    expect(arms.map((variant) => variant.messages)).toEqual([messagesOf('a'), messagesOf('b')]);
    expect(report.tiers).toEqual([expect.objectContaining({ tierId: 'base', messages: report.totals.sent })]);
    expect(report.programme).toMatchObject({ messaged: { customers: new Set(decided.filter((item) => item.outcome === 'sent').map((item) => item.customerId)).size }, control: { customers: heldOutCustomers.size } });
    // A test campaign renders each customer's arm and tier as the run did.
    const preview = await runTestCampaign(
      { store, config, couponSecret: SECRET, clock: fixedClock(`${TODAY}T02:00:00Z`), transport: { deliver: () => Promise.reject(new Error('a dry run sends nothing')) } },
      TestCampaignInputSchema.parse({ journey: sentB?.journeyId, step: sentB?.stepId, customers: [sentB?.customerId, sentA?.customerId], recipients: ['+8613800138000'] }),
    );
    const [previewB, previewA] = preview.messages;
    expect(previewB?.text).toMatch(new RegExp(`^${B_TEXT}：普通会员35元券`));
    expect(previewA?.text).toMatch(/^普通会员/);
    expect(previewA?.text).not.toContain(B_TEXT);
    const text = formatReport(report, 'en');
    expect(text).toContain('Variants: each arm against the control');
    expect(text).toContain('普通会员');
    expect(text).toContain('all journeys vs the global control');
  });
});
