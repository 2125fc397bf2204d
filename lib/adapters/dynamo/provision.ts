import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  ScanCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeValue,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type TableDescription,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { recallTable } from '../../store/tables.ts';
import { wait } from '../retry.ts';

/* The table, made from the shared definition where no stack made it: the local runtime and tests. */

function indexDefinition(index: typeof recallTable.dueIndex | typeof recallTable.dateIndex | typeof recallTable.calendarIndex): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projectedAttributes] },
  };
}

const { partitionKey, sortKey, dueIndex, dateIndex, calendarIndex } = recallTable;
const INDEXES = [dueIndex, dateIndex, calendarIndex];
const ATTRIBUTES = [partitionKey, sortKey, ...INDEXES.flatMap((index) => [index.partitionKey, index.sortKey])].map((name) => ({
  AttributeName: name,
  AttributeType: 'S' as const,
}));

/** Where a store's items wait while the store is made again with every index (see `rebuild`). */
const rebuildName = (tableName: string) => `${tableName}.rebuild`;

/**
 * Creates the table (and its TTL) when missing. A table made before an index existed gets it
 * added: DynamoDB backfills it; dynalite (the local store) cannot, so its table is made again
 * with every index and its items copied back (`rebuild`).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const table = await describe(client, tableName);
  if (await describe(client, rebuildName(tableName))) {
    // A rebuild stopped half way: its copy is whole once the old table is gone or has every index.
    if (!table || missingIndexes(table).length === 0) return finishRebuild(client, tableName, table !== undefined);
    await deleteTable(client, rebuildName(tableName));
  }
  if (!table) return createTable(client, tableName);
  // One index per update, as DynamoDB allows.
  for (const index of missingIndexes(table)) {
    await client.send(new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: ATTRIBUTES, GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }] })).catch(() => undefined);
  }
  const updated = await describe(client, tableName);
  if (updated && missingIndexes(updated).length > 0) await rebuild(client, tableName);
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function missingIndexes(table: TableDescription): typeof INDEXES {
  return INDEXES.filter((index) => !table.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.name));
}

/**
 * The table made again with every index: its items copied to a new table first, then the old one
 * deleted, made again and the items copied back. Stopped at any point, the next `ensureTable`
 * starts over (the old table still lacks the index) or finishes from the copy.
 */
async function rebuild(client: DynamoDBClient, tableName: string): Promise<void> {
  await createTable(client, rebuildName(tableName));
  await copyItems(client, tableName, rebuildName(tableName));
  await deleteTable(client, tableName);
  await finishRebuild(client, tableName, false);
}

async function finishRebuild(client: DynamoDBClient, tableName: string, created: boolean): Promise<void> {
  if (!created) await createTable(client, tableName);
  await copyItems(client, rebuildName(tableName), tableName);
  await deleteTable(client, rebuildName(tableName));
}

async function copyItems(client: DynamoDBClient, from: string, to: string): Promise<void> {
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: from, ExclusiveStartKey: startKey }));
    for (let i = 0; i < (page.Items ?? []).length; i += 25) {
      let pending: WriteRequest[] = (page.Items ?? []).slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await wait(Math.min(1000, 50 * 2 ** attempt));
        const result = await client.send(new BatchWriteItemCommand({ RequestItems: { [to]: pending } }));
        pending = result.UnprocessedItems?.[to] ?? [];
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

async function deleteTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  for (let attempt = 0; attempt < 50 && (await describe(client, tableName)); attempt++) await wait(100);
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ATTRIBUTES,
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: INDEXES.map(indexDefinition),
    }),
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await describe(client, tableName))?.TableStatus === 'ACTIVE') break;
    await wait(100);
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: recallTable.timeToLiveAttribute, Enabled: true } }));
  } catch (error) {
    // dynalite has no TTL API (and never expires items); every real DynamoDB has it.
    if ((error as { name?: string } | undefined)?.name !== 'UnknownOperationException') throw error;
  }
}
