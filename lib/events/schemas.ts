import * as z from 'zod/mini';
import { CalendarDateSchema } from '../config/schema.ts';
import {
  ChannelSchema,
  CountSchema,
  FalseByDefaultSchema,
  InstantSchema,
  NonEmptyStringSchema,
  OptionalAmountSchema,
  OptionalCalendarDateSchema,
  OptionalNonEmptyStringSchema,
  OptionalPositiveIntSchema,
  OptionalStringSchema,
  PositiveIntSchema,
} from '../domain/fields.ts';
import { OrderInputSchema } from '../domain/model.ts';
import { eventBridgeEnvelope } from './eventbridge-envelope.ts';

/**
 * What invokes each function and what travels on its queues. The domain events it publishes are
 * in `domain-events.ts`, the import bucket's in `imports.ts`: a function's bundle builds the
 * schemas of the modules it imports, and no other. Samples of each live in `events/`.
 */

// --- Invocations --------------------------------------------------------------------------------

/**
 * plan-recall by hand (or `recall invoke`): every field optional. `--backfill` is not here: it is
 * a one-off batch job that scans, run from the CLI against the deployed table.
 */
export const PlanRecallInputSchema = z.strictObject({
  asOf: z.optional(z.union([CalendarDateSchema, InstantSchema])),
  journeys: z.optional(z.array(NonEmptyStringSchema).check(z.minLength(1))),
  dryRun: FalseByDefaultSchema,
  /** A real run more than a day ahead of the clock is refused unless this is set (time travel on a test stack). */
  allowFuture: FalseByDefaultSchema,
});
export type PlanRecallInput = z.infer<typeof PlanRecallInputSchema>;

/**
 * plan-recall from EventBridge Scheduler: the schedule's input template carries the scheduler's
 * context attributes (`<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`).
 */
export const ScheduledInvocationSchema = z.strictObject({
  source: z.literal('aws.scheduler'),
  scheduleArn: z.string().check(z.startsWith('arn:')),
  scheduledTime: InstantSchema,
  executionId: NonEmptyStringSchema,
  attemptNumber: z.optional(z.coerce.number().check(z.int(), z.positive())),
});
export type ScheduledInvocation = z.infer<typeof ScheduledInvocationSchema>;

/** learn-windows by hand (or `recall invoke`): nothing to choose. */
export const LearnWindowsInputSchema = z.strictObject({});

/** The shop's `OrderPlaced` event on its EventBridge bus. */
export const OrderPlacedEventSchema = eventBridgeEnvelope('OrderPlaced', OrderInputSchema);
export type OrderPlacedEvent = z.infer<typeof OrderPlacedEventSchema>;

// --- Queue messages -----------------------------------------------------------------------------

/** One job of the work queue: a shard of a run, or the continuation of one. */
export const ShardJobMessageSchema = z
  .strictObject({
    runId: NonEmptyStringSchema,
    runDate: CalendarDateSchema,
    /** The instant the run stands for (quiet hours). */
    now: InstantSchema,
    shard: CountSchema,
    shards: PositiveIntSchema,
    dryRun: z.boolean(),
    journeys: z.optional(z.array(NonEmptyStringSchema)),
    afterCustomer: OptionalStringSchema,
    /** The run's config version: every job of a run decides with it, whatever is pushed meanwhile. */
    configVersion: OptionalPositiveIntSchema,
  })
  .check(z.refine((job) => job.shard < job.shards, { path: ['shard'], message: 'must be below shards' }));
export type ShardJobMessage = z.infer<typeof ShardJobMessageSchema>;

/** One claimed message on the send queue (the queue is KMS-encrypted: it holds the number). */
export const SendJobMessageSchema = z.strictObject({
  customerId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  cycle: NonEmptyStringSchema,
  stepId: NonEmptyStringSchema,
  channel: ChannelSchema,
  to: NonEmptyStringSchema,
  text: NonEmptyStringSchema,
  parts: PositiveIntSchema,
  couponCode: OptionalStringSchema,
  /** The last day the coupon is valid, as the message says. */
  couponExpiry: OptionalCalendarDateSchema,
  /** The customer's time zone: the sender checks the send window again when it sends. */
  timeZone: OptionalNonEmptyStringSchema,
  /** The config version of the run that decided it: the sender's window and SMS settings come from it. */
  configVersion: OptionalPositiveIntSchema,
  /**
   * What the sender writes in the message's ledger item, which the run no longer writes
   * (docs/architecture.md#sending): the run's date, the customer's tier and variant on it, the
   * coupon's value, and the day the table's TTL may delete the item. A message queued by an
   * earlier version has none of them: its item was claimed by the run, and the sender moves it.
   */
  runDate: OptionalCalendarDateSchema,
  tier: OptionalNonEmptyStringSchema,
  variant: OptionalNonEmptyStringSchema,
  couponValue: OptionalAmountSchema,
  keepUntil: OptionalCalendarDateSchema,
});

// --- What comes back from the phone --------------------------------------------------------------

/** An inbound SMS from End User Messaging's two-way SNS topic (the fields we read). */
export const InboundSmsSchema = z.object({
  originationNumber: NonEmptyStringSchema,
  destinationNumber: NonEmptyStringSchema,
  messageKeyword: OptionalStringSchema,
  messageBody: z.string(),
  inboundMessageId: NonEmptyStringSchema,
  previousPublishedMessageId: OptionalStringSchema,
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;

/**
 * The body another SMS provider's reply callback posts to record-reply's function URL, signed:
 * `x-recall-timestamp` (Unix seconds) and `x-recall-signature` = hex HMAC-SHA256 of
 * `<timestamp>.<body>` with the stack's callback secret.
 */
export const ReplyCallbackSchema = z.strictObject({
  /** The customer's number (E.164, or national in the config's default country). */
  phone: z.string().check(z.minLength(1), z.maxLength(40)),
  text: z.string().check(z.maxLength(1600)),
  /** ISO 8601 with an offset. */
  receivedAt: InstantSchema,
  /** The provider's id of the inbound message. */
  id: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type ReplyCallback = z.infer<typeof ReplyCallbackSchema>;
