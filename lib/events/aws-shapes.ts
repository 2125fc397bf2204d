import * as z from 'zod';

/**
 * The envelopes AWS wraps around our payloads: an SQS event source mapping's batch and an
 * EventBridge event. Loose objects: AWS adds fields over time, and a new one must not break a
 * handler. What we own (the body, the detail) is parsed strictly by its own schema.
 */

/** A JSON string whose parsed value matches `schema` (an SQS body, a Scheduler input). */
export function jsonString<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, context): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        context.addIssue({ code: 'custom', message: 'expected a JSON string' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** Epoch milliseconds as SQS writes them: a string of digits. */
const EpochMillisSchema = z.string().regex(/^\d+$/, 'expected epoch milliseconds');

export const SqsMessageAttributeSchema = z.looseObject({
  stringValue: z.string().optional(),
  binaryValue: z.string().optional(),
  stringListValues: z.array(z.string()).optional(),
  binaryListValues: z.array(z.string()).optional(),
  dataType: z.string(),
});

export const SqsRecordSchema = z.looseObject({
  messageId: z.string().min(1),
  receiptHandle: z.string().min(1),
  body: z.string(),
  attributes: z.looseObject({
    ApproximateReceiveCount: z.string().regex(/^\d+$/),
    SentTimestamp: EpochMillisSchema,
    SenderId: z.string().min(1),
    ApproximateFirstReceiveTimestamp: EpochMillisSchema,
    MessageGroupId: z.string().optional(),
    MessageDeduplicationId: z.string().optional(),
    SequenceNumber: z.string().optional(),
    AWSTraceHeader: z.string().optional(),
  }),
  messageAttributes: z.record(z.string(), SqsMessageAttributeSchema),
  md5OfBody: z.string().regex(/^[0-9a-f]{32}$/, 'expected an MD5 hex digest'),
  md5OfMessageAttributes: z
    .string()
    .nullish()
    .transform((value) => value ?? undefined),
  eventSource: z.literal('aws:sqs'),
  eventSourceARN: z.string().startsWith('arn:'),
  awsRegion: z.string().min(1),
});
export type SqsRecord = z.infer<typeof SqsRecordSchema>;

/** What an SQS event source mapping delivers to a Lambda function. */
export const SqsEventSchema = z.object({
  Records: z.array(SqsRecordSchema).min(1),
});
export type SqsEvent = z.infer<typeof SqsEventSchema>;

/** Any event EventBridge delivers to a target (rule or pipe), detail not yet parsed. */
export const EventBridgeEnvelopeSchema = z.looseObject({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
  time: z.iso.datetime({ offset: true }),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: z.unknown(),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelopeSchema>;

/** An EventBridge event of one detail type, its detail parsed by `detailSchema`. */
export function eventBridgeEnvelope<const Type extends string, Detail extends z.ZodType>(
  detailType: Type,
  detailSchema: Detail,
) {
  return EventBridgeEnvelopeSchema.extend({
    'detail-type': z.literal(detailType),
    detail: detailSchema,
  });
}
