import { CreateTableCommand, DescribeTableCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { recallTable } from '../../lib/store/tables.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/adapters/dynamo/provision.ts: a local store made before an index existed gets it. dynalite
 * cannot add an index to a table, so the table is made again with its items.
 */

const S = (value: string) => ({ S: value });

/** A table as an older version made it: the due index only, and a customer with a birthday entry. */
async function oldTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'duePk', 'dueSk'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: recallTable.dueIndex.name,
          KeySchema: [
            { AttributeName: 'duePk', KeyType: 'HASH' },
            { AttributeName: 'dueSk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 600));
  await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: S('C#c1'), sk: S('PROFILE'), customerId: S('c1'), name: S('张三'), birthday: S('07-14') } }));
  await client.send(new PutItemCommand({ TableName: tableName, Item: { pk: S('C#c1'), sk: S('BDAY'), customerId: S('c1'), calPk: S('B#07-14#3'), calSk: S('c1') } }));
}

async function indexNames(client: DynamoDBClient, tableName: string): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  return (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName ?? '').sort();
}

describe('a local store made before the calendar index', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('gets every index, its items kept and found through the new one', async () => {
    const client = dynamoClient(dynamo.endpoint);
    await oldTable(client, 'old');
    const store = new DynamoStore(client, 'old');

    await store.ensureTable();

    expect(await indexNames(client, 'old')).toEqual([recallTable.calendarIndex.name, recallTable.dateIndex.name, recallTable.dueIndex.name].sort());
    expect((await store.getProfiles(['c1'])).profiles.get('c1')).toMatchObject({ name: '张三', birthday: '07-14' });
    expect((await store.birthdaysOn('07-14', 3)).items).toEqual(['c1']);
    // Nothing left over, and a second start changes nothing.
    await expect(client.send(new DescribeTableCommand({ TableName: 'old.rebuild' }))).rejects.toThrow();
    await store.ensureTable();
    expect((await store.birthdaysOn('07-14', 3)).items).toEqual(['c1']);
  });

  it('finishes a rebuild that stopped after the old table was deleted, from its copy', async () => {
    const client = dynamoClient(dynamo.endpoint);
    // The copy as a stopped rebuild left it (made with every index), and no table of the name.
    const copy = new DynamoStore(client, 'stopped.rebuild');
    await copy.ensureTable();
    await client.send(new PutItemCommand({ TableName: 'stopped.rebuild', Item: { pk: S('C#c2'), sk: S('BDAY'), customerId: S('c2'), calPk: S('B#01-02#0'), calSk: S('c2') } }));

    const store = new DynamoStore(client, 'stopped');
    await store.ensureTable();

    expect((await store.birthdaysOn('01-02', 0)).items).toEqual(['c2']);
    await expect(client.send(new DescribeTableCommand({ TableName: 'stopped.rebuild' }))).rejects.toThrow();
  });
});
