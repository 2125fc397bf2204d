import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoCustomerReads } from '../lib/adapters/dynamo/customers.ts';
import { DynamoCalendarReads, DynamoDueIndex } from '../lib/adapters/dynamo/daily-run.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { smsVoiceTransport } from '../lib/runtime/aws/sms.ts';
import { functionStore, pacer } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/run-test-campaign.ts';

const deps = once(async () => {
  const store = functionStore('run-test-campaign', { dueIndex: DynamoDueIndex, calendarReads: DynamoCalendarReads, customerReads: DynamoCustomerReads, configReads: DynamoConfigReads });
  // The pacer's rate is a deploy-time setting: the deployed config's.
  return { store, configs: configReader(store), pacer: pacer(campaignConfig()), couponSecret: await couponSecret(), clock: systemClock };
});

/** Test messages are always SMS to the allowlisted testers: End User Messaging only, with the version's SMS settings. */
export const handler = createHandler(async () => {
  const resolved = await withConfig(await deps());
  return { ...resolved, transport: smsVoiceTransport(resolved.config) };
});
