import * as z from 'zod';
import { TimeZoneSchema } from '../config/schema.ts';

/** A customer as the shop knows them (the `import customers` columns). */
export const CustomerInputSchema = z.object({
  customerId: z.string().min(1).max(128),
  /** As the shop has it; validated as an E.164 mobile number only when a message is due. */
  phone: z.string().max(40).optional(),
  name: z.string().max(100).default(''),
  timeZone: TimeZoneSchema.optional(),
  smsOptIn: z.boolean().default(false),
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
  phone: z.string().max(40).optional(),
  name: z.string().max(100).optional(),
  timeZone: TimeZoneSchema.optional(),
  smsOptIn: z.boolean().optional(),
  /** `opted_out=true`: an opt-out recorded by the shop. `false` says nothing (it never clears one). */
  optedOut: z.boolean().optional(),
  /** When the customer (re)subscribed: clears an earlier opt-out. ISO 8601 instant with offset. */
  optInAt: z.iso.datetime({ offset: true }).optional(),
  pushEndpoint: CustomerInputSchema.shape.pushEndpoint,
  /** `MM-DD` (docs/architecture.md#birthdays-and-holidays): the birthday journey's day. */
  birthday: CustomerInputSchema.shape.birthday,
});
export type CustomerUpdate = z.infer<typeof CustomerUpdateSchema>;

export const OrderLineSchema = z.object({
  category: z.string().min(1),
  amount: z.number().nonnegative(),
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

/** One order with its lines (the `OrderPlaced` event, or consecutive CSV rows of one order id). */
export const OrderInputSchema = z.object({
  orderId: z.string().min(1).max(128),
  customerId: z.string().min(1).max(128),
  /** ISO 8601 instant with an offset or `Z`. */
  orderedAt: z.iso.datetime({ offset: true }),
  lines: z.array(OrderLineSchema).min(1),
  couponCode: z.string().min(1).optional(),
});
export type OrderInput = z.infer<typeof OrderInputSchema>;
