import type { CampaignConfig, Journey } from '../config/schema.ts';
import { shardOf } from '../domain/hashing.ts';
import { journeyScope } from '../domain/journeys.ts';
import type { JourneyState } from '../domain/records.ts';
import type { DuePartition, DueSlot } from '../ports/store.ts';

/** One partition of the due index to read: a step of an enabled journey in a shard (and category). */
export interface StepPartition {
  journey: Journey;
  stepIndex: number;
  category?: string;
  partition: DuePartition;
}

/** Every due partition of one shard: the daily run's and the test campaign's reads. */
export function duePartitions(config: CampaignConfig, shard: number): StepPartition[] {
  const partitions: StepPartition[] = [];
  for (const journey of config.journeys) {
    if (!journey.enabled) continue;
    journey.steps.forEach((step, stepIndex) => {
      const categories = journey.trigger.type === 'category-window' ? config.categories.map((category) => category.id) : [undefined];
      for (const category of categories) {
        partitions.push({ journey, stepIndex, ...(category ? { category } : {}), partition: { journeyId: journey.id, stepId: step.id, shard, ...(category ? { category } : {}) } });
      }
    });
  }
  return partitions;
}

/** The step a state waits for in its customer's shard, or none once the cycle is over. */
export function dueSlot(config: CampaignConfig, journey: Journey, state: JourneyState): DueSlot | undefined {
  const step = journey.steps[state.stepIndex];
  return step ? { stepId: step.id, shard: shardOf(state.customerId, config.shards) } : undefined;
}

export function scopeOf(journey: Journey, state: JourneyState): string {
  return journeyScope(journey, state.category, state.cycle);
}
