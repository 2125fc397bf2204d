import { DynamoReceipts } from '../lib/adapters/dynamo/replies.ts';
import { once } from '../lib/runtime/aws/env.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/record-delivery.ts';

export const handler = createHandler(once(async () => ({ store: functionStore('record-delivery', { receipts: DynamoReceipts }) })));
