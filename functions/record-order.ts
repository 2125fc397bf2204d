import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-order.ts';

export const handler = createHandler(
  once(async () => ({ config: campaignConfig(), store: functionStores['record-order'](), clock: systemClock, events: eventPublisher(), couponSecret: await couponSecret() })),
);
