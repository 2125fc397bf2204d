import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Context, SQSEvent } from 'aws-lambda';
import { createHandler as learnWindows } from '../runtime/handlers/learn-windows.ts';
import { createHandler as planRecall } from '../runtime/handlers/plan-recall.ts';
import { createHandler as recordOrder } from '../runtime/handlers/record-order.ts';
import { createHandler as runTestCampaign } from '../runtime/handlers/run-test-campaign.ts';
import { createHandler as scanShard } from '../runtime/handlers/scan-shard.ts';
import { createHandler as sendMessage } from '../runtime/handlers/send-message.ts';
import { createHandler as recordDelivery } from '../runtime/handlers/record-delivery.ts';
import { createHandler as recordReply } from '../runtime/handlers/record-reply.ts';
import { createHandler as importFile } from '../runtime/handlers/import-file.ts';
import { FUNCTION_NAMES, type FunctionName } from '../store/access.ts';
import { SqsEventSchema } from '../events/aws-shapes.ts';
import type { ImportContinuation, ImportResult } from '../events/imports.ts';
import type { ShardJobMessage } from '../events/schemas.ts';
import type { SendJob } from '../ports/messaging.ts';
import type { ImportFileRef } from '../ports/store.ts';
import type { ImportBucket } from '../usecases/import-file.ts';
import { drainQueues, JsonlEventPublisher, lambdaContext, MemoryQueue } from '../runtime/local-pipeline.ts';
import type { LocalRuntime } from '../runtime/local.ts';
import { requireOutput, stackOutputs, type StackTarget } from '../runtime/operator.ts';
import { BadInputError } from '../errors.ts';

export class UnknownFunctionError extends BadInputError {
  override name = 'UnknownFunctionError';
}

export function functionName(name: string): FunctionName {
  const found = FUNCTION_NAMES.find((candidate) => candidate === name);
  if (!found) throw new UnknownFunctionError(`unknown function "${name}": expected one of ${FUNCTION_NAMES.join(', ')}`);
  return found;
}

/** The sample `recall invoke NAME` sends when no event file is given. */
const DEFAULT_SAMPLES: Record<FunctionName, string> = {
  'plan-recall': 'plan-recall.manual',
  'scan-shard': 'scan-shard.sqs-batch',
  'send-message': 'send-message.sqs-batch',
  'record-delivery': 'record-delivery.delivered',
  'record-reply': 'record-reply.two-way',
  'record-order': 'record-order.order-placed',
  'run-test-campaign': 'run-test-campaign.dry-run',
  'learn-windows': 'learn-windows.manual',
  'import-file': 'import-file.s3-object-created',
};

export async function readEvent(file: string | undefined, name: FunctionName): Promise<unknown> {
  const path = file ?? join('events', `${DEFAULT_SAMPLES[name]}.json`);
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UnknownFunctionError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface InvokeOutcome {
  response: unknown;
  /** Locally, what the queues carried on to the next functions. */
  downstream?: { shardJobs: number; sendBatches: number };
  logTail?: string;
}

/**
 * Runs a function's handler in-process on the local runtime: the same handler module, composed
 * with local adapters. Jobs it puts on the work or send queue are carried on through scan-shard
 * and send-message (the outbox stands in for SNS; domain events go to `events.jsonl`).
 */
export async function invokeLocally(runtime: LocalRuntime, name: FunctionName, event: unknown): Promise<InvokeOutcome> {
  const { config, store, clock, couponSecret, outbox } = runtime;
  // Locally the store's one version (or the --config file) for every function, as in one run.
  const version = runtime.configVersion === undefined ? {} : { configVersion: runtime.configVersion };
  const work = new MemoryQueue<ShardJobMessage>();
  const send = new MemoryQueue<SendJob>();
  const events = new JsonlEventPublisher(join(runtime.storeDir, 'events.jsonl'));
  const scan = scanShard(async () => async () => ({ config, store, sendQueue: send, workQueue: work, events, couponSecret, ...version }));
  const deliver = sendMessage(async () => async () => ({ config, store, transport: outbox, events, clock, sendQueue: send }));
  const handlers: Record<FunctionName, (event: unknown, context: Context) => Promise<unknown>> = {
    'plan-recall': planRecall(async () => ({ config, store, workQueue: work, events, clock, ...version })),
    'scan-shard': (event, context) => scan(SqsEventSchema.parse(event), context),
    'send-message': (event, context) => deliver(SqsEventSchema.parse(event), context),
    'record-order': recordOrder(async () => ({ config, store, clock, events, couponSecret })),
    'run-test-campaign': runTestCampaign(async () => ({ config, store, transport: outbox, couponSecret, clock })),
    'learn-windows': learnWindows(async () => ({ config, store, events, clock })),
    'record-delivery': recordDelivery(async () => ({ store })),
    // A signed callback needs the key its provider signs with: RECALL_REPLY_CALLBACK_SECRET locally.
    'record-reply': recordReply(async () => ({ config, store, clock, callbackSecret: process.env.RECALL_REPLY_CALLBACK_SECRET ?? randomBytes(32).toString('hex') })),
    // The bucket is a folder of the store; the continuations the function hands itself run here, in turn.
    'import-file': async (event, context) => {
      const continuations: ImportContinuation[] = [];
      const handler = importFile(async () => ({
        config,
        store,
        clock,
        couponSecret,
        events,
        bucket: new FolderImportBucket(join(runtime.storeDir, 'bucket')),
        continuations: { continueImport: async (continuation) => void continuations.push(continuation) },
      }));
      let response: unknown = await handler(event, context);
      for (let next = continuations.shift(); next; next = continuations.shift()) response = await handler(next, lambdaContext('import-file'));
      return response;
    },
  };
  const response = await handlers[name](event, lambdaContext(name));
  const downstream = await drainQueues(
    { work, send },
    {
      scanShard: (batch: SQSEvent) => scan(batch, lambdaContext('scan-shard')),
      sendMessage: (batch: SQSEvent) => deliver(batch, lambdaContext('send-message')),
    },
  );
  return { response, downstream };
}

/** The deployed function: its name from the stack outputs (or given), invoked with its log tail. */
export async function invokeOnAws(name: FunctionName, event: unknown, options: StackTarget & { functionName?: string }): Promise<InvokeOutcome> {
  const deployedName = options.functionName ?? requireOutput(await stackOutputs(options), outputKey(name), options);
  const result = await new LambdaClient(options.region ? { region: options.region } : {}).send(
    new InvokeCommand({ FunctionName: deployedName, Payload: Buffer.from(JSON.stringify(event)), LogType: 'Tail' }),
  );
  const payload = result.Payload ? Buffer.from(result.Payload).toString('utf8') : '';
  return {
    response: result.FunctionError ? { functionError: result.FunctionError, payload: safeJson(payload) } : safeJson(payload),
    ...(result.LogResult ? { logTail: Buffer.from(result.LogResult, 'base64').toString('utf8') } : {}),
  };
}

/** The import bucket of `recall invoke import-file`: a file's key is its path under `root`, its modification time its upload. */
class FolderImportBucket implements ImportBucket {
  constructor(private readonly root: string) {}

  async read(file: ImportFileRef, range: { start: number; end?: number }): Promise<{ body: AsyncIterable<Uint8Array>; uploadedAt: Date }> {
    const path = this.pathOf(file.key);
    const found = await stat(path).catch(() => undefined);
    if (!found?.isFile()) throw new UnknownFunctionError(`${path}: no such file (the event's key, under the store's bucket folder)`);
    return { body: createReadStream(path, { start: range.start, ...(range.end === undefined ? {} : { end: range.end - 1 }) }), uploadedAt: found.mtime };
  }

  async writeResult(_file: ImportFileRef, key: string, result: ImportResult): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
  }

  private pathOf(key: string): string {
    const path = join(this.root, key);
    if (relative(this.root, path).startsWith('..')) throw new UnknownFunctionError(`${key}: a key outside the store's bucket folder`);
    return path;
  }
}

/** Stack outputs are named after the function: plan-recall -> PlanRecallFunctionName. */
export function outputKey(name: FunctionName): string {
  return `${name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase())}FunctionName`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
