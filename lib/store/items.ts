import * as z from 'zod';
import { CalendarDateSchema } from '../config/schema.ts';
import { OUTCOMES } from '../domain/guardrails.ts';
import { PermanentError } from '../errors.ts';

/** Items as read back from the table: validated, never cast (a corrupt item is a counted skip). */

/** An item that does not match its schema: one customer's bad data, never the end of a run. */
export class CorruptItemError extends PermanentError {
  override name = 'CorruptItemError';
}

export const RecentSendSchema = z.object({ date: CalendarDateSchema, key: z.string() });
export type RecentSend = z.infer<typeof RecentSendSchema>;

export const ProfileItemSchema = z.object({
  customerId: z.string().min(1),
  phone: z.string().optional(),
  name: z.string().default(''),
  timeZone: z.string().optional(),
  smsOptIn: z.boolean().default(false),
  optedOut: z.boolean().default(false),
  optedOutAt: z.string().optional(),
  optInAt: z.string().optional(),
  pushEndpoint: z.string().optional(),
  recentSends: z.array(RecentSendSchema).default([]),
  capVersion: z.number().int().nonnegative().default(0),
});

export const JourneyStateItemSchema = z.object({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  category: z.string().optional(),
  cycle: z.string().min(1),
  anchorDate: CalendarDateSchema,
  stepIndex: z.number().int().nonnegative(),
  fromDate: CalendarDateSchema,
  dormant: z.literal(true).optional(),
});

export const CategoryStateItemSchema = z.object({
  customerId: z.string().min(1),
  category: z.string().min(1),
  firstDate: CalendarDateSchema,
  firstOrderId: z.string(),
  secondDate: CalendarDateSchema.optional(),
  secondOrderId: z.string().optional(),
  lastDate: CalendarDateSchema,
  orderCount: z.number().int().positive(),
  recentOrderIds: z.array(z.string()),
  version: z.number().int().nonnegative(),
});
export type CategoryState = z.infer<typeof CategoryStateItemSchema>;

export const LedgerStatusSchema = z.enum(['claimed', 'sending', 'sent', 'failed']);
export type LedgerStatus = z.infer<typeof LedgerStatusSchema>;

export const LedgerItemSchema = z.object({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  cycle: z.string().min(1),
  stepId: z.string().min(1),
  runDate: CalendarDateSchema,
  outcome: z.enum(OUTCOMES),
  /** Only for messages: claimed -> sending -> sent; `sending` that never became `sent` is unconfirmed. */
  status: LedgerStatusSchema.optional(),
  channel: z.enum(['sms', 'push']).optional(),
  couponCode: z.string().optional(),
  /** The coupon's value when it was claimed (a later config edit does not change its cost). */
  couponValue: z.number().nonnegative().optional(),
  parts: z.number().int().positive().optional(),
  sentAt: z.string().optional(),
  error: z.string().optional(),
  /** Attribution (record-order): the order that converted this message, once. */
  convertedBy: z.string().optional(),
  /** The converting order's time (ISO 8601 with offset). */
  convertedAt: z.string().optional(),
  /** The converting order's total. */
  revenue: z.number().nonnegative().optional(),
  /** The order that redeemed this message's coupon, once. */
  redeemedBy: z.string().optional(),
});
export type LedgerItem = z.infer<typeof LedgerItemSchema>;

export const OrderMarkerItemSchema = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  orderDate: CalendarDateSchema,
  /** Absent on markers written before reports existed. */
  total: z.number().nonnegative().optional(),
  /** Every line's category, sorted; absent on markers written before conflicts were checked. */
  categories: z.array(z.string()).optional(),
  applied: z.boolean(),
});
export type OrderMarker = z.infer<typeof OrderMarkerItemSchema>;

export const RunMetaItemSchema = z.object({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  now: z.string(),
  shards: z.number().int().positive(),
  dryRun: z.boolean(),
  /** Set once every shard job was handed to the work queue. */
  planned: z.boolean().optional(),
  completed: z.boolean().optional(),
});
export type RunMeta = z.infer<typeof RunMetaItemSchema>;

export const ShardPartItemSchema = z.object({
  shard: z.number().int().nonnegative(),
  final: z.boolean(),
  tally: z.object({
    evaluated: z.number().int().nonnegative(),
    invalidItems: z.number().int().nonnegative(),
    byJourney: z.record(z.string(), z.record(z.string(), z.partialRecord(z.enum(OUTCOMES), z.number().int().nonnegative()))),
  }),
});
export type ShardPart = z.infer<typeof ShardPartItemSchema>;
