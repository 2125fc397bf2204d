import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { planRequest } from '../../events/invocations.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import { planRecall, type PlanDeps } from '../../usecases/pipeline.ts';

/* The plan-recall handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/plan-recall.ts gives it AWS's, `recall invoke` the local ones. */

/** EventBridge Scheduler (daily, merchant time zone) or by hand: one job per shard onto the work queue. */
export function createHandler(deps: () => Promise<PlanDeps>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown, context: Context) => {
      const resolved = await deps();
      const result = await planRecall(resolved, planRequest(event, context.awsRequestId, resolved.config));
      metrics.addMetric('shardJobsEnqueued', MetricUnit.Count, result.planned ? result.shards : 0);
      logger.info('run planned', { ...result });
      return result;
    });
}
