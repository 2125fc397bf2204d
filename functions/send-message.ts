import { Channels } from '../lib/adapters/channels.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { sendQueue } from '../lib/runtime/aws/queues.ts';
import { smsVoiceTransport } from '../lib/runtime/aws/sms.ts';
import { snsPushTransport } from '../lib/runtime/aws/sns.ts';
import { functionStores, pacer } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/send-message.ts';

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = functionStores['send-message']();
    const transport = new Channels({ sms: smsVoiceTransport(config), push: snsPushTransport() });
    return { config, store, transport, pacer: pacer(config), events: eventPublisher(), clock: systemClock, sendQueue: sendQueue() };
  }),
);
