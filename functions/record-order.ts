import { CustomerConvertedSchema } from '../lib/events/domain-events.ts';
import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoOrderHistory } from '../lib/adapters/dynamo/customers.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-order.ts';

const deps = once(async () => {
  const store = functionStore('record-order', { orderHistory: DynamoOrderHistory, configReads: DynamoConfigReads });
  return { store, configs: configReader(store), clock: systemClock, events: eventPublisher({ CustomerConverted: CustomerConvertedSchema }), couponSecret: await couponSecret() };
});

export const handler = createHandler(async () => withConfig(await deps()));
