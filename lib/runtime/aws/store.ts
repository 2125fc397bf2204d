import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../adapters/dynamo-client.ts';
import { DynamoPacer } from '../../adapters/dynamo-pacer.ts';
import { DynamoStore } from '../../adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../config/schema.ts';
import type { BatchScans, CustomerReads, Decisions, Deliveries, DueIndex, OrderHistory, RunPlans, RunProgress } from '../../ports/store.ts';
import type { DeployedFunction, FUNCTION_PORTS } from '../../store/access.ts';
import { requireEnv } from './env.ts';

/** The port types behind the names in lib/store/access.ts (the pacer is built apart: `pacer`). */
interface PortTypes {
  dueIndex: DueIndex;
  decisions: Decisions;
  runPlans: RunPlans;
  runProgress: RunProgress;
  deliveries: Deliveries;
  orderHistory: OrderHistory;
  customerReads: CustomerReads;
  batchScans: BatchScans;
}

type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** A deployed function's store: the ports it is granted (lib/store/access.ts), and no others. */
export type StoreOf<F extends DeployedFunction> = Intersection<PortTypes[Extract<(typeof FUNCTION_PORTS)[F][number], keyof PortTypes>]>;

/** One client and table per cold start, shared by a function's store and its pacer. */
function table(): { client: DynamoDBClient; tableName: string } {
  // DYNAMODB_ENDPOINT is only set when the bundles run against dynalite, never on AWS.
  return { client: dynamoClient(process.env.DYNAMODB_ENDPOINT), tableName: requireEnv('TABLE_NAME') };
}

function store(): DynamoStore {
  const { client, tableName } = table();
  return new DynamoStore(client, tableName);
}

/**
 * The store each deployed function's handler gets, typed as exactly the ports the stack grants it
 * (lib/store/access.ts): a use case that needs a port its function is not granted does not
 * compile, so the grant and the code cannot drift apart. Each command is also checked against its
 * own port's declaration at run time.
 */
export const functionStores: { [F in DeployedFunction]: () => StoreOf<F> } = {
  'plan-recall': store,
  'scan-shard': store,
  'send-message': store,
  'record-order': store,
  'run-test-campaign': store,
  'learn-windows': store,
};

export function pacer(config: CampaignConfig): DynamoPacer {
  const { client, tableName } = table();
  return new DynamoPacer(client, tableName, { mps: config.sms.mps });
}
