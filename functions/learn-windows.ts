import { WindowsLearnedSchema } from '../lib/events/domain-events.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/learn-windows.ts';

const deps = once(async () => {
  const store = functionStores['learn-windows']();
  return { store, configs: configReader(store), events: eventPublisher({ WindowsLearned: WindowsLearnedSchema }), clock: systemClock };
});

export const handler = createHandler(async () => withConfig(await deps()));
