import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { advance, dueCutoff } from '../../lib/domain/journeys.ts';
import type { Cursor, DuePartition, RecallStore } from '../../lib/ports/store.ts';
import { duePartitions, dueSlot, scopeOf } from '../../lib/usecases/due-index.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { dailyRun } from '../support/fixtures.ts';
import { round } from './read-cost.ts';
import type { JourneyState } from '../../lib/domain/records.ts';

/** One pair: the daily run and the floor loop, each on a freshly seeded copy of the same shop. */
export interface ThroughputPair {
  /** Which side ran first in this pair (the order alternates from pair to pair). */
  first: 'engine' | 'floor';
  dueCustomers: number;
  engineCustomersPerSecond: number;
  floorCustomersPerSecond: number;
  shareOfFloor: number;
}

export interface ThroughputRow {
  pairs: ThroughputPair[];
  dueCustomers: number;
  /** Medians over the pairs; the share is the median of each pair's own ratio. */
  engineCustomersPerSecond: number;
  floorCustomersPerSecond: number;
  shareOfFloor: number;
  shareOfFloorMin: number;
  shareOfFloorMax: number;
  /** Share of the floor loop's summed store latency, per operation, over every pair. */
  floorTimeByOperation: Record<string, number>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Wraps the store calls the floor loop makes to sum their latency per operation. */
function timed(store: RecallStore, totals: Record<string, number>) {
  const time = async <T>(name: string, call: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await call();
    } finally {
      totals[name] = (totals[name] ?? 0) + (performance.now() - started);
    }
  };
  return {
    queryDue: (partition: DuePartition, cutoff: string, cursor?: Cursor) => time('index query', () => store.queryDue(partition, cutoff, cursor)),
    getProfiles: (ids: readonly string[]) => time('profile batch read', () => store.getProfiles(ids)),
    claimLedger: (...args: Parameters<RecallStore['claimLedger']>) => time('ledger conditional put', () => store.claimLedger(...args)),
    saveJourneyState: (...args: Parameters<RecallStore['saveJourneyState']>) => time('state update', () => store.saveJourneyState(...args)),
  };
}

/**
 * The store's floor for one day: only the unavoidable operations per due customer (its share of
 * the index query pages, one batched profile read, one conditional ledger put, one state update),
 * with the engine's own concurrency (4 shards at once, 100 customers at once).
 */
async function floorLoop(store: RecallStore, config: CampaignConfig, runDate: string, totals: Record<string, number>): Promise<number> {
  const ops = timed(store, totals);
  let customers = 0;
  const shards = Array.from({ length: config.shards }, (_, shard) => shard);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let shard = shards.shift(); shard !== undefined; shard = shards.shift()) {
        const byCustomer = new Map<string, { state: JourneyState; partition: ReturnType<typeof duePartitions>[number] }>();
        for (const partition of duePartitions(config, shard)) {
          const cutoff = dueCutoff(config, partition.journey, partition.stepIndex, runDate, partition.category);
          let cursor: Cursor | undefined;
          do {
            const page = await ops.queryDue(partition.partition, cutoff, cursor);
            for (const state of page.items) if (!byCustomer.has(state.customerId)) byCustomer.set(state.customerId, { state, partition });
            cursor = page.next;
          } while (cursor);
        }
        const ids = [...byCustomer.keys()];
        for (let i = 0; i < ids.length; i += 100) {
          const batch = ids.slice(i, i + 100);
          await ops.getProfiles(batch);
          await Promise.all(
            batch.map(async (id) => {
              const entry = byCustomer.get(id);
              if (!entry) return;
              const { state, partition } = entry;
              const step = partition.journey.steps[state.stepIndex];
              if (!step) return;
              await ops.claimLedger({ customerId: id, journeyId: state.journeyId, cycle: state.cycle, stepId: step.id, runDate, outcome: 'sent', status: 'claimed' });
              const next = advance(partition.journey, state, runDate);
              await ops.saveJourneyState(scopeOf(partition.journey, state), next, dueSlot(config, partition.journey, next), state);
              customers++;
            }),
          );
        }
      }
    }),
  );
  return customers;
}

/** A freshly seeded store, and how to drop its table once measured (dynalite keeps it in memory). */
export interface SeededStore {
  store: DynamoStore;
  drop(): Promise<void>;
}

/**
 * Point 2: the daily run against the bare floor loop, as `pairs` interleaved pairs: each side on
 * its own freshly seeded copy of the same shop, the side that goes first alternating, so drift in
 * the machine's load falls on both. Seeding is not timed. The figure is the median of the pairs'
 * own ratios, with their spread.
 */
export async function measureThroughput(seed: () => Promise<SeededStore>, config: CampaignConfig, runDate: string, pairs: number, onPair?: (pair: ThroughputPair) => void): Promise<ThroughputRow> {
  const totals: Record<string, number> = {};
  const results: ThroughputPair[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const first = pair % 2 === 0 ? 'engine' : 'floor';
    const [a, b] = await Promise.all([seed(), seed()]);
    const stores = first === 'engine' ? { engine: a, floor: b } : { engine: b, floor: a };
    const timeEngine = async () => {
      const started = performance.now();
      const summary = await runDay({ store: stores.engine.store, config, sendQueue: { enqueue: async () => {} }, couponSecret: 'bench' }, dailyRun(config, runDate));
      return { customers: summary.evaluated, seconds: (performance.now() - started) / 1000 };
    };
    const timeFloor = async () => {
      const started = performance.now();
      const customers = await floorLoop(stores.floor.store, config, runDate, totals);
      return { customers, seconds: (performance.now() - started) / 1000 };
    };
    let engine;
    let floor;
    if (first === 'engine') {
      engine = await timeEngine();
      floor = await timeFloor();
    } else {
      floor = await timeFloor();
      engine = await timeEngine();
    }
    await Promise.all([a.drop(), b.drop()]);
    const engineRate = engine.customers / engine.seconds;
    const floorRate = floor.customers / floor.seconds;
    const result = { first, dueCustomers: engine.customers, engineCustomersPerSecond: Math.round(engineRate), floorCustomersPerSecond: Math.round(floorRate), shareOfFloor: round(engineRate / floorRate) } as const;
    results.push(result);
    onPair?.(result);
  }
  const totalLatency = Object.values(totals).reduce((sum, value) => sum + value, 0);
  const shares = results.map((pair) => pair.shareOfFloor);
  return {
    pairs: results,
    dueCustomers: results[0]?.dueCustomers ?? 0,
    engineCustomersPerSecond: Math.round(median(results.map((pair) => pair.engineCustomersPerSecond))),
    floorCustomersPerSecond: Math.round(median(results.map((pair) => pair.floorCustomersPerSecond))),
    shareOfFloor: round(median(shares)),
    shareOfFloorMin: Math.min(...shares),
    shareOfFloorMax: Math.max(...shares),
    floorTimeByOperation: Object.fromEntries(Object.entries(totals).map(([name, value]) => [name, round(value / totalLatency)])),
  };
}
