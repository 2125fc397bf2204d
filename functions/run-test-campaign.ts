import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { maskPhone } from '../lib/domain/phone.ts';
import { InvalidEventError, issuesOf } from '../lib/events/invocations.ts';
import { logger, metrics, MetricUnit, tracer } from '../lib/observability/powertools.ts';
import { campaignConfig, once, systemClock } from '../lib/runtime/aws/env.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { snsTransport } from '../lib/runtime/aws/sns.ts';
import { functionStores, pacer } from '../lib/runtime/aws/store.ts';
import { RecipientNotAllowedError, runTestCampaign, TestCampaignInputSchema, type TestCampaignDeps } from '../lib/usecases/test-campaign.ts';

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

export const handler = createHandler(
  once(async () => {
    const config = campaignConfig();
    const store = functionStores['run-test-campaign']();
    return { config, store, transport: snsTransport(config), pacer: pacer(config), couponSecret: await couponSecret(), clock: systemClock };
  }),
);
