import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignConfig, Journey } from '../../lib/config/schema.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { importCustomers } from '../../lib/usecases/import.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { runShard, type DecisionRecord } from '../../lib/usecases/run-shard.ts';
import { runTestCampaign, TestCampaignInputSchema } from '../../lib/usecases/test-campaign.ts';
import { shardOf } from '../../lib/domain/hashing.ts';
import { csv, dailyRun, fixedClock, RecordingQueue, testConfig } from '../support/fixtures.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * Birthday and holiday journeys on dynalite, through runDay (every shard's runShard) as `recall
 * run` does: whom the calendar index finds, once per cycle, and expiry
 * (docs/architecture.md#birthdays-and-holidays).
 */

const SECRET = 'test-secret';
const step = { id: 'greeting', after: { days: 0, from: 'anchor' as const }, channel: 'sms' as const, template: '【{shop}】{name}，祝你快乐！', replyDays: 7 };

function birthdayJourney(daysBefore: number, lateDays: number, priority = 90): Journey {
  return { id: 'birthday', name: 'birthday', enabled: true, priority, exit: 'never', trigger: { type: 'birthday', daysBefore, lateDays }, steps: [step] };
}

function holidayJourney(dates: { date: string; name: string }[], lateDays: number, priority = 10): Journey {
  return {
    id: 'holidays',
    name: 'holidays',
    enabled: true,
    priority,
    exit: 'never',
    trigger: { type: 'holiday', dates, daysBefore: 0, lateDays },
    audience: { lastOrderWithinDays: 90 },
    steps: [step],
  };
}

describe('birthday and holiday journeys', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  /** A store with `rows` imported (customer_id,phone,name,sms_opt_in,生日) and a run of any day. */
  async function shop(config: CampaignConfig, rows: string) {
    const store = await dynamo.freshStore();
    const queue = new RecordingQueue(store);
    const deps = { store, config, sendQueue: queue, couponSecret: SECRET };
    const counts = await importCustomers(
      { store, config },
      readCustomerRows(csv(`customer_id,phone,name,sms_opt_in,生日\n${rows}`), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN', asOf: new Date('2026-01-01T00:00:00Z') }),
      new Date('2026-01-01T00:00:00Z'),
    );
    const decisions: DecisionRecord[] = [];
    const run = (date: string) => runDay(deps, dailyRun(config, date, { onDecision: (record) => decisions.push(record) }));
    const sentTo = (customerId: string) => queue.delivered.filter((job) => job.customerId === customerId);
    return { store, queue, deps, counts, decisions, run, sentTo };
  }

  it('imports the birthday column under its Chinese header; a bad cell is a counted rejection naming the line', async () => {
    const config = await testConfig({ journeys: [birthdayJourney(0, 0)] });
    const rejected: string[] = [];
    const store = await dynamo.freshStore();
    const counts = await importCustomers(
      { store, config },
      readCustomerRows(csv('customer_id,phone,name,sms_opt_in,出生日期\nc1,13800138001,张三,true,1990-07-14\nc2,13800138002,李四,true,02-30\nc3,13800138003,王五,true,\n'), 'customers.csv', {
        timeZone: 'Asia/Shanghai',
        defaultCountry: 'CN',
      }),
      new Date('2026-01-01T00:00:00Z'),
      { onRejected: (line, reason, message) => void rejected.push(`customers.csv:${line}: ${reason}: ${message}`) },
    );
    expect(counts).toMatchObject({ imported: 2, rejected: { 'bad-birthday': 1 } });
    expect(rejected).toEqual([expect.stringMatching(/^customers\.csv:3: bad-birthday: birthday "02-30"/)]);
    const { profiles } = await store.getProfiles(['c1', 'c3']);
    expect(profiles.get('c1')?.birthday).toBe('07-14');
    expect(profiles.get('c3')?.birthday).toBeUndefined();
    expect((await store.birthdaysOn('07-14', shardOf('c1', config.shards))).items).toEqual(['c1']);

    // A file without the column changes no birthday.
    await importCustomers({ store, config }, readCustomerRows(csv('customer_id,phone,name\nc1,13800138001,张三\n'), 'again.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date('2026-01-02T00:00:00Z'));
    expect((await store.getProfiles(['c1'])).profiles.get('c1')?.birthday).toBe('07-14');
  });

  it('29 February: on the 28th in other years, on the 29th in leap years; once a year, also when run twice and on the next days', async () => {
    const config = await testConfig({ journeys: [birthdayJourney(0, 2)] });
    const { run, sentTo, queue } = await shop(config, 'leap,13800138001,闰,true,2000-02-29\nfeb28,13800138002,二八,true,02-28\n');

    await run('2027-02-27');
    expect(queue.delivered).toHaveLength(0);
    await run('2027-02-28');
    await run('2027-02-28');
    expect(sentTo('leap').map((job) => job.cycle)).toEqual(['2027']);
    expect(sentTo('feb28').map((job) => job.cycle)).toEqual(['2027']);
    for (const day of ['2027-03-01', '2027-03-02', '2027-03-03']) await run(day);
    expect(queue.delivered).toHaveLength(2);

    await run('2028-02-28');
    expect(sentTo('feb28').map((job) => job.cycle)).toEqual(['2027', '2028']);
    expect(sentTo('leap')).toHaveLength(1);
    await run('2028-02-29');
    await run('2028-02-29');
    await run('2028-03-01');
    expect(sentTo('leap').map((job) => job.cycle)).toEqual(['2027', '2028']);
    expect(queue.delivered).toHaveLength(4);
  });

  it('across the year end: a 2 January birthday 3 days before is the next year\'s cycle, due on 30 December', async () => {
    const config = await testConfig({ journeys: [birthdayJourney(3, 0)] });
    const { run, sentTo } = await shop(config, 'jan2,13800138001,元,true,01-02\n');

    await run('2026-12-29');
    expect(sentTo('jan2')).toHaveLength(0);
    await run('2026-12-30');
    await run('2026-12-31');
    await run('2027-01-02');
    expect(sentTo('jan2').map((job) => job.cycle)).toEqual(['2027']);
    await run('2027-12-30');
    expect(sentTo('jan2').map((job) => job.cycle)).toEqual(['2027', '2028']);
  });

  /** Customers who ordered recently, one who ordered long ago, one who never did. */
  async function holidayShop(config: CampaignConfig) {
    const made = await shop(config, 'recent,13800138001,近,true,\nlastyear,13800138002,远,true,\nnever,13800138003,无,true,\nmonths,13800138004,月,true,\nearly,13800138005,早,true,\n');
    await orderOn(made.store, config, 'recent', '2026-09-20');
    // Within 90 days of 1 October, in an earlier month of the read.
    await orderOn(made.store, config, 'months', '2026-07-05');
    await orderOn(made.store, config, 'lastyear', '2025-10-01');
    // In the first month read, before its first day (1 October less 90 days: 3 July).
    await orderOn(made.store, config, 'early', '2026-07-02');
    return made;
  }

  it('a holiday: once per customer, run twice or its shard job redelivered; only customers who ordered within lastOrderWithinDays are read', async () => {
    const config = await testConfig({ journeys: [holidayJourney([{ date: '2026-10-01', name: '国庆' }], 0)] });
    const { run, sentTo, decisions, deps, queue } = await holidayShop(config);

    await run('2026-09-30');
    expect(queue.delivered).toHaveLength(0);
    await run('2026-10-01');
    expect(decisions.map((record) => `${record.customerId}:${record.outcome}`).sort()).toEqual(['months:sent', 'recent:sent']);
    decisions.length = 0;
    await run('2026-10-01');
    // Found again through the calendar index, but decided by the first run: counted once.
    expect(decisions).toEqual([]);
    const shard = shardOf('recent', config.shards);
    await runShard(deps, { shard }, dailyRun(config, '2026-10-01'));
    await run('2026-10-02');
    expect(sentTo('recent').map((job) => job.cycle)).toEqual(['2026-10-01']);
    expect(sentTo('months').map((job) => job.cycle)).toEqual(['2026-10-01']);
    expect(queue.delivered).toHaveLength(2);
    // Not even read: no candidate, so no decision (not even skipped:audience).
    expect(decisions.filter((record) => ['lastyear', 'never', 'early'].includes(record.customerId))).toEqual([]);
  });

  it('deferred by the frequency cap on its day, found next day through the due index and sent within lateDays; graceDays does not apply', async () => {
    const config = await testConfig({
      graceDays: 0,
      frequencyCap: { maxMessages: 1, perDays: 1 },
      journeys: [birthdayJourney(0, 0), holidayJourney([{ date: '2026-10-01', name: '国庆' }], 1)],
    });
    const { store, run, sentTo, decisions } = await shop(config, 'both,13800138001,双,true,10-01\n');
    await orderOn(store, config, 'both', '2026-09-20');

    await run('2026-10-01');
    expect(sentTo('both').map((job) => job.journeyId)).toEqual(['birthday']);
    expect(decisions.map((record) => `${record.journey}:${record.outcome}`).sort()).toEqual(['birthday:sent', 'holidays:deferred:capped']);
    decisions.length = 0;
    await run('2026-10-02');
    expect(sentTo('both').map((job) => [job.journeyId, job.cycle])).toEqual([
      ['birthday', '2026'],
      ['holidays', '2026-10-01'],
    ]);
    expect(decisions.map((record) => `${record.journey}:${record.outcome}`)).toEqual(['holidays:sent']);
    await run('2026-10-03');
    expect(sentTo('both')).toHaveLength(2);
  });

  it('never sent after its day plus lateDays: skipped:expired, and out of the due index', async () => {
    const config = await testConfig({
      graceDays: 14,
      frequencyCap: { maxMessages: 1, perDays: 1 },
      journeys: [birthdayJourney(0, 0), holidayJourney([{ date: '2026-10-01', name: '国庆' }], 0)],
    });
    const { store, run, sentTo, decisions } = await shop(config, 'both,13800138001,双,true,10-01\n');
    await orderOn(store, config, 'both', '2026-09-20');

    await run('2026-10-01');
    expect(decisions.map((record) => `${record.journey}:${record.outcome}`).sort()).toEqual(['birthday:sent', 'holidays:deferred:capped']);
    decisions.length = 0;
    await run('2026-10-02');
    expect(decisions.map((record) => `${record.journey}:${record.outcome}`)).toEqual(['holidays:skipped:expired']);
    decisions.length = 0;
    await run('2026-10-03');
    await run('2026-10-10');
    expect(decisions).toEqual([]);
    expect(sentTo('both').map((job) => job.journeyId)).toEqual(['birthday']);
    const { journeys } = await store.getCustomerHistory('both');
    expect(journeys.get('holidays')).toMatchObject({ cycle: '2026-10-01', stepIndex: 1 });
  });
});

describe('the test campaign of a birthday or holiday journey', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('samples the customers the calendar index finds, and renders a new cycle, not last year\'s expired one', async () => {
    const config = await testConfig({ journeys: [birthdayJourney(0, 0), holidayJourney([{ date: '2026-10-01', name: '国庆' }], 0)] });
    const store = await dynamo.freshStore();
    await importCustomers(
      { store, config },
      readCustomerRows(csv('customer_id,phone,name,sms_opt_in,birthday\nb1,13800138001,甲,true,2026-01-10\nh1,13800138002,乙,true,\nh2,13800138003,丙,true,\n'), 'c.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }),
      new Date('2026-01-01T00:00:00Z'),
    );
    await orderOn(store, config, 'h1', '2025-12-20');
    await orderOn(store, config, 'h2', '2025-06-01');
    // b1's birthday message went out last year.
    const queue = new RecordingQueue(store);
    await runDay({ store, config, sendQueue: queue, couponSecret: SECRET }, dailyRun(config, '2026-01-10'));
    expect(queue.delivered.map((job) => job.customerId)).toEqual(['b1']);

    const clock = fixedClock('2027-01-05T02:00:00Z');
    const deps = { store, config, transport: { deliver: async () => {} }, couponSecret: SECRET, clock };
    const input = (fields: Record<string, unknown>) => TestCampaignInputSchema.parse({ step: 'greeting', recipients: ['+8613800138000'], ...fields });

    const birthday = await runTestCampaign(deps, input({ journey: 'birthday', sample: 5 }));
    expect(birthday.messages.map(({ customerId, outcome }) => [customerId, outcome])).toEqual([['b1', 'sent']]);
    const named = await runTestCampaign(deps, input({ journey: 'birthday', customers: ['b1'] }));
    expect(named.messages.map(({ outcome }) => outcome)).toEqual(['sent']);

    clock.set('2026-01-05T02:00:00Z');
    const holiday = await runTestCampaign(deps, input({ journey: 'holidays', sample: 5 }));
    // h2 last ordered more than 90 days ago: not read.
    expect(holiday.messages.map(({ customerId }) => customerId)).toEqual(['h1']);
  });
});

async function orderOn(store: Parameters<typeof recordOrder>[0]['store'], config: CampaignConfig, customerId: string, date: string): Promise<void> {
  await recordOrder(
    { store, config, clock: fixedClock(`${date}T04:00:00Z`) },
    { orderId: `${customerId}-${date}`, customerId, orderedAt: `${date}T12:00:00+08:00`, lines: [{ category: 'cosmetics', amount: 99 }] },
  );
}
