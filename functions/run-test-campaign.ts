import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { snsTransport } from '../lib/runtime/aws/sns.ts';
import { functionStores, pacer } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/run-test-campaign.ts';

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = functionStores['run-test-campaign']();
    return { config, store, transport: snsTransport(config), pacer: pacer(config), couponSecret: await couponSecret(), clock: systemClock };
  }),
);
