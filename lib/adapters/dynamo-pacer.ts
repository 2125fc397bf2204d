import { ConditionalCheckFailedException, type ConsumedCapacity, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Pacer } from '../ports.ts';

/**
 * The pacer's one item in the shared table, beside the customer partitions of `keys`. Every
 * sender of every Lambda instance reads and writes it, so it is the single place where the MPS
 * budget is counted.
 */
export const pacerKey = { pk: 'PACER', sk: 'SMS' } as const;

/** `grants`: `[epochMs, parts]` of every reservation still inside the window. */
const PacerItemSchema = z.object({
  grants: z.array(z.tuple([z.number(), z.number().int().positive()])),
  version: z.number().int().nonnegative(),
});

type Grant = [at: number, parts: number];

/** A message longer than the whole per-second budget: it can never go, so never retry it. */
export class PacerCapacityError extends Error {
  readonly retryable = false;
  override name = 'PacerCapacityError';
}

export interface DynamoPacerOptions {
  /** SMS parts per second, summed over all senders. */
  mps: number;
  /**
   * Added to the 1-second window. A grant is stamped before its conditional write and its SNS
   * call, so the send happens a little later than the stamp; as long as that delay (plus clock
   * skew between Lambda instances) stays under the margin, no real 1-second window can hold
   * more than `mps` parts. Costs about margin / 1000 of the throughput.
   */
  marginMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * A sliding-window log of grants in one DynamoDB item, updated under an optimistic lock:
 * `reserve` succeeds only if the parts granted in the last window plus its own stay within `mps`,
 * and its conditional write makes that check and the grant one atomic step across all senders.
 */
export class DynamoPacer implements Pacer {
  /** `conflicts`: writes that lost the optimistic lock (DynamoDB bills them too). */
  readonly usage = { readUnits: 0, writeUnits: 0, conflicts: 0 };
  private readonly doc: DynamoDBDocumentClient;
  private readonly mps: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    options: DynamoPacerOptions,
  ) {
    const { mps, marginMs = 25 } = options;
    if (!Number.isInteger(mps) || mps < 1) throw new RangeError(`mps must be a positive integer, got ${mps}`);
    if (!(marginMs >= 0)) throw new RangeError(`marginMs must be >= 0, got ${marginMs}`);
    this.doc = DynamoDBDocumentClient.from(client);
    this.mps = mps;
    this.windowMs = 1000 + marginMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async reserve(parts: number): Promise<void> {
    if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
    if (parts > this.mps) {
      throw new PacerCapacityError(`a message of ${parts} SMS parts exceeds the whole budget of ${this.mps} parts per second`);
    }
    for (;;) {
      const { grants, version } = await this.read();
      // Stamped after the read, so a grant is always stamped later than the grants it saw.
      const now = this.now();
      const live = grants.filter(([at]) => at > now - this.windowMs);
      const used = live.reduce((sum, [, granted]) => sum + granted, 0);
      if (used + parts <= this.mps) {
        if (await this.write([...live, [now, parts]], version)) return;
        continue; // someone else granted in between: their grant may change the answer
      }
      await this.sleep(this.waitMs(live, used + parts - this.mps, now));
    }
  }

  /** Until enough of the oldest grants have left the window to free `needed` parts. */
  private waitMs(live: readonly Grant[], needed: number, now: number): number {
    // Sorted, because another instance's clock may stamp slightly out of order.
    const oldestFirst = [...live].sort((a, b) => a[0] - b[0]);
    let freed = 0;
    for (const [at, granted] of oldestFirst) {
      freed += granted;
      if (freed >= needed) return Math.max(0, at + this.windowMs - now);
    }
    return 0; // unreachable while parts <= mps; re-reading is the safe answer anyway
  }

  private async read(): Promise<z.infer<typeof PacerItemSchema>> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pacerKey, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.count(result.ConsumedCapacity, 'read');
    if (!result.Item) return { grants: [], version: 0 };
    const parsed = PacerItemSchema.safeParse(result.Item);
    if (!parsed.success) throw new Error(`pacer item ${pacerKey.pk} ${pacerKey.sk} is corrupt: ${parsed.error.message}`);
    return parsed.data;
  }

  /** False when another sender wrote since our read. */
  private async write(grants: Grant[], version: number): Promise<boolean> {
    try {
      const result = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pacerKey, grants, version: version + 1 },
          ConditionExpression: version === 0 ? 'attribute_not_exists(#version)' : '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ...(version === 0 ? {} : { ExpressionAttributeValues: { ':version': version } }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count(result.ConsumedCapacity, 'write');
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      this.usage.conflicts++;
      return false;
    }
  }

  private count(consumed: ConsumedCapacity | undefined, kind: 'read' | 'write'): void {
    const units = consumed?.CapacityUnits ?? 0;
    if (kind === 'read') this.usage.readUnits += units;
    else this.usage.writeUnits += units;
  }
}
