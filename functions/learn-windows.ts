import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { learnWindowsRequest } from '../lib/events/invocations.ts';
import type { CampaignConfig } from '../lib/config/schema.ts';
import { logger, metrics, MetricUnit, tracer } from '../lib/observability/powertools.ts';
import type { BatchScans } from '../lib/ports/store.ts';
import type { Clock, EventPublisher } from '../lib/ports/messaging.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { learnAndPublishWindows } from '../lib/usecases/windows.ts';

export interface LearnWindowsDeps {
  config: CampaignConfig;
  store: BatchScans;
  events: EventPublisher;
  clock: Clock;
}

/**
 * EventBridge Scheduler (weekly, merchant time zone) or by hand (`{}`): learns each category's
 * window with a parallel Scan of the category histories (a batch job, never the daily path) and
 * publishes `WindowsLearned` on our bus. It changes no config.
 */
export function createHandler(deps: () => Promise<LearnWindowsDeps>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown) => {
      learnWindowsRequest(event);
      const result = await learnAndPublishWindows(await deps());
      metrics.addMetric('categoryHistoriesRead', MetricUnit.Count, result.histories);
      logger.info('windows learned', { ...result });
      return result;
    });
}

export const handler = createHandler(once(async () => ({ config: campaignConfig(), store: functionStores['learn-windows'](), events: eventPublisher(), clock: systemClock })));
