import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { SqsEventSchema } from '../../lib/events/aws-shapes.ts';
import { keys } from '../../lib/store/tables.ts';
import { TestDynamo } from './store.ts';

/**
 * What the handler tests share: the environment the AWS composition root reads, the samples in
 * `events/`, SDK mocks for the AWS services around the table (never for DynamoDB itself), and a
 * fault-injecting proxy in front of dynalite, so the real handler meets a throttled DynamoDB.
 */

const JsonObjectSchema = z.record(z.string(), z.unknown());

export const EVENTS_DIR = join(import.meta.dirname, '../../events');
export const WORK_QUEUE_URL = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/recall-work';
export const SEND_QUEUE_URL = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/recall-send';
export const EVENT_BUS_NAME = 'recall-events';
export const COUPON_SECRET_ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:recall/coupon-AbC123';
export const COUPON_SECRET = 'handler-test-coupon-secret';

/** A sample payload from `events/`, as a handler would receive it. */
export async function loadEvent(file: string): Promise<unknown> {
  return JSON.parse(await readFile(join(EVENTS_DIR, file), 'utf8'));
}

/** A sample that is a JSON object, to take apart or change a field of. */
export async function loadEventObject(file: string): Promise<Record<string, unknown>> {
  return JsonObjectSchema.parse(await loadEvent(file));
}

/** An SQS sample from `events/`, checked against the envelope schema so its shape stays real. */
export async function loadSqsEvent(file: string): Promise<SQSEvent> {
  return SqsEventSchema.parse(await loadEvent(file));
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * The sample's records with other bodies: every field as SQS sets it (a fresh message id, the MD5
 * of the new body), so only what our code owns (the body) differs from the sample.
 */
export function withBodies(sample: SQSEvent, bodies: readonly unknown[]): SQSEvent {
  return {
    Records: bodies.map((body, index): SQSRecord => {
      const template = sample.Records[index % sample.Records.length];
      if (!template) throw new Error('the sample has no records');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      return { ...template, messageId: randomUUID(), receiptHandle: `AQEB${randomUUID()}`, body: text, md5OfBody: md5(text) };
    }),
  };
}

/** The same messages again, as SQS redelivers them after the visibility timeout. */
export function redelivered(event: SQSEvent): SQSEvent {
  return {
    Records: event.Records.map((record) => ({
      ...record,
      receiptHandle: `AQEB${randomUUID()}`,
      attributes: { ...record.attributes, ApproximateReceiveCount: String(Number(record.attributes.ApproximateReceiveCount) + 1) },
    })),
  };
}

/** Sets what lib/runtime/aws/ reads; the handlers build their clients on first invocation. */
export function setHandlerEnv(table: { tableName: string; endpoint: string }): void {
  process.env.TABLE_NAME = table.tableName;
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
  process.env.EVENT_BUS_NAME = EVENT_BUS_NAME;
  process.env.WORK_QUEUE_URL = WORK_QUEUE_URL;
  process.env.SEND_QUEUE_URL = SEND_QUEUE_URL;
  process.env.COUPON_SECRET_ARN = COUPON_SECRET_ARN;
}

export interface HandlerTable {
  dynamo: TestDynamo;
  /** The test's own view of the table (straight to dynalite, never through the faults). */
  store: DynamoStore;
  /** Between the handler and dynalite. */
  faults: DynamoFaults;
  stop(): Promise<void>;
}

/** dynalite with one fresh table, the handler env pointing at it through the fault proxy. */
export async function startHandlerTable(): Promise<HandlerTable> {
  const dynamo = await TestDynamo.start();
  const store = await dynamo.freshStore();
  const faults = await DynamoFaults.start(dynamo.endpoint);
  setHandlerEnv({ tableName: store.tableName, endpoint: faults.endpoint });
  return {
    dynamo,
    store,
    faults,
    async stop() {
      await faults.close();
      await dynamo.stop();
    },
  };
}

type TableItem = Record<string, unknown>;
const itemKey = (item: TableItem) => `${String(item.pk)}|${String(item.sk)}`;

/** Every item of the table by `pk|sk`: a test compares two of these to prove what was written. */
export async function tableItems(store: DynamoStore): Promise<Map<string, TableItem>> {
  const doc = DynamoDBDocumentClient.from(store.client);
  const items = new Map<string, TableItem>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: store.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) items.set(itemKey(item), item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Keys of items added, changed or removed between two snapshots, sorted. */
export function changedKeys(before: Map<string, TableItem>, after: Map<string, TableItem>): string[] {
  const changed = new Set<string>();
  for (const [key, item] of after) if (JSON.stringify(item) !== JSON.stringify(before.get(key))) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return [...changed].sort();
}

export async function getItem(store: DynamoStore, pk: string, sk: string): Promise<TableItem | undefined> {
  const doc = DynamoDBDocumentClient.from(store.client);
  return (await doc.send(new GetCommand({ TableName: store.tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;
}

export function ledgerItem(store: DynamoStore, job: { customerId: string; journeyId: string; cycle: string; stepId: string }) {
  return getItem(store, keys.customer(job.customerId), keys.ledger(job.journeyId, job.cycle, job.stepId));
}

export function profileItem(store: DynamoStore, customerId: string) {
  return getItem(store, keys.customer(customerId), keys.profile);
}

/** An AWS error as the SDK throws it: a name, a message and the HTTP metadata. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/**
 * aws-sdk-client-mock on every AWS client lib/runtime/aws/ builds except DynamoDB, answering
 * like the services do. `reset()` restores these answers; a test then overrides what it needs on
 * the behaviours returned (`aws.publish.rejectsOnce(...)`): chaining on the same behaviour keeps
 * the service's answer for the calls after it.
 */
export function mockAws() {
  const sns = mockClient(SNSClient);
  const sqs = mockClient(SQSClient);
  const eventBridge = mockClient(EventBridgeClient);
  const secrets = mockClient(SecretsManagerClient);
  const answer = () => {
    const publish = sns.on(PublishCommand);
    publish.callsFake(() => ({ MessageId: randomUUID() }));
    const sendMessageBatch = sqs.on(SendMessageBatchCommand);
    sendMessageBatch.callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(entry.MessageBody ?? '') })),
      Failed: [],
    }));
    const putEvents = eventBridge.on(PutEventsCommand);
    putEvents.callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })),
    }));
    const getSecretValue = secrets.on(GetSecretValueCommand);
    getSecretValue.resolves({ ARN: COUPON_SECRET_ARN, Name: 'recall/coupon', SecretString: COUPON_SECRET });
    return { publish, sendMessageBatch, putEvents, getSecretValue };
  };
  const mocks = { sns, sqs, eventBridge, secrets, ...answer() };
  return Object.assign(mocks, {
    reset() {
      for (const mock of [sns, sqs, eventBridge, secrets]) mock.reset();
      Object.assign(mocks, answer());
    },
    restore() {
      for (const mock of [sns, sqs, eventBridge, secrets]) mock.restore();
    },
  });
}
export type AwsMocks = ReturnType<typeof mockAws>;

/** Every SendMessageBatch call to `queueUrl`, failed attempts included, with its bodies parsed. */
export function sendMessageBatches(mocks: AwsMocks, queueUrl: string): unknown[][] {
  return mocks.sqs
    .commandCalls(SendMessageBatchCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.QueueUrl === queueUrl)
    .map((input) => (input.Entries ?? []).map((entry): unknown => JSON.parse(entry.MessageBody ?? '')));
}

export interface PublishedEvent {
  type: string;
  detail: Record<string, unknown>;
  source: string | undefined;
  bus: string | undefined;
}

/** Every PutEvents entry, failed attempts included. */
export function putEvents(mocks: AwsMocks): PublishedEvent[] {
  return mocks.eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      type: entry.DetailType ?? '',
      detail: JsonObjectSchema.parse(JSON.parse(entry.Detail ?? '{}')),
      source: entry.Source,
      bus: entry.EventBusName,
    })),
  );
}

/** Every SNS Publish call, failed ones included. */
export function snsPublishes(mocks: AwsMocks): PublishCommandInput[] {
  return mocks.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

const DYNAMODB_ERRORS = {
  ProvisionedThroughputExceededException: {
    status: 400,
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  ThrottlingException: { status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
  InternalServerError: { status: 500, message: 'Internal server error' },
} as const;
export type DynamoErrorCode = keyof typeof DYNAMODB_ERRORS;

export interface HeldRequests {
  /** Requests held so far. */
  readonly held: number;
  /** Lets every held request (and any later match) through to dynalite. */
  release(): void;
}

interface Hold {
  operation: string;
  when: (request: Record<string, unknown>) => boolean;
  held: number;
  released: Promise<void>;
  release: () => void;
  open: boolean;
}

interface PlannedFault {
  operation: string;
  code: DynamoErrorCode;
  remaining: number;
  when: (request: Record<string, unknown>) => boolean;
}

/**
 * An HTTP proxy in front of dynalite that answers chosen requests with a DynamoDB error, exactly
 * as DynamoDB does on the wire (status, `__type`, JSON 1.0), so the handler's own client and its
 * SDK retry strategy meet it. Everything else is passed through untouched.
 */
export class DynamoFaults {
  /** Every error answered, in order. */
  readonly injected: { operation: string; code: DynamoErrorCode }[] = [];
  private planned: PlannedFault[] = [];
  private holds: Hold[] = [];

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<DynamoFaults> {
    const server = createServer();
    const faults = new DynamoFaults(server, new URL(target));
    server.on('request', (incoming, outgoing) => void faults.handle(incoming, outgoing));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return faults;
  }

  get endpoint(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the DynamoDB fault proxy is not listening on a TCP port');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next `times` requests of `operation` (e.g. `UpdateItem`) that satisfy `when` fail with `code`. */
  fail(operation: string, code: DynamoErrorCode, options: { times?: number; when?: (request: Record<string, unknown>) => boolean } = {}): void {
    this.planned.push({ operation, code, remaining: options.times ?? 1, when: options.when ?? (() => true) });
  }

  /**
   * Holds every request of `operation` that satisfies `when` until `release()`: a slow round trip
   * of one Lambda instance, so another can overtake it in a race.
   */
  hold(operation: string, when: (request: Record<string, unknown>) => boolean = () => true): HeldRequests {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold: Hold = { operation, when, held: 0, released, release, open: false };
    this.holds.push(hold);
    return {
      get held() {
        return hold.held;
      },
      release: () => {
        hold.open = true;
        hold.release();
      },
    };
  }

  /** Drops faults planned but not yet used, and releases every hold. */
  clear(): void {
    this.planned = [];
    for (const hold of this.holds) hold.release();
    this.holds = [];
  }

  async close(): Promise<void> {
    this.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const body = Buffer.concat(chunks);
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const hold = this.holds.find((candidate) => !candidate.open && candidate.operation === operation && candidate.when(parseJson(body)));
    if (hold) {
      hold.held += 1;
      await hold.released;
    }
    const fault = this.planned.find((planned) => planned.remaining > 0 && planned.operation === operation && planned.when(parseJson(body)));
    if (fault) {
      fault.remaining -= 1;
      this.injected.push({ operation, code: fault.code });
      const { status, message } = DYNAMODB_ERRORS[fault.code];
      const text = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.code}`, message });
      outgoing.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
      outgoing.end(text);
      return;
    }
    const forwarded = request(
      { host: this.target.hostname, port: this.target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: this.target.host } },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', (error) => outgoing.destroy(error));
    forwarded.end(body);
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JsonObjectSchema.catch({}).parse(JSON.parse(body.toString('utf8')));
  } catch {
    return {};
  }
}
