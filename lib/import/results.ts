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

/** A cell as a message shows it: JSON-quoted, cut to 60 characters. */
export function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}
