import { CustomerConvertedSchema } from '../lib/events/domain-events.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-order.ts';

const deps = once(async () => {
  const store = functionStores['record-order']();
  return { store, configs: configReader(store), clock: systemClock, events: eventPublisher({ CustomerConverted: CustomerConvertedSchema }), couponSecret: await couponSecret() };
});

export const handler = createHandler(async () => withConfig(await deps()));
