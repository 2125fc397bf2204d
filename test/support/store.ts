import { randomUUID } from 'node:crypto';
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
