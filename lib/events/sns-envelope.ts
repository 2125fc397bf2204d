import * as z from 'zod';

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
  Subject: z.string().nullish(),
  TopicArn: z.string(),
  UnsubscribeUrl: z.url(),
  UnsubscribeURL: z.url().optional(),
  SigningCertUrl: z.url().optional(),
  SigningCertURL: z.url().optional(),
  Type: z.literal('Notification'),
  MessageAttributes: z.record(z.string(), SnsMsgAttributeSchema).optional(),
  Message: z.string(),
  MessageId: z.string(),
  Signature: z.string().optional(),
  SignatureVersion: z.string().optional(),
  Timestamp: z.iso.datetime(),
});

export const SnsRecordSchema = z.object({
  EventSource: z.literal('aws:sns'),
  EventVersion: z.string(),
  EventSubscriptionArn: z.string(),
  Sns: SnsNotificationSchema,
});

/** An SNS topic's delivery to a Lambda function (messages unparsed: each is judged on its own). */
export const SnsEventSchema = z.object({ Records: z.array(SnsRecordSchema).nonempty() });
export type SnsEvent = z.infer<typeof SnsEventSchema>;
