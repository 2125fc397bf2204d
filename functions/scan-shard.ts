import { parseBody } from '../lib/events/invocations.ts';
import { ShardJobMessageSchema } from '../lib/events/schemas.ts';
import { logger, metrics, MetricUnit } from '../lib/observability/powertools.ts';
import { sqsBatchHandler } from '../lib/observability/sqs-handler.ts';
import { campaignConfig, once } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { sendQueue, workQueue } from '../lib/runtime/aws/queues.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { functionStores } from '../lib/runtime/aws/store.ts';
import { scanShardJob, type ShardJobDeps } from '../lib/usecases/pipeline.ts';

/** Leave this much of the timeout for the continuation, the counts and the response. */
const YIELD_MARGIN_MS = 60_000;

/** One shard of a run from the work queue: guardrails, ledger claims, messages onto the send queue. */
export function createHandler(deps: () => Promise<ShardJobDeps>) {
  return sqsBatchHandler(deps, async (resolved, record, context) => {
    const job = parseBody(record, ShardJobMessageSchema);
    const result = await scanShardJob(resolved, job, () => context.getRemainingTimeInMillis() < YIELD_MARGIN_MS);
    metrics.addMetric('candidatesDecided', MetricUnit.Count, result.decided);
    logger.info('shard job done', { runId: job.runId, shard: result.shard, decided: result.decided, continuedAfter: result.continuedAfter, completed: result.completed !== undefined });
  });
}

export const handler = createHandler(
  once(async () => ({
    config: campaignConfig(),
    store: functionStores['scan-shard'](),
    sendQueue: sendQueue(),
    workQueue: workQueue(),
    events: eventPublisher(),
    couponSecret: await couponSecret(),
  })),
);
