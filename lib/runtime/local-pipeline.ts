import { createHash } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { DOMAIN_EVENTS, type DomainEvent } from '../events/catalog.ts';
import type { ShardJobMessage } from '../events/schemas.ts';
import type { EventPublisher, SendJob } from '../ports/messaging.ts';

/** A queue in memory: what the pipeline would put on SQS, handed to the next handler locally. */
export class MemoryQueue<T> {
  private readonly items: T[] = [];
  /** Messages sent with a delay: they stay here (a local invoke does not wait for them). */
  readonly delayed: T[] = [];

  async enqueue(jobs: readonly T[], options: { delaySeconds?: number } = {}): Promise<void> {
    (options.delaySeconds ? this.delayed : this.items).push(...jobs);
  }

  take(max: number): T[] {
    return this.items.splice(0, max);
  }

  get size(): number {
    return this.items.length;
  }
}

/** Our bus, locally: one JSON line per domain event (validated like the EventBridge publisher). */
export class JsonlEventPublisher implements EventPublisher {
  constructor(readonly file: string) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    await mkdir(dirname(this.file), { recursive: true });
    const time = new Date().toISOString();
    const lines = events.map((event) => JSON.stringify({ type: event.type, time, detail: DOMAIN_EVENTS[event.type].parse(event.detail) }));
    await appendFile(this.file, `${lines.join('\n')}\n`);
  }
}

let messageCounter = 0;

/** An SQS event as Lambda receives it, one record per body. */
export function sqsEvent(bodies: readonly unknown[], queueName: string): SQSEvent {
  return {
    Records: bodies.map((body) => {
      const messageId = `local-${++messageCounter}`;
      const text = JSON.stringify(body);
      return {
        messageId,
        receiptHandle: `local-receipt-${messageId}`,
        body: text,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: createHash('md5').update(text).digest('hex'),
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
        awsRegion: 'local',
      };
    }),
  };
}

/** A Lambda context for in-process invocations. */
export function lambdaContext(functionName: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface LocalQueues {
  work: MemoryQueue<ShardJobMessage>;
  send: MemoryQueue<SendJob>;
}

/**
 * Drains the local queues through the shard and send handlers, as SQS and Lambda would: one
 * shard job per invocation, up to 10 messages per send invocation.
 */
export async function drainQueues(
  queues: LocalQueues,
  handlers: { scanShard: (event: SQSEvent) => Promise<unknown>; sendMessage: (event: SQSEvent) => Promise<unknown> },
): Promise<{ shardJobs: number; sendBatches: number }> {
  let shardJobs = 0;
  let sendBatches = 0;
  while (queues.work.size > 0 || queues.send.size > 0) {
    const work = queues.work.take(1);
    if (work.length > 0) {
      await handlers.scanShard(sqsEvent(work, 'work-queue'));
      shardJobs++;
    }
    while (queues.send.size > 0) {
      await handlers.sendMessage(sqsEvent(queues.send.take(10), 'send-queue'));
      sendBatches++;
    }
  }
  return { shardJobs, sendBatches };
}
