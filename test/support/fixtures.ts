import { Readable } from 'node:stream';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { zonedInstant } from '../../lib/domain/dates.ts';
import type { Clock, SendJob, SendQueue } from '../../lib/ports/messaging.ts';
import type { RecallStore } from '../../lib/ports/store.ts';
import { deliverMessage, type DeliveryResult } from '../../lib/usecases/deliver.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import type { RunOptions } from '../../lib/usecases/run-shard.ts';

/** The default config with the holdout off, unless a test asks for it. */
export async function testConfig(overrides: Partial<CampaignConfig> = {}): Promise<CampaignConfig> {
  return { ...(await loadDefaultConfig()), holdoutPercent: 0, ...overrides };
}

export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return {
    now: () => now,
    set(next: string) {
      now = new Date(next);
    },
  };
}

/** The channel as tests see it: every delivered message, in order. */
export class RecordingQueue implements SendQueue {
  readonly delivered: SendJob[] = [];
  /** Each handed-over message's delivery result, by ledger key. */
  readonly results = new Map<string, DeliveryResult>();

  constructor(private readonly store: RecallStore) {}

  async enqueue(jobs: readonly SendJob[]): Promise<void> {
    for (const job of jobs) {
      const result = await deliverMessage(
        {
          store: this.store,
          transport: { deliver: async (sent) => void this.delivered.push(sent) },
          clock: { now: () => new Date('2026-01-01T00:00:00Z') },
        },
        job,
      );
      this.results.set(ledgerKey(job, job.stepId), result);
    }
  }
}

/** A daily run at the configured run time of `date` in the merchant zone. */
export function dailyRun(config: CampaignConfig, date: string, extra: Partial<RunOptions> = {}): RunOptions {
  return { runDate: date, now: zonedInstant(date, config.runTime, config.merchantTimeZone), dryRun: false, backfill: false, ...extra };
}

export function csv(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}
