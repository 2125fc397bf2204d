import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { SendJobMessageSchema, ShardJobMessageSchema, type ShardJobMessage } from '../events/schemas.ts';
import { backoffMs, isThrottling, positiveAttempts, wait, type RetryOptions } from './retry.ts';
import type { SendJob, SendQueue, WorkQueue } from '../ports/messaging.ts';
import { PermanentError, RecallError } from '../errors.ts';

/** SendMessageBatch takes at most 10 entries per call. */
export const SEND_MESSAGE_BATCH_SIZE = 10;

const THROTTLING_ERROR_NAMES = new Set(['RequestThrottled', 'KmsThrottled', 'ThrottlingException', 'Throttling']);

export type QueueOptions = RetryOptions;

/** A job that does not match its message schema: a bug in the caller, never retried. */
export class InvalidQueueMessageError extends PermanentError {
  override name = 'InvalidQueueMessageError';
}

/** Messages the queue did not accept after every attempt (or refused as the sender's fault). */
export class QueueSendError extends RecallError {
  override name = 'QueueSendError';

  constructor(
    readonly queueUrl: string,
    readonly failures: readonly { code: string; senderFault: boolean }[],
    /** False when at least one message was refused as the sender's fault: no retry will fix it. */
    readonly retryable: boolean,
  ) {
    const codes = [...new Set(failures.map((failure) => failure.code))].join(', ');
    super(`SendMessageBatch to ${queueUrl}: ${failures.length} ${failures.length === 1 ? 'message' : 'messages'} failed (${codes})`);
  }
}

/** Validates each job against its message schema and sends it as a JSON body, 10 per call. */
class SqsJobQueue<Job> {
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
    private readonly schema: z.core.$ZodType<Job>,
    { maxAttempts = 5, sleep = wait }: QueueOptions,
  ) {
    this.maxAttempts = positiveAttempts(maxAttempts);
    this.sleep = sleep;
  }

  async enqueue(jobs: readonly Job[], delaySeconds?: number): Promise<void> {
    // Every job is checked before the first call, so a bad one never leaves half a batch sent.
    const bodies = jobs.map((job) => this.body(job));
    for (let start = 0; start < bodies.length; start += SEND_MESSAGE_BATCH_SIZE) {
      // The Id only has to be unique within one call: the index in the batch, kept across retries.
      const batch = bodies
        .slice(start, start + SEND_MESSAGE_BATCH_SIZE)
        .map((body, index): SendMessageBatchRequestEntry => ({ Id: String(index), MessageBody: body, ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}) }));
      await this.sendBatch(batch);
    }
  }

  private body(job: Job): string {
    const parsed = z.safeParse(this.schema, job);
    if (!parsed.success) throw new InvalidQueueMessageError(`invalid message for ${this.queueUrl}: ${z.prettifyError(parsed.error)}`);
    return JSON.stringify(parsed.data);
  }

  private async sendBatch(batch: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = batch;
    let lastCodes = new Map<string, string>();
    const refused: { code: string; senderFault: boolean }[] = [];
    for (let attempt = 0; attempt < this.maxAttempts && pending.length > 0; attempt += 1) {
      if (attempt > 0) await this.sleep(backoffMs(attempt));
      let failed: { id: string; code: string; senderFault: boolean }[];
      try {
        const result = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        failed = (result.Failed ?? []).map((entry) => ({
          id: entry.Id ?? '',
          code: entry.Code ?? 'Unknown',
          senderFault: entry.SenderFault === true,
        }));
      } catch (error) {
        if (!isThrottling(error, THROTTLING_ERROR_NAMES)) throw error;
        failed = pending.map((entry) => ({ id: entry.Id ?? '', code: error.name, senderFault: false }));
      }
      lastCodes = new Map();
      for (const failure of failed) {
        if (failure.senderFault) refused.push({ code: failure.code, senderFault: true });
        else lastCodes.set(failure.id, failure.code);
      }
      pending = pending.filter((entry) => lastCodes.has(entry.Id ?? ''));
    }
    const failures = [
      ...refused,
      ...pending.map((entry) => ({ code: lastCodes.get(entry.Id ?? '') ?? 'Unknown', senderFault: false })),
    ];
    if (failures.length > 0) throw new QueueSendError(this.queueUrl, failures, refused.length === 0);
  }
}

/** The work queue: one message per shard job of a run (docs/architecture.md#the-daily-run). */
export class SqsWorkQueue implements WorkQueue {
  private readonly queue: SqsJobQueue<ShardJobMessage>;

  constructor(client: SQSClient, queueUrl: string, options: QueueOptions = {}) {
    this.queue = new SqsJobQueue(client, queueUrl, ShardJobMessageSchema, options);
  }

  enqueue(jobs: readonly ShardJobMessage[]): Promise<void> {
    return this.queue.enqueue(jobs);
  }
}

/** The send queue: one message per claimed send, consumed by send-message (docs/architecture.md#sending). */
export class SqsSendQueue implements SendQueue {
  private readonly queue: SqsJobQueue<SendJob>;

  constructor(client: SQSClient, queueUrl: string, options: QueueOptions = {}) {
    this.queue = new SqsJobQueue(client, queueUrl, SendJobMessageSchema, options);
  }

  enqueue(jobs: readonly SendJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    return this.queue.enqueue(jobs, options.delaySeconds);
  }
}
