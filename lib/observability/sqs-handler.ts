import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { isPermanent } from '../errors.ts';
import { logFailures, logger, metrics, MetricUnit, tracer } from './powertools.ts';

/**
 * An SQS consumer: middy with the Powertools logger and metrics, dependencies built once, each
 * record handled on its own, and a partial batch response so that only failed records return to
 * the queue (and, after their retries, its DLQ).
 */
export function sqsBatchHandler<Deps>(deps: () => Promise<Deps>, handleRecord: (deps: Deps, record: SQSRecord, context: Context) => Promise<void>) {
  return sqsBatchConsumer(deps, async (resolved) => resolved, handleRecord);
}

/**
 * An SQS consumer whose records share work done once per batch: `forBatch` runs before any record
 * (the send batch's one profile read) and what it gives is handed to every record. If it fails,
 * the whole batch goes back to the queue.
 */
export function sqsBatchConsumer<Deps, Batch>(
  deps: () => Promise<Deps>,
  forBatch: (deps: Deps, records: readonly SQSRecord[]) => Promise<Batch>,
  handleRecord: (batch: Batch, record: SQSRecord, context: Context) => Promise<void>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: SQSEvent, context: Context) => {
      const batch = await forBatch(await deps(), event.Records);
      const handle = logFailures(dropPermanentFailures((record: SQSRecord) => handleRecord(batch, record, context)));
      return processPartialResponse(event, handle, processor, { context });
    });
}

/**
 * A record that fails with a permanent error (docs/architecture.md#errors) is logged, counted as
 * `permanentFailures` and then dropped: the batch reports it as handled, so SQS deletes it
 * instead of delivering it again until its DLQ. Redelivery cannot fix it (a body no schema
 * accepts, a shard outside its run, a message longer than the whole SMS budget) and every try
 * costs an invocation; a message whose outcome is unknown (UnconfirmedDeliveryError) is already
 * kept in the ledger as `sending`, which is where it is reconciled. Dropping rather than forwarding
 * to the DLQ keeps the consumers free of a second SQS client and a DLQ grant: the ledger, this
 * log line (the same `record failed` message, so the failed-records alarm fires) and the metric
 * are the record of it. Any other error keeps SQS's retries (batchItemFailures).
 */
function dropPermanentFailures(handle: (record: SQSRecord) => Promise<void>): (record: SQSRecord) => Promise<void> {
  return async (record) => {
    try {
      await handle(record);
    } catch (error) {
      if (!isPermanent(error)) throw error;
      metrics.addMetric('permanentFailures', MetricUnit.Count, 1);
      // Error messages name fields and ids, never a number, a text or a coupon code.
      logger.error('record failed', { messageId: record.messageId, permanent: true, retried: false, error: { name: error.name, message: error.message } });
    }
  };
}
