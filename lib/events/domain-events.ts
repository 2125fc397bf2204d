import * as z from 'zod/mini';
import { CalendarDateSchema } from '../config/schema.ts';
import {
  AmountSchema,
  ChannelSchema,
  CountSchema,
  InstantSchema,
  NonEmptyStringSchema,
  OptionalPositiveIntSchema,
  OptionalStringSchema,
  PositiveIntSchema,
} from '../domain/fields.ts';
import { OUTCOMES } from '../domain/guardrails.ts';

/*
 * The domain events on our bus (detail schemas, docs/architecture.md#domain-events), but for the
 * import bucket's ImportCompleted (`imports.ts`). Every type with its schema is `catalog.ts`; a
 * function's publisher is given the schemas of the events it publishes.
 */

export const EVENT_SOURCE = 'recall.campaigns';

export const OutcomeCountsSchema = z.record(z.string(), CountSchema);

export const RunStartedSchema = z.strictObject({
  runId: NonEmptyStringSchema,
  runDate: CalendarDateSchema,
  shards: PositiveIntSchema,
  dryRun: z.boolean(),
  /** The stored config version the run uses from start to end. */
  configVersion: OptionalPositiveIntSchema,
});

export const RunCompletedSchema = z.strictObject({
  runId: NonEmptyStringSchema,
  runDate: CalendarDateSchema,
  dryRun: z.boolean(),
  evaluated: CountSchema,
  due: CountSchema,
  sent: CountSchema,
  heldOut: CountSchema,
  skipped: OutcomeCountsSchema,
  deferred: OutcomeCountsSchema,
  configVersion: OptionalPositiveIntSchema,
});

/** No phone number or text: subscribers get the facts, not the PII. */
export const MessageSentSchema = z.strictObject({
  customerId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  stepId: NonEmptyStringSchema,
  cycle: NonEmptyStringSchema,
  channel: ChannelSchema,
  parts: PositiveIntSchema,
  sentAt: InstantSchema,
});

/** What the shop's coupon service needs to honour a code. */
export const CouponIssuedSchema = z.strictObject({
  couponCode: NonEmptyStringSchema,
  customerId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  stepId: NonEmptyStringSchema,
  value: z.number().check(z.positive()),
  minSpend: AmountSchema,
  validFrom: CalendarDateSchema,
  validUntil: CalendarDateSchema,
});

export const CustomerConvertedSchema = z.strictObject({
  customerId: NonEmptyStringSchema,
  orderId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  stepId: NonEmptyStringSchema,
  outcome: z.enum(OUTCOMES),
  amount: AmountSchema,
  couponCode: OptionalStringSchema,
  convertedAt: InstantSchema,
});

/** One category of a weekly window learning (lib/domain/windows.ts): no customer data, only counts. */
export const LearnedWindowSchema = z.strictObject({
  category: NonEmptyStringSchema,
  configuredWindowDays: PositiveIntSchema,
  /** The median days to a second purchase; absent when flagged (too few repeaters). */
  learnedWindowDays: z.optional(CountSchema),
  repeaters: CountSchema,
  customers: CountSchema,
  /** repeaters / customers; null when no customer bought in the category. */
  cameBackShare: z.nullable(z.number().check(z.gte(0), z.lte(1))),
  flagged: z.boolean(),
});

/** The weekly learn-windows job: every configured category, learned or flagged. */
export const WindowsLearnedSchema = z.strictObject({
  categories: z.array(LearnedWindowSchema),
  learnedAt: InstantSchema,
});
