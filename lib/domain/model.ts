import * as z from 'zod';
import { TimeZoneSchema } from '../config/schema.ts';
import { AmountSchema, FalseByDefaultSchema, InstantSchema, NonEmptyStringSchema, OptionalBooleanSchema, OptionalNonEmptyStringSchema } from './fields.ts';

/** A customer as the shop knows them (the `import customers` columns). */
export const CustomerInputSchema = z.object({
  customerId: z.string().min(1).max(128),
  /** As the shop has it; validated as an E.164 mobile number only when a message is due. */
  phone: z.string().max(40).optional(),
  name: z.string().max(100).default(''),
  timeZone: TimeZoneSchema.optional(),
  smsOptIn: FalseByDefaultSchema,
  pushEndpoint: z.string().startsWith('arn:').max(1600).optional(),
  /** `MM-DD` (docs/architecture.md#birthdays-and-holidays). */
  birthday: z.string().regex(/^\d{2}-\d{2}$/).optional(),
});
export type CustomerInput = z.infer<typeof CustomerInputSchema>;

/**
 * A row of `import customers`: only what the file says. An absent column (or an empty cell) is
 * `undefined` and never changes the stored value; consent is merged by `nextConsent`.
 */
export const CustomerUpdateSchema = z.object({
  customerId: CustomerInputSchema.shape.customerId,
  phone: CustomerInputSchema.shape.phone,
  name: z.string().max(100).optional(),
  timeZone: CustomerInputSchema.shape.timeZone,
  smsOptIn: OptionalBooleanSchema,
  /** `opted_out=true`: an opt-out recorded by the shop. `false` says nothing (it never clears one). */
  optedOut: OptionalBooleanSchema,
  /** When the customer (re)subscribed: clears an earlier opt-out. ISO 8601 instant with offset. */
  optInAt: InstantSchema.optional(),
  pushEndpoint: CustomerInputSchema.shape.pushEndpoint,
  /** `MM-DD` (docs/architecture.md#birthdays-and-holidays): the birthday journey's day. */
  birthday: CustomerInputSchema.shape.birthday,
});
export type CustomerUpdate = z.infer<typeof CustomerUpdateSchema>;

export const OrderLineSchema = z.object({
  category: NonEmptyStringSchema,
  amount: AmountSchema,
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

/** One order with its lines (the `OrderPlaced` event, or consecutive CSV rows of one order id). */
export const OrderInputSchema = z.object({
  orderId: z.string().min(1).max(128),
  customerId: CustomerInputSchema.shape.customerId,
  /** ISO 8601 instant with an offset or `Z`. */
  orderedAt: InstantSchema,
  lines: z.array(OrderLineSchema).min(1),
  couponCode: OptionalNonEmptyStringSchema,
});
export type OrderInput = z.infer<typeof OrderInputSchema>;
