import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConditionalCheckFailedException, DescribeTableCommand, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient, dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { ensureTable } from '../../lib/adapters/dynamo/provision.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../lib/adapters/embedded-dynamo.ts';

/*
 * The embedded store's own thread, reached without TCP: the document client's item commands skip
 * the SDK's pipeline there (lib/adapters/dynamo-client.ts documentClient). The same commands through
 * the SDK over TCP and through the thread's port must give the same answers, the same errors and
 * the same stored items.
 */

/** Each answer or error, without what differs from request to request (request ids). */
async function outcome(send: () => Promise<object>): Promise<unknown> {
  try {
    const { $metadata, ...output } = (await send()) as { $metadata?: { httpStatusCode?: number } };
    return { status: $metadata?.httpStatusCode, output };
  } catch (error) {
    if (!(error instanceof DynamoDBServiceException)) throw error;
    return {
      error: error.name,
      message: error.message,
      fault: error.$fault,
      status: error.$metadata.httpStatusCode,
      conditionFailed: error instanceof ConditionalCheckFailedException,
    };
  }
}

/** Every kind of item command the adapters send, on `table`: writes, reads, pages, batches, failed conditions, a bad request. */
async function scenario(doc: DynamoDBDocumentClient, table: string): Promise<unknown[]> {
  const item = {
    pk: 'C#1',
    sk: 'PROFILE',
    name: '韩宇轩',
    phone: '+8613800138001',
    amount: 179.5,
    count: 3,
    optIn: true,
    none: null,
    empty: '',
    gone: undefined,
    tags: new Set(['a', 'b']),
    lines: [{ category: 'skin', amount: 49 }, 'x', 2],
    nested: { deeper: { list: [1, 2, 3] } },
  };
  const results: unknown[] = [];
  const step = async (send: () => Promise<object>) => results.push(await outcome(send));
  await step(() => doc.send(new PutCommand({ TableName: table, Item: item, ReturnConsumedCapacity: 'TOTAL' })));
  await step(() => doc.send(new GetCommand({ TableName: table, Key: { pk: 'C#1', sk: 'PROFILE' }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })));
  await step(() => doc.send(new GetCommand({ TableName: table, Key: { pk: 'C#1', sk: 'MISSING' } })));
  await step(() => doc.send(new PutCommand({ TableName: table, Item: { pk: 'C#1', sk: 'PROFILE' }, ConditionExpression: 'attribute_not_exists(pk)', ReturnConsumedCapacity: 'TOTAL' })));
  await step(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: 'C#1', sk: 'PROFILE' },
        UpdateExpression: 'SET #count = #count + :one, #status = :status',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#status) OR #status = :old)',
        ExpressionAttributeNames: { '#count': 'count', '#status': 'status' },
        ExpressionAttributeValues: { ':one': 1, ':status': 'sent', ':old': 'sending' },
        ReturnValues: 'ALL_NEW',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  await step(() =>
    doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: 'C#1', sk: 'PROFILE' },
        UpdateExpression: 'SET #status = :status',
        ConditionExpression: '#status = :old',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': 'failed', ':old': 'sending' },
      }),
    ),
  );
  await step(() =>
    doc.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: [
            { PutRequest: { Item: { pk: 'C#1', sk: 'ORDER#1', total: 99, categories: ['skin'] } } },
            { PutRequest: { Item: { pk: 'C#1', sk: 'ORDER#2', total: 199, categories: [] } } },
            { PutRequest: { Item: { pk: 'C#2', sk: 'PROFILE', name: 'x' } } },
            { DeleteRequest: { Key: { pk: 'C#9', sk: 'PROFILE' } } },
          ],
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  // A batch's items come back in no set order (DynamoDB's neither): sorted by key here.
  await step(async () => {
    const output = await doc.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: [{ pk: 'C#1', sk: 'ORDER#1' }, { pk: 'C#2', sk: 'PROFILE' }, { pk: 'C#3', sk: 'PROFILE' }], ConsistentRead: true } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    const byKey = (a: Record<string, unknown>, b: Record<string, unknown>) => `${String(a.pk)}/${String(a.sk)}`.localeCompare(`${String(b.pk)}/${String(b.sk)}`);
    return { ...output, Responses: { [table]: [...(output.Responses?.[table] ?? [])].sort(byKey) } };
  });
  const query = { TableName: table, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :order)', ExpressionAttributeValues: { ':pk': 'C#1', ':order': 'ORDER#' }, ConsistentRead: true, Limit: 1 };
  const first = await doc.send(new QueryCommand(query));
  results.push(first.Items, first.LastEvaluatedKey, first.Count);
  await step(() => doc.send(new QueryCommand({ ...query, ExclusiveStartKey: first.LastEvaluatedKey, ReturnConsumedCapacity: 'TOTAL' })));
  await step(() => doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'C#1' }, ProjectionExpression: 'sk, #t', ExpressionAttributeNames: { '#t': 'total' } })));
  await step(() => doc.send(new ScanCommand({ TableName: table, FilterExpression: 'total > :min', ExpressionAttributeValues: { ':min': 100 } })));
  await step(() => doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'C#1', ':unused': 1 } })));
  await step(() => doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'C#1', sk: 'ORDER#2' }, ConditionExpression: 'total > :min', ExpressionAttributeValues: { ':min': 1000 } })));
  await step(() => doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'C#1', sk: 'ORDER#2' }, ReturnValues: 'ALL_OLD' })));
  const stored = await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  results.push(Object.fromEntries((stored.Items ?? []).map((item) => [`${String(item.pk)}/${String(item.sk)}`, item])));
  return JSON.parse(JSON.stringify(results, (_key, value: unknown) => (value instanceof Set ? { set: [...(value as Set<unknown>)] } : value)).replaceAll(table, 'TABLE'));
}

describe('the embedded store reached over its thread port', () => {
  let dir: string;
  let store: EmbeddedDynamo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-embedded-thread-'));
    store = await startEmbeddedDynamo(join(dir, 'dynamo'));
  });

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same answers, errors and stored items as the SDK over TCP', async () => {
    // Prepare
    const { thread } = store;
    if (!thread) throw new Error('an on-disk store runs in a thread of its own');
    const overTcp = dynamoClient(store.endpoint, { embedded: true });
    const overPort = dynamoClient(store.endpoint, { thread });
    await ensureTable(overTcp, 'over-tcp');
    await ensureTable(overPort, 'over-port');

    // Act
    const expected = await scenario(documentClient(overTcp), 'over-tcp');
    const actual = await scenario(documentClient(overPort), 'over-port');

    // Assess
    expect(actual).toEqual(expected);
    expect(expected).toContainEqual(expect.objectContaining({ error: 'ConditionalCheckFailedException', conditionFailed: true, status: 400 }));
    expect(expected).toContainEqual(expect.objectContaining({ error: 'ValidationException', conditionFailed: false }));
  });

  it('serves the SDK itself over the port too (commands the document client does not send, such as DescribeTable)', async () => {
    // Prepare
    const { thread } = store;
    if (!thread) throw new Error('an on-disk store runs in a thread of its own');
    const client = dynamoClient(store.endpoint, { thread });
    await ensureTable(client, 'described');

    // Act
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'described' }));

    // Assess
    expect(Table?.TableStatus).toBe('ACTIVE');
  });
});
