import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { isDateTriggered, type CampaignConfig, type Journey } from '../../lib/config/schema.ts';
import { dateReadsOn } from '../../lib/domain/calendar.ts';
import { shardOf } from '../../lib/domain/hashing.ts';
import { countMemberOrder } from '../../lib/domain/members.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { createRandom } from '../../lib/demo/random.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { OUTCOMES } from '../../lib/domain/guardrails.ts';
import type { CustomerSnapshot } from '../../lib/ports/store.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { dueDate } from '../../lib/domain/journeys.ts';
import { duePartitions } from '../../lib/usecases/due-index.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { customerSnapshot } from '../../lib/usecases/seed.ts';
import { dailyRun } from '../support/fixtures.ts';
import { BilledUnits, billedWriteUnits, tableStorage, type TableStorage } from './billed-units.ts';

const NULL_QUEUE = { enqueue: async () => {} };

/**
 * A year of ledger items for one customer, as a shop's table holds them after a year of daily
 * runs: a message every month or two to customers who are in some journey.
 */
function yearOfLedger(snapshot: CustomerSnapshot, today: string, random: ReturnType<typeof createRandom>): LedgerEntry[] {
  const count = random.int(0, 8);
  return Array.from({ length: count }, (_, index) => {
    const runDate = addDays(today, -random.int(1, 365));
    const outcome = OUTCOMES[random.next() < 0.85 ? 0 : random.int(1, 4)] ?? 'sent';
    return {
      customerId: snapshot.customer.customerId,
      journeyId: 'category-recall',
      cycle: `history-${index}`,
      stepId: `coupon-${1 + (index % 4)}`,
      runDate,
      outcome,
      ...(outcome === 'sent' ? { status: 'sent' as const, channel: 'sms' as const, parts: 2, couponCode: 'H7K2M9Q4XZ', sentAt: `${runDate}T02:00:01.000Z` } : {}),
    };
  });
}

/** Writes snapshots in batched puts of 100, 4 batches in flight (as seeding does). */
export async function writeSnapshots(store: DynamoStore, snapshots: Iterable<CustomerSnapshot>, onProgress?: (count: number) => void): Promise<void> {
  let batch: CustomerSnapshot[] = [];
  const writing = new Set<Promise<void>>();
  const flush = async () => {
    const task = store.putSnapshots(batch);
    const size = batch.length;
    batch = [];
    writing.add(task);
    void task.finally(() => {
      writing.delete(task);
      onProgress?.(size);
    });
    if (writing.size >= 4) await Promise.race(writing);
  };
  for (const snapshot of snapshots) {
    batch.push(snapshot);
    if (batch.length >= 100) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(writing);
}

/** Seeds a shop whose history ends on `today` (profiles, category histories, journeys, order markers, a year of ledger). */
export async function seedShop(store: DynamoStore, config: CampaignConfig, customers: number, today: string, seed: number, onProgress?: (count: number) => void): Promise<void> {
  const random = createRandom(seed + 1);
  function* snapshots() {
    for (const { customer, orders } of generateDemoShop({ customers, seed, today, categories: config.categories, timeZone: config.merchantTimeZone })) {
      const snapshot = customerSnapshot(config, customer, orders, today);
      yield { ...snapshot, ledger: yearOfLedger(snapshot, today, random) };
    }
  }
  await writeSnapshots(store, snapshots(), onProgress);
}

/**
 * `count` customers due on `runDate` and sendable (SMS opt-in, a valid mobile number of their
 * own, one cosmetics order exactly the category's window before it).
 */
export function* dueToday(config: CampaignConfig, count: number, runDate: string): Generator<CustomerSnapshot> {
  const window = config.categories.find((category) => category.id === 'cosmetics')?.windowDays ?? 76;
  const orderDate = addDays(runDate, -window);
  for (let index = 0; index < count; index++) {
    const customerId = `due-${String(index).padStart(7, '0')}`;
    yield customerSnapshot(
      config,
      { customerId, phone: `+86138${String(100_000_000 + index).slice(-8)}`, name: '王芳', smsOptIn: true },
      [{ orderId: `due-order-${index}`, customerId, orderedAt: `${orderDate}T12:00:00+08:00`, lines: [{ category: 'cosmetics', amount: 129 }] }],
      runDate,
    );
  }
}

export interface ScanCost {
  readUnits: number;
  itemsScanned: number;
  bytes: number;
  matched: number;
}

/**
 * What most tutorials do instead of an index: Scan the whole table with a filter for the due
 * journey states. Billed on the bytes scanned, whatever the filter keeps.
 */
export async function fullScanForDue(store: DynamoStore, cutoff: string): Promise<ScanCost> {
  const doc = DynamoDBDocumentClient.from(store.client);
  const cost: ScanCost = { readUnits: 0, itemsScanned: 0, bytes: 0, matched: 0 };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: store.tableName,
        FilterExpression: 'begins_with(sk, :journey) AND fromDate <= :cutoff AND attribute_exists(duePk)',
        ExpressionAttributeValues: { ':journey': 'J#', ':cutoff': cutoff },
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    cost.readUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
    cost.itemsScanned += page.ScannedCount ?? 0;
    cost.matched += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  cost.bytes = cost.readUnits * 2 * 4096;
  return cost;
}

/**
 * The least a day's reads can cost: one index page per due partition, empty or not (0.5 unit
 * each: every shard reads every step's partition), and one eventually consistent profile read per
 * due customer (0.5 unit for an item under 4 KB).
 */
export function readFloor(config: CampaignConfig, dueCustomers: number): { duePartitions: number; perDueFloor: number; fixedFloor: number; floorReadUnits: number } {
  const partitions = Array.from({ length: config.shards }, (_, shard) => duePartitions(config, shard).length).reduce((sum, count) => sum + count, 0);
  return { duePartitions: partitions, perDueFloor: 0.5 * dueCustomers, fixedFloor: 0.5 * partitions, floorReadUnits: 0.5 * (dueCustomers + partitions) };
}

export interface ReadCostRow {
  customers: number;
  runDate: string;
  dueCustomers: number;
  dueMessages: number;
  sent: number;
  smsParts: number;
  runReadUnits: number;
  duePartitions: number;
  perDueFloor: number;
  fixedFloor: number;
  floorReadUnits: number;
  /** The run's read units over (per-due floor + fixed floor). */
  ratioToFloor: number;
  scanReadUnits: number;
  ratioScanToRun: number;
  /** What dynalite reported (base items only), beside what DynamoDB bills. */
  reportedWriteUnits: number;
  billedWriteUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  failedWriteUnits: number;
  failedConditions: number;
  /** The day's billed write units by request, summed. */
  writesByRequest: { request: string; requests: number; billedWriteUnits: number }[];
  storage: TableStorage & { bytesPerCustomer: number };
}

/**
 * Point 1: a shop as it would be after a year, the backlog of the first run absorbed, then one
 * ordinary day measured: the run's read units beside the floor (`readFloor`) and beside a full
 * Scan; its writes as DynamoDB bills them (`BilledUnits`, reading items before and after each
 * write through `reader`); and the table's storage after it.
 */
export async function measureReadCost(store: DynamoStore, config: CampaignConfig, customers: number, today: string, reader: DynamoDBClient): Promise<ReadCostRow> {
  let smsParts = 0;
  const countingQueue = { enqueue: async (jobs: readonly SendJob[]) => void (smsParts += jobs.reduce((sum, job) => sum + (job.channel === 'sms' ? job.parts : 0), 0)) };
  const deps = { store, config, sendQueue: countingQueue, couponSecret: 'bench' };
  await runDay(deps, dailyRun(config, today));
  smsParts = 0;
  const runDate = addDays(today, 1);
  const meter = new BilledUnits({ read: reader });
  const detach = meter.attach(store.client);
  const summary = await runDay(deps, dailyRun(config, runDate)).finally(detach);
  const billed = meter.total();
  const scan = await fullScanForDue(store, runDate);
  const floor = readFloor(config, summary.evaluated);
  const storage = await tableStorage(reader, store.tableName);
  const storedBytes = storage.tableBytes + Object.values(storage.indexes).reduce((sum, index) => sum + index.bytes, 0);
  return {
    customers,
    runDate,
    dueCustomers: summary.evaluated,
    dueMessages: summary.due,
    sent: summary.sent,
    smsParts,
    runReadUnits: summary.readUnits,
    ...floor,
    ratioToFloor: round(summary.readUnits / floor.floorReadUnits),
    scanReadUnits: scan.readUnits,
    ratioScanToRun: round(scan.readUnits / summary.readUnits),
    reportedWriteUnits: summary.writeUnits,
    billedWriteUnits: billedWriteUnits(billed),
    tableWriteUnits: billed.tableWriteUnits,
    indexWriteUnits: billed.indexWriteUnits,
    failedWriteUnits: billed.failedWriteUnits,
    failedConditions: billed.failedConditions,
    writesByRequest: meter
      .breakdown()
      .filter((line) => billedWriteUnits(line) > 0)
      .map((line) => ({ request: line.request, requests: line.requests, billedWriteUnits: billedWriteUnits(line) })),
    storage: { ...storage, bytesPerCustomer: Math.round(storedBytes / customers) },
  };
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface CurveRow {
  customers: number;
  /** Customers in the due index waiting for a later day: every customer but the due ones. */
  waitingCustomers: number;
  /** Their journey states in the due index. */
  waitingIndexEntries: number;
  dueCustomers: number;
  runReadUnits: number;
  floorReadUnits: number;
  ratioToFloor: number;
  scanReadUnits: number;
}

function dueOn(config: CampaignConfig, snapshot: CustomerSnapshot, runDate: string): boolean {
  return snapshot.journeys.some(({ state, waitsFor }) => {
    const journey = config.journeys.find((candidate) => candidate.id === state.journeyId);
    return waitsFor !== undefined && journey !== undefined && dueDate(config, journey, state) <= runDate;
  });
}

/**
 * Demo-shop customers (histories ending the day before `runDate`) who wait in the due index for
 * a later day and have nothing due on it: the others are drawn and left out.
 */
function* waitingCustomers(config: CampaignConfig, count: number, runDate: string, onEntries: (entries: number) => void): Generator<CustomerSnapshot> {
  let kept = 0;
  for (let seed = 99; kept < count; seed++) {
    for (const { customer, orders } of generateDemoShop({ customers: 2 * (count - kept) + 100, seed, today: runDate, categories: config.categories, timeZone: config.merchantTimeZone })) {
      const snapshot = customerSnapshot(config, { ...customer, customerId: `${customer.customerId}-${seed}` }, orders.map((order) => ({ ...order, customerId: `${customer.customerId}-${seed}` })), runDate);
      const waiting = snapshot.journeys.filter(({ waitsFor }) => waitsFor !== undefined).length;
      if (waiting === 0 || dueOn(config, snapshot, runDate)) continue;
      onEntries(waiting);
      yield snapshot;
      if (++kept >= count) return;
    }
  }
}

/**
 * Point 1, the curve: `due` customers due on `runDate` in a table of `customers`; every other
 * customer waits in the due index for a later day (in the same partitions, later in their sort
 * order), as in a shop whose customers keep buying. The run's reads should stay flat while the
 * Scan grows with the table.
 */
export async function measureCurvePoint(store: DynamoStore, config: CampaignConfig, customers: number, due: number, runDate: string, onProgress?: (count: number) => void): Promise<CurveRow> {
  let waitingIndexEntries = 0;
  await writeSnapshots(store, dueToday(config, due, runDate));
  await writeSnapshots(store, waitingCustomers(config, customers - due, runDate, (entries) => (waitingIndexEntries += entries)), onProgress);
  const summary = await runDay({ store, config, sendQueue: NULL_QUEUE, couponSecret: 'bench' }, { ...dailyRun(config, runDate), dryRun: true });
  const scan = await fullScanForDue(store, runDate);
  const floor = readFloor(config, summary.evaluated);
  return {
    customers,
    waitingCustomers: customers - due,
    waitingIndexEntries,
    dueCustomers: summary.evaluated,
    runReadUnits: summary.readUnits,
    floorReadUnits: floor.floorReadUnits,
    ratioToFloor: round(summary.readUnits / floor.floorReadUnits),
    scanReadUnits: scan.readUnits,
  };
}

export interface DateDayRow {
  day: string;
  kind: 'birthday' | 'holiday';
  customers: number;
  /** Customers the day's birthday and holiday reads found (and the due index, none here). */
  candidates: number;
  sent: number;
  runReadUnits: number;
  /** Index queries of the day: every due partition of every shard, and the calendar ones. */
  dueQueries: number;
  calendarQueries: number;
  perCandidateFloor: number;
  fixedFloor: number;
  /** The run's read units over (0.5 per candidate + 0.5 per index query). */
  ratioToFloor: number;
}

const DATE_STEP = { id: 'greeting', after: { days: 0, from: 'anchor' as const }, channel: 'sms' as const, template: '【{shop}】{name}，祝你快乐！', replyDays: 7 };

/** The default config with its birthday and holiday journeys replaced by these: a birthday on the day, 双12 for customers who bought within 30 days. */
export function calendarConfig(config: CampaignConfig, holiday: string): CampaignConfig {
  const journeys: Journey[] = [
    { id: 'birthday', name: '生日', enabled: true, priority: 90, exit: 'never', trigger: { type: 'birthday', daysBefore: 0, lateDays: 0 }, steps: [DATE_STEP] },
    {
      id: 'holidays',
      name: '节日',
      enabled: true,
      priority: 80,
      exit: 'never',
      trigger: { type: 'holiday', dates: [{ date: holiday, name: '双12' }], daysBefore: 0, lateDays: 0 },
      audience: { lastOrderWithinDays: 30 },
      steps: [DATE_STEP],
    },
  ];
  return { ...config, journeys: [...config.journeys.filter((journey) => !isDateTriggered(journey.trigger)), ...journeys] };
}

/**
 * Customers with a birthday spread over the year and one order in the year before `today`: the
 * profile (with its birthday), the BDAY item and the last order's calendar key, as an import of
 * customers and orders leaves them.
 */
export async function seedCalendarShop(store: DynamoStore, config: CampaignConfig, customers: number, today: string, onProgress?: (count: number) => void): Promise<void> {
  const random = createRandom(20261212);
  const ids = Array.from({ length: customers }, (_, index) => `cal-${String(index).padStart(7, '0')}`);
  function* snapshots(): Generator<CustomerSnapshot> {
    for (const [index, customerId] of ids.entries()) {
      const monthDay = addDays('2028-01-01', random.int(0, 365)).slice(5);
      yield {
        customer: { customerId, phone: `+86139${String(100_000_000 + index).slice(-8)}`, name: '王芳', smsOptIn: true },
        birthday: { monthDay, shard: shardOf(customerId, config.shards) },
        categories: [],
        journeys: [],
        orders: [],
      };
    }
  }
  await writeSnapshots(store, snapshots());
  for (let start = 0; start < ids.length; start += 1000) {
    const batch = ids.slice(start, start + 1000).map((customerId) => {
      const orderDate = addDays(today, -random.int(0, 364));
      const member = countMemberOrder(config, undefined, { orderId: `${customerId}-1`, orderDate, total: 129, categories: ['cosmetics'] });
      return { customerId, categories: [], journeys: [], orders: [], ...(member ? { member: { member, shard: shardOf(customerId, config.shards) } } : {}) };
    });
    await store.putOrderHistories(batch);
    onProgress?.(batch.length);
  }
}

/**
 * Issue 15: a birthday day and a holiday day. Each day's reads: the due partitions (fixed), the
 * calendar-index queries (one or two birthday partitions per shard; the months of
 * `lastOrderWithinDays` per shard on a holiday), and the candidates' profiles (0.5 unit each).
 */
export async function measureDateDays(store: DynamoStore, config: CampaignConfig, customers: number, days: { birthday: string; holiday: string }): Promise<DateDayRow[]> {
  const deps = { store, config, sendQueue: NULL_QUEUE, couponSecret: 'bench' };
  const rows: DateDayRow[] = [];
  for (const [kind, day] of [['birthday', days.birthday], ['holiday', days.holiday]] as const) {
    const summary = await runDay(deps, dailyRun(config, day));
    const dueQueries = Array.from({ length: config.shards }, (_, shard) => duePartitions(config, shard).length).reduce((sum, count) => sum + count, 0);
    const calendarQueries = config.shards * dateReadsOn(config, day).reduce((sum, read) => sum + (read.kind === 'birthday' ? read.monthDays.length : monthsFrom(read.lastOrderFrom, day)), 0);
    const perCandidateFloor = 0.5 * summary.evaluated;
    const fixedFloor = 0.5 * (dueQueries + calendarQueries);
    rows.push({
      day,
      kind,
      customers,
      candidates: summary.evaluated,
      sent: summary.sent,
      runReadUnits: summary.readUnits,
      dueQueries,
      calendarQueries,
      perCandidateFloor,
      fixedFloor,
      ratioToFloor: round(summary.readUnits / (perCandidateFloor + fixedFloor)),
    });
  }
  return rows;
}

/** Months from `from`'s to `to`'s, both counted. */
function monthsFrom(from: string, to: string): number {
  return (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
}
