import { GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortNotGrantedError } from '../../lib/adapters/dynamo/port-store.ts';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { accessViolation, DynamoTable, UndeclaredAccessError } from '../../lib/adapters/dynamo/table.ts';
import { accessOf, FUNCTION_PORTS, PORT_ACCESS } from '../../lib/store/access.ts';
import { recallTable } from '../../lib/store/tables.ts';
import { FUNCTION_NAMES } from '../../lib/store/access.ts';
import { TestDynamo } from '../support/store.ts';

/*
 * The check that holds every DynamoDB adapter to its port's declared access (lib/store/access.ts),
 * the declarations the stack grants from. Every other test on dynalite runs through the same check,
 * so a command outside a declaration fails there too; the handler tests run each deployed function
 * with only its own ports.
 */

describe('declared access', () => {
  let dynamo: TestDynamo;
  let store: DynamoStore;

  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    store = await dynamo.freshStore();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('refuses, before sending, a command outside the port: a customer Query from the sender, a Scan from the daily run, an undeclared index', async () => {
    const sender = new DynamoTable(store.client, store.tableName, PORT_ACCESS.deliveries);
    const decisions = new DynamoTable(store.client, store.tableName, PORT_ACCESS.decisions);

    expect(() => sender.checked(new QueryCommand({ TableName: store.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'C#c1' } }))).toThrow(UndeclaredAccessError);
    expect(() => decisions.checked(new ScanCommand({ TableName: store.tableName }))).toThrow(/Scan is not declared/);
    expect(() => decisions.checked(new QueryCommand({ TableName: store.tableName, IndexName: recallTable.dateIndex.name, KeyConditionExpression: 'x = :pk', ExpressionAttributeValues: { ':pk': 'L#x' } }))).toThrow(/index byDate/);
    expect(() => decisions.checked(new GetCommand({ TableName: store.tableName, Key: { pk: 'RUN#r1', sk: 'META' } }))).toThrow(/GetItem on partition RUN#\.\.\./);
    await expect(decisions.doc.send(decisions.checked(new GetCommand({ TableName: store.tableName, Key: { pk: 'C#c1', sk: 'PROFILE' } })))).resolves.toBeDefined();
  });

  it.each([
    ['GetItem', { Key: { pk: 'C#c1', sk: 'PROFILE' } }, undefined],
    ['GetItem', { Key: { pk: { S: 'PACER' }, sk: { S: 'SMS' } } }, 'GetItem on partition PACER is not declared'],
    ['PutItem', { Item: { pk: 'RUN#r1', sk: 'META' } }, 'PutItem on partition RUN#... is not declared'],
    ['BatchGetItem', { RequestItems: { t: { Keys: [{ pk: 'C#a', sk: 'PROFILE' }, { pk: 'IMPORTS', sk: 'LATEST' }] } } }, 'BatchGetItem on partition IMPORTS is not declared'],
    ['BatchWriteItem', { RequestItems: { t: [{ PutRequest: { Item: { pk: 'C#a', sk: 'PROFILE' } } }] } }, 'BatchWriteItem on partition C#... is not declared'],
    ['Query', { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'C#a' } }, 'Query on partition C#... is not declared'],
    ['Query', { KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'C#a' } }, 'Query names no partition this check can read'],
  ])('reads the partition of %s commands, plain or marshalled (decisions port)', (action, input, violation) => {
    expect(accessViolation(PORT_ACCESS.decisions, action, input)).toBe(violation);
  });

  it('a store holding only some ports refuses the others by name: what a deployed function gets', async () => {
    const sender = new DynamoStore(store.client, store.tableName, FUNCTION_PORTS['send-message']);

    await expect(sender.getProfiles(['c1'])).resolves.toMatchObject({ profiles: new Map() });
    await expect(sender.getCustomerHistory('c1')).rejects.toThrow(PortNotGrantedError);
    await expect(sender.scanCategories(0, 1)).rejects.toThrow(/scanCategories: this store holds none of the ports batchScans/);
  });

  it('declares the ports of exactly the deployed functions', () => {
    expect(Object.keys(FUNCTION_PORTS).sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  it('merges a function grant per partition pattern: scan-shard reads run items only to count (its part, the run), queries no customer partition and only reads the config', () => {
    expect(accessOf(FUNCTION_PORTS['scan-shard'])).toEqual({
      items: [
        { actions: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'], partitions: ['C#*'] },
        { actions: ['UpdateItem'], partitions: ['P#*'] },
        { actions: ['GetItem', 'PutItem', 'Query', 'UpdateItem'], partitions: ['RUN#*'] },
        { actions: ['GetItem', 'Query'], partitions: ['CONFIG'] },
      ],
      indexes: [recallTable.calendarIndex.name, recallTable.dueIndex.name],
      scan: false,
    });
    expect(accessOf(FUNCTION_PORTS['learn-windows'])).toEqual({ items: [{ actions: ['GetItem', 'Query'], partitions: ['CONFIG'] }], indexes: [], scan: true });
  });
});
