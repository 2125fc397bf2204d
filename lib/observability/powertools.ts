import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { maskPhone } from '../domain/phone.ts';
import type { SendJob } from '../ports/messaging.ts';

/** One logger and one metrics instance per function (service name from POWERTOOLS_SERVICE_NAME). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'recall' });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'RecallCampaigns', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'recall' });
export { MetricUnit };
/**
 * One X-Ray tracer per function: handlers open a segment (captureLambdaHandler) and every AWS SDK
 * client is captured where it is built, so a trace follows a run past the handler into DynamoDB,
 * SQS, SNS and EventBridge. It traces only inside Lambda (AWS_EXECUTION_ENV set) unless
 * POWERTOOLS_TRACE_ENABLED=false: tests and the CLI run it as a no-op. No global HTTP capture:
 * every outgoing call goes through a captured client, and capturing both would trace each twice.
 * Handlers pass `captureResponse: false`: a response names customers, and traces are not where
 * customer data belongs.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'recall', captureHTTPsRequests: false });

/** What may be logged of a message: never the full number, the text or the coupon code. */
export function loggableJob(job: SendJob): Record<string, unknown> {
  return {
    customerId: job.customerId,
    journeyId: job.journeyId,
    stepId: job.stepId,
    cycle: job.cycle,
    channel: job.channel,
    to: job.channel === 'sms' ? maskPhone(job.to) : 'push-endpoint',
    parts: job.parts,
  };
}

/**
 * A record handler whose failures are logged before the batch processor reports them (it reports
 * only the message id to SQS). Error messages name fields, never their values.
 */
export function logFailures<R extends { messageId: string }>(handle: (record: R) => Promise<void>): (record: R) => Promise<void> {
  return async (record) => {
    try {
      await handle(record);
    } catch (error) {
      logger.error('record failed', { messageId: record.messageId, error: error instanceof Error ? { name: error.name, message: error.message } : String(error) });
      throw error;
    }
  };
}
