import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { learnWindowsRequest } from '../../events/invocations.ts';
import type { CampaignConfig } from '../../config/schema.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import type { BatchScans } from '../../ports/store.ts';
import type { Clock, EventPublisher } from '../../ports/messaging.ts';
import { learnAndPublishWindows } from '../../usecases/windows.ts';

/* The learn-windows handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/learn-windows.ts gives it AWS's, `recall invoke` the local ones. */
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
