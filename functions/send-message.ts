import { CouponIssuedSchema, MessageSentSchema } from '../lib/events/domain-events.ts';
import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoDeliveries } from '../lib/adapters/dynamo/customers.ts';
import { Channels } from '../lib/adapters/channels.ts';
import type { CampaignConfig } from '../lib/config/schema.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { sendQueue } from '../lib/runtime/aws/queues.ts';
import { smsVoiceTransport } from '../lib/runtime/aws/sms.ts';
import { snsPushTransport } from '../lib/runtime/aws/sns.ts';
import { functionStore, pacer } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/send-message.ts';

const deps = once(async () => {
  const store = functionStore('send-message', { deliveries: DynamoDeliveries, configReads: DynamoConfigReads });
  // The pacer's rate is a deploy-time setting: the deployed config's.
  return { store, configs: configReader(store), pacer: pacer(campaignConfig()), events: eventPublisher({ MessageSent: MessageSentSchema, CouponIssued: CouponIssuedSchema }), clock: systemClock, sendQueue: sendQueue() };
});

/** One channel set per config version (the reader keeps each version's config object). */
const channels = new WeakMap<CampaignConfig, Channels>();

/** Built at cold start (a missing variable fails the invocation); each message then gets its run's config version. */
export const handler = createHandler(async () => {
  const base = await deps();
  return async (configVersion) => {
    const resolved = await withConfig(base, configVersion);
    let transport = channels.get(resolved.config);
    if (!transport) {
      transport = new Channels({ sms: smsVoiceTransport(resolved.config), push: snsPushTransport() });
      channels.set(resolved.config, transport);
    }
    return { ...resolved, transport };
  };
});
