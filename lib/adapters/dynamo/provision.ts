import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
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

/**
 * Creates the table (and its TTL) when missing. A table made before the date or calendar index
 * existed gets it added where the API allows (DynamoDB backfills it; dynalite cannot: a report on
 * such a store says so, and its birthdays come with the next customer import).
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, dueIndex, dateIndex, calendarIndex } = recallTable;
  const indexes = [dueIndex, dateIndex, calendarIndex];
  const attributes = [partitionKey, sortKey, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])].map((name) => ({
    AttributeName: name,
    AttributeType: 'S' as const,
  }));
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // One index per update, as DynamoDB allows.
    for (const index of indexes) {
      if (Table?.GlobalSecondaryIndexes?.some((existing) => existing.IndexName === index.name)) continue;
      await client.send(new UpdateTableCommand({ TableName: tableName, AttributeDefinitions: attributes, GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(index) }] })).catch(() => undefined);
    }
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributes,
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map(indexDefinition),
    }),
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await wait(100);
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: recallTable.timeToLiveAttribute, Enabled: true } }));
  } catch (error) {
    // dynalite has no TTL API (and never expires items); every real DynamoDB has it.
    if ((error as { name?: string } | undefined)?.name !== 'UnknownOperationException') throw error;
  }
}
