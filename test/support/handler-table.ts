import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { keys } from '../../lib/store/tables.ts';
import { DynamoFaults } from './dynamo-faults.ts';
import { setHandlerEnv } from './handler-env.ts';
import { TestDynamo } from './store.ts';
import { scanTable, type TableItem } from './table-state.ts';

/**
 * The table a handler test runs on: dynalite with one fresh table, the handler reaching it
 * through the fault injector (test/support/dynamo-faults.ts) and the test reading it directly.
 */

export interface HandlerTable {
  dynamo: TestDynamo;
  /** The test's own view of the table (straight to dynalite, never through the faults). */
  store: DynamoStore;
  /** Between the handler and dynalite. */
  faults: DynamoFaults;
  stop(): Promise<void>;
}

/** dynalite with one fresh table, the handler env pointing at it through the fault proxy. */
export async function startHandlerTable(): Promise<HandlerTable> {
  const dynamo = await TestDynamo.start();
  const store = await dynamo.freshStore();
  const faults = await DynamoFaults.start(dynamo.endpoint);
  setHandlerEnv({ tableName: store.tableName, endpoint: faults.endpoint });
  return {
    dynamo,
    store,
    faults,
    async stop() {
      await faults.close();
      await dynamo.stop();
    },
  };
}

/** Every item of the table by `pk|sk`: a test compares two of these to prove what was written. */
export const tableItems = scanTable;

/** Keys of items added, changed or removed between two snapshots, sorted. */
export function changedKeys(before: Map<string, TableItem>, after: Map<string, TableItem>): string[] {
  const changed = new Set<string>();
  for (const [key, item] of after) if (JSON.stringify(item) !== JSON.stringify(before.get(key))) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return [...changed].sort();
}

export async function getItem(store: DynamoStore, pk: string, sk: string): Promise<TableItem | undefined> {
  const doc = DynamoDBDocumentClient.from(store.client);
  return (await doc.send(new GetCommand({ TableName: store.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
}

export function ledgerItem(store: DynamoStore, job: { customerId: string; journeyId: string; cycle: string; stepId: string }) {
  return getItem(store, keys.customer(job.customerId), keys.ledger(job.journeyId, job.cycle, job.stepId));
}

export function profileItem(store: DynamoStore, customerId: string) {
  return getItem(store, keys.customer(customerId), keys.profile);
}
