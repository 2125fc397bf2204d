import { once } from '../lib/runtime/aws/env.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-delivery.ts';

export const handler = createHandler(once(async () => ({ store: functionStores['record-delivery']() })));
