import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { InvalidEventError, issuesOf } from '../../events/invocations.ts';
import { ImportContinuationSchema, S3ObjectCreatedEventSchema } from '../../events/imports.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import type { ImportFileRef } from '../../ports/store.ts';
import { importFile, type ImportFileDeps, type ImportFileOutcome } from '../../usecases/import-file.ts';

/* The import-file handler's wiring (middy chain, event parsing, metrics): functions/import-file.ts gives it AWS's deps. */

/** Leave this much of the timeout to settle the writes in flight, store the checkpoint and hand on. */
const YIELD_MARGIN_MS = 60_000;
/** A claim is held this long past the invocation's own deadline: Lambda's clock and ours may differ a little. */
const LEASE_SLACK_MS = 30_000;

/** An S3 key as the notification writes it: URL-encoded, '+' for a space. */
function decodeS3Key(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** The files an event asks for: each record of an S3 notification, or the one a continuation goes on with. */
function importRequests(event: unknown): { file: ImportFileRef; token?: string }[] {
  const notification = S3ObjectCreatedEventSchema.safeParse(event);
  if (notification.success) {
    // A bucket without versioning sends no version id; S3 calls that version "null".
    return notification.data.Records.map(({ s3 }) => ({ file: { bucket: s3.bucket.name, key: decodeS3Key(s3.object.key), versionId: s3.object.versionId ?? 'null' } }));
  }
  const continuation = ImportContinuationSchema.safeParse(event);
  if (continuation.success) {
    const { bucket, key, versionId, token } = continuation.data;
    return [{ file: { bucket, key, versionId }, token }];
  }
  const problem = typeof event === 'object' && event !== null && 'Records' in event ? issuesOf(notification.error) : issuesOf(continuation.error);
  throw new InvalidEventError(`import-file: neither an S3 ObjectCreated notification nor a continuation: ${problem}`);
}

function record(outcome: ImportFileOutcome): void {
  metrics.addMetric(`import_${outcome.status}`, MetricUnit.Count, 1);
  if (outcome.status === 'completed' || outcome.status === 'failed') {
    const rejected = Object.values(outcome.rejected).reduce((sum, count) => sum + count, 0);
    metrics.addMetric('importRowsImported', MetricUnit.Count, outcome.imported);
    metrics.addMetric('importRowsRejected', MetricUnit.Count, rejected);
    logger.info('file imported', { key: outcome.key, versionId: outcome.versionId, kind: outcome.kind, status: outcome.status, imported: outcome.imported, unchanged: outcome.unchanged, rejected, segments: outcome.segments, error: outcome.error });
  } else {
    logger.info('file import', { ...outcome });
  }
}

/**
 * Files dropped into the import bucket (docs/architecture.md#imports-on-aws), from S3's
 * ObjectCreated notification, and the continuations the function hands itself near its timeout.
 * Logs keys and counts, never a row.
 */
export function createHandler(deps: () => Promise<ImportFileDeps>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown, context: Context) => {
      const requests = importRequests(event);
      const resolved = await deps();
      const outcomes: ImportFileOutcome[] = [];
      for (const request of requests) {
        const invocation = {
          id: context.awsRequestId,
          leaseUntil: new Date(resolved.clock.now().getTime() + context.getRemainingTimeInMillis() + LEASE_SLACK_MS),
          shouldYield: () => context.getRemainingTimeInMillis() < YIELD_MARGIN_MS,
        };
        const outcome = await importFile(resolved, request, invocation);
        record(outcome);
        outcomes.push(outcome);
      }
      return { outcomes };
    });
}
