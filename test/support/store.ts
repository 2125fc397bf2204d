import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../lib/adapters/embedded-dynamo.ts';

/** A real DynamoDB-API server (dynalite, in memory) for one test file; a fresh table per call. */
export class TestDynamo {
  private constructor(private readonly server: EmbeddedDynamo) {}

  static async start(): Promise<TestDynamo> {
    return new TestDynamo(await startEmbeddedDynamo());
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  async freshStore(): Promise<DynamoStore> {
    const store = new DynamoStore(dynamoClient(this.server.endpoint), `recall-${randomUUID().slice(0, 8)}`);
    await store.ensureTable();
    return store;
  }

  stop(): Promise<void> {
    return this.server.close();
  }
}

/**
 * A DynamoDB client of our own for a local endpoint, with as many SDK attempts as a test needs.
 * With `backoffBaseMs`, the SDK's standard strategy (error classes, retry quota, attempts) keeps
 * its exponential full-jitter backoff but starts from that base instead of its own (1 s for
 * throttling), so a suite with thousands of injected faults stays within its time budget.
 */
export function testDynamoClient(endpoint: string, maxAttempts = 3, backoffBaseMs?: number, options: { bottomlessQuota?: boolean } = {}): DynamoDBClient {
  const strategy =
    backoffBaseMs === undefined ? undefined : new ConfiguredRetryStrategy(maxAttempts, (attempt: number) => 1 + Math.floor(Math.random() * Math.min(2_000, backoffBaseMs * 2 ** attempt)));
  if (strategy && options.bottomlessQuota) {
    // The standard strategy keeps a retry quota per client (500 tokens; a retried 500 costs 14,
    // a throttle 5, refunded on success). Thousands of requests in flight at a sustained 20%
    // fault rate drain it, and the SDK then stops retrying: on AWS the failed shard job goes
    // back to SQS. A load run that measures one whole run keeps the quota full instead.
    Object.defineProperty(strategy, 'capacity', { get: () => 500, set: () => undefined });
  }
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
    ...(strategy ? { retryStrategy: strategy } : {}),
  });
}
