import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { snsTransport } from '../lib/runtime/aws/sns.ts';
import { functionStores, pacer } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/send-message.ts';

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = functionStores['send-message']();
    return { config, store, transport: snsTransport(config), pacer: pacer(config), events: eventPublisher(), clock: systemClock };
  }),
);
