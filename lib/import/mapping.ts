import * as z from 'zod/mini';
import { TrimmedNonEmptyStringSchema } from '../domain/fields.ts';
import { readJsonFile } from './json-file.ts';

/*
 * Column maps for shop exports (`recall import orders FILE --map MAP.json`, and the built-in
 * presets in presets.ts): which header of the file holds each of our columns, and which order
 * statuses count as paid (docs/architecture.md#shop-exports).
 */

/**
 * Our columns a shop export can give:
 * - order_id, customer_id: the order and who placed it (a platform's buyer name).
 * - ordered_at: when the order was created; paid_at: when it was paid. A purchase counts from its
 *   payment, so paid_at is the order's time whenever its cell is filled, ordered_at otherwise.
 * - status: the order's status, read through paid_statuses and not_paid_statuses.
 * - amount: what this row's line cost; order_amount: the order's total, repeated on each of its
 *   rows (platform exports write it so): recorded once, on the order's first line.
 * - category (a category's id or configured name), product (the product title), product_id: the
 *   line's category, or the product it is found from (--categories, then the configured names).
 * - coupon_code: a coupon the order used.
 * - phone, name: the customer's contact; with either, the file imports its customers too.
 */
export const EXPORT_COLUMNS = [
  'order_id',
  'customer_id',
  'ordered_at',
  'paid_at',
  'status',
  'amount',
  'order_amount',
  'category',
  'product',
  'product_id',
  'coupon_code',
  'phone',
  'name',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

const HeaderSchema = z.string().check(z.trim(), z.minLength(1, "expected the file's header of this column"));
const OptionalHeaderSchema = z.optional(HeaderSchema);
const OptionalStatusesSchema = z.optional(z.array(TrimmedNonEmptyStringSchema).check(z.minLength(1)));

/** A status as written, compared without spaces or the difference between full and half width (，/,). */
export function statusKey(status: string): string {
  return status.normalize('NFKC').replace(/\s+/g, '');
}

export const ExportMapSchema = z
  .strictObject({
    order_id: HeaderSchema,
    customer_id: HeaderSchema,
    ordered_at: HeaderSchema,
    paid_at: OptionalHeaderSchema,
    status: OptionalHeaderSchema,
    amount: OptionalHeaderSchema,
    order_amount: OptionalHeaderSchema,
    category: OptionalHeaderSchema,
    product: OptionalHeaderSchema,
    product_id: OptionalHeaderSchema,
    coupon_code: OptionalHeaderSchema,
    phone: OptionalHeaderSchema,
    name: OptionalHeaderSchema,
    /** Statuses of orders that are paid (imported). */
    paid_statuses: OptionalStatusesSchema,
    /** Statuses of orders not paid, or closed (skipped as not-paid). Any other status is skipped as unknown-status. */
    not_paid_statuses: OptionalStatusesSchema,
  })
  .check(
    z.superRefine((map, ctx) => {
      if ((map.amount === undefined) === (map.order_amount === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['amount'],
          message: "give exactly one of amount (each row's own amount) and order_amount (the order's total, repeated on each of its rows)",
        });
      }
      if (map.category === undefined && map.product === undefined && map.product_id === undefined) {
        ctx.addIssue({ code: 'custom', path: ['category'], message: 'give category, product or product_id: where each line\'s category comes from' });
      }
      if (map.status !== undefined && map.paid_statuses === undefined) {
        ctx.addIssue({ code: 'custom', path: ['paid_statuses'], message: 'required with status: the statuses of paid orders' });
      }
      if (map.status === undefined && (map.paid_statuses !== undefined || map.not_paid_statuses !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['status'], message: 'the statuses need the header of the status column' });
      }
      const paid = new Set((map.paid_statuses ?? []).map(statusKey));
      (map.not_paid_statuses ?? []).forEach((status, index) => {
        if (paid.has(statusKey(status))) {
          ctx.addIssue({ code: 'custom', path: ['not_paid_statuses', index], message: `"${status}" is in paid_statuses too` });
        }
      });
    }),
  );
export type ExportMap = z.infer<typeof ExportMapSchema>;

/** The file's header of each column the map names. */
export function mappedHeaders(map: ExportMap): Map<ExportColumn, string> {
  const headers = new Map<ExportColumn, string>();
  for (const column of EXPORT_COLUMNS) {
    const header = map[column];
    if (header !== undefined) headers.set(column, header);
  }
  return headers;
}

/** With a phone or a name, the export names its customers, and they are imported before its orders. */
export function namesCustomers(map: ExportMap): boolean {
  return map.phone !== undefined || map.name !== undefined;
}

/** A `--map` file, checked; ConfigError naming the file and the bad key. */
export function loadExportMap(file: string): Promise<ExportMap> {
  return readJsonFile(file, ExportMapSchema);
}
