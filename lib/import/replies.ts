import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { FUTURE_TOLERANCE_MS, knownTimeZone } from '../domain/dates.ts';
import { mobileNumber } from '../domain/phone.ts';
import { maskDigits } from './customers.ts';
import { parseOrderedAt } from './dates.ts';
import { quoted, rejected, type Rejected, type ReplyRejectReason } from './results.ts';
import { readTable, type ColumnSpec } from './table.ts';

/*
 * Rows of `recall import replies` (`phone,text,received_at[,id]`: a provider's inbound messages)
 * and `recall import opt-outs` (`phone[,opted_out_at]`: a provider's opt-out list export).
 */

export interface ReplyRow {
  phone: string;
  text: string;
  receivedAt: string;
  inboundId: string;
}

export interface OptOutRow {
  phone: string;
  optedOutAt: string;
}

export type RowResult<T> = { ok: true; line: number; value: T } | Rejected<ReplyRejectReason>;

export interface ReplyReadOptions {
  /** Zone of times without an offset (the merchant's). */
  timeZone: string;
  /** Country of numbers without a country code. */
  defaultCountry: string;
  /** The import's as-of: an opt-out without a time happened then; nothing may be dated after it. */
  asOf: Date;
  /** Told once of the header's columns recall does not read (they are ignored). */
  onIgnoredColumns?: (columns: readonly string[]) => void;
}

const REPLY_COLUMNS = { required: ['phone', 'text', 'received_at'], optional: ['id'] } as const;
const OPT_OUT_COLUMNS = { required: ['phone'], optional: ['opted_out_at'] } as const;

function phoneOf(line: number, raw: string, defaultCountry: string): { ok: true; e164: string } | Rejected<ReplyRejectReason> {
  const phone = mobileNumber(raw, defaultCountry);
  return phone.ok ? phone : rejected(line, 'bad-phone', `phone ${maskDigits(raw)} is not a mobile number (default country ${defaultCountry})`);
}

function timeOf(line: number, column: string, raw: string, zone: string, asOf: Date): { ok: true; iso: string } | Rejected<ReplyRejectReason> {
  const iso = parseOrderedAt(raw, zone);
  if (iso === undefined) return rejected(line, 'bad-date', `${column} ${quoted(raw)} is not a date: use ISO 8601 or YYYY-MM-DD[ HH:MM[:SS]] (${zone} time)`);
  if (Date.parse(iso) > asOf.getTime() + FUTURE_TOLERANCE_MS) return rejected(line, 'future-date', `${column} ${raw} is more than a day after the import's as-of ${asOf.toISOString()}`);
  return { ok: true, iso: new Date(iso).toISOString() };
}

/** The rows of `columns`, each with its `phone` read as a mobile number (rejected when it is none). */
async function* rowsWithPhone<K extends string>(
  input: Readable,
  file: string,
  columns: ColumnSpec<K | 'phone'>,
  options: ReplyReadOptions,
): AsyncGenerator<{ ok: true; line: number; cell: (column: K | 'phone') => string; phone: string } | Rejected<ReplyRejectReason>> {
  for await (const row of readTable(input, file, columns, options.onIgnoredColumns)) {
    if (!row.ok) {
      yield row;
      continue;
    }
    const phone = phoneOf(row.line, row.cell('phone'), options.defaultCountry);
    yield phone.ok ? { ok: true, line: row.line, cell: row.cell, phone: phone.e164 } : phone;
  }
}

/** Inbound replies; a row without an id gets one from its content, so a re-import records nothing twice. */
export async function* readReplyRows(input: Readable, file: string, options: ReplyReadOptions): AsyncGenerator<RowResult<ReplyRow>> {
  const zone = knownTimeZone(options.timeZone);
  for await (const row of rowsWithPhone(input, file, REPLY_COLUMNS, options)) {
    if (!row.ok) {
      yield row;
      continue;
    }
    const receivedAt = timeOf(row.line, 'received_at', row.cell('received_at'), zone, options.asOf);
    if (!receivedAt.ok) {
      yield receivedAt;
      continue;
    }
    const text = row.cell('text');
    const inboundId = row.cell('id') || `import-${createHash('sha256').update(`${row.phone}\n${receivedAt.iso}\n${text}`).digest('hex').slice(0, 32)}`;
    yield { ok: true, line: row.line, value: { phone: row.phone, text, receivedAt: receivedAt.iso, inboundId } };
  }
}

/** A provider's opt-out export: each number opted out at its time, or the import's as-of. */
export async function* readOptOutRows(input: Readable, file: string, options: ReplyReadOptions): AsyncGenerator<RowResult<OptOutRow>> {
  const zone = knownTimeZone(options.timeZone);
  for await (const row of rowsWithPhone(input, file, OPT_OUT_COLUMNS, options)) {
    if (!row.ok) {
      yield row;
      continue;
    }
    const cell = row.cell('opted_out_at');
    const at = cell === '' ? { ok: true as const, iso: options.asOf.toISOString() } : timeOf(row.line, 'opted_out_at', cell, zone, options.asOf);
    yield at.ok ? { ok: true, line: row.line, value: { phone: row.phone, optedOutAt: at.iso } } : at;
  }
}
