import { isAscii, isUtf8 } from 'node:buffer';
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse, type Parser } from 'csv-parse';
import iconv from 'iconv-lite';
import { knownTimeZone, localToInstant } from '../domain/dates.ts';
import { mobileNumber } from '../domain/phone.ts';
import { CustomerUpdateSchema, OrderInputSchema, type CustomerUpdate, type OrderInput, type OrderLine } from '../domain/model.ts';
import { BadInputError } from '../errors.ts';

/*
 * Streaming readers for `recall import customers|orders FILE.csv` (docs/architecture.md#imports).
 *
 * bytes -> decodeText (BOM, UTF-8 or GBK, newlines -> \n) -> csv-parse -> rows with physical line
 * numbers -> header-mapped cells -> one result per customer row / per order.
 * Nothing here holds more than one chunk and one order's rows in memory.
 */

// ---------------------------------------------------------------------------------------------
// Results and errors

export const CUSTOMER_REJECT_REASONS = [
  'wrong-column-count',
  'missing-customer-id',
  'bad-customer-id',
  'bad-phone',
  'bad-name',
  'bad-timezone',
  'bad-opt-in',
  'bad-push-endpoint',
  'bad-row',
] as const;
export type CustomerRejectReason = (typeof CUSTOMER_REJECT_REASONS)[number];

export const ORDER_REJECT_REASONS = [
  'wrong-column-count',
  'missing-order-id',
  'bad-order-id',
  'missing-customer-id',
  'bad-customer-id',
  'bad-date',
  'missing-category',
  'bad-amount',
  'negative-amount',
  'customer-mismatch',
  'date-mismatch',
  'coupon-mismatch',
  'future-date',
  'bad-row',
] as const;
export type OrderRejectReason = (typeof ORDER_REJECT_REASONS)[number];

export type RejectReason = CustomerRejectReason | OrderRejectReason;

/** A row the import skips. `line` is the physical line in the file (header = 1); `message` names the column. */
export interface Rejected<R extends RejectReason = RejectReason> {
  ok: false;
  line: number;
  reason: R;
  message: string;
}

/** `line` is the line of the order's first accepted row. */
export type OrderResult = { ok: true; line: number; value: OrderInput } | Rejected<OrderRejectReason>;

/** The file as a whole cannot be read (header, encoding, unbalanced quote). Permanent: exit code 2. */
export class CsvFormatError extends BadInputError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, detail: string) {
    super(line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
    this.name = 'CsvFormatError';
    this.file = file;
    this.line = line;
  }
}

/** Counts for the import summary: imported, and rejected by reason. */
export class ImportTally {
  private imported = 0;
  private readonly rejected = new Map<string, number>();

  accept(): void {
    this.imported += 1;
  }

  reject(reason: RejectReason): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  get counts(): { imported: number; rejected: Record<string, number> } {
    return { imported: this.imported, rejected: Object.fromEntries(this.rejected) };
  }
}

// ---------------------------------------------------------------------------------------------
// Customers

const CUSTOMER_COLUMNS = {
  required: ['customer_id', 'phone', 'name'],
  optional: ['timezone', 'sms_opt_in', 'opted_out', 'opt_in_at', 'push_endpoint'],
} as const;
type CustomerColumn = (typeof CUSTOMER_COLUMNS)['required' | 'optional'][number];

const CUSTOMER_FIELDS = new Map<PropertyKey, { column: CustomerColumn; reason: CustomerRejectReason }>([
  ['customerId', { column: 'customer_id', reason: 'bad-customer-id' }],
  ['phone', { column: 'phone', reason: 'bad-phone' }],
  ['name', { column: 'name', reason: 'bad-name' }],
  ['timeZone', { column: 'timezone', reason: 'bad-timezone' }],
  ['pushEndpoint', { column: 'push_endpoint', reason: 'bad-push-endpoint' }],
]);

/** Yes/no as shops export it: English words, letters, digits and Chinese 是/否. */
const BOOLEAN_WORDS = new Map<string, boolean>([
  ['true', true],
  ['1', true],
  ['yes', true],
  ['y', true],
  ['是', true],
  ['false', false],
  ['0', false],
  ['no', false],
  ['n', false],
  ['否', false],
]);
const BOOLEAN_HINT = 'true/false, yes/no, y/n, 1/0 or 是/否';

/** Phone numbers the import keeps but that cannot receive an SMS: counted and named by line. */
export const CONTACT_WARNINGS = ['masked-phone', 'landline-phone', 'invalid-phone'] as const;
export type ContactWarning = (typeof CONTACT_WARNINGS)[number];

export interface RowWarning {
  reason: ContactWarning;
  message: string;
}

export type CustomerRowResult = { ok: true; line: number; value: CustomerUpdate; warning?: RowWarning } | Rejected<CustomerRejectReason>;

export interface CustomerReadOptions {
  /** Zone of `opt_in_at` cells without an offset (the merchant's). */
  timeZone: string;
  /** Country of phone numbers without a country code. */
  defaultCountry: string;
}

/**
 * Customers from `customer_id,phone,name[,timezone,sms_opt_in,opted_out,opt_in_at,push_endpoint]`
 * (any column order). An absent column or an empty cell is `undefined`: the import leaves the
 * stored value as it is. Throws `CsvFormatError` (before yielding anything) when the header is
 * missing a column or names an unknown one; every bad row after that is a `Rejected` result.
 */
export async function* readCustomerRows(input: Readable, file: string, options: CustomerReadOptions): AsyncGenerator<CustomerRowResult> {
  const zone = knownTimeZone(options.timeZone);
  for await (const row of readTable(input, file, CUSTOMER_COLUMNS)) {
    yield row.ok ? customerFromRow(row.line, row.cell, zone, options.defaultCountry) : row;
  }
}

function customerFromRow(line: number, cell: (column: CustomerColumn) => string, zone: string, defaultCountry: string): CustomerRowResult {
  const customerId = cell('customer_id');
  if (customerId === '') return rejected(line, 'missing-customer-id', 'customer_id is empty');
  const smsOptIn = booleanCell(cell('sms_opt_in'));
  if (smsOptIn === 'bad') return rejected(line, 'bad-opt-in', `sms_opt_in ${quoted(cell('sms_opt_in'))} is not one of ${BOOLEAN_HINT}`);
  const optedOut = booleanCell(cell('opted_out'));
  if (optedOut === 'bad') return rejected(line, 'bad-opt-in', `opted_out ${quoted(cell('opted_out'))} is not one of ${BOOLEAN_HINT}`);
  const optInAtText = cell('opt_in_at');
  const optInAt = optInAtText === '' ? undefined : parseOrderedAt(optInAtText, zone);
  if (optInAtText !== '' && optInAt === undefined) {
    return rejected(line, 'bad-opt-in', `opt_in_at ${quoted(optInAtText)} is not a date: use ISO 8601 or YYYY-MM-DD[ HH:MM[:SS]] (${zone} time)`);
  }
  const phone = cell('phone');
  if (phone.length > PHONE_MAX_CHARS) {
    return rejected(line, 'bad-phone', `phone (${phone.length} characters, ${maskDigits(phone)}) is longer than ${PHONE_MAX_CHARS} characters`);
  }
  // Only what the row says: an absent key leaves the stored value as it is.
  const given = Object.entries({
    customerId,
    phone: orUndefined(phone),
    name: orUndefined(cell('name')),
    timeZone: orUndefined(cell('timezone')),
    smsOptIn,
    optedOut,
    optInAt,
    pushEndpoint: orUndefined(cell('push_endpoint')),
  }).filter(([, value]) => value !== undefined);
  const parsed = CustomerUpdateSchema.safeParse(Object.fromEntries(given));
  if (parsed.success) {
    const warning = phone === '' ? undefined : contactWarning(phone, defaultCountry);
    return { ok: true, line, value: parsed.data, ...(warning ? { warning } : {}) };
  }
  const issue = parsed.error.issues[0];
  const field = CUSTOMER_FIELDS.get(issue?.path[0] ?? '');
  if (!field) {
    return rejected(line, 'bad-row', issue?.message ?? 'invalid row');
  }
  return rejected(line, field.reason, `${field.column} ${quoted(cell(field.column))}: ${issue?.message ?? 'invalid'}`);
}

const PHONE_MAX_CHARS = 40;

function booleanCell(text: string): boolean | undefined | 'bad' {
  if (text === '') return undefined;
  return BOOLEAN_WORDS.get(text.toLowerCase()) ?? 'bad';
}

/** Masked exports (138****8001), landlines and numbers no country accepts: kept, but said. */
function contactWarning(phone: string, defaultCountry: string): RowWarning | undefined {
  if (/\d[*xX•]+\d|[*•]{2,}/.test(phone)) {
    return { reason: 'masked-phone', message: `phone ${maskDigits(phone)} is masked in the export: no SMS can reach it` };
  }
  const checked = mobileNumber(phone, defaultCountry);
  if (checked.ok) return undefined;
  if (checked.reason === 'not-mobile') return { reason: 'landline-phone', message: `phone ${maskDigits(phone)} is not a mobile number: no SMS can reach it` };
  return { reason: 'invalid-phone', message: `phone ${maskDigits(phone)} is not a valid number in any country (default ${defaultCountry}): no SMS can reach it` };
}

/** A phone cell for a message: every digit but the last 4 hidden (at most 24 characters shown). */
function maskDigits(text: string): string {
  const digits = text.replace(/\D/g, '').length;
  let seen = 0;
  const masked = text.replace(/\d/g, (digit) => (++seen > digits - 4 ? digit : '*'));
  return masked.length > 24 ? `${masked.slice(0, 10)}...${masked.slice(-10)}` : masked;
}

// ---------------------------------------------------------------------------------------------
// Orders

const ORDER_COLUMNS = {
  required: ['order_id', 'customer_id', 'ordered_at', 'category', 'amount'],
  optional: ['coupon_code'],
} as const;
type OrderColumn = (typeof ORDER_COLUMNS)['required' | 'optional'][number];

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
  // Fails here (RangeError) rather than on the first row when the zone is not an IANA zone.
  const zone = knownTimeZone(options.timeZone);
  return groupOrders(readTable(input, file, ORDER_COLUMNS), zone, options.asOf.getTime() + FUTURE_TOLERANCE_MS);
}

export interface OrderReadOptions {
  /** Zone of `ordered_at` cells without an offset (the merchant's). */
  timeZone: string;
  /** When the import is considered to happen: an order more than a day after it is refused. */
  asOf: Date;
}

/** An order dated after the import's as-of by more than this is a typing error, not an order. */
const FUTURE_TOLERANCE_MS = 86_400_000;

async function* groupOrders(
  rows: AsyncIterable<TableRow<OrderColumn> | Rejected<'wrong-column-count'>>,
  zone: string,
  latest: number,
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
    const parsed = orderFromRow(row.line, row.cell, zone, latest);
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

function orderFromRow(line: number, cell: (column: OrderColumn) => string, zone: string, latest: number): OrderRow {
  const orderId = cell('order_id');
  if (orderId === '') return rejected(line, 'missing-order-id', 'order_id is empty');
  const customerId = cell('customer_id');
  if (customerId === '') return rejected(line, 'missing-customer-id', 'customer_id is empty');
  const category = cell('category');
  if (category === '') return rejected(line, 'missing-category', 'category is empty');

  const orderedAtText = cell('ordered_at');
  const orderedAt = parseOrderedAt(orderedAtText, zone);
  if (orderedAt === undefined) {
    return rejected(
      line,
      'bad-date',
      `ordered_at ${quoted(orderedAtText)} is not a date: use ISO 8601 with an offset ` +
        `(2024-03-05T14:30:00+08:00), YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DD (${zone} time)`,
    );
  }
  if (Date.parse(orderedAt) > latest) {
    return rejected(
      line,
      'future-date',
      `ordered_at ${quoted(orderedAtText)} is more than a day after the import's as-of ${new Date(latest - FUTURE_TOLERANCE_MS).toISOString()}: ` +
        'a typing error, or pass --as-of to date the import',
    );
  }

  const amountText = cell('amount');
  const amount = parseAmount(amountText);
  if (amount === undefined) {
    return rejected(line, 'bad-amount', `amount ${quoted(amountText)} is not a number like 199 or 199.50`);
  }
  if (amount < 0) {
    return rejected(line, 'negative-amount', `amount ${amountText} is negative: leave refunds out of the import`);
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
  return rejected(line, field.reason, `${field.column} ${quoted(cell(field.column))}: ${issue?.message ?? 'invalid'}`);
}

const AMOUNT = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** A plain decimal; thousands separators and currency signs are refused rather than guessed at. */
function parseAmount(text: string): number | undefined {
  if (!AMOUNT.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// ordered_at: instants with an offset kept as they are, wall-clock times placed in the zone

const WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
// Excel re-saves dates as 2024/3/5 14:30, so slashes and one-digit fields are accepted too.
const WALL_CLOCK = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/** Years before this are typing errors or spreadsheet zero dates, not orders. */
const EARLIEST_YEAR = 1970;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** `ordered_at` as an ISO 8601 instant with an offset, or undefined when it is not a real date. */
export function parseOrderedAt(text: string, zone: string): string | undefined {
  const withOffset = WITH_OFFSET.exec(text);
  if (withOffset) {
    const wall = wallClockOf(withOffset.slice(1, 8));
    const offset = offsetMinutesOf(withOffset[8] ?? '');
    if (!wall || offset === undefined) return undefined;
    return formatIso(wall, offset);
  }
  const local = WALL_CLOCK.exec(text);
  if (local) {
    const wall = wallClockOf(local.slice(1, 8));
    if (!wall) return undefined;
    const { instant, offsetMinutes } = localToInstant(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond), zone);
    return formatIso(wallClockAt(instant + offsetMinutes * 60_000), offsetMinutes);
  }
  return undefined;
}

function wallClockOf(fields: (string | undefined)[]): WallClock | undefined {
  const [year, month, day, hour, minute, second] = fields.slice(0, 6).map((field) => Number(field ?? 0));
  const fraction = fields[6] ?? '';
  const wall: WallClock = {
    year: year ?? 0,
    month: month ?? 0,
    day: day ?? 0,
    hour: hour ?? 0,
    minute: minute ?? 0,
    second: second ?? 0,
    millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
  };
  if (wall.year < EARLIEST_YEAR || wall.hour > 23 || wall.minute > 59 || wall.second > 59) return undefined;
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
  // Date.UTC rolls 2024-02-30 over to March; a real date comes back unchanged.
  if (date.getUTCMonth() !== wall.month - 1 || date.getUTCDate() !== wall.day) return undefined;
  return wall;
}

function offsetMinutesOf(text: string): number | undefined {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function wallClockAt(ms: number): WallClock {
  const date = new Date(ms);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function formatIso(wall: WallClock, offsetMinutes: number): string {
  const date = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
  const time = `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
  const fraction = wall.millisecond === 0 ? '' : `.${pad(wall.millisecond, 3)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${date}T${time}${fraction}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

// ---------------------------------------------------------------------------------------------
// Header and rows

interface ColumnSpec<K extends string> {
  required: readonly K[];
  optional: readonly K[];
}

interface TableRow<K extends string> {
  ok: true;
  line: number;
  /** The trimmed cell of `column`; '' when empty or when an optional column is absent. */
  cell: (column: K) => string;
}

/** Rows mapped through the header. Header problems throw before the first row is yielded. */
async function* readTable<K extends string>(
  input: Readable,
  file: string,
  spec: ColumnSpec<K>,
): AsyncGenerator<TableRow<K> | Rejected<'wrong-column-count'>> {
  let columns: Map<K, number> | undefined;
  let width = 0;
  for await (const row of readRows(input, file)) {
    if (!columns) {
      columns = columnsOf(row, spec, file);
      width = row.cells.length;
      continue;
    }
    if (row.cells.length !== width) {
      yield rejected(
        row.line,
        'wrong-column-count',
        `expected ${width} cells (${[...columns.keys()].join(',')}), found ${row.cells.length}: ` +
          'quote cells that contain commas',
      );
      continue;
    }
    const { cells } = row;
    const index = columns;
    yield {
      ok: true,
      line: row.line,
      cell: (column) => {
        const at = index.get(column);
        return at === undefined ? '' : (cells[at] ?? '').trim();
      },
    };
  }
  if (!columns) {
    throw new CsvFormatError(file, undefined, `the file is empty: expected a header row ${describeColumns(spec)}`);
  }
}

function columnsOf<K extends string>(header: Row, spec: ColumnSpec<K>, file: string): Map<K, number> {
  const known = new Map<string, K>([...spec.required, ...spec.optional].map((column) => [column, column]));
  const columns = new Map<K, number>();
  const unknown: string[] = [];
  header.cells.forEach((cell, index) => {
    const name = cell.trim().toLowerCase().replace(/[\s-]+/g, '_');
    const column = known.get(name);
    if (column === undefined) {
      unknown.push(name === '' ? `(unnamed column ${index + 1})` : `"${cell.trim()}"`);
    } else if (columns.has(column)) {
      throw new CsvFormatError(file, header.line, `column "${column}" appears twice in the header`);
    } else {
      columns.set(column, index);
    }
  });
  const missing = spec.required.filter((column) => !columns.has(column));
  if (columns.size === 0) {
    throw new CsvFormatError(
      file,
      header.line,
      `no header row: the first line must name the columns ${describeColumns(spec)}`,
    );
  }
  if (missing.length > 0) {
    throw new CsvFormatError(
      file,
      header.line,
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} ` +
        `in the header: expected ${describeColumns(spec)}`,
    );
  }
  if (unknown.length > 0) {
    throw new CsvFormatError(
      file,
      header.line,
      `unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ` +
        `in the header: expected ${describeColumns(spec)}`,
    );
  }
  return columns;
}

function describeColumns(spec: ColumnSpec<string>): string {
  const optional = spec.optional.map((column) => `,${column}`).join('');
  return `${spec.required.join(',')}${optional ? `[${optional}]` : ''}`;
}

interface Row {
  /** Physical line of the row's first character (a quoted cell may span several lines). */
  line: number;
  cells: string[];
}

/** Longest row csv-parse will buffer; longer means an unclosed quote swallowed the rest of the file. */
const MAX_ROW_CHARS = 128_000;

/** Non-blank CSV rows with their physical line numbers. */
async function* readRows(input: Readable, file: string): AsyncGenerator<Row> {
  const parser: Parser = parse({
    raw: true,
    record_delimiter: '\n',
    relax_column_count: true,
    // A stray quote inside an unquoted cell (5" tall) stays a character instead of failing the file.
    relax_quotes: true,
    max_record_size: MAX_ROW_CHARS,
    // A failing stream drops the records it still buffers, and with them the line count. Instead
    // the parse error travels in order behind the rows before it, so its line is known exactly.
    skip_records_with_error: true,
    on_skip: (error) => {
      parser.push({ failure: error });
    },
  });
  // Errors from the input or the decoder reach us through the parser's iterator.
  pipeline(Readable.from(decodeText(input, file)), parser, () => undefined);

  // csv-parse's own line counter drifts on blank lines and multi-line cells, so count the raw text.
  let linesBefore = 0;
  try {
    for await (const item of parser) {
      if (isParseFailure(item)) throw new CsvFormatError(file, linesBefore + 1, describeParseFailure(item.failure));
      if (!isRawRecord(item)) throw new Error('csv-parse yielded an unexpected record shape');
      const line = linesBefore + 1;
      linesBefore += countNewlines(item.raw);
      if (item.record.every((cell) => cell.trim() === '')) continue;
      yield { line, cells: item.record };
    }
  } finally {
    parser.destroy();
  }
}

function describeParseFailure(error: unknown): string {
  if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'a quoted cell starting on this line is never closed (unbalanced ")';
  }
  if (error instanceof CsvError && error.code === 'CSV_MAX_RECORD_SIZE') {
    return `the row starting on this line is longer than ${MAX_ROW_CHARS} characters: is a quote (") never closed?`;
  }
  return error instanceof Error ? error.message : String(error);
}

function isParseFailure(item: unknown): item is { failure: unknown } {
  return typeof item === 'object' && item !== null && 'failure' in item;
}

function isRawRecord(item: unknown): item is { record: string[]; raw: string } {
  return (
    typeof item === 'object' &&
    item !== null &&
    'record' in item &&
    'raw' in item &&
    Array.isArray(item.record) &&
    typeof item.raw === 'string'
  );
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

// ---------------------------------------------------------------------------------------------
// Bytes -> text

/**
 * Decodes the file chunk by chunk. ASCII is the same in UTF-8 and GBK, so the choice waits for
 * the first chunk with a non-ASCII byte: valid UTF-8 wins; otherwise bytes that look like
 * GB2312/GBK Chinese are decoded as GB18030 (a superset of GBK); anything else is refused.
 * Line endings become \n so csv-parse and the line counter agree on what a line is.
 */
async function* decodeText(input: AsyncIterable<unknown>, file: string): AsyncGenerator<string> {
  const decoder = new CsvTextDecoder(file);
  for await (const chunk of input) {
    const text = decoder.write(chunkBytes(chunk));
    if (text) yield text;
  }
  const text = decoder.end();
  if (text) yield text;
}

class CsvTextDecoder {
  private encoding: 'undecided' | 'utf8' | 'gbk' = 'undecided';
  private atStart = true;
  /** Bytes held back: the first few (to look for a BOM) or a UTF-8 character cut by the chunk boundary. */
  private carry: Buffer = Buffer.alloc(0);
  private gbk: iconv.DecoderStream | undefined;
  private endsInCr = false;
  private linesEmitted = 0;
  private readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  write(chunk: Buffer): string {
    let bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    if (this.atStart) {
      if (bytes.length < 4) {
        this.carry = bytes;
        return '';
      }
      bytes = this.withoutBom(bytes);
    }
    return this.normalize(this.decode(bytes, false));
  }

  end(): string {
    const bytes = this.atStart ? this.withoutBom(this.carry) : this.carry;
    const text = bytes.length > 0 || this.encoding === 'gbk' ? this.decode(bytes, true) : '';
    return this.normalize(text) + (this.endsInCr ? '\n' : '');
  }

  private withoutBom(bytes: Buffer): Buffer {
    this.atStart = false;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      this.encoding = 'utf8';
      return bytes.subarray(3);
    }
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw new CsvFormatError(this.file, undefined, 'the file is UTF-16 ("Unicode text"): save it as "CSV UTF-8"');
    }
    return bytes;
  }

  private decode(bytes: Buffer, final: boolean): string {
    if (this.encoding === 'undecided') {
      if (isAscii(bytes)) return bytes.toString('latin1');
      this.encoding = this.chooseEncoding(bytes, final);
    }
    if (this.encoding === 'utf8') {
      const complete = final ? bytes.length : bytes.length - incompleteUtf8Tail(bytes);
      const body = bytes.subarray(0, complete);
      if (!isUtf8(body)) {
        throw new CsvFormatError(
          this.file,
          this.lineOfByte(body, firstInvalidUtf8(body)),
          'this line is not valid UTF-8 although the lines before it are: save the whole file as "CSV UTF-8"',
        );
      }
      this.carry = Buffer.from(bytes.subarray(complete));
      return body.toString('utf8');
    }
    this.gbk ??= iconv.getDecoder('gb18030');
    const text = this.gbk.write(bytes) + (final ? (this.gbk.end() ?? '') : '');
    const bad = text.indexOf('\uFFFD');
    if (bad !== -1) {
      throw new CsvFormatError(
        this.file,
        this.linesEmitted + countNewlines(text.slice(0, bad)) + 1,
        'this line is not valid GBK although the lines before it are: save the whole file as "CSV UTF-8"',
      );
    }
    return text;
  }

  private chooseEncoding(bytes: Buffer, final: boolean): 'utf8' | 'gbk' {
    const complete = final ? bytes.length : bytes.length - incompleteUtf8Tail(bytes);
    if (isUtf8(bytes.subarray(0, complete))) return 'utf8';
    if (looksLikeGbk(bytes)) return 'gbk';
    throw new CsvFormatError(
      this.file,
      this.lineOfByte(bytes, firstInvalidUtf8(bytes)),
      'the file is neither UTF-8 nor GBK text: save it as "CSV UTF-8"',
    );
  }

  /** \r\n and lone \r become \n; a \r at the end of a chunk waits to see if \n follows. */
  private normalize(text: string): string {
    let normal = this.endsInCr ? `\r${text}` : text;
    this.endsInCr = normal.endsWith('\r');
    if (this.endsInCr) normal = normal.slice(0, -1);
    normal = normal.replace(/\r\n?/g, '\n');
    this.linesEmitted += countNewlines(normal);
    return normal;
  }

  private lineOfByte(bytes: Buffer, index: number): number {
    return this.linesEmitted + countNewlines(bytes.subarray(0, index).toString('latin1')) + 1;
  }
}

function chunkBytes(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`expected bytes from the CSV stream, got ${typeof chunk}`);
}

/**
 * True when every non-ASCII byte pairs up as a GBK character and most pairs are in the GB2312
 * block where common Chinese characters live. Latin-1 text (José, Müller) puts its accented
 * letter before an ASCII byte, which GB2312 never does, so it is not mistaken for Chinese.
 */
function looksLikeGbk(bytes: Buffer): boolean {
  let pairs = 0;
  let gb2312 = 0;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    if (i + 1 >= bytes.length) break; // a character cut by the chunk boundary
    const trail = bytes[i + 1] ?? 0;
    if (lead < 0x81 || lead > 0xfe) return false;
    if (trail >= 0x30 && trail <= 0x39) {
      i += 4; // a GB18030 four-byte character
      pairs += 1;
      continue;
    }
    if (trail < 0x40 || trail === 0x7f || trail > 0xfe) return false;
    pairs += 1;
    if (lead >= 0xa1 && trail >= 0xa1) gb2312 += 1;
    i += 2;
  }
  return pairs > 0 && gb2312 * 2 >= pairs;
}

/** Bytes at the end that start a UTF-8 sequence the chunk boundary cut short (0 to 3). */
function incompleteUtf8Tail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back] ?? 0;
    if (byte < 0x80) return 0;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return length > back ? back : 0;
    }
  }
  return 0;
}

function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf5) return 4;
  return 0;
}

/** Index of the first byte that breaks UTF-8 (only called once the buffer is known to be invalid). */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i] ?? 0;
    const length = utf8SequenceLength(byte);
    if (length === 0) return i;
    if (length > 1 && !isUtf8(bytes.subarray(i, i + length))) return i;
    i += length;
  }
  return bytes.length;
}

// ---------------------------------------------------------------------------------------------

function rejected<R extends RejectReason>(line: number, reason: R, message: string): Rejected<R> {
  return { ok: false, line, reason, message };
}

function orUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}

function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
