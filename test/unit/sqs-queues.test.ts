import {
  RequestThrottled,
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidQueueMessageError, QueueSendError, SqsSendQueue, SqsWorkQueue } from '../../lib/adapters/sqs-queues.ts';
import { SendJobMessageSchema, ShardJobMessageSchema, type ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';

const WORK_QUEUE = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/recall-work';
const SEND_QUEUE = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/recall-send';
const noSleep = async () => {};

const client = new SQSClient({ region: 'ap-southeast-1' });
const sqs = mockClient(client);

afterEach(() => sqs.reset());

function shardJob(shard: number): ShardJobMessage {
  return {
    runId: 'run-20261122-7f3a9c2e',
    runDate: '2026-11-22',
    now: '2026-11-22T02:00:00.000Z',
    shard,
    shards: 32,
    dryRun: false,
  };
}

function sendJob(n: number): SendJob {
  return {
    customerId: `c${String(n).padStart(6, '0')}`,
    journeyId: 'lifecycle',
    cycle: '2026-05-21',
    stepId: 'sleeping',
    channel: 'sms',
    to: `+86138001380${String(n).padStart(2, '0')}`,
    text: '【优选小店】王女士，好久不见！您的会员权益都还在，新品已经上架，欢迎回来逛逛。拒收请回复R',
    parts: 1,
  };
}

function batchCalls(): SendMessageBatchCommandInput[] {
  return sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);
}

function bodies(input: SendMessageBatchCommandInput | undefined): unknown[] {
  return (input?.Entries ?? []).map((entry) => JSON.parse(entry.MessageBody ?? ''));
}

/** A queue that answers each entry by a key read from its body: `fail(key)` is its error, if any. */
function queueAnswering(
  key: (body: unknown) => string,
  fail: (key: string) => { Code: string; SenderFault: boolean } | undefined,
): void {
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput): SendMessageBatchCommandOutput => {
    const successful: NonNullable<SendMessageBatchCommandOutput['Successful']> = [];
    const failed: NonNullable<SendMessageBatchCommandOutput['Failed']> = [];
    for (const entry of input.Entries ?? []) {
      const failure = fail(key(JSON.parse(entry.MessageBody ?? '')));
      if (failure) failed.push({ Id: entry.Id, ...failure, Message: failure.Code });
      else successful.push({ Id: entry.Id, MessageId: `m-${entry.Id}`, MD5OfMessageBody: '0'.repeat(32) });
    }
    return { $metadata: {}, Successful: successful, Failed: failed };
  });
}

const shardOf = (body: unknown) => String(ShardJobMessageSchema.parse(body).shard);
const customerOf = (body: unknown) => SendJobMessageSchema.parse(body).customerId;

describe('SqsWorkQueue', () => {
  it('sends 23 jobs as batches of 10, 10 and 3 with ids unique within each batch', async () => {
    queueAnswering(shardOf, () => undefined);
    const jobs = Array.from({ length: 23 }, (_, shard) => shardJob(shard));

    await new SqsWorkQueue(client, WORK_QUEUE, { sleep: noSleep }).enqueue(jobs);

    const calls = batchCalls();
    expect(calls.map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls.every((input) => input.QueueUrl === WORK_QUEUE)).toBe(true);
    for (const input of calls) {
      const ids = (input.Entries ?? []).map((entry) => entry.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(calls.flatMap(bodies)).toEqual(jobs);
  });

  it('resends only the failed entries, keeping their ids', async () => {
    const failOnce = new Set(['2', '8']);
    queueAnswering(shardOf, (shard) =>
      failOnce.delete(shard) ? { Code: 'InternalError', SenderFault: false } : undefined,
    );

    await new SqsWorkQueue(client, WORK_QUEUE, { sleep: noSleep }).enqueue(Array.from({ length: 10 }, (_, shard) => shardJob(shard)));

    const [first, retry] = batchCalls();
    expect(first?.Entries).toHaveLength(10);
    expect(bodies(retry)).toEqual([shardJob(2), shardJob(8)]);
    expect(retry?.Entries?.map((entry) => entry.Id)).toEqual(['2', '8']);
  });

  it('throws after 5 attempts naming how many messages failed and the code', async () => {
    queueAnswering(shardOf, (shard) => (shard === '1' ? { Code: 'InternalError', SenderFault: false } : undefined));

    const error = await new SqsWorkQueue(client, WORK_QUEUE, { sleep: noSleep })
      .enqueue([shardJob(0), shardJob(1)])
      .catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(QueueSendError);
    expect(error).toMatchObject({ message: `SendMessageBatch to ${WORK_QUEUE}: 1 message failed (InternalError)`, retryable: true });
    expect(batchCalls().map((input) => input.Entries?.length)).toEqual([2, 1, 1, 1, 1]);
  });

  it('does not resend a message refused as the sender fault', async () => {
    queueAnswering(shardOf, (shard) => (shard === '0' ? { Code: 'InvalidMessageContents', SenderFault: true } : undefined));

    const enqueue = new SqsWorkQueue(client, WORK_QUEUE, { sleep: noSleep }).enqueue([shardJob(0), shardJob(1)]);

    await expect(enqueue).rejects.toMatchObject({ retryable: false, message: expect.stringContaining('InvalidMessageContents') });
    expect(batchCalls()).toHaveLength(1);
  });

  it('retries a whole call that was throttled', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .rejectsOnce(new RequestThrottled({ message: 'Request is throttled.', $metadata: { httpStatusCode: 403 } }))
      .resolves({ Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '0'.repeat(32) }], Failed: [] });

    await new SqsWorkQueue(client, WORK_QUEUE, { sleep: noSleep }).enqueue([shardJob(0)]);

    expect(batchCalls()).toHaveLength(2);
  });

  it('refuses an invalid shard job before any call', async () => {
    queueAnswering(shardOf, () => undefined);

    const enqueue = new SqsWorkQueue(client, WORK_QUEUE, { sleep: noSleep }).enqueue([shardJob(0), { ...shardJob(1), runDate: '2026-02-30' }]);

    await expect(enqueue).rejects.toBeInstanceOf(InvalidQueueMessageError);
    expect(batchCalls()).toHaveLength(0);
  });
});

describe('SqsSendQueue', () => {
  it('sends 23 messages as batches of 10, 10 and 3 with ids unique within each batch', async () => {
    queueAnswering(customerOf, () => undefined);
    const jobs = Array.from({ length: 23 }, (_, n) => sendJob(n));

    await new SqsSendQueue(client, SEND_QUEUE, { sleep: noSleep }).enqueue(jobs);

    const calls = batchCalls();
    expect(calls.map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls.every((input) => input.QueueUrl === SEND_QUEUE)).toBe(true);
    for (const input of calls) {
      const ids = (input.Entries ?? []).map((entry) => entry.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(calls.flatMap(bodies)).toEqual(jobs);
  });

  it('resends only the failed entries', async () => {
    const failOnce = new Set(['c000004', 'c000015']);
    queueAnswering(customerOf, (id) => (failOnce.delete(id) ? { Code: 'KmsThrottled', SenderFault: false } : undefined));

    await new SqsSendQueue(client, SEND_QUEUE, { sleep: noSleep }).enqueue(Array.from({ length: 17 }, (_, n) => sendJob(n)));

    expect(batchCalls().map((input) => bodies(input).map(customerOf))).toEqual([
      Array.from({ length: 10 }, (_, n) => sendJob(n).customerId),
      ['c000004'],
      Array.from({ length: 7 }, (_, n) => sendJob(n + 10).customerId),
      ['c000015'],
    ]);
  });

  it('throws after 5 attempts naming the code', async () => {
    queueAnswering(customerOf, () => ({ Code: 'ServiceUnavailable', SenderFault: false }));

    const enqueue = new SqsSendQueue(client, SEND_QUEUE, { sleep: noSleep }).enqueue([sendJob(0), sendJob(1)]);

    await expect(enqueue).rejects.toThrow(`SendMessageBatch to ${SEND_QUEUE}: 2 messages failed (ServiceUnavailable)`);
    expect(batchCalls()).toHaveLength(5);
  });

  it('refuses an invalid send job before any call', async () => {
    queueAnswering(customerOf, () => undefined);

    const enqueue = new SqsSendQueue(client, SEND_QUEUE, { sleep: noSleep }).enqueue([sendJob(0), { ...sendJob(1), parts: 0 }]);

    await expect(enqueue).rejects.toBeInstanceOf(InvalidQueueMessageError);
    expect(batchCalls()).toHaveLength(0);
  });
});
