import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import type { CampaignConfig } from '../config/schema.ts';
import { ConfigError, loadConfigFile, loadDefaultConfig } from '../config/load.ts';
import { DynamoStore } from '../adapters/dynamo/store.ts';
import { dynamoClient } from '../adapters/dynamo-client.ts';
import { startEmbeddedDynamo } from '../adapters/embedded-dynamo.ts';
import { OutboxTransport, outboxDeliveryEvent } from '../adapters/outbox.ts';
import type { Clock, SendJob, SendQueue } from '../ports/messaging.ts';
import { seedConfig } from '../usecases/config-versions.ts';
import { JsonlEventPublisher } from './local-pipeline.ts';
import type { OperatorRuntime } from './operator.ts';
import { deliverMessage, rereadProfiles, UnconfirmedDeliveryError, type DeliveryResult, type ProfileReread } from '../usecases/deliver.ts';
import { recordDeliveryEvent } from '../usecases/record-delivery.ts';
import type { RunDeps } from '../usecases/run-shard.ts';
import { lockStore } from './store-lock.ts';

export interface LocalOptions {
  /** Embedded store directory (default `.recall/`). */
  storeDir?: string;
  /** Any DynamoDB-API endpoint instead of the embedded store. */
  endpoint?: string;
  configFile?: string;
  tableName?: string;
  clock?: Clock;
  /** The share of SMS the outbox reports as failed (the demo's); 0 by default: all delivered. */
  failedDeliveryPercent?: number;
}

/**
 * Deliveries in flight at once in a local run: one AWS sender's batch (docs/architecture.md#message-states).
 * A message is `sending` only while its delivery is in flight, so a process killed mid-run leaves
 * at most this many messages unconfirmed.
 */
export const LOCAL_DELIVERIES_IN_FLIGHT = 10;

/**
 * Delivers each claimed message on the spot, at most LOCAL_DELIVERIES_IN_FLIGHT at once across
 * every shard job of the run: the local stand-in for the send queue and its senders. Like an AWS
 * sender's SQS batch, each LOCAL_DELIVERIES_IN_FLIGHT messages handed over share one consistent
 * profile read when `reread` is given. A delivery whose outcome is unknown stays unconfirmed
 * (counted; the run goes on).
 */
export class InlineSendQueue implements SendQueue {
  readonly results: Record<DeliveryResult | 'unconfirmed', number> = { sent: 0, duplicate: 0, failed: 0, 'opted-out': 0, waiting: 0, 'bad-record': 0, unconfirmed: 0 };
  private readonly limit = pLimit(LOCAL_DELIVERIES_IN_FLIGHT);

  constructor(
    private readonly deliver: (job: SendJob, reread?: ProfileReread) => Promise<DeliveryResult>,
    private readonly reread?: (customerIds: readonly string[]) => Promise<ProfileReread>,
  ) {}

  async enqueue(jobs: readonly SendJob[]): Promise<void> {
    const batches = Array.from({ length: Math.ceil(jobs.length / LOCAL_DELIVERIES_IN_FLIGHT) }, (_, i) => jobs.slice(i * LOCAL_DELIVERIES_IN_FLIGHT, (i + 1) * LOCAL_DELIVERIES_IN_FLIGHT));
    await Promise.all(
      batches.map(async (batch) => {
        const reread = await this.reread?.(batch.map((job) => job.customerId));
        await Promise.all(batch.map((job) => this.limit(() => this.deliverOne(job, reread))));
      }),
    );
  }

  private async deliverOne(job: SendJob, reread: ProfileReread | undefined): Promise<void> {
    try {
      this.results[await this.deliver(job, reread)]++;
    } catch (error) {
      if (!(error instanceof UnconfirmedDeliveryError)) throw error;
      this.results.unconfirmed++;
    }
  }
}

export interface LocalRuntime extends RunDeps, OperatorRuntime {
  store: DynamoStore;
  sendQueue: InlineSendQueue;
  outbox: OutboxTransport;
  storeDir: string;
}

/**
 * The local composition root: the same use cases as the Lambdas, on dynalite (or `--endpoint`)
 * with the outbox file as the channel and `events.jsonl` as the bus. The config is the store's
 * current version (the built-in default becomes version 1 of a new store), or the file given: an
 * experiment, run with but never stored. The coupon secret comes from RECALL_COUPON_SECRET, or is
 * made once per store and kept in it, so codes stay verifiable across commands. The store holds
 * customers' phones, so it is readable by its owner only, and one process at a time uses it
 * (StoreInUseError for a second one).
 */
export async function openLocalRuntime(options: LocalOptions = {}): Promise<LocalRuntime> {
  const storeDir = resolve(options.storeDir ?? '.recall');
  const configuredSecret = couponSecretFromEnv();
  const file: CampaignConfig | undefined = options.configFile ? await loadConfigFile(options.configFile) : undefined;
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const lock = options.endpoint ? undefined : await lockStore(storeDir);
  const embedded = options.endpoint
    ? undefined
    : await startEmbeddedDynamo(join(storeDir, 'dynamo')).catch(async (error: unknown) => {
        await lock?.release();
        throw error;
      });
  const client = dynamoClient(options.endpoint ?? embedded?.endpoint, { embedded: embedded !== undefined, ...(embedded?.thread ? { thread: embedded.thread } : {}) });
  const close = async (): Promise<void> => {
    client.destroy();
    await embedded?.close();
    await lock?.release();
  };
  const store = new DynamoStore(client, options.tableName ?? process.env.RECALL_TABLE ?? 'recall');
  const clock = options.clock ?? { now: () => new Date() };
  let couponSecret: string;
  let active: { config: CampaignConfig; version?: number };
  try {
    await store.ensureTable();
    couponSecret = configuredSecret ?? (await localCouponSecret(storeDir));
    active = file ? { config: file } : await seedConfig(store, await loadDefaultConfig(), 'default', clock);
  } catch (error) {
    await close();
    throw error;
  }
  const { config } = active;
  const outbox = new OutboxTransport(join(storeDir, 'outbox.jsonl'));
  const failedPercent = options.failedDeliveryPercent ?? 0;
  // The outbox plays the provider too: each SMS it took comes back as a delivery event.
  const sendQueue = new InlineSendQueue(
    async (job, reread) => {
      const result = await deliverMessage({ store, transport: outbox, clock }, job, undefined, reread);
      if (result === 'sent' && job.channel === 'sms') await recordDeliveryEvent({ store }, outboxDeliveryEvent(job, clock.now(), failedPercent));
      return result;
    },
    (customerIds) => rereadProfiles(store, customerIds),
  );
  const events = new JsonlEventPublisher(join(storeDir, 'events.jsonl'));
  const where = options.endpoint ? `the table ${store.tableName} at ${options.endpoint}` : `the embedded store ${storeDir}`;
  return { store, sendQueue, outbox, clock, config, ...(active.version === undefined ? {} : { configVersion: active.version }), couponSecret, storeDir, events, where, close };
}

/** A blank secret would sign every coupon code with nothing: refused before anything is written. */
function couponSecretFromEnv(): string | undefined {
  const secret = process.env.RECALL_COUPON_SECRET;
  if (secret === undefined) return undefined;
  if (secret.trim() === '') {
    throw new ConfigError(
      [{ path: '', message: "is set but blank; set it to a long random value, or unset it to use the store's own secret" }],
      'RECALL_COUPON_SECRET',
    );
  }
  return secret;
}

async function localCouponSecret(storeDir: string): Promise<string> {
  const file = join(storeDir, 'coupon-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const secret = randomBytes(32).toString('hex');
    await writeFile(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}
