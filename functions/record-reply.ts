import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoReplies } from '../lib/adapters/dynamo/replies.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { replyCallbackSecret } from '../lib/runtime/aws/secret.ts';
import { smsOptOutList } from '../lib/runtime/aws/sms.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-reply.ts';

const deps = once(async () => {
  const store = functionStore('record-reply', { replies: DynamoReplies, configReads: DynamoConfigReads });
  return { store, configs: configReader(store), clock: systemClock, callbackSecret: await replyCallbackSecret(), optOutList: smsOptOutList() };
});

export const handler = createHandler(async () => withConfig(await deps()));
