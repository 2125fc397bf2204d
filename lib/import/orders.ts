import type { Readable } from 'node:stream';
import { FUTURE_TOLERANCE_MS, knownTimeZone } from '../domain/dates.ts';
import { OrderInputSchema, type OrderInput, type OrderLine } from '../domain/model.ts';
import { parseOrderedAt } from './dates.ts';
import { quoted, rejected, type OrderRejectReason, type Rejected, type Skipped } from './results.ts';
import { orUndefined, readTable } from './table.ts';

/*
 * Order rows for `recall import orders`: the columns, consecutive rows grouped into one order,
 * amounts, and the refusal of dates after the import's as-of. Only the order being read is held
 * in memory.
 */

/** `line` is the line of the order's first accepted row. Only shop exports (lib/import/exports.ts) skip rows. */
export type OrderResult = { ok: true; line: number; value: OrderInput } | Rejected<OrderRejectReason> | Skipped;

const ORDER_COLUMNS = {
  required: ['order_id', 'customer_id', 'ordered_at', 'category', 'amount'],
  optional: ['coupon_code'],
} as const;
export type OrderColumn = (typeof ORDER_COLUMNS)['required' | 'optional'][number];

/**
 * One row as an order line: its cells by order column, and how a message names each column
 * (the file's own header when a shop export's map says where the cell came from).
 */
export interface OrderCells {
  ok: true;
  line: number;
  cell: (column: OrderColumn) => string;
  label?: (column: OrderColumn) => string;
}

const ORDER_FIELDS = new Map<PropertyKey, { column: OrderColumn; reason: OrderRejectReason }>([
  ['orderId', { column: 'order_id', reason: 'bad-order-id' }],
  ['customerId', { column: 'customer_id', reason: 'bad-customer-id' }],
  ['orderedAt', { column: 'ordered_at', reason: 'bad-date' }],
  ['couponCode', { column: 'coupon_code', reason: 'bad-row' }],
]);
const LINE_FIELDS = new Map<PropertyKey, { column: OrderColumn; reason: OrderRejectReason }>([
  ['category', { column: 'category', reason: 'missing-category' }],
  ['amount', { column: 'amount', reason: 'bad-amount' }],
]);

type OrderRow = { ok: true; line: number; order: OrderInput } | Rejected<OrderRejectReason>;

/**
 * Orders from `order_id,customer_id,ordered_at,category,amount[,coupon_code]`, one row per order
 * line; consecutive rows with the same `order_id` make one order. A bad row rejects only itself.
 * When the file breaks off (CsvFormatError), the order being read is not yielded: its lines may go
 * on in the broken row, and half an order would conflict with the whole one on the re-run.
 * `ordered_at` without an offset is read as wall-clock time in `timeZone` (the merchant's zone).
 *
 * Results come in file order, except that an order is yielded once its last row has been read,
 * so rejections of its later rows come before it.
 */
export function readOrders(input: Readable, file: string, options: OrderReadOptions): AsyncGenerator<OrderResult> {
  return groupOrderRows(readTable(input, file, ORDER_COLUMNS, options.onIgnoredColumns), options);
}

/**
 * Order lines (and the rows already rejected or skipped, passed on in place) grouped into orders
 * as readOrders does: the part a shop export's reader shares with the plain file's.
 */
export function groupOrderRows(rows: AsyncIterable<OrderCells | Rejected<OrderRejectReason> | Skipped>, options: Omit<OrderReadOptions, 'onIgnoredColumns'>): AsyncGenerator<OrderResult> {
  // Fails here (RangeError) rather than on the first row when the zone is not an IANA zone.
  const zone = knownTimeZone(options.timeZone);
  return groupOrders(rows, { zone, latest: options.asOf.getTime() + FUTURE_TOLERANCE_MS, categoryIds: categoryIdsByName(options.categories ?? []) });
}

/** A category cell may name it as the config does (女鞋) or by its id (womens-shoes). */
export function categoryIdsByName(categories: readonly { id: string; name: string }[]): ReadonlyMap<string, string> {
  return new Map(categories.map((category) => [category.name.trim(), category.id]));
}

export interface OrderReadOptions {
  /** Zone of `ordered_at` cells without an offset (the merchant's). */
  timeZone: string;
  /** When the import is considered to happen: an order more than a day after it is refused. */
  asOf: Date;
  /** The config's categories: a cell holding a category's name is read as its id. */
  categories?: readonly { id: string; name: string }[];
  /** Told once of the header's columns recall does not read (they are ignored). */
  onIgnoredColumns?: (columns: readonly string[]) => void;
}

interface RowContext {
  zone: string;
  latest: number;
  categoryIds: ReadonlyMap<string, string>;
}

async function* groupOrders(
  rows: AsyncIterable<OrderCells | Rejected<OrderRejectReason> | Skipped>,
  context: RowContext,
): AsyncGenerator<OrderResult> {
  // The order id of the current run of rows, and the order built from its accepted rows.
  let runId: string | undefined;
  let current: { line: number; order: OrderInput; instant: number } | undefined;

  for await (const row of rows) {
    if (!row.ok) {
      yield row;
      continue;
    }
    const orderId = row.cell('order_id');
    if (orderId !== '' && orderId !== runId) {
      if (current) yield { ok: true, line: current.line, value: current.order };
      runId = orderId;
      current = undefined;
    }
    const parsed = orderFromRow(row, context);
    if (!parsed.ok) {
      yield parsed;
      continue;
    }
    if (!current) {
      current = { line: parsed.line, order: parsed.order, instant: Date.parse(parsed.order.orderedAt) };
      continue;
    }
    const conflict = conflictWith(current.order, current.instant, parsed.order);
    if (conflict) {
      yield { ok: false, line: parsed.line, ...conflict };
      continue;
    }
    current.order.lines.push(...parsed.order.lines);
    current.order.couponCode ??= parsed.order.couponCode;
  }
  if (current) yield { ok: true, line: current.line, value: current.order };
}

function conflictWith(
  order: OrderInput,
  instant: number,
  next: OrderInput,
): { reason: OrderRejectReason; message: string } | undefined {
  if (next.customerId !== order.customerId) {
    return {
      reason: 'customer-mismatch',
      message: `order ${quoted(order.orderId)} belongs to customer ${quoted(order.customerId)}, this row says ${quoted(next.customerId)}`,
    };
  }
  if (Date.parse(next.orderedAt) !== instant) {
    return {
      reason: 'date-mismatch',
      message: `order ${quoted(order.orderId)} was placed at ${order.orderedAt}, this row says ${next.orderedAt}`,
    };
  }
  if (next.couponCode !== undefined && order.couponCode !== undefined && next.couponCode !== order.couponCode) {
    return {
      reason: 'coupon-mismatch',
      message: `order ${quoted(order.orderId)} used coupon ${quoted(order.couponCode)}, this row says ${quoted(next.couponCode)}`,
    };
  }
  return undefined;
}

function orderFromRow({ line, cell, label = (column) => column }: OrderCells, { zone, latest, categoryIds }: RowContext): OrderRow {
  const orderId = cell('order_id');
  if (orderId === '') return rejected(line, 'missing-order-id', `${label('order_id')} is empty`);
  const customerId = cell('customer_id');
  if (customerId === '') return rejected(line, 'missing-customer-id', `${label('customer_id')} is empty`);
  const categoryCell = cell('category');
  if (categoryCell === '') return rejected(line, 'missing-category', `${label('category')} is empty`);
  const category = categoryIds.get(categoryCell) ?? categoryCell;

  const orderedAtText = cell('ordered_at');
  const orderedAt = parseOrderedAt(orderedAtText, zone);
  if (orderedAt === undefined) {
    return rejected(
      line,
      'bad-date',
      `${label('ordered_at')} ${quoted(orderedAtText)} is not a date: use ISO 8601 with an offset ` +
        `(2024-03-05T14:30:00+08:00), YYYY-MM-DD HH:MM[:SS], YYYY/M/D or 2024年3月5日 14:30 (${zone} time)`,
    );
  }
  if (Date.parse(orderedAt) > latest) {
    return rejected(
      line,
      'future-date',
      `${label('ordered_at')} ${quoted(orderedAtText)} is more than a day after the import's as-of ${new Date(latest - FUTURE_TOLERANCE_MS).toISOString()}: ` +
        'a typing error, or pass --as-of to date the import',
    );
  }

  const amountText = cell('amount');
  const amount = parseAmount(amountText);
  if (amount === undefined) {
    return rejected(line, 'bad-amount', `${label('amount')} ${quoted(amountText)} is not an amount like 199, 199.50, ¥1,299.00 or 268.5元`);
  }
  if (amount < 0) {
    return rejected(line, 'negative-amount', `${label('amount')} ${amountText} is negative: leave refunds out of the import`);
  }

  const parsed = OrderInputSchema.safeParse({
    orderId,
    customerId,
    orderedAt,
    lines: [{ category, amount } satisfies OrderLine],
    couponCode: orUndefined(cell('coupon_code')),
  });
  if (parsed.success) return { ok: true, line, order: parsed.data };

  const issue = parsed.error.issues[0];
  const [key, , lineKey] = issue?.path ?? [];
  const field = key === 'lines' ? LINE_FIELDS.get(lineKey ?? '') : ORDER_FIELDS.get(key ?? '');
  if (!field) return rejected(line, 'bad-row', issue?.message ?? 'invalid row');
  return rejected(line, field.reason, `${label(field.column)} ${quoted(cell(field.column))}: ${issue?.message ?? 'invalid'}`);
}

const AMOUNT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** A currency mark before or after the number, as shop exports write amounts (¥268.50, 268.50元). */
const CURRENCY = /^(?:[¥￥]|RMB|CNY)\s*|\s*(?:元|RMB|CNY)$/gi;
/** Thousands grouped with commas: 1,299.00. */
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;

/** An amount as exports write it: 199, 199.50, ¥268.50, ￥1,299.00, 268.5元. */
export function parseAmount(text: string): number | undefined {
  const bare = text.replace(CURRENCY, '').trim();
  const plain = GROUPED.test(bare) ? bare.replace(/,/g, '') : bare;
  if (!AMOUNT.test(plain)) return undefined;
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}

