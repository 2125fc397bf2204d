import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { CampaignConfig } from '../lib/config/schema.ts';
import { InvalidEventError, issuesOf } from '../lib/events/invocations.ts';
import { OrderPlacedEventSchema } from '../lib/events/schemas.ts';
import { logger, metrics, MetricUnit } from '../lib/observability/powertools.ts';
import type { Clock, RecallStore } from '../lib/ports.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { recallStore } from '../lib/runtime/aws/store.ts';
import { recordOrder } from '../lib/usecases/record-order.ts';

/** The shop's OrderPlaced events: customer state, journey exits and restarts; idempotent per order. */
export function createHandler(deps: () => Promise<{ store: RecallStore; config: CampaignConfig; clock: Clock }>) {
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown) => {
      const parsed = OrderPlacedEventSchema.safeParse(event);
      if (!parsed.success) throw new InvalidEventError(`record-order: not an OrderPlaced event: ${issuesOf(parsed.error)}`);
      const order = parsed.data.detail;
      const result = await recordOrder(await deps(), order);
      metrics.addMetric(result.status === 'duplicate' ? 'orderReplayed' : 'orderRecorded', MetricUnit.Count, 1);
      if (result.unknownCategories.length > 0) metrics.addMetric('unknownCategoryLines', MetricUnit.Count, result.unknownCategories.length);
      logger.info('order handled', { orderId: order.orderId, customerId: order.customerId, ...result });
      return result;
    });
}

export const handler = createHandler(once(async () => ({ config: campaignConfig(), store: recallStore(), clock: systemClock })));
