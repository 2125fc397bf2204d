import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { FunctionUrlRequestSchema, type FunctionUrlRequest } from '../../events/function-url-request.ts';
import { SnsEventSchema } from '../../events/sns-envelope.ts';
import { InvalidEventError, parseJson } from '../../events/invocations.ts';
import { InboundSmsSchema, ReplyCallbackSchema } from '../../events/schemas.ts';
import { checkSignature } from '../../events/signed-callback.ts';
import { mobileNumber } from '../../domain/phone.ts';
import { logger, metrics, MetricUnit, tracer } from '../../observability/powertools.ts';
import type { Clock } from '../../ports/messaging.ts';
import { recordReply, type InboundReply, type RecordReplyDeps, type ReplyResult } from '../../usecases/record-reply.ts';

/* The record-reply handler's wiring, composed with any runtime's deps: functions/record-reply.ts gives it AWS's. */

export interface RecordReplyHandlerDeps extends RecordReplyDeps {
  clock: Clock;
  /** The reply callback's signing secret (Secrets Manager on AWS). */
  callbackSecret: string;
}

interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const answer = (statusCode: number, body: Record<string, unknown>): HttpAnswer => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * Customers' replies (docs/architecture.md#replies), from two sources: End User Messaging's
 * two-way SNS topic, and a signed callback from another SMS provider to the function URL (the
 * usual path in China, where sender ids have no two-way). Never logs a number or a reply's text.
 */
export function createHandler(deps: () => Promise<RecordReplyHandlerDeps>) {
  return middy()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event: unknown) => {
      const sns = SnsEventSchema.safeParse(event);
      if (sns.success) {
        const resolved = await deps();
        const results: (ReplyResult['kind'] | 'invalid')[] = [];
        for (const record of sns.data.Records) {
          const inbound = parseJson(record.Sns.Message, InboundSmsSchema);
          if (!inbound.success) {
            logger.warn('inbound message refused', { snsMessageId: record.Sns.MessageId, problem: inbound.problem });
            metrics.addMetric('reply_invalid', MetricUnit.Count, 1);
            results.push('invalid');
            continue;
          }
          const { originationNumber, messageBody, inboundMessageId } = inbound.data;
          results.push(await handle(resolved, { phone: originationNumber, text: messageBody, receivedAt: record.Sns.Timestamp, inboundId: inboundMessageId }));
        }
        return { results };
      }
      const request = FunctionUrlRequestSchema.safeParse(event);
      if (!request.success) throw new InvalidEventError('record-reply: neither an SNS event nor a function URL request');
      return callback(await deps(), request.data);
    });
}

/** The provider callback: refused (401) unless signed with the secret, nothing written then. */
async function callback(deps: RecordReplyHandlerDeps, request: FunctionUrlRequest): Promise<HttpAnswer> {
  const body = request.body === undefined ? '' : request.isBase64Encoded ? Buffer.from(request.body, 'base64').toString('utf8') : request.body;
  const signature = checkSignature(deps.callbackSecret, request.headers, body, deps.clock.now());
  if (signature !== 'valid') {
    metrics.addMetric('replyCallback_refused', MetricUnit.Count, 1);
    logger.warn('reply callback refused', { signature });
    return answer(401, { error: `signature ${signature}` });
  }
  const parsed = parseJson(body, ReplyCallbackSchema);
  if (!parsed.success) return answer(400, { error: parsed.problem });
  const phone = mobileNumber(parsed.data.phone, deps.config.defaultCountry);
  if (!phone.ok) return answer(400, { error: 'phone: not a mobile number' });
  const result = await handle(deps, { phone: phone.e164, text: parsed.data.text, receivedAt: new Date(parsed.data.receivedAt).toISOString(), inboundId: parsed.data.id });
  return answer(200, { result });
}

async function handle(deps: RecordReplyDeps, reply: InboundReply): Promise<ReplyResult['kind']> {
  const result = await recordReply(deps, reply);
  metrics.addMetric(`reply_${result.kind}`, MetricUnit.Count, 1);
  logger.info('reply handled', { inboundId: reply.inboundId, result: result.kind, ...('customers' in result ? { customers: result.customers } : {}) });
  return result.kind;
}
