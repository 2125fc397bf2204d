import { campaignConfig, once } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { sendQueue, workQueue } from '../lib/runtime/aws/queues.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/scan-shard.ts';

export const handler = createHandler(
  once(async () => ({
    config: campaignConfig(),
    store: functionStores['scan-shard'](),
    sendQueue: sendQueue(),
    workQueue: workQueue(),
    events: eventPublisher(),
    couponSecret: await couponSecret(),
  })),
);
