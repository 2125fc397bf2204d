import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { replyCallbackSecret } from '../lib/runtime/aws/secret.ts';
import { smsOptOutList } from '../lib/runtime/aws/sms.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-reply.ts';

const deps = once(async () => {
  const store = functionStores['record-reply']();
  return { store, configs: configReader(store), clock: systemClock, callbackSecret: await replyCallbackSecret(), optOutList: smsOptOutList() };
});

export const handler = createHandler(async () => withConfig(await deps()));
