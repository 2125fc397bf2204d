import { dynamoClient } from '../../adapters/dynamo-client.ts';
import { DynamoPacer } from '../../adapters/dynamo-pacer.ts';
import { DynamoRecallStore } from '../../adapters/dynamo-store.ts';
import type { CampaignConfig } from '../../config/schema.ts';
import { requireEnv } from './env.ts';

export function recallStore(): DynamoRecallStore {
  // DYNAMODB_ENDPOINT is only set when the bundles run against dynalite, never on AWS.
  return new DynamoRecallStore(dynamoClient(process.env.DYNAMODB_ENDPOINT), requireEnv('TABLE_NAME'));
}

export function pacer(store: DynamoRecallStore, config: CampaignConfig): DynamoPacer {
  return new DynamoPacer(store.client, store.tableName, { mps: config.sms.mps });
}
