import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { forecastRuns, type Forecast } from '../../lib/usecases/forecast.ts';
import { importCustomers } from '../../lib/usecases/import.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { runDay, type RunSummary } from '../../lib/usecases/run-day.ts';
import { csv, dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * `recall forecast` on dynalite with the default config's birthday journey (3 days before) and a
 * 618 holiday journey due on the forecast's first day (docs/architecture.md#forecast): birthday
 * and holiday messages are found through the calendar index, not the due index, and the forecast
 * counts them on the day their run finds them.
 */

const TODAY = '2026-06-17';
const SECRET = 'test-secret';

/** The default journeys, 618 listed for this year (its message due the day before) and 10% held out. */
async function shopConfig(): Promise<CampaignConfig> {
  const config = await testConfig({ holdoutPercent: 10 });
  const journeys = config.journeys.map((journey) =>
    journey.id === 'holiday-618' && journey.trigger.type === 'holiday' ? { ...journey, trigger: { ...journey.trigger, dates: [{ date: '2026-06-18', name: '618' }, ...journey.trigger.dates] } } : journey,
  );
  return { ...config, journeys };
}

async function orderOn(store: DynamoStore, config: CampaignConfig, customerId: string, date: string): Promise<void> {
  await recordOrder(
    { store, config, clock: fixedClock(`${date}T04:00:00Z`) },
    { orderId: `${customerId}-${date}`, customerId, orderedAt: `${date}T12:00:00+08:00`, lines: [{ category: 'cosmetics', amount: 99 }] },
  );
}

/** Candidates per `journey/step` on `day`. */
function candidatesOn(forecast: Forecast, day: string): Record<string, number> {
  return Object.fromEntries(forecast.days.filter((step) => step.day === day).map((step) => [`${step.journeyId}/${step.stepId}`, step.candidates]));
}

function dueOf(summary: RunSummary): Record<string, number> {
  return Object.fromEntries(Object.entries(summary.byJourney).flatMap(([journey, steps]) => Object.entries(steps).map(([step, counts]) => [`${journey}/${step}`, counts.due])));
}

/** The shop: birthdays 20 June (due on TODAY, 3 days before), 21 June (the next day), 25 June (in 5 days), 29 February; orders for 618. */
async function fillShop(store: DynamoStore, config: CampaignConfig): Promise<void> {
  const rows = [
    'b1,13800138001,一,true,06-20',
    'b2,13800138002,二,true,1990-06-20',
    'b3,13800138003,三,true,06-21',
    'b4,13800138004,四,true,06-25',
    'leap,13800138005,闰,true,2000-02-29',
    'o1,13800138006,六,true,',
    'o2,13800138007,七,true,',
    'never,13800138008,八,true,',
  ];
  await importCustomers(
    { store, config },
    readCustomerRows(csv(`customer_id,phone,name,sms_opt_in,生日\n${rows.join('\n')}\n`), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN', asOf: new Date('2026-01-01T00:00:00Z') }),
    new Date('2026-01-01T00:00:00Z'),
  );
  // Within 618's lastOrderWithinDays (365): b1 (also a birthday: the frequency cap defers one), o1. Not o2.
  await orderOn(store, config, 'b1', '2026-03-02');
  await orderOn(store, config, 'o1', '2026-01-15');
  await orderOn(store, config, 'o2', '2025-05-01');
}

describe('forecast: birthday and holiday messages through the calendar index', () => {
  let dynamo: TestDynamo;
  let store: DynamoStore;
  let config: CampaignConfig;

  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    store = await dynamo.freshStore();
    config = await shopConfig();
    await fillShop(store, config);
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('rates a birthday or holiday candidate as any other step: 1 - holdout without recent runs, parts and coupons from its template', async () => {
    const forecast = await forecastRuns({ store, config }, undefined, TODAY, TODAY);
    const gift = forecast.days.find((step) => step.journeyId === 'birthday');
    const rate = forecast.rates.find((each) => each.journeyId === 'birthday');
    expect(rate).toMatchObject({ sendRate: 0.9, basis: 'config' });
    expect(gift).toMatchObject({ day: TODAY, candidates: 2, expectedMessages: 1.8, couponValue: 1.8 * 30 });
    expect(gift?.smsParts).toBeCloseTo(1.8 * (rate?.partsPerMessage ?? 0), 2);
  });

  it('a birthday N days ahead is on the day its run finds it (daysBefore earlier); 29 February on the 28th of a year without it', async () => {
    const forecast = await forecastRuns({ store, config }, undefined, '2026-06-19', '2026-06-30');
    const birthdays = forecast.days.filter((step) => step.journeyId === 'birthday').map((step) => [step.day, step.candidates]);
    expect(birthdays).toEqual([['2026-06-22', 1]]);

    const february = await forecastRuns({ store, config }, undefined, '2027-02-20', '2027-03-05');
    expect(february.days.filter((step) => step.journeyId === 'birthday').map((step) => [step.day, step.candidates])).toEqual([['2027-02-25', 1]]);
  });
  it('a birthday or holiday cycle an earlier run of the day deferred is counted once: from the due index, not found fresh again', async () => {
    const deferring = await dynamo.freshStore();
    // No holdout: a held-out fresh cycle is decided, and a repeated run of the day does not count it again.
    const noHoldout = { ...config, holdoutPercent: 0 };
    await fillShop(deferring, noHoldout);
    const deps = { store: deferring, config: noHoldout, sendQueue: new RecordingQueue(deferring), couponSecret: SECRET };
    // Run at 22:00 in Shanghai, after the send window: everything deferred, the fresh cycles written to the due index.
    const late = await runDay(deps, dailyRun(noHoldout, TODAY, { now: new Date(`${TODAY}T14:00:00Z`) }));
    expect(late.sent).toBe(0);
    expect(late.deferred['quiet-hours']).toBeGreaterThan(0);

    const forecast = await forecastRuns({ store: deferring, config: noHoldout }, undefined, TODAY, TODAY);
    const firstDay = candidatesOn(forecast, TODAY);
    expect(firstDay).toMatchObject({ 'birthday/gift': 2, 'holiday-618/greeting': 2 });
    expect(dueOf(await runDay(deps, dailyRun(noHoldout, TODAY)))).toEqual(firstDay);
  });

  // Last: it runs the two days, which the reads above must not see.
  it("its first day is the next run's candidates step by step, the birthday and holiday journeys' too; the next day's again after that run", async () => {
    const forecast = await forecastRuns({ store, config }, undefined, TODAY, '2026-06-30');
    const firstDay = candidatesOn(forecast, TODAY);
    expect(firstDay).toMatchObject({ 'birthday/gift': 2, 'holiday-618/greeting': 2 });

    const deps = { store, config, sendQueue: new RecordingQueue(store), couponSecret: SECRET };
    const run = await runDay(deps, dailyRun(config, TODAY));
    expect(dueOf(run)).toEqual(firstDay);

    // The holiday message the cap deferred waits in the due index and expires tomorrow (lateDays 0);
    // tomorrow's birthday is found fresh: the forecast from tomorrow holds both, as tomorrow's run does.
    const tomorrow = '2026-06-18';
    const next = await forecastRuns({ store, config }, undefined, tomorrow, '2026-06-30');
    const nextDay = candidatesOn(next, tomorrow);
    expect(nextDay).toMatchObject({ 'birthday/gift': 1, 'holiday-618/greeting': 1 });
    expect(dueOf(await runDay(deps, dailyRun(config, tomorrow)))).toEqual(nextDay);
  });
});
