import * as z from 'zod/mini';
import { CalendarDateSchema } from '../config/schema.ts';
import {
  CountSchema,
  EmptyStringByDefaultSchema,
  FalseByDefaultSchema,
  NonEmptyStringSchema,
  OptionalAmountSchema,
  OptionalBooleanSchema,
  OptionalCalendarDateSchema,
  OptionalChannelSchema,
  OptionalPositiveIntSchema,
  OptionalStringListSchema,
  OptionalStringSchema,
  PositiveIntSchema,
  StringListSchema,
  ZeroByDefaultSchema,
} from './fields.ts';
import { OUTCOMES } from './guardrails.ts';
import { MemberSchema } from './members.ts';
import { CustomerInputSchema } from './model.ts';
import { PermanentError } from '../errors.ts';

/*
 * The records the system keeps, one schema each (docs/architecture.md, "Data model"). The store
 * adds key fields only and validates every item it reads back against these, never casts: a
 * corrupt item is a counted skip.
 */

/** An item that does not match its schema: one customer's bad data, never the end of a run. */
export class CorruptItemError extends PermanentError {
  override name = 'CorruptItemError';
}

export const RecentSendSchema = z.object({ date: CalendarDateSchema, key: z.string() });
export type RecentSend = z.infer<typeof RecentSendSchema>;

/** What the daily run knows of a customer: contact, consent and the rolling frequency cap. */
export const ProfileSchema = z.object({
  customerId: NonEmptyStringSchema,
  phone: OptionalStringSchema,
  name: EmptyStringByDefaultSchema,
  timeZone: OptionalStringSchema,
  smsOptIn: FalseByDefaultSchema,
  /** STOP / reply R / an opt-out column: overrides any opt-in (docs/architecture.md, "Consent"). */
  optedOut: FalseByDefaultSchema,
  optedOutAt: OptionalStringSchema,
  optInAt: OptionalStringSchema,
  pushEndpoint: OptionalStringSchema,
  /** `MM-DD` (docs/architecture.md#birthdays-and-holidays). */
  birthday: CustomerInputSchema.shape.birthday,
  /** Orders, spend and tier (docs/architecture.md#members), kept by record-order. */
  member: z.optional(MemberSchema),
  /** The messages sent within the cap period (date and ledger key), oldest first. */
  recentSends: z._default(z.array(RecentSendSchema), []),
  /** Optimistic lock on `recentSends`: two racing jobs cannot both take the last slot. */
  capVersion: ZeroByDefaultSchema,
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Where a customer stands in one journey cycle. */
export const JourneyStateSchema = z.object({
  customerId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  /** Set for category-window journeys. */
  category: OptionalStringSchema,
  cycle: NonEmptyStringSchema,
  anchorDate: CalendarDateSchema,
  /** The next step to evaluate; equal to the step count when the cycle is finished. */
  stepIndex: CountSchema,
  /** The date the next step's delay counts from (the anchor, or the date the previous step ran). */
  fromDate: CalendarDateSchema,
  /**
   * Set when steps of this cycle went by unsent because they were already stale (history
   * imported after the fact, or runs missed): only `--backfill` looks at such cycles again.
   */
  dormant: z.optional(z.literal(true)),
});
export type JourneyState = z.infer<typeof JourneyStateSchema>;

/** A customer's purchases in one category: what windows and category journeys are built on. */
export const CategoryHistorySchema = z.object({
  customerId: NonEmptyStringSchema,
  category: NonEmptyStringSchema,
  firstDate: CalendarDateSchema,
  firstOrderId: z.string(),
  secondDate: OptionalCalendarDateSchema,
  secondOrderId: OptionalStringSchema,
  lastDate: CalendarDateSchema,
  orderCount: PositiveIntSchema,
  /**
   * The last few orders counted: a retry after a crash mid-order is not counted twice. Older
   * replays are stopped earlier, by the order marker.
   */
  recentOrderIds: StringListSchema,
  version: CountSchema,
});
export type CategoryHistory = z.infer<typeof CategoryHistorySchema>;

/** A message's status: the moves between them are lib/domain/message-state.ts. */
export const LedgerStatusSchema = z.enum(['claimed', 'sending', 'sent', 'delivered', 'failed', 'expired']);
export type LedgerStatus = z.infer<typeof LedgerStatusSchema>;

const OutcomeSchema = z.enum(OUTCOMES);

export const LedgerEntrySchema = z.object({
  customerId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  cycle: NonEmptyStringSchema,
  stepId: NonEmptyStringSchema,
  runDate: CalendarDateSchema,
  outcome: OutcomeSchema,
  /** The stored config version the run decided with (docs/architecture.md#config-versions); absent: a config file, an experiment. */
  configVersion: OptionalPositiveIntSchema,
  /** The customer's member tier on the day it was decided (docs/architecture.md#members). */
  tier: OptionalStringSchema,
  /** The step's variant the customer was assigned (docs/architecture.md#variants). */
  variant: OptionalStringSchema,
  /** Only for messages (docs/architecture.md#message-states); `sending` that stays is unconfirmed. */
  status: z.optional(LedgerStatusSchema),
  /** Who made the status's last move when it was not our sender (an operator's mark, a provider event). */
  markedBy: z.optional(z.enum(['operator', 'provider'])),
  markedAt: OptionalStringSchema,
  channel: OptionalChannelSchema,
  /** Where the message goes, masked (a phone's country code and last digits): what reconciling shows. */
  recipient: OptionalStringSchema,
  couponCode: OptionalStringSchema,
  /** The coupon's value when it was claimed (a later config edit does not change its cost). */
  couponValue: OptionalAmountSchema,
  parts: OptionalPositiveIntSchema,
  sentAt: OptionalStringSchema,
  error: OptionalStringSchema,
  /** The provider's final word (delivery events, docs/architecture.md#delivery-events). */
  failureReason: OptionalStringSchema,
  settledAt: OptionalStringSchema,
  /** What the provider charged (USD) and in how many parts, when its event says. */
  priceUsd: OptionalAmountSchema,
  carrierFeeUsd: OptionalAmountSchema,
  billedParts: OptionalPositiveIntSchema,
  /** A survey step's answer: the reason the reply stands for, when, and the inbound message it came in. */
  reply: OptionalStringSchema,
  repliedAt: OptionalStringSchema,
  replyId: OptionalStringSchema,
  /** The recipient opted out within a week after this message (the report flags steps that cause it). */
  optedOutAt: OptionalStringSchema,
  /** Attribution (record-order): the order that converted this message, once. */
  convertedBy: OptionalStringSchema,
  /** The converting order's time (ISO 8601 with offset). */
  convertedAt: OptionalStringSchema,
  /** The converting order's total. */
  revenue: OptionalAmountSchema,
  /** The order that redeemed this message's coupon, once. */
  redeemedBy: OptionalStringSchema,
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const OrderMarkerSchema = z.object({
  orderId: NonEmptyStringSchema,
  customerId: NonEmptyStringSchema,
  orderDate: CalendarDateSchema,
  /** Absent on markers written before reports existed. */
  total: OptionalAmountSchema,
  /** Every line's category, sorted; absent on markers written before conflicts were checked. */
  categories: OptionalStringListSchema,
  applied: z.boolean(),
});
export type OrderMarker = z.infer<typeof OrderMarkerSchema>;

export const RunMetaSchema = z.object({
  runId: NonEmptyStringSchema,
  runDate: CalendarDateSchema,
  now: z.string(),
  shards: PositiveIntSchema,
  dryRun: z.boolean(),
  /** The stored config version the run decided with (docs/architecture.md#config-versions); absent: a config file, an experiment. */
  configVersion: OptionalPositiveIntSchema,
  /** Set once every shard job was handed to the work queue. */
  planned: OptionalBooleanSchema,
  completed: OptionalBooleanSchema,
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

/**
 * One shard job's counts, stored after each batch of customers is decided and before their steps
 * move on (docs/architecture.md#counting-a-run), so a redelivered job resumes them instead of
 * losing the decisions it can no longer find due.
 */
export const ShardPartSchema = z.object({
  shard: CountSchema,
  /** The job reached the end of its shard: every decision of it is in `tally`. */
  final: z.boolean(),
  tally: z.object({
    evaluated: CountSchema,
    invalidItems: CountSchema,
    byJourney: z.record(z.string(), z.record(z.string(), z.partialRecord(OutcomeSchema, CountSchema))),
  }),
  /** How many batches the counts hold: a stored part is only replaced by one that holds more. */
  batches: ZeroByDefaultSchema,
  /** The last customer id (in the job's order) whose decisions `tally` holds; '' for none. */
  countedThrough: EmptyStringByDefaultSchema,
});
export type ShardPart = z.infer<typeof ShardPartSchema>;
