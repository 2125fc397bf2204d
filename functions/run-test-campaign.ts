import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { smsVoiceTransport } from '../lib/runtime/aws/sms.ts';
import { functionStores, pacer } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/run-test-campaign.ts';

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = functionStores['run-test-campaign']();
    // Test messages are always SMS to the allowlisted testers: End User Messaging only.
    return { config, store, transport: smsVoiceTransport(config), pacer: pacer(config), couponSecret: await couponSecret(), clock: systemClock };
  }),
);
