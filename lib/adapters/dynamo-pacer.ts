import { ConditionalCheckFailedException, type ConsumedCapacity, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { CountSchema } from '../domain/fields.ts';
import type { Pacer } from '../ports/messaging.ts';
import { PermanentError } from '../errors.ts';
import { recallTable } from '../store/tables.ts';

/**
 * The pacer's one item in the shared table, beside the customer partitions of `keys`. Every
 * sender of every Lambda instance reads and writes it, so it is the single place where the MPS
 * budget is counted.
 */
export const pacerKey = { pk: 'PACER', sk: 'SMS' } as const;

/**
 * `grants`: every grant still inside the window as `offset:parts`, offsets in ms after `since`,
 * e.g. "0:1 12:3 40:1". At hundreds of grants per second one string is several times smaller
 * (billed write units) and cheaper to (un)marshal than a list of `[epochMs, parts]` lists.
 */
const PacerItemSchema = z.object({
  since: z.number().check(z.int()),
  grants: z.string().check(z.regex(/^(\d+:[1-9]\d*( \d+:[1-9]\d*)*)?$/)),
  version: CountSchema,
});

type Grant = [at: number, parts: number];

/**
 * The item's grants matter for one second: once no sender has written it for an hour, the table's
 * TTL may delete it (every write moves `expiresAt` on; a sender that finds it gone starts a new one).
 */
export const PACER_KEEP_SECONDS = 3600;

function encodeGrants(grants: readonly Grant[]): { since: number; grants: string } {
  const since = grants.length > 0 ? Math.min(...grants.map(([at]) => at)) : 0;
  return { since, grants: grants.map(([at, parts]) => `${at - since}:${parts}`).join(' ') };
}

function decodeGrants(since: number, text: string): Grant[] {
  if (text === '') return [];
  return text.split(' ').map((entry) => {
    const [offset, parts] = entry.split(':').map(Number);
    return [since + offset!, parts!];
  });
}

/**
 * The earliest slot from `from` on where `parts` more keep every window of `windowMs` at or under
 * `mps`. Only windows holding the new slot change, and any window can slide right to start at a
 * grant, so it is enough to check the windows starting at the slot or at a grant just before it.
 * A slot becomes free only where an earlier grant stops sharing a window with it.
 */
function earliestSlot(booked: readonly Grant[], parts: number, from: number, mps: number, windowMs: number): number {
  // Sorted, because another instance's clock may stamp slightly out of order.
  const byTime = [...booked].sort((a, b) => a[0] - b[0]);
  const times = byTime.map(([at]) => at);
  const prefix = [0];
  for (const [, granted] of byTime) prefix.push(prefix[prefix.length - 1]! + granted);
  /** How many grants are before `t` (or at it, with `orAt`). */
  const countBefore = (t: number, orAt = false) => {
    let low = 0;
    let high = times.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (times[mid]! < t || (orAt && times[mid] === t)) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const partsFrom = (start: number) => prefix[countBefore(start + windowMs)]! - prefix[countBefore(start)]!;
  const fits = (slot: number) => {
    if (partsFrom(slot) + parts > mps) return false;
    for (let i = countBefore(slot - windowMs, true); i < times.length && times[i]! <= slot; i++) {
      if (partsFrom(times[i]!) + parts > mps) return false;
    }
    return true;
  };
  if (fits(from)) return from;
  const candidates = times.map((at) => at + windowMs).filter((slot) => slot > from);
  // The last candidate always fits: no grant shares a window with it.
  return candidates.find(fits) ?? Math.max(from, (times.at(-1) ?? from) + windowMs);
}

/** A message longer than the whole per-second budget: it can never go, so never retry it. */
export class PacerCapacityError extends PermanentError {
  override name = 'PacerCapacityError';
}

export interface DynamoPacerOptions {
  /** SMS parts per second, summed over all senders. */
  mps: number;
  /**
   * Added to the 1-second window, so a send may happen a little after its booked slot (a slow
   * timer, the way to SNS, clock skew between Lambda instances) without any real 1-second
   * window holding more than `mps` parts. Costs about margin / 1000 of the throughput.
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
  /** The slot this request booked and missed: unsent, so its rebooking frees it. */
  missed?: Grant;
}

/**
 * A sliding-window log of grants in one DynamoDB item, changed only by a conditional write on its
 * version (optimistic lock), so checking the budget and taking it is one atomic step across all
 * senders of all instances.
 *
 * A grant is a booked slot, possibly in the future: a sender that finds the window full books the
 * earliest slot where its parts fit and sleeps until it, instead of sleeping until parts free up
 * and then racing for them. Measured against dynalite, the racing version failed both ways: the
 * waiters woke as a herd and lost most optimistic locks (about 8 conflicts per grant), and the
 * winners sent a slow write's time after their stamp, which broke the 1-second line. Booked, a
 * send lags its slot only by a timer. Within one instance everything waiting is booked in one
 * write, for the same reason.
 */
export class DynamoPacer implements Pacer {
  /**
   * `conflicts`: writes that lost the optimistic lock (DynamoDB bills them too); `late`: slots
   * missed by more than half the margin (a write or a timer too slow), rebooked.
   */
  readonly usage = { readUnits: 0, writeUnits: 0, conflicts: 0, late: 0 };
  private readonly doc: DynamoDBDocumentClient;
  private readonly mps: number;
  private readonly marginMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly waiting: Waiting[] = [];
  private booking = false;
  /**
   * How far ahead of now to book a slot that is free now, so that a send starts on its slot
   * rather than after its write: the slowest recent read or write, decaying.
   */
  private leadMs = 0;

  constructor(
    client: DynamoDBClient,
    readonly tableName: string,
    options: DynamoPacerOptions,
  ) {
    const { mps, marginMs = 25 } = options;
    if (!Number.isInteger(mps) || mps < 1) throw new RangeError(`mps must be a positive integer, got ${mps}`);
    if (!Number.isInteger(marginMs) || marginMs < 0) throw new RangeError(`marginMs must be a whole number >= 0, got ${marginMs}`);
    this.doc = DynamoDBDocumentClient.from(client);
    this.mps = mps;
    this.marginMs = marginMs;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  reserve(parts: number): Promise<void> {
    if (!Number.isInteger(parts) || parts < 1) return Promise.reject(new RangeError(`parts must be a positive integer, got ${parts}`));
    if (parts > this.mps) {
      return Promise.reject(
        new PacerCapacityError(`a message of ${parts} SMS parts exceeds the whole budget of ${this.mps} parts per second`),
      );
    }
    return new Promise((grant, fail) => this.enqueue({ parts, grant, fail }));
  }

  private enqueue(request: Waiting): void {
    this.waiting.push(request);
    if (!this.booking) void this.bookAll();
  }

  private async bookAll(): Promise<void> {
    this.booking = true;
    try {
      while (this.waiting.length > 0) await this.bookRound();
    } catch (error) {
      // The store is failing (throttled beyond the SDK's retries, gone): fail every waiting
      // message; each is retried by its own redelivery.
      for (const request of this.waiting.splice(0)) request.fail(error);
    } finally {
      this.booking = false;
    }
  }

  /** Books a slot for everything waiting, in order, in one conditional write. */
  private async bookRound(): Promise<void> {
    const readFrom = this.now();
    const { grants, version } = await this.read();
    // Taken after the read, so no slot is booked before a moment when what was read was current.
    const now = Math.floor(this.now());
    this.leadMs = Math.max(this.leadMs, now - readFrom);
    const windowMs = 1000 + this.marginMs;
    // Older grants cannot share a window with any slot from now on.
    const booked = grants.filter(([at]) => at > now - windowMs);
    const requests = [...this.waiting];
    for (const { missed } of requests) {
      const index = missed ? booked.findIndex(([at, parts]) => at === missed[0] && parts === missed[1]) : -1;
      if (index >= 0) booked.splice(index, 1);
    }
    const from = now + Math.ceil(this.leadMs);
    const slots = requests.map((request) => {
      const slot = earliestSlot(booked, request.parts, from, this.mps, windowMs);
      booked.push([slot, request.parts]);
      return slot;
    });
    // On a conflict someone else booked in between: read again and book around their grant.
    if (!(await this.write(booked, version))) return;
    this.leadMs = Math.max(this.now() - now, this.leadMs * 0.95);
    this.waiting.splice(0, requests.length);
    requests.forEach((request, i) => void this.release(request, slots[i]!));
  }

  private async release(request: Waiting, slot: number): Promise<void> {
    for (let now = this.now(); now < slot; now = this.now()) await this.sleep(slot - now);
    // No real 1-second window overruns while every send starts within the margin after its
    // slot: half of it for getting here, half for the way to SNS and clock skew.
    if (this.now() - slot > this.marginMs / 2) {
      this.usage.late++;
      this.enqueue({ ...request, missed: [slot, request.parts] });
      return;
    }
    request.grant();
  }

  private async read(): Promise<{ grants: Grant[]; version: number }> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: pacerKey, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.count(result.ConsumedCapacity, 'read');
    if (!result.Item) return { grants: [], version: 0 };
    const parsed = PacerItemSchema.safeParse(result.Item);
    if (!parsed.success) throw new Error(`pacer item ${pacerKey.pk} ${pacerKey.sk} is corrupt: ${parsed.error.message}`);
    return { grants: decodeGrants(parsed.data.since, parsed.data.grants), version: parsed.data.version };
  }

  /** False when another sender wrote since our read. */
  private async write(grants: Grant[], version: number): Promise<boolean> {
    try {
      const result = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...pacerKey, ...encodeGrants(grants), version: version + 1, [recallTable.timeToLiveAttribute]: Math.floor(this.now() / 1000) + PACER_KEEP_SECONDS },
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
