import { BadInputError } from '../errors.ts';

/*
 * What the CSV import reports, shared by the customer and order readers: the reasons a row is
 * rejected, the rejection itself, the error for a file that cannot be read at all, and the tally.
 */

export const CUSTOMER_REJECT_REASONS = [
  'wrong-column-count',
  'missing-customer-id',
  'bad-customer-id',
  'bad-phone',
  'bad-name',
  'bad-timezone',
  'bad-opt-in',
  'bad-push-endpoint',
  'bad-birthday',
  // A platform export (--preset / --map) masks the phone: the customer is not imported, their orders are.
  'masked-phone',
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
  // An order total (--map order_amount) that differs between the lines of one order.
  'amount-mismatch',
  'future-date',
  'bad-row',
] as const;
export type OrderRejectReason = (typeof ORDER_REJECT_REASONS)[number];

/**
 * Rows of a shop export (--preset / --map) that are sound but are not purchases recall counts:
 * an order not paid (or closed), a status the map does not list, a product no category matches.
 */
export const ORDER_SKIP_REASONS = ['not-paid', 'unknown-status', 'unknown-product'] as const;
export type OrderSkipReason = (typeof ORDER_SKIP_REASONS)[number];

export const REPLY_REJECT_REASONS = ['wrong-column-count', 'bad-phone', 'bad-date', 'future-date', 'bad-row'] as const;
export type ReplyRejectReason = (typeof REPLY_REJECT_REASONS)[number];

export type RejectReason = CustomerRejectReason | OrderRejectReason | ReplyRejectReason;

/** A row the import skips. `line` is the physical line in the file (header = 1); `message` names the column. */
export interface Rejected<R extends RejectReason = RejectReason> {
  ok: false;
  line: number;
  reason: R;
  message: string;
}

/** A sound row that is not imported on purpose (counted apart from the rejected ones). */
export interface Skipped {
  ok: false;
  skipped: true;
  line: number;
  reason: OrderSkipReason;
  message: string;
}

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

export function rejected<R extends RejectReason>(line: number, reason: R, message: string): Rejected<R> {
  return { ok: false, line, reason, message };
}

export function skipped(line: number, reason: OrderSkipReason, message: string): Skipped {
  return { ok: false, skipped: true, line, reason, message };
}

/** A cell as a message shows it: JSON-quoted, cut to 60 characters. */
export function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
