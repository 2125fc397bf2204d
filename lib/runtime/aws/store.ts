import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../../adapters/dynamo-client.ts';
import { DynamoPacer } from '../../adapters/dynamo-pacer.ts';
import { PortStore, type AdapterClasses } from '../../adapters/dynamo/port-store.ts';
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
  RecallStore,
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

/** The adapter classes of `F`'s table ports (the pacer is built apart: `pacer`). */
export type FunctionAdapters<F extends FunctionName> = Pick<AdapterClasses, Extract<(typeof FUNCTION_PORTS)[F][number], keyof AdapterClasses>>;

/**
 * The store of a deployed function, typed as exactly the ports the stack grants it
 * (lib/store/access.ts): a use case that needs a port its function is not granted does not
 * compile, so the grant and the code cannot drift apart. It holds only those ports, so a command
 * outside them fails, and each command is also checked against its own port's declaration at run
 * time. The function passes its ports' adapter classes (functions/*.ts), exactly those (a missing
 * or an extra one does not compile), so its bundle carries no other adapter module.
 */
export function functionStore<F extends FunctionName, A extends FunctionAdapters<F>>(fn: F, adapters: A & Record<Exclude<keyof A, keyof FunctionAdapters<F>>, never>): StoreOf<F>;
// The compiler cannot narrow a store to a generic function's ports; the signature above types each call.
export function functionStore(fn: FunctionName, adapters: Partial<AdapterClasses>): RecallStore {
  const { client, tableName } = table();
  return new PortStore(client, tableName, adapters, FUNCTION_PORTS[fn]);
}

export function pacer(config: CampaignConfig): DynamoPacer {
  const { client, tableName } = table();
  return new DynamoPacer(client, tableName, { mps: config.sms.mps });
}
