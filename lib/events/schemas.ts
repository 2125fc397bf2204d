import * as z from 'zod';
import { CalendarDateSchema } from '../config/schema.ts';
import { OUTCOMES } from '../domain/guardrails.ts';
import { OrderInputSchema } from '../domain/model.ts';
import { eventBridgeEnvelope } from './aws-shapes.ts';

/**
 * Every payload that crosses a boundary of the pipeline: what invokes each function, what travels
 * on its queues, and the domain events it publishes. Samples of each live in `events/`.
 */

// --- Invocations --------------------------------------------------------------------------------

/**
 * plan-recall by hand (or `recall invoke`): every field optional. `--backfill` is not here: it is
 * a one-off batch job that scans, run from the CLI against the deployed table.
 */
export const PlanRecallInputSchema = z.strictObject({
  asOf: z.union([CalendarDateSchema, z.iso.datetime({ offset: true })]).optional(),
  journeys: z.array(z.string().min(1)).min(1).optional(),
  dryRun: z.boolean().default(false),
  /** A real run more than a day ahead of the clock is refused unless this is set (time travel on a test stack). */
  allowFuture: z.boolean().default(false),
});
export type PlanRecallInput = z.infer<typeof PlanRecallInputSchema>;

/**
 * plan-recall from EventBridge Scheduler: the schedule's input template carries the scheduler's
 * context attributes (`<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`).
 */
export const ScheduledInvocationSchema = z.strictObject({
  source: z.literal('aws.scheduler'),
  scheduleArn: z.string().startsWith('arn:'),
  scheduledTime: z.iso.datetime({ offset: true }),
  executionId: z.string().min(1),
  attemptNumber: z.coerce.number().int().positive().optional(),
});
export type ScheduledInvocation = z.infer<typeof ScheduledInvocationSchema>;

/** learn-windows by hand (or `recall invoke`): nothing to choose. */
export const LearnWindowsInputSchema = z.strictObject({});

/** The shop's `OrderPlaced` event on its EventBridge bus. */
export const OrderPlacedEventSchema = eventBridgeEnvelope('OrderPlaced', OrderInputSchema);
export type OrderPlacedEvent = z.infer<typeof OrderPlacedEventSchema>;

// --- Queue messages -----------------------------------------------------------------------------

/** One job of the work queue: a shard of a run, or the continuation of one. */
export const ShardJobMessageSchema = z.strictObject({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  /** The instant the run stands for (quiet hours). */
  now: z.iso.datetime({ offset: true }),
  shard: z.number().int().nonnegative(),
  shards: z.number().int().positive(),
  dryRun: z.boolean(),
  journeys: z.array(z.string().min(1)).optional(),
  afterCustomer: z.string().optional(),
  /** The run's config version: every job of a run decides with it, whatever is pushed meanwhile. */
  configVersion: z.number().int().positive().optional(),
}).refine((job) => job.shard < job.shards, { path: ['shard'], message: 'must be below shards' });
export type ShardJobMessage = z.infer<typeof ShardJobMessageSchema>;

/** One claimed message on the send queue (the queue is KMS-encrypted: it holds the number). */
export const SendJobMessageSchema = z.strictObject({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  cycle: z.string().min(1),
  stepId: z.string().min(1),
  channel: z.enum(['sms', 'push']),
  to: z.string().min(1),
  text: z.string().min(1),
  parts: z.number().int().positive(),
  couponCode: z.string().optional(),
  /** The last day the coupon is valid, as the message says. */
  couponExpiry: CalendarDateSchema.optional(),
  /** The customer's time zone: the sender checks the send window again when it sends. */
  timeZone: z.string().min(1).optional(),
  /** The config version of the run that decided it: the sender's window and SMS settings come from it. */
  configVersion: z.number().int().positive().optional(),
});

// --- What comes back from the phone --------------------------------------------------------------

/** An inbound SMS from End User Messaging's two-way SNS topic (the fields we read). */
export const InboundSmsSchema = z.object({
  originationNumber: z.string().min(1),
  destinationNumber: z.string().min(1),
  messageKeyword: z.string().optional(),
  messageBody: z.string(),
  inboundMessageId: z.string().min(1),
  previousPublishedMessageId: z.string().optional(),
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;

/**
 * The body another SMS provider's reply callback posts to record-reply's function URL, signed:
 * `x-recall-timestamp` (Unix seconds) and `x-recall-signature` = hex HMAC-SHA256 of
 * `<timestamp>.<body>` with the stack's callback secret.
 */
export const ReplyCallbackSchema = z.strictObject({
  /** The customer's number (E.164, or national in the config's default country). */
  phone: z.string().min(1).max(40),
  text: z.string().max(1600),
  /** ISO 8601 with an offset. */
  receivedAt: z.iso.datetime({ offset: true }),
  /** The provider's id of the inbound message. */
  id: z.string().min(1).max(200),
});
export type ReplyCallback = z.infer<typeof ReplyCallbackSchema>;

// --- Domain events on our bus (detail schemas) --------------------------------------------------

export const EVENT_SOURCE = 'recall.campaigns';

const OutcomeCountsSchema = z.record(z.string(), z.number().int().nonnegative());

export const RunStartedSchema = z.strictObject({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  shards: z.number().int().positive(),
  dryRun: z.boolean(),
  /** The stored config version the run uses from start to end. */
  configVersion: z.number().int().positive().optional(),
});

export const RunCompletedSchema = z.strictObject({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  dryRun: z.boolean(),
  evaluated: z.number().int().nonnegative(),
  due: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  heldOut: z.number().int().nonnegative(),
  skipped: OutcomeCountsSchema,
  deferred: OutcomeCountsSchema,
  configVersion: z.number().int().positive().optional(),
});

/** No phone number or text: subscribers get the facts, not the PII. */
export const MessageSentSchema = z.strictObject({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  stepId: z.string().min(1),
  cycle: z.string().min(1),
  channel: z.enum(['sms', 'push']),
  parts: z.number().int().positive(),
  sentAt: z.iso.datetime({ offset: true }),
});

/** What the shop's coupon service needs to honour a code. */
export const CouponIssuedSchema = z.strictObject({
  couponCode: z.string().min(1),
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  stepId: z.string().min(1),
  value: z.number().positive(),
  minSpend: z.number().nonnegative(),
  validFrom: CalendarDateSchema,
  validUntil: CalendarDateSchema,
});

export const CustomerConvertedSchema = z.strictObject({
  customerId: z.string().min(1),
  orderId: z.string().min(1),
  journeyId: z.string().min(1),
  stepId: z.string().min(1),
  outcome: z.enum(OUTCOMES),
  amount: z.number().nonnegative(),
  couponCode: z.string().optional(),
  convertedAt: z.iso.datetime({ offset: true }),
});

/** One category of a weekly window learning (lib/domain/windows.ts): no customer data, only counts. */
export const LearnedWindowSchema = z.strictObject({
  category: z.string().min(1),
  configuredWindowDays: z.number().int().positive(),
  /** The median days to a second purchase; absent when flagged (too few repeaters). */
  learnedWindowDays: z.number().int().nonnegative().optional(),
  repeaters: z.number().int().nonnegative(),
  customers: z.number().int().nonnegative(),
  /** repeaters / customers; null when no customer bought in the category. */
  cameBackShare: z.number().min(0).max(1).nullable(),
  flagged: z.boolean(),
});

/** The weekly learn-windows job: every configured category, learned or flagged. */
export const WindowsLearnedSchema = z.strictObject({
  categories: z.array(LearnedWindowSchema),
  learnedAt: z.iso.datetime({ offset: true }),
});

export const DOMAIN_EVENTS = {
  RunStarted: RunStartedSchema,
  RunCompleted: RunCompletedSchema,
  MessageSent: MessageSentSchema,
  CouponIssued: CouponIssuedSchema,
  CustomerConverted: CustomerConvertedSchema,
  WindowsLearned: WindowsLearnedSchema,
} as const;
export type DomainEventType = keyof typeof DOMAIN_EVENTS;
export type DomainEvent = {
  [K in DomainEventType]: { type: K; detail: z.infer<(typeof DOMAIN_EVENTS)[K]> };
}[DomainEventType];
