import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { ShardPart } from '../../lib/domain/records.ts';
import { keys } from '../../lib/store/tables.ts';
import { TestDynamo } from '../support/store.ts';

const KEEP_UNTIL = '2026-12-31';

const part = (batches: number, sent: number, countedThrough: string, final = false): ShardPart => ({
  shard: 3,
  final,
  tally: { evaluated: sent, invalidItems: 1, byJourney: { recency: { first: { sent } } } },
  batches,
  countedThrough,
});

/** A shard job's stored counts (docs/architecture.md#counting-a-run) on dynalite: they only ever move forward. */
describe('a shard part', () => {
  let dynamo: TestDynamo;
  let store: DynamoStore;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    store = await dynamo.freshStore();
  });
  afterAll(async () => {
    store.client.destroy();
    await dynamo.stop();
  });

  it('is replaced by counts holding more batches, never by counts holding as many or fewer', async () => {
    expect(await store.getShardPart('daily-2026-12-01', 3, '')).toBeUndefined();
    await store.putShardPart('daily-2026-12-01', '', part(2, 150, 'c-0150'), KEEP_UNTIL);
    // A slower delivery of the same job, one batch behind, and a duplicate as far: both refused.
    await store.putShardPart('daily-2026-12-01', '', part(1, 90, 'c-0090'), KEEP_UNTIL);
    await store.putShardPart('daily-2026-12-01', '', part(2, 140, 'c-0140'), KEEP_UNTIL);
    expect(await store.getShardPart('daily-2026-12-01', 3, '')).toEqual(part(2, 150, 'c-0150'));

    await store.putShardPart('daily-2026-12-01', '', part(3, 200, 'c-0200', true), KEEP_UNTIL);
    expect(await store.getShardPart('daily-2026-12-01', 3, '')).toEqual(part(3, 200, 'c-0200', true));
    // Each (shard, part) is its own item: a continuation's counts beside the first job's.
    expect(await store.getShardPart('daily-2026-12-01', 3, 'c-0200')).toBeUndefined();
  });

  it('stored before the counts said how many batches they hold reads as none counted, and is replaced by the next', async () => {
    const doc = DynamoDBDocumentClient.from(store.client);
    const { batches: _batches, countedThrough: _through, ...older } = part(1, 40, 'c-0040', true);
    await doc.send(new PutCommand({ TableName: store.tableName, Item: { pk: keys.run('daily-2026-11-30'), sk: keys.shardPart(3, ''), ...older } }));
    expect(await store.getShardPart('daily-2026-11-30', 3, '')).toEqual({ ...older, batches: 0, countedThrough: '' });

    await store.putShardPart('daily-2026-11-30', '', part(1, 45, 'c-0045', true), KEEP_UNTIL);
    expect(await store.getShardPart('daily-2026-11-30', 3, '')).toEqual(part(1, 45, 'c-0045', true));
  });
});
