import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { createRandom } from '../../lib/demo/random.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { OUTCOMES } from '../../lib/domain/guardrails.ts';
import type { CustomerSnapshot } from '../../lib/ports/store.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { customerSnapshot } from '../../lib/usecases/seed.ts';
import { dailyRun } from '../support/fixtures.ts';

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

/** Seeds a shop whose history ends on `today` (profiles, category histories, journeys, order markers, a year of ledger). */
export async function seedShop(store: DynamoStore, config: CampaignConfig, customers: number, today: string, seed: number, onProgress?: (count: number) => void): Promise<void> {
  const random = createRandom(seed + 1);
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
  for (const { customer, orders } of generateDemoShop({ customers, seed, today, categories: config.categories, timeZone: config.merchantTimeZone })) {
    const snapshot = customerSnapshot(config, customer, orders, today);
    batch.push({ ...snapshot, ledger: yearOfLedger(snapshot, today, random) });
    if (batch.length >= 100) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(writing);
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

export interface ReadCostRow {
  customers: number;
  runDate: string;
  dueCustomers: number;
  dueMessages: number;
  runReadUnits: number;
  floorReadUnits: number;
  ratioToFloor: number;
  scanReadUnits: number;
  ratioScanToRun: number;
  runWriteUnits: number;
  sent: number;
  smsParts: number;
}

/**
 * Point 1: a shop as it would be after a year, the backlog of the first run absorbed, then one
 * ordinary day measured: the run's consumed read units beside the floor (one eventually
 * consistent read per due customer) and beside a full Scan.
 */
export async function measureReadCost(store: DynamoStore, config: CampaignConfig, customers: number, today: string): Promise<ReadCostRow> {
  let smsParts = 0;
  const countingQueue = { enqueue: async (jobs: readonly SendJob[]) => void (smsParts += jobs.reduce((sum, job) => sum + (job.channel === 'sms' ? job.parts : 0), 0)) };
  const deps = { store, config, sendQueue: countingQueue, couponSecret: 'bench' };
  await runDay(deps, dailyRun(config, today));
  smsParts = 0;
  const runDate = addDays(today, 1);
  const summary = await runDay(deps, dailyRun(config, runDate));
  const scan = await fullScanForDue(store, runDate);
  const floor = summary.evaluated * 0.5;
  return {
    customers,
    runDate,
    dueCustomers: summary.evaluated,
    dueMessages: summary.due,
    runReadUnits: summary.readUnits,
    floorReadUnits: floor,
    ratioToFloor: round(summary.readUnits / floor),
    scanReadUnits: scan.readUnits,
    ratioScanToRun: round(scan.readUnits / summary.readUnits),
    runWriteUnits: summary.writeUnits,
    sent: summary.sent,
    smsParts,
  };
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface CurveRow {
  customers: number;
  dueCustomers: number;
  runReadUnits: number;
  scanReadUnits: number;
}

/**
 * Point 1, the curve: about `due` customers due on `runDate` in a table of `customers`; the rest
 * lapsed long ago (their cycles dormant, out of the index). The run's reads should stay flat while
 * the Scan grows with the table.
 */
export async function measureCurvePoint(store: DynamoStore, config: CampaignConfig, customers: number, due: number, runDate: string, onProgress?: (count: number) => void): Promise<CurveRow> {
  const window = config.categories.find((category) => category.id === 'cosmetics')?.windowDays ?? 76;
  const orderDate = addDays(runDate, -window);
  const dueCustomers = Array.from({ length: due }, (_, index) => {
    const customerId = `due-${String(index).padStart(6, '0')}`;
    return customerSnapshot(
      config,
      { customerId, phone: `+86138${String(10_000_000 + index).slice(-8)}`, name: '王芳', smsOptIn: true },
      [{ orderId: `due-order-${index}`, customerId, orderedAt: `${orderDate}T12:00:00+08:00`, lines: [{ category: 'cosmetics', amount: 129 }] }],
      runDate,
    );
  });
  await store.putSnapshots(dueCustomers);
  const lapsedUntil = addDays(runDate, -420);
  let batch: CustomerSnapshot[] = [];
  for (const { customer, orders } of generateDemoShop({ customers: customers - due, seed: 99, today: lapsedUntil, categories: config.categories, timeZone: config.merchantTimeZone })) {
    batch.push(customerSnapshot(config, customer, orders, runDate));
    if (batch.length >= 400) {
      await Promise.all([0, 100, 200, 300].map((start) => store.putSnapshots(batch.slice(start, start + 100))));
      onProgress?.(batch.length);
      batch = [];
    }
  }
  await store.putSnapshots(batch);
  const summary = await runDay({ store, config, sendQueue: NULL_QUEUE, couponSecret: 'bench' }, { ...dailyRun(config, runDate), dryRun: true });
  const scan = await fullScanForDue(store, runDate);
  return { customers, dueCustomers: summary.evaluated, runReadUnits: summary.readUnits, scanReadUnits: scan.readUnits };
}
