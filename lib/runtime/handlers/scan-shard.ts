import { parseBody } from '../../events/invocations.ts';
import { ShardJobMessageSchema } from '../../events/schemas.ts';
import { logger, metrics, MetricUnit } from '../../observability/powertools.ts';
import { sqsBatchHandler } from '../../observability/sqs-handler.ts';
import { scanShardJob, type ShardJobDeps } from '../../usecases/pipeline.ts';

/* The scan-shard handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/scan-shard.ts gives it AWS's, `recall invoke` the local ones. */

/** Leave this much of the timeout for the continuation, the counts and the response. */
const YIELD_MARGIN_MS = 60_000;

/** One shard of a run from the work queue: guardrails, ledger claims, messages onto the send queue. */
export function createHandler(deps: () => Promise<(configVersion?: number) => Promise<ShardJobDeps>>) {
  return sqsBatchHandler(deps, async (withVersion, record, context) => {
    const job = parseBody(record, ShardJobMessageSchema);
    // Every job of a run decides with the run's config version, whatever was pushed since.
    const result = await scanShardJob(await withVersion(job.configVersion), job, () => context.getRemainingTimeInMillis() < YIELD_MARGIN_MS);
    metrics.addMetric('candidatesDecided', MetricUnit.Count, result.decided);
    logger.info('shard job done', { runId: job.runId, shard: result.shard, decided: result.decided, continuedAfter: result.continuedAfter, completed: result.completed !== undefined });
  });
}
