import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SnsEventSchema } from '../../events/sns-envelope.ts';
import { InvalidEventError, issuesOf, parseJson } from '../../events/invocations.ts';
import { SmsEventSchema } from '../../domain/sms-events.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import { recordDeliveryEvent, type DeliveryEventResult } from '../../usecases/record-delivery.ts';
import type { Receipts } from '../../ports/store.ts';

/* The record-delivery handler's wiring, composed with any runtime's deps: functions/record-delivery.ts gives it AWS's. */

/**
 * End User Messaging SMS delivery events, from the configuration set's SNS event destination: each
 * moves its message (docs/architecture.md#delivery-events). A message no schema accepts is logged
 * and counted (`deliveryEvent_invalid`), never retried: SNS would only deliver it again.
 */
export function createHandler(deps: () => Promise<{ store: Receipts }>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown) => {
      const parsed = SnsEventSchema.safeParse(event);
      if (!parsed.success) throw new InvalidEventError(`record-delivery: not an SNS event: ${issuesOf(parsed.error)}`);
      const resolved = await deps();
      const results: (DeliveryEventResult | 'invalid')[] = [];
      for (const record of parsed.data.Records) {
        const sms = parseJson(record.Sns.Message, SmsEventSchema);
        if (!sms.success) {
          // Field names and problems only: the message holds a phone number.
          logger.warn('delivery event refused', { snsMessageId: record.Sns.MessageId, problem: sms.problem });
          results.push('invalid');
          metrics.addMetric('deliveryEvent_invalid', MetricUnit.Count, 1);
          continue;
        }
        const result = await recordDeliveryEvent(resolved, sms.data);
        results.push(result);
        metrics.addMetric(`deliveryEvent_${result}`, MetricUnit.Count, 1);
        logger.info('delivery event handled', { messageId: sms.data.messageId, eventType: sms.data.eventType, isFinal: sms.data.isFinal, result });
      }
      return { results };
    });
}
