import type { SQSRecord } from 'aws-lambda';
import { isPermanent } from '../../errors.ts';
import { parseBody } from '../../events/invocations.ts';
import { SendJobMessageSchema } from '../../events/schemas.ts';
import { loggableJob, logger, metrics, MetricUnit } from '../../observability/powertools.ts';
import { sqsBatchConsumer } from '../../observability/sqs-handler.ts';
import { UnconfirmedDeliveryError, type ProfileReread } from '../../usecases/deliver.ts';
import { rereadSendBatch, sendJob, type SendDeps } from '../../usecases/pipeline.ts';

type WithVersion = (configVersion?: number) => Promise<SendDeps>;

/* The send-message handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/send-message.ts gives it AWS's, `recall invoke` the local ones. */

/**
 * Claimed messages from the send queue, paced in SMS parts per second across every concurrent
 * sender, delivered at most once. A retryable refusal fails just its record (partial batch
 * response); a message that may have gone out is never retried.
 */
export function createHandler(deps: () => Promise<WithVersion>) {
  return sqsBatchConsumer(deps, rereadBatch, async ({ withVersion, reread }, record) => {
    const job = parseBody(record, SendJobMessageSchema);
    // The sender works with the config version of the run that decided the message.
    const result = await sendJob(await withVersion(job.configVersion), job, reread).catch((error: unknown) => {
      if (error instanceof UnconfirmedDeliveryError) metrics.addMetric('delivery_unconfirmed', MetricUnit.Count, 1);
      throw error;
    });
    metrics.addMetric(`delivery_${result}`, MetricUnit.Count, 1);
    if (result === 'sent' && job.channel === 'sms') metrics.addMetric('smsParts', MetricUnit.Count, job.parts);
    logger.info('message handled', { result, ...loggableJob(job) });
  });
}

/**
 * Consent is read again once for the whole SQS batch (one strongly consistent BatchGetItem), not
 * once per message. A record that does not parse, or names a config version that was never stored,
 * is left out here and fails on its own (permanently) when it is handled; anything else (a read
 * that failed) sends the whole batch back to the queue.
 */
async function rereadBatch(withVersion: WithVersion, records: readonly SQSRecord[]): Promise<{ withVersion: WithVersion; reread?: ProfileReread }> {
  const batch = await Promise.all(
    records.map(async (record) => {
      try {
        const job = parseBody(record, SendJobMessageSchema);
        return [{ deps: await withVersion(job.configVersion), job }];
      } catch (error) {
        if (isPermanent(error)) return [];
        throw error;
      }
    }),
  );
  const reread = await rereadSendBatch(batch.flat());
  return reread ? { withVersion, reread } : { withVersion };
}
