import { OUTCOMES } from '../domain/guardrails.ts';
import { shardOf } from '../domain/hashing.ts';
import type { BatchScans, Cursor, ImportLog, ReportReader } from '../ports/store.ts';
import { isUnconfirmed } from './reconcile.ts';
import { runShard, type RunDeps, type RunOptions } from './run-shard.ts';
import { RunTally, type OutcomeCounts } from './run-tally.ts';
import type { JourneyState } from '../domain/records.ts';

/** The `recall run --json` contract (docs/architecture.md#contracts). */
export interface RunSummary {
  asOf: string;
  dryRun: boolean;
  backfill: boolean;
  shards: number;
  evaluated: number;
  due: number;
  sent: number;
  heldOut: number;
  skipped: Record<string, number>;
  deferred: Record<string, number>;
  byJourney: Record<string, Record<string, StepCounts>>;
  invalidIndexItems: number;
  /**
   * Of the run date's sent messages (this run's and any earlier run's that day), how many are
   * still `sending` once the run is over: unconfirmed, to reconcile (`recall reconcile`).
   */
  unconfirmed: number;
  readUnits: number;
  writeUnits: number;
  /** What the operator must know about this run's result (a run dated before the latest import). */
  warnings: string[];
  /** The stored config version the run decided with; null for a `--config` file (an experiment). */
  configVersion: number | null;
}

export interface StepCounts {
  due: number;
  sent: number;
  heldOut: number;
  skipped: Record<string, number>;
  deferred: Record<string, number>;
}

function stepCounts(counts: OutcomeCounts): StepCounts {
  const skipped: Record<string, number> = {};
  const deferred: Record<string, number> = {};
  let due = 0;
  for (const outcome of OUTCOMES) {
    const count = counts[outcome];
    due += count;
    if (count === 0) continue;
    const [kind, reason] = outcome.split(':');
    if (kind === 'skipped' && reason) skipped[reason] = count;
    if (kind === 'deferred' && reason) deferred[reason] = count;
  }
  return { due, sent: counts.sent, heldOut: counts['held-out'], skipped, deferred };
}

export function summarize(
  tally: RunTally,
  options: Pick<RunOptions, 'runDate' | 'dryRun' | 'backfill'>,
  shards: number,
  usage: { readUnits: number; writeUnits: number },
  warnings: string[] = [],
  unconfirmed = 0,
  configVersion: number | null = null,
): RunSummary {
  const byJourney: Record<string, Record<string, StepCounts>> = {};
  for (const [journey, steps] of tally.byJourney) {
    byJourney[journey] = Object.fromEntries([...steps].map(([step, counts]) => [step, stepCounts(counts)]));
  }
  const totals = stepCounts(tally.totals);
  return {
    asOf: options.runDate,
    dryRun: options.dryRun,
    backfill: options.backfill,
    shards,
    evaluated: tally.evaluated,
    ...totals,
    byJourney,
    invalidIndexItems: tally.invalidItems,
    unconfirmed,
    readUnits: Math.round(usage.readUnits * 10) / 10,
    writeUnits: Math.round(usage.writeUnits * 10) / 10,
    warnings,
    configVersion,
  };
}

/**
 * A run dated before the store's latest import judges customers on a day the store has moved
 * past (their later orders are already recorded): it must say so, never return a silent zero.
 */
async function asOfWarnings(store: ImportLog, now: Date): Promise<string[]> {
  const latest = await store.latestImportAsOf();
  if (latest === undefined || now.getTime() >= Date.parse(latest)) return [];
  return [
    `this run is dated ${now.toISOString()}, before the latest import's as-of ${latest}: orders recorded after the run date ` +
      'already moved those customers on, so they are not due on it. Run with --as-of at or after the import, or import with an earlier --as-of.',
  ];
}

/** `--backfill` is an explicit one-off batch job, so it may Scan (in parallel segments). */
async function dormantByShard(store: BatchScans, shards: number, segments: number): Promise<Map<number, JourneyState[]>> {
  const byShard = new Map<number, JourneyState[]>();
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let cursor: Cursor | undefined;
      do {
        const page = await store.scanDormant(segment, segments, cursor);
        for (const state of page.items) {
          const shard = shardOf(state.customerId, shards);
          const list = byShard.get(shard) ?? [];
          list.push(state);
          byShard.set(shard, list);
        }
        cursor = page.next;
      } while (cursor);
    }),
  );
  return byShard;
}

/**
 * The whole daily run in one process: every shard job, a few at a time. On AWS the same
 * `runShard` runs once per shard behind the work queue.
 */
/** The local run's store: the shard jobs' ports, the backfill scan, the import log's warning, the day's ledger. */
export interface RunDayDeps extends RunDeps {
  store: RunDeps['store'] & BatchScans & ImportLog & ReportReader;
}

export async function runDay(deps: RunDayDeps, options: RunOptions, concurrency = 4): Promise<RunSummary> {
  const warnings = await asOfWarnings(deps.store, options.now);
  const before = { ...deps.store.usage };
  const tally = new RunTally();
  const dormant = options.backfill ? await dormantByShard(deps.store, deps.config.shards, concurrency) : new Map<number, JourneyState[]>();
  const shards = Array.from({ length: deps.config.shards }, (_, shard) => shard);
  const workers = Array.from({ length: Math.min(concurrency, shards.length) }, async () => {
    for (let shard = shards.shift(); shard !== undefined; shard = shards.shift()) {
      const result = await runShard(deps, { shard, dormant: dormant.get(shard) ?? [] }, options);
      tally.merge(result.tally);
    }
  });
  await Promise.all(workers);
  const usage = {
    readUnits: deps.store.usage.readUnits - before.readUnits,
    writeUnits: deps.store.usage.writeUnits - before.writeUnits,
  };
  // Read after the run's own units are counted: what the run cost stays what it wrote and read.
  const unconfirmed = options.dryRun ? 0 : (await deps.store.ledgerOfDay(options.runDate)).items.filter(isUnconfirmed).length;
  return summarize(tally, options, deps.config.shards, usage, warnings, unconfirmed, deps.configVersion ?? null);
}
