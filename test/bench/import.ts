// Issue 16 point 1: `recall import orders` against a BatchWriteItem floor that writes the same
// items on the same rows, and the import's own peak memory on a large file. Run as a module by
// run.ts; run as a script (`--memory FILE ROWS`) it is the child process whose peak RSS is measured.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { readOrders } from '../../lib/import/orders.ts';
import { importOrders, type ImportOrdersDeps } from '../../lib/usecases/import.ts';
import { round } from './read-cost.ts';
import { median, type SeededStore } from './throughput.ts';
import { scanTable } from '../support/table-state.ts';

const run = promisify(execFile);
const HEADER = 'order_id,customer_id,ordered_at,category,amount';
const BATCH_WRITE_LIMIT = 25;
/** As many BatchWriteItem requests at once as the import's own batched writes send. */
const FLOOR_IN_FLIGHT = 4;

export interface ImportPair {
  first: 'import' | 'floor';
  importRowsPerSecond: number;
  floorRowsPerSecond: number;
  shareOfFloor: number;
}

export interface ImportBenchRow {
  rows: number;
  customers: number;
  /** Items the import wrote, and the floor writes. */
  items: number;
  pairs: ImportPair[];
  importRowsPerSecond: number;
  floorRowsPerSecond: number;
  shareOfFloor: number;
  shareOfFloorMin: number;
  shareOfFloorMax: number;
  memory: { rows: number; peakRssMb: number; seconds: number };
}

/** A generated shop's orders as an order file, one row per line, each customer's rows together. */
async function writeOrderFile(path: string, config: CampaignConfig, rows: number, today: string, seed: number): Promise<{ rows: number; customers: number }> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`${HEADER}\n`);
  let written = 0;
  let customers = 0;
  // The demo shop averages about 2.3 rows a customer; the file stops at `rows`.
  for (const { orders } of generateDemoShop({ customers: Math.ceil(rows / 2) + 10, seed, today, categories: config.categories, timeZone: config.merchantTimeZone })) {
    if (written >= rows) break;
    customers++;
    for (const order of orders) {
      for (const line of order.lines) {
        await write(`${order.orderId},${order.customerId},${order.orderedAt},${line.category},${line.amount}\n`);
        written++;
      }
    }
  }
  out.end();
  await once(out, 'finish');
  return { rows: written, customers };
}

function importFile(deps: ImportOrdersDeps, file: string, asOf: Date) {
  return importOrders(deps, readOrders(createReadStream(file), file, { timeZone: deps.config.merchantTimeZone, asOf, categories: deps.config.categories }), asOf);
}

/** The items, written with nothing but BatchWriteItem: 25 a request, FLOOR_IN_FLIGHT requests at once, unprocessed ones again. */
async function batchWriteFloor(store: DynamoStore, items: readonly Record<string, unknown>[]): Promise<void> {
  const doc = DynamoDBDocumentClient.from(store.client);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      let pending = items.slice(next, (next += BATCH_WRITE_LIMIT)).map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const result = await doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending } }));
        pending = (result.UnprocessedItems?.[store.tableName] ?? []).flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
      }
    }
  };
  await Promise.all(Array.from({ length: FLOOR_IN_FLIGHT }, worker));
}

/**
 * The import (CSV read, grouping, the store checks, batched and one-by-one writes) against the
 * floor: the items that import left in a first, untimed run, written with BatchWriteItem alone.
 * `pairs` interleaved pairs on fresh tables, the side that goes first alternating; the figure is the
 * median of the pairs' own ratios. Then the import's peak RSS on a `memoryRows` file, in a child
 * process whose store answers at once and keeps nothing (the import's own memory, not the store's).
 */
export async function measureImport(
  fresh: () => Promise<SeededStore>,
  config: CampaignConfig,
  today: string,
  rows: number,
  pairs: number,
  memoryRows: number,
  onPair?: (pair: ImportPair) => void,
): Promise<ImportBenchRow> {
  const directory = await mkdtemp(join(tmpdir(), 'recall-bench-import-'));
  try {
    const file = join(directory, 'orders.csv');
    const shop = await writeOrderFile(file, config, rows, today, 16);
    const asOf = new Date(`${today}T02:00:00Z`);
    const deps = (store: DynamoStore): ImportOrdersDeps => ({ store, config, clock: { now: () => asOf } });

    const scratch = await fresh();
    await importFile(deps(scratch.store), file, asOf);
    const items = [...(await scanTable(scratch.store)).values()];
    await scratch.drop();

    const results: ImportPair[] = [];
    for (let pair = 0; pair < pairs; pair++) {
      const first = pair % 2 === 0 ? 'import' : 'floor';
      const [a, b] = await Promise.all([fresh(), fresh()]);
      const stores = first === 'import' ? { import: a.store, floor: b.store } : { import: b.store, floor: a.store };
      const timed = async (work: () => Promise<unknown>) => {
        const started = performance.now();
        await work();
        return (performance.now() - started) / 1000;
      };
      const timeImport = () => timed(() => importFile(deps(stores.import), file, asOf));
      const timeFloor = () => timed(() => batchWriteFloor(stores.floor, items));
      const [importSeconds, floorSeconds] = first === 'import' ? [await timeImport(), await timeFloor()] : [...[await timeFloor(), await timeImport()].reverse()];
      await Promise.all([a.drop(), b.drop()]);
      const result: ImportPair = {
        first,
        importRowsPerSecond: Math.round(shop.rows / (importSeconds ?? Number.NaN)),
        floorRowsPerSecond: Math.round(shop.rows / (floorSeconds ?? Number.NaN)),
        shareOfFloor: round((floorSeconds ?? Number.NaN) / (importSeconds ?? Number.NaN)),
      };
      results.push(result);
      onPair?.(result);
    }

    const memoryFile = join(directory, 'memory.csv');
    const memoryShop = await writeOrderFile(memoryFile, config, memoryRows, today, 17);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--memory', memoryFile, today], { maxBuffer: 1 << 20 });
    const child = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { peakRssMb: number; seconds: number; imported: number };
    if (child.imported !== memoryShop.rows) throw new Error(`the memory run imported ${child.imported} of ${memoryShop.rows} rows`);

    const shares = results.map((pair) => pair.shareOfFloor);
    return {
      rows: shop.rows,
      customers: shop.customers,
      items: items.length,
      pairs: results,
      importRowsPerSecond: Math.round(median(results.map((pair) => pair.importRowsPerSecond))),
      floorRowsPerSecond: Math.round(median(results.map((pair) => pair.floorRowsPerSecond))),
      shareOfFloor: round(median(shares)),
      shareOfFloorMin: Math.min(...shares),
      shareOfFloorMax: Math.max(...shares),
      memory: { rows: memoryShop.rows, peakRssMb: child.peakRssMb, seconds: child.seconds },
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** A store that has nothing stored and keeps nothing: what is left in memory is the import's own. */
function emptyStore(): ImportOrdersDeps['store'] {
  return {
    usage: { readUnits: 0, writeUnits: 0 },
    customersWithHistory: async () => new Set(),
    putOrderHistories: async () => {},
    noteImport: async () => {},
    latestImportAsOf: async () => undefined,
    beginOrder: async () => ({ state: 'new' }),
    completeOrder: async () => {},
    getCustomerHistory: async () => ({ categories: new Map(), journeys: new Map(), corruptCategories: new Set() }),
    saveCategoryHistory: async () => true,
    saveJourneyState: async () => true,
    getCustomerLedger: async () => [],
    markConverted: async () => false,
    markRedeemed: async () => false,
    getMember: async () => ({ state: 'none' }),
    saveMember: async () => true,
    ordersOf: async () => ({ items: [], invalid: 0 }),
  };
}

if (process.argv[2] === '--memory') {
  const [file, today] = process.argv.slice(3);
  if (!file || !today) throw new Error('usage: import.ts --memory FILE TODAY');
  const config = await loadDefaultConfig();
  const asOf = new Date(`${today}T02:00:00Z`);
  const started = performance.now();
  const counts = await importFile({ store: emptyStore(), config, clock: { now: () => asOf } }, file, asOf);
  const imported = counts.imported + counts.unchanged + Object.values(counts.rejected).reduce((sum, count) => sum + count, 0);
  console.log(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), seconds: round((performance.now() - started) / 1000, 1), imported }));
}
