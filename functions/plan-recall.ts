import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { workQueue } from '../lib/runtime/aws/queues.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/plan-recall.ts';

export const handler = createHandler(once(async () => ({ config: campaignConfig(), store: functionStores['plan-recall'](), workQueue: workQueue(), events: eventPublisher(), clock: systemClock })));
