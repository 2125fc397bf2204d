import * as z from 'zod/mini';
import type { CampaignConfig } from '../config/schema.ts';
import { shardOf } from '../domain/hashing.ts';
import { memberFromOrders } from '../domain/members.ts';
import { memberOrder } from '../domain/orders.ts';
import type { Profile } from '../domain/records.ts';
import type { BatchScans, Cursor, OrderHistory } from '../ports/store.ts';
import { BadInputError } from '../errors.ts';
import { SCAN_SEGMENTS } from './scan.ts';

/*
 * `recall migrate` (docs/architecture.md#the-calendar-index): member figures and the last order's
 * calendar keys for the profiles stored before record-order kept them, from each customer's order
 * markers. A batch job: a parallel Scan of the profiles, resumable from a checkpoint, idempotent
 * (a profile with figures is left alone, also one whose figures appear while the job runs).
 */

export interface MigrateDeps {
  store: Pick<BatchScans, 'scanProfiles'> & Pick<OrderHistory, 'ordersOf' | 'saveMember'>;
  config: Pick<CampaignConfig, 'tierPeriodDays' | 'tiers' | 'categories' | 'shards'>;
}

export interface MigrateCounts {
  /** Profiles given figures by this run. */
  migrated: number;
  /** Profiles that had figures (before, or written meanwhile by an order). */
  already: number;
  /** Profiles whose customer has no applied order: nothing to count. */
  noOrders: number;
  /** Profiles or order markers that did not parse: counted, skipped. */
  badItems: number;
}

/** Where each segment of the Scan goes on: its cursor, `done`, or absent (not begun). */
const CheckpointSchema = z.object({ segments: z.number().check(z.int(), z.positive(), z.lte(1000)), cursors: z.array(z.union([z.string(), z.literal(null)])) });
type Checkpoint = z.infer<typeof CheckpointSchema>;
const DONE = 'done';

export class BadCheckpointError extends BadInputError {
  override name = 'BadCheckpointError';
}

export function encodeCheckpoint(checkpoint: Checkpoint): string {
  return Buffer.from(JSON.stringify(checkpoint)).toString('base64url');
}

export function decodeCheckpoint(text: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new BadCheckpointError(`--resume: not a checkpoint printed by recall migrate: "${text}"`);
  }
  const checkpoint = CheckpointSchema.safeParse(parsed);
  if (!checkpoint.success || checkpoint.data.cursors.length !== checkpoint.data.segments) throw new BadCheckpointError(`--resume: not a checkpoint printed by recall migrate: "${text}"`);
  return checkpoint.data;
}

export interface MigrateProgress {
  segment: number;
  /** Profiles this segment has read so far (in this run). */
  profiles: number;
  /** True once the segment is read to its end. */
  done: boolean;
  /** Every segment's position after this page: `--resume` goes on from it. */
  checkpoint: string;
}

export interface MigrateOptions {
  segments?: number;
  /** A checkpoint printed by an earlier run: its segment count wins. */
  resume?: string;
  onProgress?: (progress: MigrateProgress) => void;
}

const PROFILES_IN_FLIGHT = 16;

/** Gives every stored profile without member figures the figures its order markers add up to. */
export async function migrateMembers(deps: MigrateDeps, options: MigrateOptions = {}): Promise<MigrateCounts> {
  const resumed = options.resume === undefined ? undefined : decodeCheckpoint(options.resume);
  const segments = resumed?.segments ?? options.segments ?? SCAN_SEGMENTS;
  const cursors: (string | null)[] = resumed?.cursors ?? Array.from({ length: segments }, () => null);
  const counts: MigrateCounts = { migrated: 0, already: 0, noOrders: 0, badItems: 0 };

  const migrateProfile = async (profile: Profile) => {
    if (profile.member) {
      counts.already++;
      return;
    }
    const markers = await deps.store.ordersOf(profile.customerId);
    counts.badItems += markers.invalid;
    // An order not yet applied is counted by its own retry through record-order.
    const member = memberFromOrders(deps.config, markers.items.filter((marker) => marker.applied).map((marker) => memberOrder(deps.config, marker)));
    if (!member) {
      counts.noOrders++;
      return;
    }
    // Conditional on there being none: figures an order wrote meanwhile count that order and the rest.
    const saved = await deps.store.saveMember(profile.customerId, { member, shard: shardOf(profile.customerId, deps.config.shards) }, undefined);
    if (saved) counts.migrated++;
    else counts.already++;
  };

  await Promise.all(
    cursors.map(async (start, segment) => {
      if (start === DONE) return;
      let cursor = start === null ? undefined : (start as Cursor);
      let profiles = 0;
      do {
        const page = await deps.store.scanProfiles(segment, segments, cursor);
        counts.badItems += page.invalid;
        await inParallel(page.items, PROFILES_IN_FLIGHT, migrateProfile);
        profiles += page.items.length + page.invalid;
        cursor = page.next;
        cursors[segment] = cursor ?? DONE;
        options.onProgress?.({ segment, profiles, done: cursor === undefined, checkpoint: encodeCheckpoint({ segments, cursors }) });
      } while (cursor);
    }),
  );
  return counts;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
