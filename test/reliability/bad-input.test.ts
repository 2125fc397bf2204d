import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as planRecall } from '../../functions/plan-recall.ts';
import { handler as recordOrderHandler } from '../../functions/record-order.ts';
import { handler as runTestCampaign } from '../../functions/run-test-campaign.ts';
import { handler as scanShard } from '../../functions/scan-shard.ts';
import { handler as sendMessage } from '../../functions/send-message.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CliIo } from '../../lib/cli/context.ts';
import { main } from '../../lib/cli/main.ts';
import { checkConfig, loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { shardOf } from '../../lib/domain/hashing.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { readOrders } from '../../lib/import/orders.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { keys } from '../../lib/store/tables.ts';
import { importCustomers, importOrders } from '../../lib/usecases/import.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { failedRecordLines, metricSum } from '../support/emf.ts';
import { csv, RecordingQueue } from '../support/fixtures.ts';
import { channelSends, mockAws } from '../support/aws-mocks.ts';
import { COUPON_SECRET } from '../support/handler-env.ts';
import { type HandlerTable, startHandlerTable } from '../support/handler-table.ts';
import { loadEventObject, loadSqsEvent, withBodies } from '../support/sample-events.ts';
import { guardLogLeaks } from '../support/leak-guard.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { RELIABILITY_SECRET, reliabilityConfig, RUN_NOW, runOn, seedShop, SHOP_NAMES, shopPhones, TODAY } from '../support/reliability-shop.ts';
import { TestDynamo } from '../support/store.ts';
import { changedKeys, scanTable } from '../support/table-state.ts';

/**
 * The bad input corpus (issue 6, point 4): malformed CSV rows and files, unusable phone numbers,
 * unknown categories, corrupt items in the table, malformed events for every handler and an
 * invalid value in every top-level config field. Each must end in a clear error or a counted
 * skip; never in a crash of the whole run, never in a partial write (table scans before/after).
 */

const clock = { now: () => new Date(RUN_NOW) };
const BAD_NAMES = ['甄士隐', '贾雨村', '刘姥姥', '袭人'];
/** Tallied for the closing note: bad inputs tried, by kind. */
const tried: Record<string, number> = {};
const count = (kind: string, n = 1) => void (tried[kind] = (tried[kind] ?? 0) + n);

guardLogLeaks({ phones: shopPhones(), secrets: [RELIABILITY_SECRET, COUPON_SECRET], names: [...SHOP_NAMES, ...BAD_NAMES] });

afterAll(() => {
  console.log(`reliability: bad inputs tried by kind: ${Object.entries(tried).map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
});

// -------------------------------------------------------------------------------------------
// CSV files and customers' contact data

const CUSTOMERS = [
  '\uFEFFcustomer_id,phone,name,timezone,sms_opt_in,push_endpoint',
  'b1,+8613800138101,甄士隐,,true,', // ok
  'b2,+8613800138102', // missing columns
  ',+8613800138103,贾雨村,,true,', // no customer id
  'b4,+8613800138104,刘姥姥,Mars/Olympus,true,', // no such time zone
  'b5,+8613800138105,袭人,,maybe,', // opt-in neither yes nor no
  'b6,+8613800138106,"Shi, ""Xiangyun""",,true,', // quotes and a comma inside a cell: ok
  'b7,+8613800138107,妙玉,,true,not-an-arn', // a push endpoint that is no ARN
  'b8,+861062345678,Landline,,true,', // ok as a row: a landline, refused when a message is due
  'b9,+1 415 555 0100 ext. 12,Extension,,true,', // ok as a row: an extension cannot get an SMS
  'b10,12345,Short,,true,', // ok as a row: not a number at all
  'b11,this-is-not-a-phone-number-and-it-goes-on-and-on,Long,,true,', // longer than any phone
  'b12,+8614012345678,Data only,,true,', // ok as a row: a data-only (IoT) range
].join('\r\n');

const ORDERS = [
  'order_id,customer_id,ordered_at,category,amount,coupon_code',
  'p1,b1,2026-09-05 12:00,cosmetics,150,', // ok
  'p2,b1,2026-02-30 12:00,cosmetics,150,', // no such date
  'p3,b6,yesterday,cosmetics,150,', // not a date
  'p4,b6,2026-09-05 12:00,cosmetics,-20,', // negative amount
  'p5,b6,2026-09-05 12:00,cosmetics,¥150,', // ok: a currency sign, as exports write it
  'p6,b6,2026-09-05 12:00,garden-gnomes,80,', // unknown category (the only line: the order keeps no category)
  'p7,b6,2026-09-05,,150,', // no category
  'p8,b6', // missing columns
  'p9,b6,"2026-09-06 10:00",skincare,"1,200",', // ok: a thousands separator
  'p10,b8,2026-09-05T12:00:00+08:00,cosmetics,100,', // ok
  'p10,b9,2026-09-05T12:00:00+08:00,cosmetics,100,', // the same order id for another customer
  'p11,b9,2026-09-05 12:00,cosmetics,100,', // ok
  'p12,b10,2026-09-05 12:00,cosmetics,100,', // ok
  'p13,b12,2026-09-05 12:00,cosmetics,100,', // ok
  'p14,b6,2026-09-05 12:00,cosmetics,100,SUMMER', // ok, with a coupon code
].join('\r\n');

describe('bad CSV rows and bad contact data', () => {
  let dynamo: TestDynamo;
  let dir: string;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    dir = await mkdtemp(join(tmpdir(), 'recall-reliability-'));
  });
  afterAll(async () => {
    delete process.env.RECALL_TABLE;
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports skip each bad row with a counted reason and write nothing for it; the run skips unusable numbers and goes on', async () => {
    const store = await dynamo.freshStore();
    const config = await reliabilityConfig({ holdoutPercent: 0 });
    const rejected: string[] = [];

    const customers = await importCustomers({ store }, readCustomerRows(csv(CUSTOMERS), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date(), { onRejected: (line, reason) => void rejected.push(`customers.csv:${line}: ${reason}`) });
    const orders = await importOrders({ store, config, clock }, readOrders(csv(ORDERS), 'orders.csv', { timeZone: config.merchantTimeZone, asOf: clock.now() }), clock.now(), { onRejected: (line, reason) => void rejected.push(`orders.csv:${line}: ${reason}`) });
    count('csv rows', CUSTOMERS.split('\r\n').length - 1 + ORDERS.split('\r\n').length - 1);

    expect(customers).toEqual({
      imported: 6,
      unchanged: 0,
      rejected: { 'wrong-column-count': 1, 'missing-customer-id': 1, 'bad-timezone': 1, 'bad-opt-in': 1, 'bad-push-endpoint': 1, 'bad-phone': 1 },
      skipped: {},
      // b8 a landline; b9 an extension, b10 not a number, b12 a data-only range: kept, said at import.
      warnings: { 'landline-phone': 1, 'invalid-phone': 3 },
    });
    expect(orders).toEqual({
      imported: 9,
      unchanged: 0,
      warnings: {},
      skipped: {},
      rejected: { 'bad-date': 2, 'negative-amount': 1, 'unknown-category': 1, 'missing-category': 1, 'wrong-column-count': 1, 'customer-mismatch': 1 },
    });
    expect(rejected).toContain('customers.csv:3: wrong-column-count');
    expect(rejected).toContain('orders.csv:12: customer-mismatch');
    // Nothing of a rejected row was written: no profile, no order marker.
    const state = await scanTable(store);
    for (const customer of ['b2', 'b4', 'b5', 'b7', 'b11']) expect([...state.keys()].filter((key) => key.startsWith(`C#${customer}|`))).toEqual([]);
    for (const order of ['p2', 'p3', 'p4', 'p7', 'p8']) expect([...state.keys()].filter((key) => key.endsWith(`|O#${order}`))).toEqual([]);
    // ¥150 and "1,200" are amounts as exports write them.
    expect(state.get('C#b6|O#p5')).toMatchObject({ total: 150 });
    expect(state.get('C#b6|O#p9')).toMatchObject({ total: 1200 });
    // The quoted name came through whole.
    expect(state.get('C#b6|PROFILE')).toMatchObject({ name: 'Shi, "Xiangyun"' });

    const queue = new RecordingQueue(store);
    const summary = await runDay({ store, config, sendQueue: queue, couponSecret: RELIABILITY_SECRET }, runOn(config));

    expect(queue.delivered.map((job) => job.customerId).sort()).toEqual(['b1', 'b6']);
    // b8 landline, b9 extension, b10 not a number, b12 data-only: refused before any money is
    // spent, and waiting (within graceDays) for a number the shop may still fix.
    expect(summary.skipped).toEqual({});
    expect(summary.deferred).toEqual({ 'invalid-contact': 4 });
    expect(summary.sent + summary.heldOut + summary.deferred['invalid-contact']!).toBe(summary.due);
    count('unusable phone numbers', 5);
    count('unknown categories', 1);
  });

  it('a GBK-encoded file (Excel on Chinese Windows) imports with its names intact', async () => {
    const store = await dynamo.freshStore();
    const gbk = iconv.encode('customer_id,phone,name,sms_opt_in\r\ng1,+8613800138201,刘姥姥,是\r\ng2,+8613800138202,袭人,true\r\n', 'gbk');

    const counts = await importCustomers({ store }, readCustomerRows(Readable.from([gbk]), 'gbk.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date());

    // "是" (yes) is an opt-in word, as shops export it.
    expect(counts).toEqual({ imported: 2, unchanged: 0, rejected: {}, skipped: {}, warnings: {} });
    expect((await scanTable(store)).get('C#g1|PROFILE')).toMatchObject({ name: '刘姥姥', smsOptIn: true });
    expect((await scanTable(store)).get('C#g2|PROFILE')).toMatchObject({ name: '袭人', smsOptIn: true });
    count('csv files (BOM+CRLF, GBK)', 2);
  });

  it('a file that cannot be read as a whole: exit code 2 naming the file and line, and nothing written when the problem is before the first row', async () => {
    const store = await dynamo.freshStore();
    process.env.RECALL_TABLE = store.tableName;
    const recall = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), now: () => new Date(RUN_NOW) };
      const code = await main(['--store', join(dir, 'store'), '--endpoint', dynamo.endpoint, ...args], io);
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const files: [string, string | Buffer, RegExp][] = [
      ['no-header.csv', 'b1,+8613800138101,甄士隐\n', /no-header\.csv:1: .*(no header row|missing column)/],
      ['missing-column.csv', 'customer_id,name\nb1,甄士隐\n', /missing-column\.csv:1: missing column "phone"/],
      ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('customer_id,phone,name\n', 'utf16le')]), /utf16\.csv: the file is UTF-16/],
      ['empty.csv', '', /empty\.csv: the file is empty/],
      ['unclosed.csv', 'customer_id,phone,name\n"b1,+8613800138101,甄士隐\nb2,+8613800138102,贾雨村\n', /unclosed\.csv:2: a quoted cell starting on this line is never closed/],
    ];
    // The store's first open writes its config version 1 (docs/architecture.md#config-versions): open it before counting.
    expect((await recall(['config', 'history'])).out).toMatch(/Config versions in .*: 1/);
    const before = await scanTable(store);

    for (const [name, content, message] of files) {
      await writeFile(join(dir, name), content);
      const result = await recall(['import', 'customers', join(dir, name)]);
      expect(result.code, name).toBe(2);
      expect(result.err, name).toMatch(message);
    }
    count('unreadable csv files', files.length);

    expect(changedKeys(before, await scanTable(store))).toEqual([]);
    const missing = await recall(['import', 'orders', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.csv/);
  });
});

// -------------------------------------------------------------------------------------------
// Items in DynamoDB with missing or mistyped attributes

describe('corrupt items in the table', () => {
  let dynamo: TestDynamo;
  let config: CampaignConfig;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    config = await reliabilityConfig();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  /** A journey state waiting at category-recall/coupon-1 in cosmetics, as seeding writes it, with `fields` changed. */
  function waitingState(customerId: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      pk: keys.customer(customerId),
      sk: keys.journey('category-recall#cosmetics'),
      customerId,
      journeyId: 'category-recall',
      category: 'cosmetics',
      cycle: 'cosmetics@2026-09-05',
      anchorDate: '2026-09-05',
      stepIndex: 0,
      fromDate: '2026-09-05',
      duePk: keys.duePartition('category-recall', 'coupon-1', shardOf(customerId, config.shards), 'cosmetics'),
      dueSk: keys.dueSort('2026-09-05', customerId),
      ...fields,
    };
  }
  const profile = (customerId: string, fields: Record<string, unknown> = {}) => ({
    pk: keys.customer(customerId),
    sk: keys.profile,
    customerId,
    phone: '+8613800138301',
    name: '刘姥姥',
    smsOptIn: true,
    ...fields,
  });

  async function putRaw(store: DynamoStore, items: Record<string, unknown>[]): Promise<void> {
    const doc = DynamoDBDocumentClient.from(store.client);
    for (const item of items) await doc.send(new PutCommand({ TableName: store.tableName, Item: item }));
  }

  it('a corrupt profile is skipped:bad-record, a corrupt index item is counted (invalidIndexItems); neither is written to, and the rest of the day is sent', async () => {
    const store = await dynamo.freshStore();
    await seedShop(store, config);
    const corrupt = [
      // Profiles: phone as a number, an unreadable cap entry, a negative cap version, no customer id.
      profile('r1', { phone: 8613800138301 }),
      waitingState('r1'),
      profile('r2', { recentSends: [{ date: 'yesterday', key: 7 }] }),
      waitingState('r2'),
      profile('r3', { capVersion: -1 }),
      waitingState('r3'),
      profile('r4', { customerId: undefined, smsOptIn: 'yes' }),
      waitingState('r4'),
      // Index items: stepIndex as a string, a date that does not exist, no cycle, another journey's state in this partition.
      profile('r5'),
      waitingState('r5', { stepIndex: '0' }),
      profile('r6'),
      waitingState('r6', { anchorDate: '2026-02-30', fromDate: '2026-02-30' }),
      profile('r7'),
      waitingState('r7', { cycle: undefined }),
      profile('r8'),
      waitingState('r8', { journeyId: 'lifecycle' }),
    ].map((item) => Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)));
    await putRaw(store, corrupt);
    count('corrupt table items', 8);
    const before = await scanTable(store);
    const queue = new RecordingQueue(store);

    const summary = await runDay({ store, config, sendQueue: queue, couponSecret: RELIABILITY_SECRET }, runOn(config));

    expect(summary.skipped['bad-record']).toBe(4);
    expect(summary.invalidIndexItems).toBe(4);
    expect(summary.sent).toBe(6);
    expect(queue.delivered.map((job) => job.customerId).filter((id) => /^r\d$/.test(id))).toEqual([]);
    const after = await scanTable(store);
    expect(changedKeys(before, after).filter((key) => /^C#r\d\|/.test(key))).toEqual([]);
  });

  /**
   * Regression test, was a bug (fixed) in (lib/adapters/dynamo-store.ts putLedger, reached from lib/usecases/run-shard.ts
   * applyDecision): a ledger item that exists but does not parse (here `outcome: "exploded"`)
   * makes putLedger throw `ledger item ... is corrupt`, which rejects the customer's Promise.all in
   * runShard and with it the whole shard job and runDay: one bad item stops every customer after
   * it. Expected: the run goes on. The run hands the message over without reading its ledger item
   * (docs/architecture.md#sending); the sender finds the key taken by a corrupt item: `bad-record`
   * (counted), nothing sent, the item never written over.
   */
  it('a corrupt ledger item is a counted skip, not the end of the run', async () => {
    const store = await dynamo.freshStore();
    await seedShop(store, config);
    await putRaw(store, [
      profile('r9'),
      waitingState('r9'),
      { pk: keys.customer('r9'), sk: keys.ledger('category-recall', 'cosmetics@2026-09-05', 'coupon-1'), customerId: 'r9', journeyId: 'category-recall', outcome: 'exploded' },
    ]);
    count('corrupt table items');
    const queue = new RecordingQueue(store);

    const corrupt = await scanTable(store).then((items) => items.get(`${keys.customer('r9')}|${keys.ledger('category-recall', 'cosmetics@2026-09-05', 'coupon-1')}`));
    const summary = await runDay({ store, config, sendQueue: queue, couponSecret: RELIABILITY_SECRET }, runOn(config));

    expect(summary.sent).toBe(7);
    expect(queue.results.get('r9#category-recall#cosmetics@2026-09-05#coupon-1')).toBe('bad-record');
    expect(queue.delivered.map((job) => job.customerId)).not.toContain('r9');
    expect(queue.delivered).toHaveLength(6);
    expect((await scanTable(store)).get(`${keys.customer('r9')}|${keys.ledger('category-recall', 'cosmetics@2026-09-05', 'coupon-1')}`)).toEqual(corrupt);
  });

  /**
   * Regression test, was a bug (fixed: the corrupt history is replaced) in (lib/usecases/record-order.ts with lib/adapters/dynamo-store.ts getCustomerHistory):
   * getCustomerHistory silently drops a category history that does not parse, so recordOrder
   * builds a first purchase (version 1), whose conditional put (attribute_not_exists) fails on the
   * stored item, every time: after 5 retries it throws "kept changing under 5 retries". An
   * OrderPlaced event for that customer fails forever (to the DLQ) with a misleading message, and
   * `recall import orders` aborts at that row: the rows after it are never imported.
   * Expected: the corrupt category is a counted skip (or replaced), the other rows import.
   */
  it('a corrupt category history does not stop an order import', async () => {
    const store = await dynamo.freshStore();
    await seedShop(store, config);
    await putRaw(store, [
      profile('r10'),
      { pk: keys.customer('r10'), sk: keys.category('cosmetics'), customerId: 'r10', category: 'cosmetics', orderCount: 'two', version: 3 },
    ]);
    count('corrupt table items');
    const rows = ['order_id,customer_id,ordered_at,category,amount', 'q1,r10,2026-11-20 10:00,cosmetics,50', 'q2,q-other,2026-11-20 10:00,skincare,60'].join('\n');

    const counts = await importOrders({ store, config, clock }, readOrders(csv(rows), 'orders.csv', { timeZone: config.merchantTimeZone, asOf: clock.now() }), clock.now());

    expect(counts.imported + (counts.rejected['bad-record'] ?? 0)).toBe(2);
    expect((await scanTable(store)).get('C#q-other|O#q2')).toMatchObject({ applied: true });
  });
});

// -------------------------------------------------------------------------------------------
// Malformed events for every handler

describe('malformed events for every handler', () => {
  const aws = mockAws();
  let table: HandlerTable;
  let config: CampaignConfig;

  beforeAll(async () => {
    table = await startHandlerTable();
    config = await reliabilityConfig();
    process.env.RECALL_CONFIG_JSON = JSON.stringify(config);
    await seedShop(table.store, config);
  });
  afterAll(async () => {
    delete process.env.RECALL_CONFIG_JSON;
    aws.restore();
    await table.stop();
  });

  /** Runs `invoke` and proves it wrote, sent, queued and published nothing. */
  async function nothingHappens(invoke: () => Promise<unknown>): Promise<unknown> {
    aws.reset();
    const before = await scanTable(table.store);
    const error = await invoke().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(changedKeys(before, await scanTable(table.store))).toEqual([]);
    expect(channelSends(aws)).toEqual([]);
    expect(aws.sqs.calls()).toEqual([]);
    expect(aws.eventBridge.calls()).toEqual([]);
    return error;
  }

  const planEvents: [string, unknown, RegExp][] = [
    ['a list', ['asOf', TODAY], /plan-recall: /],
    ['a number', 42, /plan-recall: /],
    ['asOf that is no date', { asOf: '2026-13-01' }, /asOf/],
    ['dryRun as a string', { dryRun: 'false' }, /dryRun/],
    ['journeys not a list', { journeys: 'lifecycle' }, /journeys/],
    ['an unknown journey', { journeys: ['winback'] }, /winback/],
    ['an unknown key', { asOf: TODAY, shard: 3 }, /shard/],
    ['a schedule without its time', { source: 'aws.scheduler', scheduleArn: 'arn:aws:scheduler:x', executionId: 'e1' }, /scheduledTime/],
    ['a schedule with a bad time', { source: 'aws.scheduler', scheduleArn: 'arn:aws:scheduler:x', scheduledTime: 'tomorrow', executionId: 'e1' }, /scheduledTime/],
  ];
  it.each(planEvents)('plan-recall, %s: a clear error, nothing planned or written', async (_name, event, message) => {
    const error = await nothingHappens(() => planRecall(event, lambdaContext('plan-recall')));
    expect(error).toMatchObject({ retryable: false });
    expect(String(error)).toMatch(message);
    count('malformed events');
  });

  const orderEvents: [string, (sample: Record<string, unknown>) => unknown, RegExp][] = [
    ['a string', () => 'OrderPlaced', /not an OrderPlaced event/],
    ['another detail-type', (sample) => ({ ...sample, 'detail-type': 'OrderCancelled' }), /detail-type/],
    ['no detail', ({ detail: _detail, ...sample }) => sample, /detail/],
    ['no lines', (sample) => ({ ...sample, detail: { ...detailOf(sample), lines: [] } }), /detail\.lines/],
    ['a negative amount', (sample) => ({ ...sample, detail: { ...detailOf(sample), lines: [{ category: 'cosmetics', amount: -5 }] } }), /detail\.lines\.0\.amount/],
    ['an amount as a string', (sample) => ({ ...sample, detail: { ...detailOf(sample), lines: [{ category: 'cosmetics', amount: '189' }] } }), /amount/],
    ['a time without offset', (sample) => ({ ...sample, detail: { ...detailOf(sample), orderedAt: '2026-11-22 10:41' } }), /orderedAt/],
    ['an empty customer id', (sample) => ({ ...sample, detail: { ...detailOf(sample), customerId: '' } }), /customerId/],
  ];
  it.each(orderEvents)('record-order, %s: InvalidEventError naming the field, nothing written', async (_name, change, message) => {
    const sample = await loadEventObject('record-order.order-placed.json');
    const error = await nothingHappens(() => recordOrderHandler(change(sample), lambdaContext('record-order')));
    expect(error).toMatchObject({ name: 'InvalidEventError', retryable: false });
    expect(String(error)).toMatch(message);
    count('malformed events');
  });

  it('record-order, a line in a category the config does not know: counted, the rest of the order kept', async () => {
    const sample = await loadEventObject('record-order.order-placed.json');
    const event = { ...sample, detail: { orderId: 'u1', customerId: 'u-customer', orderedAt: '2026-11-22T10:00:00+08:00', lines: [{ category: 'garden-gnomes', amount: 10 }, { category: 'skincare', amount: 50 }] } };

    const result = await recordOrderHandler(event, lambdaContext('record-order'));

    expect(result).toMatchObject({ status: 'recorded', unknownCategories: ['garden-gnomes'] });
    expect((await scanTable(table.store)).get('C#u-customer|CAT#skincare')).toMatchObject({ orderCount: 1 });
    count('unknown categories');
  });

  const shardBodies: [string, unknown][] = [
    ['not JSON', '{"runId":'],
    ['no runId', { runDate: TODAY, now: RUN_NOW, shard: 0, shards: 2, dryRun: false }],
    ['a shard beyond shards', { runId: 'r', runDate: TODAY, now: RUN_NOW, shard: 2, shards: 2, dryRun: false }],
    ['a negative shard', { runId: 'r', runDate: TODAY, now: RUN_NOW, shard: -1, shards: 2, dryRun: false }],
    ['a date that does not exist', { runId: 'r', runDate: '2026-02-30', now: RUN_NOW, shard: 0, shards: 2, dryRun: false }],
    ['now without offset', { runId: 'r', runDate: TODAY, now: '2026-11-22 10:00', shard: 0, shards: 2, dryRun: false }],
    ['an unknown key', { runId: 'r', runDate: TODAY, now: RUN_NOW, shard: 0, shards: 2, dryRun: false, force: true }],
    ['an unknown journey', { runId: 'r', runDate: TODAY, now: RUN_NOW, shard: 0, shards: 2, dryRun: false, journeys: ['winback'] }],
  ];
  it('scan-shard, a batch of malformed jobs: every record logged with its message id, counted and not retried; nothing claimed, queued or written', async () => {
    const sample = await loadSqsEvent('scan-shard.sqs-batch.json');
    const event = withBodies(sample, shardBodies.map(([, body]) => body));
    const since = capturedLogLines().length;

    const error = await nothingHappens(async () => expect(await scanShard(event, lambdaContext('scan-shard'))).toEqual({ batchItemFailures: [] }));

    expect(error).toBeUndefined();
    expect(metricSum('permanentFailures', since)).toBe(shardBodies.length);
    const messages = failedRecordLines(since).map((line) => String((line.error as { message?: unknown }).message));
    expect(messages).toHaveLength(shardBodies.length);
    // Each names its message (a body that does not parse) or what is wrong with the job.
    event.Records.forEach((record, index) => expect(messages[index]).toMatch(new RegExp(`${record.messageId}|journeys: unknown journey`)));
    count('malformed events', shardBodies.length);
  });

  it('send-message, malformed jobs: each logged, counted and not retried; nothing published, no ledger moved', async () => {
    const sample = await loadSqsEvent('send-message.sqs-batch.json');
    const good = JSON.parse(sample.Records[0]?.body ?? '{}') as Record<string, unknown>;
    const bodies: unknown[] = [
      'not json',
      { ...good, to: undefined },
      { ...good, parts: 0 },
      { ...good, channel: 'email' },
      { ...good, couponExpiry: '2026-02-30' },
      { ...good, extra: 'field' },
      { ...good, text: '' },
      [],
    ];
    const event = withBodies(sample, bodies);
    const since = capturedLogLines().length;

    const error = await nothingHappens(async () => expect(await sendMessage(event, lambdaContext('send-message'))).toEqual({ batchItemFailures: [] }));

    expect(error).toBeUndefined();
    expect(metricSum('permanentFailures', since)).toBe(bodies.length);
    const messages = failedRecordLines(since).map((line) => String((line.error as { message?: unknown }).message));
    expect(messages).toHaveLength(bodies.length);
    // Errors name fields, never the number or the text.
    expect(messages.join('\n')).not.toMatch(/138001380|【/);
    count('malformed events', bodies.length);
  });

  const testCampaignEvents: [string, unknown, RegExp][] = [
    ['no recipients', { journey: 'lifecycle', step: 'sleeping', sample: 1 }, /recipients/],
    ['customers and sample both', { journey: 'lifecycle', step: 'sleeping', sample: 1, customers: ['x'], recipients: ['+8613800138000'] }, /exactly one of customers/],
    ['a recipient that is not E.164', { journey: 'lifecycle', step: 'sleeping', sample: 1, recipients: ['13800138000'] }, /E\.164/],
    ['eleven recipients', { journey: 'lifecycle', step: 'sleeping', sample: 1, recipients: Array.from({ length: 11 }, () => '+8613800138000') }, /recipients/],
    ['a sample of 0', { journey: 'lifecycle', step: 'sleeping', sample: 0, recipients: ['+8613800138000'] }, /sample/],
    ['an unknown key', { journey: 'lifecycle', step: 'sleeping', sample: 1, recipients: ['+8613800138000'], to: 'everyone' }, /to/],
    ['an unknown journey', { journey: 'winback', step: 'sleeping', sample: 1, recipients: ['+8613800138000'], dryRun: false }, /unknown journey id winback/],
    ['an unknown step', { journey: 'lifecycle', step: 'coupon-9', sample: 1, recipients: ['+8613800138000'], dryRun: false }, /has no step coupon-9/],
  ];
  it.each(testCampaignEvents)('run-test-campaign, %s: a clear error, nothing sent or written', async (_name, event, message) => {
    const error = await nothingHappens(() => runTestCampaign(event, lambdaContext('run-test-campaign')));
    expect(error).toMatchObject({ retryable: false });
    expect(String(error)).toMatch(message);
    count('malformed events');
  });
});

function detailOf(sample: Record<string, unknown>): Record<string, unknown> {
  const detail = sample.detail;
  return typeof detail === 'object' && detail !== null ? { ...detail } : {};
}

// -------------------------------------------------------------------------------------------
// Invalid configs: one bad value in every top-level field

describe('invalid campaign configs', () => {
  let base: CampaignConfig;
  beforeAll(async () => {
    base = await loadDefaultConfig();
  });

  const journeysOf = (config: CampaignConfig) => config.journeys;
  const cases: [string, (config: CampaignConfig) => Record<string, unknown>, RegExp][] = [
    ['shopName', (config) => ({ ...config, shopName: '' }), /^shopName: /],
    ['merchantTimeZone', (config) => ({ ...config, merchantTimeZone: 'Asia/Beijing' }), /^merchantTimeZone: not an IANA time zone/],
    ['defaultCountry', (config) => ({ ...config, defaultCountry: 'China' }), /^defaultCountry: expected an ISO 3166/],
    ['sendWindow', (config) => ({ ...config, sendWindow: { start: '20:00', end: '08:00' } }), /^sendWindow: start must be before end/],
    ['runTime', (config) => ({ ...config, runTime: '25:00' }), /^runTime: expected a time as HH:MM/],
    ['frequencyCap', (config) => ({ ...config, frequencyCap: { maxMessages: 0, perDays: 7 } }), /^frequencyCap\.maxMessages: /],
    ['holdoutPercent', (config) => ({ ...config, holdoutPercent: 80 }), /^holdoutPercent: /],
    ['attributionDays', (config) => ({ ...config, attributionDays: 0 }), /^attributionDays: /],
    ['graceDays', (config) => ({ ...config, graceDays: -1 }), /^graceDays: /],
    ['shards', (config) => ({ ...config, shards: 2.5 }), /^shards: /],
    ['sms', (config) => ({ ...config, sms: { ...config.sms, mps: 2 } }), /^sms\.mps: must be at least sms\.maxParts/],
    ['sms (a template too long for maxParts)', (config) => ({ ...config, sms: { ...config.sms, maxParts: 1 } }), /^journeys\[0\]\.steps\[0\]\.template: can be \d SMS parts/],
    ['testAllowlist', (config) => ({ ...config, testAllowlist: '+8613800138000' }), /^testAllowlist: /],
    ['categories', (config) => ({ ...config, categories: [] }), /^categories: /],
    ['categories (a duplicate)', (config) => ({ ...config, categories: [...config.categories, config.categories[0]] }), /^categories\[8\]\.id: duplicate category/],
    ['journeys', (config) => ({ ...config, journeys: [] }), /^journeys: /],
    ['journeys (an unknown placeholder)', (config) => ({ ...config, journeys: journeysOf(config).map((journey, j) => (j === 1 ? { ...journey, steps: journey.steps.map((step, s) => (s === 0 ? { ...step, template: `${step.template}{phone}` } : step)) } : journey)) }), /^journeys\[1\]\.steps\[0\]\.template: unknown placeholder \{phone\}/],
    ['journeys (a wrong exit rule)', (config) => ({ ...config, journeys: journeysOf(config).map((journey, j) => (j === 0 ? { ...journey, exit: 'never' } : journey)) }), /^journeys\[0\]\.exit: /],
    ['an unknown top-level key', (config) => ({ ...config, holdout: 10 }), /holdout/],
  ];

  it.each(cases)('%s: refused with a problem naming the field', (_field, change, message) => {
    const result = checkConfig(change(base));

    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.map((problem) => `${problem.path}: ${problem.message}`);
    expect(problems.some((problem) => message.test(problem)), problems.join('\n')).toBe(true);
    count('invalid configs');
  });

  it('an invalid config fails the handler at cold start with ConfigError naming RECALL_CONFIG_JSON, and `recall run` with exit code 2 naming the file; nothing is written', async () => {
    const dynamo = await TestDynamo.start();
    const dir = await mkdtemp(join(tmpdir(), 'recall-config-'));
    try {
      const store = await dynamo.freshStore();
      const before = await scanTable(store);
      const bad = { ...base, holdoutPercent: 80, runTime: '7am' };
      await writeFile(join(dir, 'bad.json'), JSON.stringify(bad));
      process.env.RECALL_TABLE = store.tableName;
      const err: string[] = [];

      const code = await main(['--store', join(dir, 'store'), '--endpoint', dynamo.endpoint, '--config', join(dir, 'bad.json'), 'run', '--as-of', TODAY], { out: () => {}, err: (text) => err.push(text), now: () => new Date(RUN_NOW) });

      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/bad\.json: holdoutPercent: /);
      expect(err.join('\n')).toMatch(/bad\.json: runTime: /);

      // The same config baked into a function: its cold start fails, naming where the config came from.
      process.env.RECALL_CONFIG_JSON = JSON.stringify(bad);
      vi.resetModules();
      const { handler } = await import('../../functions/record-order.ts');
      const sample = await loadEventObject('record-order.order-placed.json');
      const failed = handler(sample, lambdaContext('record-order'));
      await expect(failed).rejects.toMatchObject({ name: 'ConfigError', retryable: false });
      await expect(failed).rejects.toThrow(/RECALL_CONFIG_JSON: holdoutPercent: /);
      expect(changedKeys(before, await scanTable(store))).toEqual([]);
      count('invalid configs');
    } finally {
      delete process.env.RECALL_TABLE;
      delete process.env.RECALL_CONFIG_JSON;
      await dynamo.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  /**
   * Regression test, was a bug (fixed) in (lib/config/schema.ts): `testAllowlist` accepts any strings. An entry that is no phone
   * number ("13800l38000" with a letter l, "+86 138", "ops team") passes `recall config check`
   * and is silently ignored by the test campaign (lib/usecases/test-campaign.ts allowedRecipients
   * filters what does not parse), so a tester finds out only when the invoke is refused.
   * Expected: a config error naming `testAllowlist[i]`.
   */
  it('testAllowlist: an entry that is no mobile number is refused, naming the entry', () => {
    const result = checkConfig({ ...base, testAllowlist: ['+8613800138000', '13800l38000'] });

    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.path)).toContain('testAllowlist[1]');
  });
});
