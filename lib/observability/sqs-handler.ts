import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { logFailures, logger, metrics } from './powertools.ts';

/**
 * An SQS consumer: middy with the Powertools logger and metrics, dependencies built once, each
 * record handled on its own, and a partial batch response so that only failed records return to
 * the queue (and, after their retries, its DLQ).
 */
export function sqsBatchHandler<Deps>(deps: () => Promise<Deps>, handleRecord: (deps: Deps, record: SQSRecord, context: Context) => Promise<void>) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: SQSEvent, context: Context) => {
      const resolved = await deps();
      return processPartialResponse(event, logFailures((record: SQSRecord) => handleRecord(resolved, record, context)), processor, { context });
    });
}
