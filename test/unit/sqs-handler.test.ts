import { ThrottlingException } from '@aws-sdk/client-dynamodb';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { PacerCapacityError } from '../../lib/adapters/dynamo-pacer.ts';
import { parseBody } from '../../lib/events/invocations.ts';
import { SendJobMessageSchema, ShardJobMessageSchema } from '../../lib/events/schemas.ts';
import { sqsBatchHandler } from '../../lib/observability/sqs-handler.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { RetryableDeliveryError } from '../../lib/ports/messaging.ts';
import { UnconfirmedDeliveryError } from '../../lib/usecases/deliver.ts';
import { failedRecordLines, metricSum } from '../support/emf.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { loadSqsEvent, withBodies } from '../support/sample-events.ts';

/** Runs `event` through an SQS consumer whose record handler is `handle`, as Lambda would. */
async function consume(event: SQSEvent, handle: (record: SQSRecord) => Promise<void>) {
  const from = capturedLogLines().length;
  const handler = sqsBatchHandler(async () => ({}), async (_deps, record) => handle(record));
  const result = await handler(event, lambdaContext('sqs-consumer-test'));
  return { result, permanentFailures: metricSum('permanentFailures', from), failed: failedRecordLines(from) };
}

describe('SQS consumers: permanent failures are dropped and counted, retryable ones go back to the queue', () => {
  it('a shard job no schema accepts (scan-shard sample) is logged, counted and not returned to the queue; its neighbour is handled', async () => {
    const sample = await loadSqsEvent('scan-shard.sqs-batch.json');
    const good = JSON.parse(sample.Records[0]?.body ?? '{}') as Record<string, unknown>;
    const event = withBodies(sample, ['{"runId":', { ...good, shard: -1 }, good]);
    const handled: number[] = [];

    const { result, permanentFailures, failed } = await consume(event, async (record) => {
      handled.push(parseBody(record, ShardJobMessageSchema).shard);
    });

    expect(result).toEqual({ batchItemFailures: [] });
    expect(permanentFailures).toBe(2);
    expect(handled).toEqual([good.shard]);
    expect(failed.map((line) => [line.messageId, line.permanent, line.retried, (line.error as { name: string }).name])).toEqual([
      [event.Records[0]?.messageId, true, false, 'InvalidEventError'],
      [event.Records[1]?.messageId, true, false, 'InvalidEventError'],
    ]);
  });

  it('send-message sample: a throttled refusal is returned for retry; a message that can never fit the pacer and an unconfirmed one are dropped; no number is logged', async () => {
    const sample = await loadSqsEvent('send-message.sqs-batch.json');
    const [throttled, tooLong, unconfirmed] = sample.Records;

    const { result, permanentFailures, failed } = await consume(sample, async (record) => {
      const job = parseBody(record, SendJobMessageSchema);
      if (record === throttled) throw new RetryableDeliveryError('ThrottlingException');
      if (record === tooLong) throw new PacerCapacityError(`a message of ${job.parts} parts exceeds the pacer's 1 parts/s`);
      if (record === unconfirmed) throw new UnconfirmedDeliveryError(`${job.journeyId}/${job.stepId} for ${job.customerId}: outcome unknown, left unconfirmed`);
    });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: throttled?.messageId }] });
    expect(permanentFailures).toBe(2);
    expect(failed.filter((line) => line.permanent === true).map((line) => line.messageId)).toEqual([tooLong?.messageId, unconfirmed?.messageId]);
    // The retryable one is logged too (it returns to the queue), without the permanent mark.
    expect(failed.filter((line) => line.permanent === undefined).map((line) => line.messageId)).toEqual([throttled?.messageId]);
    expect(JSON.stringify(failed)).not.toMatch(/13800138|【/);
  });

  it('an error that is not ours (an SDK error after its retries, a bug) is retried, not dropped', async () => {
    const sample = await loadSqsEvent('send-message.sqs-batch.json');
    const [sdk, bug] = sample.Records;

    const { result, permanentFailures } = await consume(sample, async (record) => {
      if (record === sdk) throw new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} });
      if (record === bug) throw new TypeError('cannot read properties of undefined');
    });

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: sdk?.messageId }, { itemIdentifier: bug?.messageId }] });
    expect(permanentFailures).toBe(0);
  });
});
