import type { Readable } from 'node:stream';
import { BadBirthdayError, parseBirthday } from '../domain/calendar.ts';
import { knownTimeZone, localDate, type CalendarDate } from '../domain/dates.ts';
import { mobileNumber } from '../domain/phone.ts';
import { CustomerUpdateSchema, type CustomerUpdate } from '../domain/model.ts';
import { parseOrderedAt } from './dates.ts';
import { BIRTHDAY_HEADERS } from './presets.ts';
import { quoted, rejected, type CustomerRejectReason, type Rejected } from './results.ts';
import { orUndefined, readTable } from './table.ts';

/*
 * Customer rows for `recall import customers`: the columns, yes/no cells, consent columns, and
 * warnings for phones kept that no SMS can reach.
 */

const CUSTOMER_COLUMNS = {
  required: ['customer_id', 'phone', 'name'],
  optional: ['timezone', 'sms_opt_in', 'opted_out', 'opt_in_at', 'push_endpoint', 'birthday'],
} as const;
const CUSTOMER_ALIASES = new Map<CustomerColumn, readonly string[]>([['birthday', BIRTHDAY_HEADERS]]);
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)['required' | 'optional'][number];

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

/** `mobile`: the phone as E.164, when it is a mobile number (what replies from it are matched on). */
export type CustomerRowResult = { ok: true; line: number; value: CustomerUpdate; warning?: RowWarning; mobile?: string } | Rejected<CustomerRejectReason>;

export interface CustomerReadOptions {
  /** Zone of `opt_in_at` cells without an offset (the merchant's). */
  timeZone: string;
  /** Country of phone numbers without a country code. */
  defaultCountry: string;
  /** Told once of the header's columns recall does not read (they are ignored). */
  onIgnoredColumns?: (columns: readonly string[]) => void;
  /** When the import is considered to happen: a birthday after its day is refused. */
  asOf?: Date;
}

/**
 * Customers from `customer_id,phone,name[,timezone,sms_opt_in,opted_out,opt_in_at,push_endpoint,birthday]`
 * (any column order). An absent column or an empty cell is `undefined`: the import leaves the
 * stored value as it is. Throws `CsvFormatError` (before yielding anything) when the header is
 * missing a column or names an unknown one; every bad row after that is a `Rejected` result.
 */
export async function* readCustomerRows(input: Readable, file: string, options: CustomerReadOptions): AsyncGenerator<CustomerRowResult> {
  const zone = knownTimeZone(options.timeZone);
  const today = options.asOf ? localDate(options.asOf, zone) : undefined;
  for await (const row of readTable(input, file, { ...CUSTOMER_COLUMNS, aliases: CUSTOMER_ALIASES }, options.onIgnoredColumns)) {
    yield row.ok ? customerFromRow(row.line, row.cell, zone, options.defaultCountry, today) : row;
  }
}

/**
 * One customer row from its cells by column ('' for a column the file does not have). `today`: the
 * import's date, after which no birthday can be (without it, a birthday's year is not checked).
 */
export function customerFromRow(line: number, cell: (column: CustomerColumn) => string, zone: string, defaultCountry: string, today?: CalendarDate): CustomerRowResult {
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
  const birthdayText = cell('birthday');
  let birthday: string | undefined;
  try {
    birthday = birthdayText === '' ? undefined : parseBirthday(birthdayText, today ?? '9999-12-31');
  } catch (error) {
    if (!(error instanceof BadBirthdayError)) throw error;
    return rejected(line, 'bad-birthday', error.message);
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
    birthday,
  }).filter(([, value]) => value !== undefined);
  const parsed = CustomerUpdateSchema.safeParse(Object.fromEntries(given));
  if (parsed.success) {
    const warning = phone === '' ? undefined : contactWarning(phone, defaultCountry);
    const mobile = phone === '' ? undefined : mobileNumber(phone, defaultCountry);
    return { ok: true, line, value: parsed.data, ...(warning ? { warning } : {}), ...(mobile?.ok ? { mobile: mobile.e164 } : {}) };
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
  if (isMaskedPhone(phone)) {
    return { reason: 'masked-phone', message: `phone ${maskDigits(phone)} is masked in the export: no SMS can reach it` };
  }
  const checked = mobileNumber(phone, defaultCountry);
  if (checked.ok) return undefined;
  if (checked.reason === 'not-mobile') return { reason: 'landline-phone', message: `phone ${maskDigits(phone)} is not a mobile number: no SMS can reach it` };
  return { reason: 'invalid-phone', message: `phone ${maskDigits(phone)} is not a valid number in any country (default ${defaultCountry}): no SMS can reach it` };
}

/** A phone as exports hide its middle digits: 138****8001, 138xxxx8001. */
export function isMaskedPhone(phone: string): boolean {
  return /\d[*xX•]+\d|[*•]{2,}/.test(phone);
}

/** A phone cell as a message shows it: every digit but the last 4 masked (at most 24 characters shown). */
export function maskDigits(text: string): string {
  const digits = text.replace(/\D/g, '').length;
  let seen = 0;
  const masked = text.replace(/\d/g, (digit) => (++seen > digits - 4 ? digit : '*'));
  return masked.length > 24 ? `${masked.slice(0, 10)}...${masked.slice(-10)}` : masked;
}
