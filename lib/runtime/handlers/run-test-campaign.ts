import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { maskPhone } from '../../domain/phone.ts';
import { InvalidEventError, issuesOf } from '../../events/invocations.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import { RecipientNotAllowedError, runTestCampaign, TestCampaignInputSchema, type TestCampaignDeps } from '../../usecases/test-campaign.ts';

/* The run-test-campaign handler's wiring (middy chain, event parsing, metrics), composed with any runtime's deps: functions/run-test-campaign.ts gives it AWS's, `recall invoke` the local ones. */

/**
 * Ad-hoc invoke: real customers' messages for one journey step, returned (dry run) or sent to
 * allowlisted test recipients only. Reads the store, never writes it. Logs masked numbers only.
 */
export function createHandler(deps: () => Promise<TestCampaignDeps>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown) => {
      const parsed = TestCampaignInputSchema.safeParse(event);
      if (!parsed.success) {
        throw new InvalidEventError(`run-test-campaign: expected { journey, step, customers | sample, recipients, dryRun? }: ${issuesOf(parsed.error)}`);
      }
      const input = parsed.data;
      const request = { journey: input.journey, step: input.step, dryRun: input.dryRun, recipients: input.recipients.map(maskPhone) };
      try {
        const result = await runTestCampaign(await deps(), input);
        if (!result.dryRun) metrics.addMetric('testMessagesDelivered', MetricUnit.Count, result.delivered);
        const outcomes: Record<string, number> = {};
        for (const { outcome } of result.messages) outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        logger.info('test campaign done', { ...request, customers: result.messages.length, outcomes, ...(result.dryRun ? {} : { delivered: result.delivered }) });
        return result;
      } catch (error) {
        if (error instanceof RecipientNotAllowedError) logger.warn('test campaign refused', { ...request, refused: error.refused });
        throw error;
      }
    });
}
