import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBody } from '../lib/events/invocations.ts';
import { ShardJobMessageSchema } from '../lib/events/schemas.ts';
import { logFailures, logger, metrics, MetricUnit } from '../lib/observability/powertools.ts';
import { campaignConfig, once } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { sendQueue, workQueue } from '../lib/runtime/aws/queues.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { recallStore } from '../lib/runtime/aws/store.ts';
import { scanShardJob, type ShardJobDeps } from '../lib/usecases/pipeline.ts';

/** Leave this much of the timeout for the continuation, the counts and the response. */
const YIELD_MARGIN_MS = 60_000;

/** One shard of a run from the work queue: guardrails, ledger claims, messages onto the send queue. */
export function createHandler(deps: () => Promise<ShardJobDeps>) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: SQSEvent, context: Context) => {
      const resolved = await deps();
      return processPartialResponse(
        event,
        logFailures(async (record: SQSRecord) => {
          const job = parseBody(record, ShardJobMessageSchema);
          const result = await scanShardJob(resolved, job, () => context.getRemainingTimeInMillis() < YIELD_MARGIN_MS);
          metrics.addMetric('candidatesDecided', MetricUnit.Count, result.decided);
          logger.info('shard job done', { runId: job.runId, shard: result.shard, decided: result.decided, continuedAfter: result.continuedAfter, completed: result.completed !== undefined });
        }),
        processor,
        { context },
      );
    });
}

export const handler = createHandler(
  once(async () => ({
    config: campaignConfig(),
    store: recallStore(),
    sendQueue: sendQueue(),
    workQueue: workQueue(),
    events: eventPublisher(),
    couponSecret: await couponSecret(),
  })),
);
