import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { planRequest } from '../lib/events/invocations.ts';
import { logger, metrics, MetricUnit, tracer } from '../lib/observability/powertools.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { workQueue } from '../lib/runtime/aws/queues.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { planRecall, type PlanDeps } from '../lib/usecases/pipeline.ts';

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

export const handler = createHandler(once(async () => ({ config: campaignConfig(), store: functionStores['plan-recall'](), workQueue: workQueue(), events: eventPublisher(), clock: systemClock })));
