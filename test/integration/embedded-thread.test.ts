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
 * the SDK's pipeline there (lib/adapters/dynamo-client.ts documentClient), and the thread batches
 * LevelDB writes and parses each expression once (lib/adapters/embedded-dynamo.ts). The same
 * commands through the SDK over TCP to dynalite as it comes, and through the thread's port, must
 * give the same answers, the same errors and the same stored items.
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
  await step(() => doc.send(new ScanCommand({ TableName: table, FilterExpression: '#t > :min', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':min': 100 } })));
  await step(() => doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'C#1', ':unused': 1 } })));
  // Expressions dynalite refuses for their values' types or contents, each also after the same expression passed.
  const key = { pk: 'C#1', sk: 'ORDER#1' };
  for (const [low, high] of [[1, 500], [500, 1], [1, 'a']]) {
    await step(() => doc.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high', ExpressionAttributeValues: { ':pk': 'C#1', ':low': String(low), ':high': String(high) } })));
    await step(() => doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET #n = :n', ConditionExpression: '#t BETWEEN :low AND :high', ExpressionAttributeNames: { '#n': 'note', '#t': 'total' }, ExpressionAttributeValues: { ':n': 'x', ':low': low, ':high': high } })));
  }
  for (const type of ['N', 'XX']) {
    await step(() => doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET #n = :n', ConditionExpression: 'attribute_type(#t, :type)', ExpressionAttributeNames: { '#n': 'note', '#t': 'total' }, ExpressionAttributeValues: { ':n': type, ':type': type } })));
  }
  for (const by of [2, 'two', 3]) {
    await step(() => doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET #t = #t + :by', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':by': by }, ReturnValues: 'UPDATED_NEW' })));
  }
  for (const values of [{ ':n': 'y' }, { ':n': 'y', ':extra': 1 }, { ':m': 'y' }]) {
    await step(() => doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: { '#n': 'note' }, ExpressionAttributeValues: values, ReturnValues: 'ALL_NEW' })));
  }
  const nameSets: Record<string, string>[] = [{ '#n': 'note' }, { '#n': 'note', '#unused': 'x' }, { '#m': 'note' }];
  for (const names of nameSets) {
    await step(() => doc.send(new GetCommand({ TableName: table, Key: key, ProjectionExpression: '#n, sk', ExpressionAttributeNames: names })));
  }
  for (const list of [['a'], 'a']) {
    await step(() => doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'SET categories = list_append(categories, :more)', ExpressionAttributeValues: { ':more': list }, ReturnValues: 'UPDATED_NEW' })));
  }
  await step(() => doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'C#1', sk: 'ORDER#2' }, ConditionExpression: '#t > :min', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':min': 1000 } })));
  await step(() => doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'C#1', sk: 'ORDER#2' }, ReturnValues: 'ALL_OLD' })));
  const stored = await doc.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  results.push(Object.fromEntries((stored.Items ?? []).map((item) => [`${String(item.pk)}/${String(item.sk)}`, item])));
  return JSON.parse(JSON.stringify(results, (_key, value: unknown) => (value instanceof Set ? { set: [...(value as Set<unknown>)] } : value)).replaceAll(table, 'TABLE'));
}

describe('the embedded store reached over its thread port', () => {
  let dir: string;
  let store: EmbeddedDynamo;
  let plain: EmbeddedDynamo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-embedded-thread-'));
    store = await startEmbeddedDynamo(join(dir, 'dynamo'));
    plain = await startEmbeddedDynamo();
  });

  afterAll(async () => {
    await store.close();
    await plain.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the same answers, errors and stored items as dynalite served as it comes, through the SDK over TCP', async () => {
    // Prepare: the same dynalite as it comes (in memory, in this thread), and the store's thread,
    // whose parsed expressions are reused: its scenario runs twice, the second time on known expressions.
    const { thread } = store;
    if (!thread) throw new Error('an on-disk store runs in a thread of its own');
    const overTcp = dynamoClient(plain.endpoint, { embedded: true });
    const overPort = dynamoClient(store.endpoint, { thread });
    await ensureTable(overTcp, 'over-tcp');
    await ensureTable(overPort, 'over-port');
    await ensureTable(overPort, 'over-port-again');

    // Act
    const expected = await scenario(documentClient(overTcp), 'over-tcp');
    const actual = await scenario(documentClient(overPort), 'over-port');
    const again = await scenario(documentClient(overPort), 'over-port-again');

    // Assess
    expect(actual).toEqual(expected);
    expect(again).toEqual(expected);
    expect(expected).toContainEqual(expect.objectContaining({ error: 'ConditionalCheckFailedException', conditionFailed: true, status: 400 }));
    expect(expected).toContainEqual(expect.objectContaining({ error: 'ValidationException', conditionFailed: false }));
    expect(expected.filter((result) => JSON.stringify(result).includes('ValidationException')).length).toBeGreaterThanOrEqual(7);
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
