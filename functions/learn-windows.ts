import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/learn-windows.ts';

export const handler = createHandler(once(async () => ({ config: campaignConfig(), store: functionStores['learn-windows'](), events: eventPublisher(), clock: systemClock })));
