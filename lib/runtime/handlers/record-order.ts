import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { InvalidEventError, issuesOf } from '../../events/invocations.ts';
import { OrderPlacedEventSchema } from '../../events/schemas.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import { recordOrder, type RecordOrderDeps } from '../../usecases/record-order.ts';

/* The record-order handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/record-order.ts gives it AWS's, `recall invoke` the local ones. */

/**
 * The shop's OrderPlaced events: customer state, journey exits and restarts, attribution and
 * coupon redemption (CustomerConverted on our bus); idempotent per order.
 */
export function createHandler(deps: () => Promise<Required<RecordOrderDeps>>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown) => {
      const parsed = OrderPlacedEventSchema.safeParse(event);
      if (!parsed.success) throw new InvalidEventError(`record-order: not an OrderPlaced event: ${issuesOf(parsed.error)}`);
      const order = parsed.data.detail;
      // An order dated after its event's time is refused (FutureOrderError, permanent): it would silence the customer.
      const result = await recordOrder(await deps(), order, { receivedAt: new Date(parsed.data.time) });
      if (result.status === 'conflicting') {
        metrics.addMetric('orderConflicting', MetricUnit.Count, 1);
        logger.warn('order id seen before with other content: refused', { orderId: order.orderId, conflict: result.conflict });
        return result;
      }
      metrics.addMetric(result.status === 'duplicate' ? 'orderReplayed' : 'orderRecorded', MetricUnit.Count, 1);
      if (result.unknownCategories.length > 0) metrics.addMetric('unknownCategoryLines', MetricUnit.Count, result.unknownCategories.length);
      if (result.conversion) metrics.addMetric(`conversion_${result.conversion.outcome}`, MetricUnit.Count, 1);
      // Unknown or forged codes are counted here, never trusted (couponRejected).
      if (result.coupon) metrics.addMetric(`coupon${result.coupon === 'redeemed' ? 'Redeemed' : result.coupon === 'rejected' ? 'Rejected' : 'AlreadyRedeemed'}`, MetricUnit.Count, 1);
      logger.info('order handled', { orderId: order.orderId, customerId: order.customerId, ...result });
      return result;
    });
}
