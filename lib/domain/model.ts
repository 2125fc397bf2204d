import * as z from 'zod/mini';
import { TimeZoneSchema } from '../config/schema.ts';
import { AmountSchema, FalseByDefaultSchema, InstantSchema, NonEmptyStringSchema, OptionalBooleanSchema, OptionalInstantSchema, OptionalNonEmptyStringSchema } from './fields.ts';

/** A customer as the shop knows them (the `import customers` columns). */
export const CustomerInputSchema = z.object({
  customerId: z.string().check(z.minLength(1), z.maxLength(128)),
  /** As the shop has it; validated as an E.164 mobile number only when a message is due. */
  phone: z.optional(z.string().check(z.maxLength(40))),
  name: z._default(z.string().check(z.maxLength(100)), ''),
  timeZone: z.optional(TimeZoneSchema),
  smsOptIn: FalseByDefaultSchema,
  pushEndpoint: z.optional(z.string().check(z.startsWith('arn:'), z.maxLength(1600))),
  /** `MM-DD` (docs/architecture.md#birthdays-and-holidays). */
  birthday: z.optional(z.string().check(z.regex(/^\d{2}-\d{2}$/))),
});
export type CustomerInput = z.infer<typeof CustomerInputSchema>;

/**
 * A row of `import customers`: only what the file says. An absent column (or an empty cell) is
 * `undefined` and never changes the stored value; consent is merged by `nextConsent`.
 */
export const CustomerUpdateSchema = z.object({
  customerId: CustomerInputSchema.shape.customerId,
  phone: CustomerInputSchema.shape.phone,
  name: z.optional(z.string().check(z.maxLength(100))),
  timeZone: CustomerInputSchema.shape.timeZone,
  smsOptIn: OptionalBooleanSchema,
  /** `opted_out=true`: an opt-out recorded by the shop. `false` says nothing (it never clears one). */
  optedOut: OptionalBooleanSchema,
  /** When the customer (re)subscribed: clears an earlier opt-out. ISO 8601 instant with offset. */
  optInAt: OptionalInstantSchema,
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
  orderId: z.string().check(z.minLength(1), z.maxLength(128)),
  customerId: CustomerInputSchema.shape.customerId,
  /** ISO 8601 instant with an offset or `Z`. */
  orderedAt: InstantSchema,
  lines: z.array(OrderLineSchema).check(z.minLength(1)),
  couponCode: OptionalNonEmptyStringSchema,
});
export type OrderInput = z.infer<typeof OrderInputSchema>;
