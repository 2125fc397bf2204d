import * as z from 'zod/mini';

/*
 * An SNS topic's delivery to a Lambda function, as Powertools parser 2.35.0 defines it
 * (`SnsRecordSchema`), copied for the reason lib/events/eventbridge-envelope.ts gives; the same
 * test holds it to the parser's.
 */

const SnsMsgAttributeSchema = z.object({
  Type: z.string(),
  Value: z.string(),
});

const SnsNotificationSchema = z.object({
  Subject: z.nullish(z.string()),
  TopicArn: z.string(),
  UnsubscribeUrl: z.url(),
  UnsubscribeURL: z.optional(z.url()),
  SigningCertUrl: z.optional(z.url()),
  SigningCertURL: z.optional(z.url()),
  Type: z.literal('Notification'),
  MessageAttributes: z.optional(z.record(z.string(), SnsMsgAttributeSchema)),
  Message: z.string(),
  MessageId: z.string(),
  Signature: z.optional(z.string()),
  SignatureVersion: z.optional(z.string()),
  Timestamp: z.iso.datetime(),
});

export const SnsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  EventVersion: z.string(),
  EventSubscriptionArn: z.string(),
  Sns: SnsNotificationSchema,
});

/** An SNS topic's delivery to a Lambda function (messages unparsed: each is judged on its own). */
export const SnsEventSchema = z.object({ Records: z.array(SnsRecordSchema).check(z.minLength(1)) });
export type SnsEvent = z.infer<typeof SnsEventSchema>;
