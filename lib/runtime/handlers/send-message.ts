import { parseBody } from '../../events/invocations.ts';
import { SendJobMessageSchema } from '../../events/schemas.ts';
import { loggableJob, logger, metrics, MetricUnit } from '../../observability/powertools.ts';
import { sqsBatchHandler } from '../../observability/sqs-handler.ts';
import { UnconfirmedDeliveryError } from '../../usecases/deliver.ts';
import { sendJob, type SendDeps } from '../../usecases/pipeline.ts';

/* The send-message handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/send-message.ts gives it AWS's, `recall invoke` the local ones. */

/**
 * Claimed messages from the send queue, paced in SMS parts per second across every concurrent
 * sender, delivered at most once. A retryable refusal fails just its record (partial batch
 * response); a message that may have gone out is never retried.
 */
export function createHandler(deps: () => Promise<(configVersion?: number) => Promise<SendDeps>>) {
  return sqsBatchHandler(deps, async (withVersion, record) => {
    const job = parseBody(record, SendJobMessageSchema);
    // The sender works with the config version of the run that decided the message.
    const result = await sendJob(await withVersion(job.configVersion), job).catch((error: unknown) => {
      if (error instanceof UnconfirmedDeliveryError) metrics.addMetric('delivery_unconfirmed', MetricUnit.Count, 1);
      throw error;
    });
    metrics.addMetric(`delivery_${result}`, MetricUnit.Count, 1);
    if (result === 'sent' && job.channel === 'sms') metrics.addMetric('smsParts', MetricUnit.Count, job.parts);
    logger.info('message handled', { result, ...loggableJob(job) });
  });
}
