import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { PUT_EVENTS_BATCH_SIZE } from '../../lib/adapters/event-bus.ts';
import { SEND_MESSAGE_BATCH_SIZE } from '../../lib/adapters/sqs-queues.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { zonedInstant } from '../../lib/domain/dates.ts';
import type { DomainEvent } from '../../lib/events/catalog.ts';
import type { ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { createHandler as planHandler } from '../../lib/runtime/handlers/plan-recall.ts';
import { createHandler as scanHandler } from '../../lib/runtime/handlers/scan-shard.ts';
import { createHandler as sendHandler } from '../../lib/runtime/handlers/send-message.ts';
import { lambdaContext, MemoryQueue, sqsEvent } from '../../lib/runtime/local-pipeline.ts';
import { BilledUnits, billedWriteUnits, type UsageLine } from './billed-units.ts';
import { dueToday, round, writeSnapshots } from './read-cost.ts';

/** A queue that counts the SendMessageBatch requests SQS would get (10 messages a request). */
class CountingQueue<T> extends MemoryQueue<T> {
  readonly requests = new Map<string, number>();
  phase = '';

  override async enqueue(jobs: readonly T[], options: { delaySeconds?: number } = {}): Promise<void> {
    this.requests.set(this.phase, (this.requests.get(this.phase) ?? 0) + Math.ceil(jobs.length / SEND_MESSAGE_BATCH_SIZE));
    await super.enqueue(jobs, options);
  }
}

export interface SendPathLine {
  phase: string;
  request: string;
  /** What the request is there for: the guarantee a write holds, or what a shared request serves. */
  guards: string;
  /** Per sent message. */
  requests: number;
  readUnits: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  failedWriteUnits: number;
}

export interface SendPathRow {
  customers: number;
  sent: number;
  smsParts: number;
  /** Per sent message: DynamoDB requests and send-queue requests (SQS), the round trips. */
  roundTripsPerSent: number;
  /** Of the round trips: DynamoDB writes (each conditional) and the rest (reads, queries, SQS). */
  writeRequestsPerSent: number;
  sharedRequestsPerSent: number;
  storeRequestsPerSent: number;
  queueRequestsPerSent: number;
  /** Per sent message, beside the round trips: PutEvents requests and entries, channel calls. */
  eventRequestsPerSent: number;
  eventEntriesPerSent: number;
  channelCallsPerSent: number;
  billedWriteUnitsPerSent: number;
  tableWriteUnitsPerSent: number;
  indexWriteUnitsPerSent: number;
  failedWriteUnitsPerSent: number;
  failedConditionsPerSent: number;
  readUnitsPerSent: number;
  /** Billed write and read units per sent message in the sender alone (the scale model's delivery cost). */
  senderWriteUnitsPerSent: number;
  senderReadUnitsPerSent: number;
  breakdown: SendPathLine[];
}

const PHASES = ['plan', 'scan', 'send'] as const;

/**
 * Why each request of the breakdown is there. Of the five writes per sent message, three are on
 * other items than the ledger (no transactions: a condition sees its own item alone) and the
 * ledger's two are at two moments (before and after the channel call); the rest is shared by a
 * page, a batch or the day.
 */
const GUARDS: Record<string, string> = {
  'PutItem ledger': 'a decision not to send: one per customer, journey, cycle and step',
  'UpdateItem profile': "the customer's cap slot, naming the message (its claim): one per run, maxMessages per perDays, per id",
  'UpdateItem person cap': "the person's cap slot: the same per phone number or push endpoint",
  'PutItem journey state': "the move to the next step (out of this step's due partition)",
  'UpdateItem ledger -> sending': "at most once: the message's item written (created) as sending before the channel call; a redelivered job finds it",
  'UpdateItem ledger -> sent': 'the channel took it (else it stays sending: unconfirmed)',
  'BatchGetItem profile': 'guardrail inputs, 100 customers a request',
  'BatchGetItem profile (consistent)': 'consent and the claim read again, one request per SQS batch of 10',
  'Query due index': "the day's due partitions: fixed per day, shared by its messages",
  'Query calendar index': "birthday and holiday reads: fixed per day",
  'SQS SendMessageBatch': '10 messages a request',
};
/** A shard job's counts (docs/architecture.md#counting-a-run), in the scan phase. */
const SHARD_COUNTS: Record<string, string> = {
  'PutItem run bookkeeping': "the shard job's counts, stored per batch of 100 customers before their steps move on",
  'GetItem run bookkeeping (consistent)': "the shard job's stored counts, read once per job: a delivery after one that died goes on from them",
};
function guardsOf(phase: string, request: string): string {
  if (request === 'EventBridge PutEvents') return phase === 'send' ? 'MessageSent and CouponIssued (not counted as a round trip)' : 'RunStarted, RunCompleted (not counted as a round trip)';
  if (phase === 'scan' && SHARD_COUNTS[request]) return SHARD_COUNTS[request];
  return GUARDS[request] ?? (request.includes('run bookkeeping') ? "the run's own bookkeeping, per shard job" : '');
}
const isWrite = (request: string) => /^(PutItem|UpdateItem|DeleteItem|BatchWriteItem) /.test(request);

/**
 * Issue 16, point 2: what one sent message costs on the deployed path, counted request by request.
 * `customers` customers are all due today and sendable (so every decision is a send and the day's
 * cost over its sent messages is the send path's), then the Lambda handlers run as on AWS:
 * plan-recall, one scan-shard invocation per work-queue message, send-message on batches of 10.
 * DynamoDB requests are billed by `BilledUnits` (reading items before and after each write
 * through `reader`); the queues count SQS requests, the bus its PutEvents requests; the channel is
 * a fake that takes every message. No pacer: its cost per message depends on MPS (section 3).
 */
export async function measureSendPath(store: DynamoStore, reader: DynamoDBClient, config: CampaignConfig, customers: number, runDate: string): Promise<SendPathRow> {
  await writeSnapshots(store, dueToday(config, customers, runDate));
  const work = new CountingQueue<ShardJobMessage>();
  const send = new CountingQueue<SendJob>();
  const eventRequests = new Map<string, number>();
  let eventEntries = 0;
  let phase = '';
  const events = {
    publish: async (batch: readonly DomainEvent[]) => {
      eventRequests.set(phase, (eventRequests.get(phase) ?? 0) + Math.ceil(batch.length / PUT_EVENTS_BATCH_SIZE));
      eventEntries += batch.length;
    },
  };
  let sent = 0;
  let smsParts = 0;
  const transport = {
    deliver: async (job: SendJob) => {
      sent++;
      smsParts += job.channel === 'sms' ? job.parts : 0;
    },
  };
  // Inside the send window, at the run's own moment.
  const now = zonedInstant(runDate, config.runTime, config.merchantTimeZone);
  const clock = { now: () => now };
  const couponSecret = 'bench';
  const plan = planHandler(async () => ({ config, store, workQueue: work, events, clock }));
  const scan = scanHandler(async () => async () => ({ config, store, sendQueue: send, workQueue: work, events, couponSecret }));
  const deliver = sendHandler(async () => async () => ({ config, store, transport, events, clock, sendQueue: send }));

  const meter = new BilledUnits({ read: reader });
  const detach = meter.attach(store.client);
  const enter = (next: (typeof PHASES)[number]) => {
    phase = meter.phase = work.phase = send.phase = next;
  };
  try {
    enter('plan');
    await plan({ asOf: runDate, dryRun: false }, lambdaContext('plan-recall'));
    enter('scan');
    while (work.size > 0) await scan(sqsEvent(work.take(1), 'work-queue'), lambdaContext('scan-shard'));
    enter('send');
    while (send.size > 0) await deliver(sqsEvent(send.take(10), 'send-queue'), lambdaContext('send-message'));
  } finally {
    detach();
  }

  const per = (value: number) => (sent > 0 ? value / sent : 0);
  const sumOf = (map: Map<string, number>) => [...map.values()].reduce((sum, value) => sum + value, 0);
  const total = meter.total();
  const sender = meter.total('send');
  const perLine = (line: UsageLine) => ({
    requests: round(per(line.requests), 3),
    readUnits: round(per(line.readUnits), 3),
    tableWriteUnits: round(per(line.tableWriteUnits), 3),
    indexWriteUnits: round(per(line.indexWriteUnits), 3),
    failedWriteUnits: round(per(line.failedWriteUnits), 3),
  });
  const breakdown: SendPathLine[] = PHASES.flatMap((name) => [
    ...meter.breakdown(name).map(({ request, ...line }) => ({ phase: name, request, ...perLine(line), guards: guardsOf(name, request) })),
    ...(work.requests.get(name) || send.requests.get(name)
      ? [{ phase: name, request: 'SQS SendMessageBatch', guards: guardsOf(name, 'SQS SendMessageBatch'), readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0, failedWriteUnits: 0, requests: round(per((work.requests.get(name) ?? 0) + (send.requests.get(name) ?? 0)), 3) }]
      : []),
    ...(eventRequests.get(name) ? [{ phase: name, request: 'EventBridge PutEvents', guards: guardsOf(name, 'EventBridge PutEvents'), readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0, failedWriteUnits: 0, requests: round(per(eventRequests.get(name) ?? 0), 3) }] : []),
  ]);
  const writeRequests = meter.breakdown().reduce((sum, line) => sum + (isWrite(line.request) ? line.requests : 0), 0);
  const queueRequests = sumOf(work.requests) + sumOf(send.requests);
  return {
    customers,
    sent,
    smsParts,
    roundTripsPerSent: round(per(total.requests + queueRequests)),
    writeRequestsPerSent: round(per(writeRequests)),
    sharedRequestsPerSent: round(per(total.requests + queueRequests - writeRequests)),
    storeRequestsPerSent: round(per(total.requests)),
    queueRequestsPerSent: round(per(queueRequests)),
    eventRequestsPerSent: round(per(sumOf(eventRequests))),
    eventEntriesPerSent: round(per(eventEntries)),
    channelCallsPerSent: round(per(sent)),
    billedWriteUnitsPerSent: round(per(billedWriteUnits(total))),
    tableWriteUnitsPerSent: round(per(total.tableWriteUnits)),
    indexWriteUnitsPerSent: round(per(total.indexWriteUnits)),
    failedWriteUnitsPerSent: round(per(total.failedWriteUnits)),
    failedConditionsPerSent: round(per(total.failedConditions)),
    readUnitsPerSent: round(per(total.readUnits)),
    senderWriteUnitsPerSent: round(per(billedWriteUnits(sender))),
    senderReadUnitsPerSent: round(per(sender.readUnits)),
    breakdown,
  };
}
