import { RunStartedSchema } from '../lib/events/domain-events.ts';
import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoRunPlans } from '../lib/adapters/dynamo/daily-run.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { workQueue } from '../lib/runtime/aws/queues.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/plan-recall.ts';

const deps = once(async () => {
  const store = functionStore('plan-recall', { runPlans: DynamoRunPlans, configReads: DynamoConfigReads });
  return { store, configs: configReader(store), workQueue: workQueue(), events: eventPublisher({ RunStarted: RunStartedSchema }), clock: systemClock };
});

export const handler = createHandler(async () => withConfig(await deps()));
