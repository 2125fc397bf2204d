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

interface Waiting {
  parts: number;
  grant: () => void;
  fail: (error: unknown) => void;
}

/**
 * A sliding-window log of grants in one DynamoDB item, updated under an optimistic lock: a grant
 * is written only if the parts granted in the last window plus its own stay within `mps`, and the
 * conditional write makes that check and the grant one atomic step across all senders.
 *
 * Within one instance, reservations queue and are granted in order, as many per write as fit:
 * every message in flight hitting the item on its own would turn each grant into a storm of
 * lost optimistic locks (measured: about 8 conflicts per grant with 12 racing messages).
 */
export class DynamoPacer implements Pacer {
  /**
   * `conflicts`: writes that lost the optimistic lock (DynamoDB bills them too); `late`: grants
   * written but not used because the write took too long (their parts stay counted, unsent).
   */
  readonly usage = { readUnits: 0, writeUnits: 0, conflicts: 0, late: 0 };
  private readonly doc: DynamoDBDocumentClient;
  private readonly mps: number;
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly waiting: Waiting[] = [];
  private granting = false;

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
    this.marginMs = marginMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private get windowMs(): number {
    return 1000 + this.marginMs;
  }

  reserve(parts: number): Promise<void> {
    if (!Number.isInteger(parts) || parts < 1) return Promise.reject(new RangeError(`parts must be a positive integer, got ${parts}`));
    if (parts > this.mps) {
      return Promise.reject(
        new PacerCapacityError(`a message of ${parts} SMS parts exceeds the whole budget of ${this.mps} parts per second`),
      );
    }
    return new Promise((grant, fail) => {
      this.waiting.push({ parts, grant, fail });
      if (!this.granting) void this.grantAll();
    });
  }

  private async grantAll(): Promise<void> {
    this.granting = true;
    try {
      while (this.waiting.length > 0) await this.grantRound();
    } catch (error) {
      // The store is failing (throttled beyond the SDK's retries, gone): fail every waiting
      // message, each is retried by its own redelivery.
      for (const request of this.waiting.splice(0)) request.fail(error);
    } finally {
      this.granting = false;
    }
  }

  /** Grants the longest head of the queue that fits the window, or sleeps until the head fits. */
  private async grantRound(): Promise<void> {
    const { grants, version } = await this.read();
    // Stamped after the read, so a grant is always stamped later than the grants it saw.
    const stamp = this.now();
    const live = grants.filter(([at]) => at > stamp - this.windowMs);
    const used = live.reduce((sum, [, parts]) => sum + parts, 0);
    let count = 0;
    let parts = 0;
    for (const request of this.waiting) {
      if (used + parts + request.parts > this.mps) break;
      parts += request.parts;
      count++;
    }
    const head = this.waiting[0];
    if (count === 0) {
      if (head) await this.sleep(this.waitMs(live, used + head.parts - this.mps, stamp));
      return;
    }
    // On a conflict someone else granted in between, and their grant may change the answer.
    if (!(await this.write([...live, [stamp, parts]], version))) return;
    // The proof that no real window overruns needs every send within the margin of its stamp:
    // half of it for this write, half for the way to SNS and clock skew between instances.
    if (this.now() - stamp > this.marginMs / 2) {
      this.usage.late++;
      return;
    }
    for (const request of this.waiting.splice(0, count)) request.grant();
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
