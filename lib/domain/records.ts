import * as z from 'zod';
import { CalendarDateSchema } from '../config/schema.ts';
import { OUTCOMES } from './guardrails.ts';
import { MemberSchema } from './members.ts';
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
  customerId: z.string().min(1),
  phone: z.string().optional(),
  name: z.string().default(''),
  timeZone: z.string().optional(),
  smsOptIn: z.boolean().default(false),
  /** STOP / reply R / an opt-out column: overrides any opt-in (docs/architecture.md, "Consent"). */
  optedOut: z.boolean().default(false),
  optedOutAt: z.string().optional(),
  optInAt: z.string().optional(),
  pushEndpoint: z.string().optional(),
  /** `MM-DD` (docs/architecture.md#birthdays-and-holidays). */
  birthday: z.string().regex(/^\d{2}-\d{2}$/).optional(),
  /** Orders, spend and tier (docs/architecture.md#members), kept by record-order. */
  member: MemberSchema.optional(),
  /** The messages sent within the cap period (date and ledger key), oldest first. */
  recentSends: z.array(RecentSendSchema).default([]),
  /** Optimistic lock on `recentSends`: two racing jobs cannot both take the last slot. */
  capVersion: z.number().int().nonnegative().default(0),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Where a customer stands in one journey cycle. */
export const JourneyStateSchema = z.object({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  /** Set for category-window journeys. */
  category: z.string().optional(),
  cycle: z.string().min(1),
  anchorDate: CalendarDateSchema,
  /** The next step to evaluate; equal to the step count when the cycle is finished. */
  stepIndex: z.number().int().nonnegative(),
  /** The date the next step's delay counts from (the anchor, or the date the previous step ran). */
  fromDate: CalendarDateSchema,
  /**
   * Set when steps of this cycle went by unsent because they were already stale (history
   * imported after the fact, or runs missed): only `--backfill` looks at such cycles again.
   */
  dormant: z.literal(true).optional(),
});
export type JourneyState = z.infer<typeof JourneyStateSchema>;

/** A customer's purchases in one category: what windows and category journeys are built on. */
export const CategoryHistorySchema = z.object({
  customerId: z.string().min(1),
  category: z.string().min(1),
  firstDate: CalendarDateSchema,
  firstOrderId: z.string(),
  secondDate: CalendarDateSchema.optional(),
  secondOrderId: z.string().optional(),
  lastDate: CalendarDateSchema,
  orderCount: z.number().int().positive(),
  /**
   * The last few orders counted: a retry after a crash mid-order is not counted twice. Older
   * replays are stopped earlier, by the order marker.
   */
  recentOrderIds: z.array(z.string()),
  version: z.number().int().nonnegative(),
});
export type CategoryHistory = z.infer<typeof CategoryHistorySchema>;

/** A message's status: the moves between them are lib/domain/message-state.ts. */
export const LedgerStatusSchema = z.enum(['claimed', 'sending', 'sent', 'delivered', 'failed', 'expired']);
export type LedgerStatus = z.infer<typeof LedgerStatusSchema>;

export const LedgerEntrySchema = z.object({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  cycle: z.string().min(1),
  stepId: z.string().min(1),
  runDate: CalendarDateSchema,
  outcome: z.enum(OUTCOMES),
  /** The stored config version the run decided with (docs/architecture.md#config-versions); absent: a config file, an experiment. */
  configVersion: z.number().int().positive().optional(),
  /** The customer's member tier on the day it was decided (docs/architecture.md#members). */
  tier: z.string().optional(),
  /** The step's variant the customer was assigned (docs/architecture.md#variants). */
  variant: z.string().optional(),
  /** Only for messages (docs/architecture.md#message-states); `sending` that stays is unconfirmed. */
  status: LedgerStatusSchema.optional(),
  /** Who made the status's last move when it was not our sender (an operator's mark, a provider event). */
  markedBy: z.enum(['operator', 'provider']).optional(),
  markedAt: z.string().optional(),
  channel: z.enum(['sms', 'push']).optional(),
  /** Where the message goes, masked (a phone's country code and last digits): what reconciling shows. */
  recipient: z.string().optional(),
  couponCode: z.string().optional(),
  /** The coupon's value when it was claimed (a later config edit does not change its cost). */
  couponValue: z.number().nonnegative().optional(),
  parts: z.number().int().positive().optional(),
  sentAt: z.string().optional(),
  error: z.string().optional(),
  /** The provider's final word (delivery events, docs/architecture.md#delivery-events). */
  failureReason: z.string().optional(),
  settledAt: z.string().optional(),
  /** What the provider charged (USD) and in how many parts, when its event says. */
  priceUsd: z.number().nonnegative().optional(),
  carrierFeeUsd: z.number().nonnegative().optional(),
  billedParts: z.number().int().positive().optional(),
  /** A survey step's answer: the reason the reply stands for, when, and the inbound message it came in. */
  reply: z.string().optional(),
  repliedAt: z.string().optional(),
  replyId: z.string().optional(),
  /** The recipient opted out within a week after this message (the report flags steps that cause it). */
  optedOutAt: z.string().optional(),
  /** Attribution (record-order): the order that converted this message, once. */
  convertedBy: z.string().optional(),
  /** The converting order's time (ISO 8601 with offset). */
  convertedAt: z.string().optional(),
  /** The converting order's total. */
  revenue: z.number().nonnegative().optional(),
  /** The order that redeemed this message's coupon, once. */
  redeemedBy: z.string().optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const OrderMarkerSchema = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  orderDate: CalendarDateSchema,
  /** Absent on markers written before reports existed. */
  total: z.number().nonnegative().optional(),
  /** Every line's category, sorted; absent on markers written before conflicts were checked. */
  categories: z.array(z.string()).optional(),
  applied: z.boolean(),
});
export type OrderMarker = z.infer<typeof OrderMarkerSchema>;

export const RunMetaSchema = z.object({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  now: z.string(),
  shards: z.number().int().positive(),
  dryRun: z.boolean(),
  /** The stored config version the run decided with (docs/architecture.md#config-versions); absent: a config file, an experiment. */
  configVersion: z.number().int().positive().optional(),
  /** Set once every shard job was handed to the work queue. */
  planned: z.boolean().optional(),
  completed: z.boolean().optional(),
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

export const ShardPartSchema = z.object({
  shard: z.number().int().nonnegative(),
  final: z.boolean(),
  tally: z.object({
    evaluated: z.number().int().nonnegative(),
    invalidItems: z.number().int().nonnegative(),
    byJourney: z.record(z.string(), z.record(z.string(), z.partialRecord(z.enum(OUTCOMES), z.number().int().nonnegative()))),
  }),
});
export type ShardPart = z.infer<typeof ShardPartSchema>;
