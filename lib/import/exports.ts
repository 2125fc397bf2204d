import type { Readable } from 'node:stream';
import { knownTimeZone } from '../domain/dates.ts';
import { customerFromRow, isMaskedPhone, maskDigits, type CustomerColumn, type CustomerRowResult } from './customers.ts';
import { parseOrderedAt } from './dates.ts';
import { mappedHeaders, statusKey, type ExportColumn, type ExportMap } from './mapping.ts';
import { groupOrderRows, parseAmount, type OrderCells, type OrderColumn, type OrderResult } from './orders.ts';
import type { ProductCategories } from './product-categories.ts';
import { quoted, rejected, skipped, type OrderRejectReason, type Rejected, type Skipped } from './results.ts';
import { readTable, type TableRow } from './table.ts';

/*
 * A shop's order export read through a column map (a preset or --map): one file, read twice, gives
 * the customers it names (first, so the orders find them) and the orders that are paid
 * (docs/architecture.md#shop-exports). Each line's problem is said once: a row's own problems
 * (column count, ids, dates, amounts, status, product) by the order part, a contact's by the
 * customer part.
 */

export interface ExportReadOptions {
  map: ExportMap;
  /** How messages name the map: `preset taobao`, or the --map file. */
  mapName: string;
  /** Zone of times without an offset (the merchant's). */
  timeZone: string;
  /** When the import is considered to happen: an order more than a day after it is refused. */
  asOf: Date;
  /** Country of phone numbers without a country code. */
  defaultCountry: string;
  /** The config's categories: a category cell may hold a name as well as an id. */
  categories: readonly { id: string; name: string }[];
  /** Which category a product is in (--categories, then the configured names). */
  products: ProductCategories;
  /** Told once of the header's columns the map does not name (they are ignored). */
  onIgnoredColumns?: (columns: readonly string[]) => void;
}

type ExportRow = TableRow<ExportColumn>;

function readExport(input: Readable, file: string, options: ExportReadOptions): AsyncGenerator<ExportRow | Rejected<'wrong-column-count'>> {
  const headers = mappedHeaders(options.map);
  // Every column the map names must be in the file: a status column that went missing would
  // otherwise import unpaid orders as paid.
  return readTable(input, file, { required: [...headers.keys()], optional: [], headers }, options.onIgnoredColumns);
}

/** The cell holding the order's time: its payment time when the map has one and the cell is filled. */
function timeColumn(row: ExportRow, map: ExportMap): 'paid_at' | 'ordered_at' {
  return map.paid_at !== undefined && row.cell('paid_at') !== '' ? 'paid_at' : 'ordered_at';
}

/** Undefined for a paid order (or a map without statuses); else why it is skipped. */
function unpaid(row: ExportRow, options: ExportReadOptions, paid: ReadonlySet<string>, notPaid: ReadonlySet<string>): Skipped | undefined {
  const { map } = options;
  if (map.status === undefined) return undefined;
  const status = row.cell('status');
  const key = statusKey(status);
  if (paid.has(key)) return undefined;
  const order = `order ${quoted(row.cell('order_id'))}`;
  if (notPaid.has(key)) return skipped(row.line, 'not-paid', `${order} is ${quoted(status)} (${map.status}): not paid`);
  return skipped(
    row.line,
    'unknown-status',
    `${order}: ${map.status} ${quoted(status)} is not a status ${options.mapName} knows: list it in paid_statuses or not_paid_statuses of a --map`,
  );
}

function statusSets(map: ExportMap): { paid: Set<string>; notPaid: Set<string> } {
  return { paid: new Set((map.paid_statuses ?? []).map(statusKey)), notPaid: new Set((map.not_paid_statuses ?? []).map(statusKey)) };
}

/**
 * The paid orders of an export, grouped as readOrders groups them. Skipped: an order not paid or
 * closed (`not-paid`, once per order), a status the map does not list (`unknown-status`, once per
 * order), a line whose product matches no category (`unknown-product`, naming the title).
 */
export function readExportOrders(input: Readable, file: string, options: ExportReadOptions): AsyncGenerator<OrderResult> {
  return groupOrderRows(orderLines(readExport(input, file, options), options), options);
}

async function* orderLines(rows: AsyncIterable<ExportRow | Rejected<'wrong-column-count'>>, options: ExportReadOptions): AsyncGenerator<OrderCells | Rejected<OrderRejectReason> | Skipped> {
  const { map, products } = options;
  const statuses = statusSets(map);
  const headerOf = (column: ExportColumn): string => map[column] ?? column;
  // The order of the current run of rows: whether its skip was said, and its total once given to a line.
  let run: { orderId: string; skipSaid: boolean; total?: { line: number; text: string } } | undefined;

  for await (const row of rows) {
    if (!row.ok) {
      yield row;
      continue;
    }
    const orderId = row.cell('order_id');
    if (run?.orderId !== orderId) run = { orderId, skipSaid: false };

    const skip = unpaid(row, options, statuses.paid, statuses.notPaid);
    if (skip) {
      if (!run.skipSaid) yield skip;
      run.skipSaid = true;
      continue;
    }

    const categoryCell = map.category === undefined ? '' : row.cell('category');
    const title = row.cell('product');
    const category = categoryCell || products.categoryOf({ id: row.cell('product_id'), title });
    if (category === undefined) {
      const product = title || row.cell('product_id');
      yield skipped(
        row.line,
        'unknown-product',
        product === ''
          ? `order ${quoted(orderId)}: no category and no product`
          : `order ${quoted(orderId)}: product ${quoted(product)} matches no category: add a keyword or its product id to --categories`,
      );
      continue;
    }

    let amount = row.cell('amount');
    if (map.order_amount !== undefined) {
      const text = row.cell('order_amount');
      if (run.total === undefined) {
        run.total = { line: row.line, text };
        amount = text;
      } else if (parseAmount(text) !== parseAmount(run.total.text)) {
        yield rejected(
          row.line,
          'amount-mismatch',
          `order ${quoted(orderId)} totals ${quoted(run.total.text)} on line ${run.total.line}, this row says ${quoted(text)} (${map.order_amount}): ` +
            'map a line\'s own amount as amount, an order\'s total as order_amount',
        );
        continue;
      } else {
        // The order's total is on its first line already.
        amount = '0';
      }
    }

    const time = timeColumn(row, map);
    const cells: Record<OrderColumn, string> = {
      order_id: orderId,
      customer_id: row.cell('customer_id'),
      ordered_at: row.cell(time),
      category,
      amount,
      coupon_code: row.cell('coupon_code'),
    };
    const labels: Record<OrderColumn, string> = {
      order_id: headerOf('order_id'),
      customer_id: headerOf('customer_id'),
      ordered_at: headerOf(time),
      category: headerOf(map.category === undefined ? 'product' : 'category'),
      amount: headerOf(map.order_amount === undefined ? 'amount' : 'order_amount'),
      coupon_code: headerOf('coupon_code'),
    };
    yield { ok: true, line: row.line, cell: (column) => cells[column], label: (column) => labels[column] };
  }
}

/**
 * The customers of an export's paid orders, each once: from the row of their latest order (the
 * newest contact wins, whichever order the export lists them in), again only when a later order
 * changes their phone or name. One entry per customer is held, not the rows. A masked phone is
 * rejected as `masked-phone`, once per customer: the customer is not imported, their orders are.
 */
export async function* readExportCustomers(input: Readable, file: string, options: ExportReadOptions): AsyncGenerator<CustomerRowResult> {
  const zone = knownTimeZone(options.timeZone);
  const statuses = statusSets(options.map);
  const latest = new Map<string, { at: number; contact: string }>();
  const masked = new Set<string>();

  for await (const row of readExport(input, file, options)) {
    // The order part reports bad rows and unpaid orders; here they just give no customer.
    if (!row.ok || unpaid(row, options, statuses.paid, statuses.notPaid)) continue;
    const customerId = row.cell('customer_id');
    if (customerId === '') continue;
    const phone = row.cell('phone');
    if (isMaskedPhone(phone)) {
      if (!masked.has(customerId)) {
        masked.add(customerId);
        yield rejected(row.line, 'masked-phone', `customer ${quoted(customerId)}: phone ${maskDigits(phone)} is masked in the export: not imported (their orders are)`);
      }
      continue;
    }
    const orderedAt = parseOrderedAt(row.cell(timeColumn(row, options.map)), zone);
    const at = orderedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(orderedAt);
    const contact = `${phone}\n${row.cell('name')}`;
    const seen = latest.get(customerId);
    if (seen && at <= seen.at) continue;
    latest.set(customerId, { at, contact });
    if (seen?.contact === contact) continue;
    const cells: Partial<Record<CustomerColumn, string>> = { customer_id: customerId, phone, name: row.cell('name') };
    yield customerFromRow(row.line, (column) => cells[column] ?? '', zone, options.defaultCountry);
  }
}
