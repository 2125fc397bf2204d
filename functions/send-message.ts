import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBody } from '../lib/events/invocations.ts';
import { SendJobMessageSchema } from '../lib/events/schemas.ts';
import { logFailures, loggableJob, logger, metrics, MetricUnit } from '../lib/observability/powertools.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { snsTransport } from '../lib/runtime/aws/sns.ts';
import { pacer, recallStore } from '../lib/runtime/aws/store.ts';
import { UnconfirmedDeliveryError } from '../lib/usecases/deliver.ts';
import { sendJob, type SendDeps } from '../lib/usecases/pipeline.ts';

/**
 * Claimed messages from the send queue, paced in SMS parts per second across every concurrent
 * sender, delivered at most once. A retryable refusal fails just its record (partial batch
 * response); a message that may have gone out is never retried.
 */
export function createHandler(deps: () => Promise<SendDeps>) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: SQSEvent, context: Context) => {
      const resolved = await deps();
      return processPartialResponse(
        event,
        logFailures(async (record: SQSRecord) => {
          const job = parseBody(record, SendJobMessageSchema);
          const result = await sendJob(resolved, job).catch((error: unknown) => {
            if (error instanceof UnconfirmedDeliveryError) metrics.addMetric('delivery_unconfirmed', MetricUnit.Count, 1);
            throw error;
          });
          metrics.addMetric(`delivery_${result}`, MetricUnit.Count, 1);
          if (result === 'sent' && job.channel === 'sms') metrics.addMetric('smsParts', MetricUnit.Count, job.parts);
          logger.info('message handled', { result, ...loggableJob(job) });
        }),
        processor,
        { context },
      );
    });
}

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = recallStore();
    return { config, store, transport: snsTransport(config), pacer: pacer(store, config), events: eventPublisher(), clock: systemClock };
  }),
);
