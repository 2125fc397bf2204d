import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { replyCallbackSecret } from '../lib/runtime/aws/secret.ts';
import { smsOptOutList } from '../lib/runtime/aws/sms.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-reply.ts';

export const handler = createHandler(
  once(async () => ({
    config: campaignConfig(),
    store: functionStores['record-reply'](),
    clock: systemClock,
    callbackSecret: await replyCallbackSecret(),
    optOutList: smsOptOutList(),
  })),
);
