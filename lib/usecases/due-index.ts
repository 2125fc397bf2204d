import type { CampaignConfig, Journey } from '../config/schema.ts';
import { shardOf } from '../domain/hashing.ts';
import { journeyScope, type JourneyState } from '../domain/journeys.ts';
import type { DuePosition } from '../ports.ts';
import { keys } from '../store/tables.ts';

/** One partition of the due index: a step of a journey in a shard (and a category). */
interface DuePartition {
  journey: Journey;
  stepIndex: number;
  category?: string;
  duePk: string;
}

export function duePartitions(config: CampaignConfig, shard: number): DuePartition[] {
  const partitions: DuePartition[] = [];
  for (const journey of config.journeys) {
    if (!journey.enabled) continue;
    journey.steps.forEach((step, stepIndex) => {
      const categories = journey.trigger.type === 'category-window' ? config.categories.map((category) => category.id) : [undefined];
      for (const category of categories) {
        partitions.push({ journey, stepIndex, ...(category ? { category } : {}), duePk: keys.duePartition(journey.id, step.id, shard, category) });
      }
    });
  }
  return partitions;
}

/** The index position of a state that waits for its next step, or none once the cycle is over. */
export function duePosition(config: CampaignConfig, journey: Journey, state: JourneyState): DuePosition | undefined {
  const step = journey.steps[state.stepIndex];
  if (!step) return undefined;
  return {
    duePk: keys.duePartition(journey.id, step.id, shardOf(state.customerId, config.shards), state.category),
    dueSk: keys.dueSort(state.fromDate, state.customerId),
  };
}

export function scopeOf(journey: Journey, state: JourneyState): string {
  return journeyScope(journey, state.category, state.cycle);
}
