import { SqsMsgAttributeSchema, SqsRecordSchema as PowertoolsSqsRecordSchema, SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import * as z from 'zod';

/**
 * The envelopes AWS wraps around our payloads, as Powertools parser defines them: an SQS event
 * source mapping's batch, a function URL request, an SNS delivery and an EventBridge event.
 * Powertools follows AWS's changes to these shapes; what we own (the body, the detail) is parsed
 * strictly by its own schema. The Scheduler delivers a schedule's input as is, so that schema is
 * ours (`ScheduledInvocationSchema`). The envelopes the functions parse are copies of the parser's
 * in their own modules (lib/events/eventbridge-envelope.ts, sns-envelope.ts,
 * function-url-request.ts), which the bundles import instead of this one: the parser's modules
 * keep all of zod in a bundle. The SQS one (the CLI's and the tests') is still the parser's.
 */
export { eventBridgeEnvelope } from './eventbridge-envelope.ts';
export { FunctionUrlRequestSchema, type FunctionUrlRequest } from './function-url-request.ts';
export { SnsEventSchema, type SnsEvent } from './sns-envelope.ts';

/**
 * Powertools accepts the nulls AWS may send in these fields; the batch processor takes
 * `aws-lambda`'s SQSEvent, where they are absent instead.
 */
const absentIfNull = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

export const SqsRecordSchema = PowertoolsSqsRecordSchema.extend({
  messageAttributes: z.record(z.string(), SqsMsgAttributeSchema.extend({ stringValue: absentIfNull, binaryValue: absentIfNull })),
  md5OfMessageAttributes: absentIfNull,
});

/** What an SQS event source mapping delivers to a Lambda function (at least one record). */
export const SqsEventSchema = SqsSchema.extend({ Records: z.array(SqsRecordSchema).nonempty() });
export type SqsEvent = z.infer<typeof SqsEventSchema>;
