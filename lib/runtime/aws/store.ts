import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../adapters/dynamo-client.ts';
import { DynamoPacer } from '../../adapters/dynamo-pacer.ts';
import { DynamoStore } from '../../adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../config/schema.ts';
import type {
  BatchScans,
  CalendarReads,
  ConfigReads,
  CustomerImport,
  CustomerReads,
  Decisions,
  Deliveries,
  DueIndex,
  ImportClaims,
  ImportLog,
  OrderHistory,
  Receipts,
  Replies,
  RunPlans,
  RunProgress,
} from '../../ports/store.ts';
import { FUNCTION_PORTS, type FunctionName } from '../../store/access.ts';
import { requireEnv } from './env.ts';

/** The port types behind the names in lib/store/access.ts (the pacer is built apart: `pacer`). */
interface PortTypes {
  dueIndex: DueIndex;
  calendarReads: CalendarReads;
  decisions: Decisions;
  runPlans: RunPlans;
  runProgress: RunProgress;
  deliveries: Deliveries;
  orderHistory: OrderHistory;
  customerReads: CustomerReads;
  batchScans: BatchScans;
  receipts: Receipts;
  replies: Replies;
  configReads: ConfigReads;
  customerImport: CustomerImport;
  importLog: ImportLog;
  importClaims: ImportClaims;
}

type Intersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** A deployed function's store: the ports it is granted (lib/store/access.ts), and no others. */
export type StoreOf<F extends FunctionName> = Intersection<PortTypes[Extract<(typeof FUNCTION_PORTS)[F][number], keyof PortTypes>]>;

/** One client and table per cold start, shared by a function's store and its pacer. */
function table(): { client: DynamoDBClient; tableName: string } {
  // DYNAMODB_ENDPOINT is only set when the bundles run against dynalite, never on AWS.
  return { client: dynamoClient(process.env.DYNAMODB_ENDPOINT), tableName: requireEnv('TABLE_NAME') };
}

/** The store of `fn`: only the ports the stack grants it, so a command outside them fails. */
function storeOf(fn: FunctionName): () => DynamoStore {
  return () => {
    const { client, tableName } = table();
    return new DynamoStore(client, tableName, FUNCTION_PORTS[fn]);
  };
}

/**
 * The store each deployed function's handler gets, typed as exactly the ports the stack grants it
 * (lib/store/access.ts): a use case that needs a port its function is not granted does not
 * compile, so the grant and the code cannot drift apart. Each command is also checked against its
 * own port's declaration at run time.
 */
export const functionStores: { [F in FunctionName]: () => StoreOf<F> } = {
  'plan-recall': storeOf('plan-recall'),
  'scan-shard': storeOf('scan-shard'),
  'send-message': storeOf('send-message'),
  'record-order': storeOf('record-order'),
  'run-test-campaign': storeOf('run-test-campaign'),
  'learn-windows': storeOf('learn-windows'),
  'record-delivery': storeOf('record-delivery'),
  'record-reply': storeOf('record-reply'),
  'import-file': storeOf('import-file'),
};

export function pacer(config: CampaignConfig): DynamoPacer {
  const { client, tableName } = table();
  return new DynamoPacer(client, tableName, { mps: config.sms.mps });
}
