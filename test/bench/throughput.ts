import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { advance, dueCutoff } from '../../lib/domain/journeys.ts';
import type { Cursor, DuePartition, RecallStore } from '../../lib/ports/store.ts';
import { duePartitions, dueSlot, scopeOf } from '../../lib/usecases/due-index.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { dailyRun } from '../support/fixtures.ts';
import { round } from './read-cost.ts';
import type { JourneyState } from '../../lib/domain/records.ts';

export interface ThroughputRow {
  dueCustomers: number;
  engineSeconds: number;
  engineCustomersPerSecond: number;
  floorSeconds: number;
  floorCustomersPerSecond: number;
  shareOfFloor: number;
  /** Share of the floor loop's summed store latency, per operation. */
  floorTimeByOperation: Record<string, number>;
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

/** Point 2: the daily run against the bare floor loop, on two identical stores. */
export async function measureThroughput(engineStore: DynamoStore, floorStore: DynamoStore, config: CampaignConfig, runDate: string): Promise<ThroughputRow> {
  let started = performance.now();
  const summary = await runDay({ store: engineStore, config, sendQueue: { enqueue: async () => {} }, couponSecret: 'bench' }, dailyRun(config, runDate));
  const engineSeconds = (performance.now() - started) / 1000;
  const totals: Record<string, number> = {};
  started = performance.now();
  const floorCustomers = await floorLoop(floorStore, config, runDate, totals);
  const floorSeconds = (performance.now() - started) / 1000;
  const totalLatency = Object.values(totals).reduce((sum, value) => sum + value, 0);
  const engineRate = summary.evaluated / engineSeconds;
  const floorRate = floorCustomers / floorSeconds;
  return {
    dueCustomers: summary.evaluated,
    engineSeconds: round(engineSeconds),
    engineCustomersPerSecond: Math.round(engineRate),
    floorSeconds: round(floorSeconds),
    floorCustomersPerSecond: Math.round(floorRate),
    shareOfFloor: round(engineRate / floorRate),
    floorTimeByOperation: Object.fromEntries(Object.entries(totals).map(([name, value]) => [name, round(value / totalLatency)])),
  };
}
