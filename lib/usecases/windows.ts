import type { CampaignConfig } from '../config/schema.ts';
import { WindowLearner, type WindowLearning } from '../domain/windows.ts';
import type * as z from 'zod/mini';
import type { WindowsLearnedSchema } from '../events/domain-events.ts';
import type { BatchScans } from '../ports/store.ts';
import { SCAN_SEGMENTS, scanAll } from './scan.ts';
import type { Clock, EventPublisher } from '../ports/messaging.ts';

export interface LearnedWindows {
  windows: WindowLearning[];
  /** Category histories read. */
  histories: number;
  /** Items that failed validation, and histories of categories the config does not have. */
  invalidItems: number;
  unknownCategories: number;
  segments: number;
  readUnits: number;
}

/**
 * Window learning over every stored category history: a parallel Scan in `segments` segments.
 * This is an explicit batch job (`recall windows`, the HTML report), never the daily path.
 */
export async function learnStoredWindows(deps: { store: BatchScans; config: CampaignConfig }, segments = SCAN_SEGMENTS): Promise<LearnedWindows> {
  const before = deps.store.usage.readUnits;
  const learner = new WindowLearner(deps.config);
  let histories = 0;
  const invalidItems = await scanAll(
    (segment, total, cursor) => deps.store.scanCategories(segment, total, cursor),
    (history) => {
      learner.add(history);
      histories++;
    },
    segments,
  );
  return {
    windows: learner.result(),
    histories,
    invalidItems,
    unknownCategories: learner.unknownCategories,
    segments,
    readUnits: Math.round((deps.store.usage.readUnits - before) * 10) / 10,
  };
}

/** The `WindowsLearned` detail: per configured category, learned or flagged (no curves, no customer data). */
export function windowsLearnedDetail(learned: LearnedWindows, learnedAt: Date): z.infer<typeof WindowsLearnedSchema> {
  return {
    learnedAt: learnedAt.toISOString(),
    categories: learned.windows.map((window) => ({
      category: window.category,
      configuredWindowDays: window.configuredDays,
      ...(window.learnedDays !== null ? { learnedWindowDays: window.learnedDays } : {}),
      repeaters: window.repeaters,
      customers: window.buyers,
      cameBackShare: window.cameBack,
      flagged: window.flag !== null,
    })),
  };
}

/**
 * The weekly job (functions/learn-windows.ts): learns every window with the parallel Scan and
 * publishes the result as `WindowsLearned`. It changes no config: applying a window stays a
 * person's decision (`recall windows --apply`).
 */
export async function learnAndPublishWindows(deps: { store: BatchScans; config: CampaignConfig; events: EventPublisher; clock: Clock }) {
  const learned = await learnStoredWindows(deps);
  const detail = windowsLearnedDetail(learned, deps.clock.now());
  await deps.events.publish([{ type: 'WindowsLearned', detail }]);
  return {
    learnedAt: detail.learnedAt,
    categories: detail.categories.length,
    flagged: detail.categories.filter((category) => category.flagged).length,
    histories: learned.histories,
    invalidItems: learned.invalidItems,
    unknownCategories: learned.unknownCategories,
    readUnits: learned.readUnits,
  };
}
