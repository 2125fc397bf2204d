import { parseBody } from '../lib/events/invocations.ts';
import { SendJobMessageSchema } from '../lib/events/schemas.ts';
import { loggableJob, logger, metrics, MetricUnit } from '../lib/observability/powertools.ts';
import { sqsBatchHandler } from '../lib/observability/sqs-handler.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { snsTransport } from '../lib/runtime/aws/sns.ts';
import { functionStores, pacer } from '../lib/runtime/aws/store.ts';
import { UnconfirmedDeliveryError } from '../lib/usecases/deliver.ts';
import { sendJob, type SendDeps } from '../lib/usecases/pipeline.ts';

/**
 * Claimed messages from the send queue, paced in SMS parts per second across every concurrent
 * sender, delivered at most once. A retryable refusal fails just its record (partial batch
 * response); a message that may have gone out is never retried.
 */
export function createHandler(deps: () => Promise<SendDeps>) {
  return sqsBatchHandler(deps, async (resolved, record) => {
    const job = parseBody(record, SendJobMessageSchema);
    const result = await sendJob(resolved, job).catch((error: unknown) => {
      if (error instanceof UnconfirmedDeliveryError) metrics.addMetric('delivery_unconfirmed', MetricUnit.Count, 1);
      throw error;
    });
    metrics.addMetric(`delivery_${result}`, MetricUnit.Count, 1);
    if (result === 'sent' && job.channel === 'sms') metrics.addMetric('smsParts', MetricUnit.Count, job.parts);
    logger.info('message handled', { result, ...loggableJob(job) });
  });
}

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = functionStores['send-message']();
    return { config, store, transport: snsTransport(config), pacer: pacer(config), events: eventPublisher(), clock: systemClock };
  }),
);
