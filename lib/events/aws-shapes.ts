import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { LambdaFunctionUrlSchema } from '@aws-lambda-powertools/parser/schemas/lambda';
import { SnsRecordSchema, SnsSchema } from '@aws-lambda-powertools/parser/schemas/sns';
import { SqsMsgAttributeSchema, SqsRecordSchema as PowertoolsSqsRecordSchema, SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import * as z from 'zod';

/**
 * The envelopes AWS wraps around our payloads, as Powertools parser defines them: an SQS event
 * source mapping's batch and an EventBridge event. Powertools follows AWS's changes to these
 * shapes; what we own (the body, the detail) is parsed strictly by its own schema. The Scheduler
 * delivers a schedule's input as is, so that schema is ours (`ScheduledInvocationSchema`).
 */

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

/** An EventBridge event of one detail type, its detail parsed by `detailSchema`. */
export function eventBridgeEnvelope<const Type extends string, Detail extends z.ZodType>(detailType: Type, detailSchema: Detail) {
  return EventBridgeSchema.extend({
    'detail-type': z.literal(detailType),
    detail: detailSchema,
  });
}

/** An SNS topic's delivery to a Lambda function (messages unparsed: each is judged on its own). */
export const SnsEventSchema = SnsSchema.extend({ Records: z.array(SnsRecordSchema).nonempty() });
export type SnsEvent = z.infer<typeof SnsEventSchema>;

/** A request to a Lambda function URL. */
export const FunctionUrlRequestSchema = LambdaFunctionUrlSchema;
export type FunctionUrlRequest = z.infer<typeof FunctionUrlRequestSchema>;
