import { WindowsLearnedSchema } from '../lib/events/domain-events.ts';
import { DynamoBatchScans } from '../lib/adapters/dynamo/batch.ts';
import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/learn-windows.ts';

const deps = once(async () => {
  const store = functionStore('learn-windows', { batchScans: DynamoBatchScans, configReads: DynamoConfigReads });
  return { store, configs: configReader(store), events: eventPublisher({ WindowsLearned: WindowsLearnedSchema }), clock: systemClock };
});

export const handler = createHandler(async () => withConfig(await deps()));
