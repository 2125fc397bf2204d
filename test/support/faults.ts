import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient, ThrottledException, type PublishCommandInput } from '@aws-sdk/client-sns';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgePublisher } from '../../lib/adapters/event-bus.ts';
import { SnsTransport } from '../../lib/adapters/sns-transport.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { createRandom } from '../../lib/demo/random.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import type { SendJob, Transport } from '../../lib/ports/messaging.ts';

/**
 * Fault injection on the real AWS SDK clients (never a fake store): a crash right after the k-th
 * write or publish, and random throttling / 5xx answers that the SDK's own retry must absorb.
 */

/** The fault rate of the reliability suite (RELIABILITY_FAULT_RATE, 20% by default, as in CI). */
export const FAULT_RATE = faultRate(process.env.RELIABILITY_FAULT_RATE);

function faultRate(text: string | undefined): number {
  if (text === undefined || text === '') return 0.2;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 0 || rate >= 1) throw new RangeError(`RELIABILITY_FAULT_RATE must be in [0, 1), got "${text}"`);
  return rate;
}

/** A seeded source of faults, so a failing run can be repeated (RELIABILITY_SEED). */
export function faultRandom(seed = Number(process.env.RELIABILITY_SEED ?? 20261122)): () => number {
  const random = createRandom(seed);
  return () => random.next();
}

/** The process died here: nothing after this point runs, nothing is cleaned up. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';

  constructor(
    readonly point: string,
    /** True when the write or publish took effect before the process died. */
    readonly landed: boolean,
  ) {
    super(`simulated crash ${landed ? 'after' : 'before'} ${point}`);
  }
}

/** True when `error`, or an error it wraps (`cause`), is a SimulatedCrash. */
export function isCrash(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
    if (current instanceof SimulatedCrash) return true;
  }
  return false;
}

const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);

/**
 * Counts the successful writes (PutItem, UpdateItem, DeleteItem, BatchWriteItem) of every client
 * it is attached to, and the publishes reported to it, in the order they complete. With
 * `crashAfter = k` the k-th one takes effect and then the process "dies": that call and every
 * later call (DynamoDB or SNS, any concurrent task) throws SimulatedCrash, so nothing more lands.
 */
export class CrashPlan {
  /** Writes and publishes that took effect, in order. */
  readonly points: string[] = [];
  crashed = false;
  private inFlight = 0;

  constructor(readonly crashAfter?: number) {}

  get writes(): number {
    return this.points.length;
  }

  /** Throws when the process is already dead: the call never leaves it. */
  ensureAlive(point: string): void {
    if (this.crashed) throw new SimulatedCrash(point, false);
  }

  /** A write or publish took effect: counted, and the process dies if it is the chosen one. */
  completed(point: string): void {
    if (this.crashed) throw new SimulatedCrash(point, true);
    this.points.push(point);
    if (this.points.length === this.crashAfter) {
      this.crashed = true;
      throw new SimulatedCrash(point, true);
    }
  }

  /** Outermost middleware, so a write retried by the SDK counts once, when it succeeds. */
  attach(client: DynamoDBClient): DynamoDBClient {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String(context.commandName ?? 'unknown');
        this.ensureAlive(command);
        this.inFlight++;
        try {
          const result = await next(args);
          if (WRITE_COMMANDS.has(command)) this.completed(command.replace(/Command$/, ''));
          else this.ensureAlive(command);
          return result;
        } finally {
          this.inFlight--;
        }
      },
      { step: 'initialize', name: 'crashAfterWrite' },
    );
    return client;
  }

  /** Resolves once no request of the dead process is still on its way to the store. */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setTimeout(resolve, 0));
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

/** What DynamoDB answers when it throttles or fails, as on the wire (status and `__type`). */
const DYNAMO_FAULTS = [
  { code: 'ProvisionedThroughputExceededException', status: 400, message: 'The level of configured provisioned throughput for the table was exceeded.' },
  { code: 'ThrottlingException', status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
  { code: 'InternalServerError', status: 500, message: 'Internal server error' },
] as const;
export type DynamoFaultCode = (typeof DYNAMO_FAULTS)[number]['code'];

export interface FaultStats {
  /** Requests (commands) sent through the client. */
  requests: number;
  /** Error answers injected, by code. */
  injected: Record<DynamoFaultCode, number>;
  /** Commands that needed more than one attempt, and the most attempts any one needed. */
  retried: number;
  maxAttempts: number;
  /** Sum of the SDK's `$metadata.totalRetryDelay` (ms): the backoff it waited. */
  totalRetryDelay: number;
  /** Commands that failed even after the SDK's retries. */
  failed: number;
}

/**
 * Answers a share `rate` of the requests with a throttling or 5xx error before they are sent,
 * innermost (below the SDK's deserializer), so the SDK parses the error as it would DynamoDB's
 * and its retry strategy, with backoff, decides what to do.
 */
export function injectDynamoFaults(client: DynamoDBClient, options: { rate: number; random?: () => number; only?: (command: string) => boolean }): FaultStats {
  const random = options.random ?? faultRandom();
  const stats: FaultStats = {
    requests: 0,
    injected: { ProvisionedThroughputExceededException: 0, ThrottlingException: 0, InternalServerError: 0 },
    retried: 0,
    maxAttempts: 0,
    totalRetryDelay: 0,
    failed: 0,
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? '');
      if ((options.only?.(command) ?? true) && random() < options.rate) {
        const fault = DYNAMO_FAULTS[Math.floor(random() * DYNAMO_FAULTS.length)] ?? DYNAMO_FAULTS[0];
        stats.injected[fault.code]++;
        const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.code}`, message: fault.message });
        const response = {
          statusCode: fault.status,
          reason: fault.status === 500 ? 'Internal Server Error' : 'Bad Request',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': String(Buffer.byteLength(body)) },
          body: Readable.from([Buffer.from(body)]),
        };
        return { response, output: undefined as never };
      }
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'injectDynamoFaults' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      stats.requests++;
      const note = (metadata: { attempts?: number; totalRetryDelay?: number } | undefined) => {
        const attempts = metadata?.attempts ?? 1;
        if (attempts > 1) stats.retried++;
        stats.maxAttempts = Math.max(stats.maxAttempts, attempts);
        stats.totalRetryDelay += metadata?.totalRetryDelay ?? 0;
      };
      try {
        const result = await next(args);
        note((result.output as { $metadata?: { attempts?: number; totalRetryDelay?: number } }).$metadata);
        return result;
      } catch (error) {
        const metadata = (error as { $metadata?: { attempts?: number; totalRetryDelay?: number } }).$metadata;
        note(metadata);
        if (!(error instanceof Error && error.name === 'ConditionalCheckFailedException')) stats.failed++;
        throw error;
      }
    },
    { step: 'initialize', name: 'faultStats' },
  );
  return stats;
}

/**
 * SNS as the customers see it: aws-sdk-client-mock answers every Publish, and this records each
 * one that got through. aws-sdk-client-mock replaces `send`, so the SDK's middleware never runs
 * for SNS: the crash plan and the throttling are applied here, in the mocked answer.
 */
export class SmsChannel {
  readonly sns = mockClient(SNSClient);
  /** Every Publish that reached SNS, in order: each is an SMS a customer got. */
  readonly published: PublishCommandInput[] = [];
  /** The job of every message that reached SNS, in order (ledger keys, texts, coupons). */
  readonly delivered: SendJob[] = [];
  /** Publishes refused with ThrottledException. */
  throttled = 0;
  plan: CrashPlan | undefined;
  throttleRate = 0;
  private readonly random = faultRandom(7);

  constructor() {
    this.answer();
  }

  private answer(): void {
    this.sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
      this.plan?.ensureAlive('Publish');
      if (this.throttleRate > 0 && this.random() < this.throttleRate) {
        this.throttled++;
        throw new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
      }
      this.published.push(input);
      this.plan?.completed('Publish');
      return { MessageId: randomUUID() };
    });
  }

  /** The production transport (SnsTransport, no SDK retries) on the mocked client, observed. */
  transport(config: CampaignConfig): Transport {
    const sns = new SnsTransport(new SNSClient({ region: 'us-east-1', maxAttempts: 1 }), config.sms);
    return {
      deliver: async (job) => {
        try {
          await sns.deliver(job);
        } catch (error) {
          if (error instanceof SimulatedCrash && error.landed) this.delivered.push(job);
          throw error;
        }
        this.delivered.push(job);
      },
    };
  }

  /** Ledger keys of the delivered messages, with how often each went out. */
  deliveriesByKey(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const job of this.delivered) {
      const key = ledgerKey(job, job.stepId);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  reset(): void {
    this.published.length = 0;
    this.delivered.length = 0;
    this.throttled = 0;
    this.plan = undefined;
    this.throttleRate = 0;
  }

  restore(): void {
    this.sns.restore();
  }
}

/**
 * An SQS queue in memory with at-least-once delivery: a message whose handler throws goes back
 * to the end of the queue (its visibility timeout ran out) until `maxReceives`, then to the DLQ.
 */
export class RedeliveringQueue<T> {
  private readonly items: { body: T; receives: number }[] = [];
  readonly deadLetters: { body: T; error: unknown }[] = [];
  /** Receives that failed and were put back. */
  redeliveries = 0;
  received = 0;

  async enqueue(jobs: readonly T[]): Promise<void> {
    // A copy, as a queue would: the sender cannot change a message once it is sent.
    for (const job of jobs) this.items.push({ body: structuredClone(job), receives: 0 });
  }

  get size(): number {
    return this.items.length;
  }

  /**
   * Delivers until the queue is empty, with `concurrency` consumers (Lambda instances); messages
   * enqueued meanwhile are delivered too. A consumer stops when it finds the queue empty; one that
   * puts a message back keeps going, so nothing is left behind.
   */
  async drain(handle: (job: T) => Promise<unknown>, maxReceives = 20, concurrency = 1): Promise<void> {
    const consume = async () => {
      for (let item = this.items.shift(); item !== undefined; item = this.items.shift()) {
        item.receives++;
        this.received++;
        try {
          await handle(structuredClone(item.body));
        } catch (error) {
          if (item.receives >= maxReceives) this.deadLetters.push({ body: item.body, error });
          else {
            this.redeliveries++;
            this.items.push(item);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, consume));
  }
}

export interface BusEvent {
  type: string;
  detail: Record<string, unknown>;
}

/**
 * Our EventBridge bus, mocked with aws-sdk-client-mock: records every accepted entry. With a crash
 * plan and `countsAsWrite`, each PutEvents call is a crash point like a write.
 */
export class EventBus {
  readonly eventBridge = mockClient(EventBridgeClient);
  readonly events: BusEvent[] = [];
  plan: CrashPlan | undefined;
  countsAsWrite = false;

  constructor() {
    this.eventBridge.on(PutEventsCommand).callsFake(async (input: PutEventsCommandInput) => {
      this.plan?.ensureAlive('PutEvents');
      for (const entry of input.Entries ?? []) {
        const detail: unknown = JSON.parse(entry.Detail ?? '{}');
        this.events.push({ type: entry.DetailType ?? '', detail: typeof detail === 'object' && detail !== null ? { ...detail } : {} });
      }
      if (this.countsAsWrite) this.plan?.completed('PutEvents');
      return { FailedEntryCount: 0, Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })) };
    });
  }

  publisher(): EventBridgePublisher {
    return new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'recall-reliability', { sleep: async () => {} });
  }

  ofType(type: string): BusEvent[] {
    return this.events.filter((event) => event.type === type);
  }

  reset(): void {
    this.events.length = 0;
    this.plan = undefined;
    this.countsAsWrite = false;
  }

  restore(): void {
    this.eventBridge.restore();
  }
}
