import { nextConsent } from '../domain/consent.ts';
import type { CustomerUpdate, OrderInput } from '../domain/model.ts';
import type { CustomerImport, ImportLog } from '../ports/store.ts';
import type { OptOutRow, ReplyRow } from '../import/replies.ts';
import { recordOrder, type RecordOrderDeps } from './record-order.ts';
import { optOutNumber, recordReply, type RecordReplyDeps } from './record-reply.ts';

/** A row of an import: accepted, or rejected (or, from a shop export, `skipped` on purpose) with its line and reason. */
export type ImportRow<T> =
  | { ok: true; line: number; value: T; warning?: { reason: string; message: string }; mobile?: string }
  | { ok: false; line: number; reason: string; message: string; skipped?: boolean };

export interface ImportCounts {
  imported: number;
  /** Orders only: already recorded before (a re-import changes nothing). */
  unchanged: number;
  rejected: Record<string, number>;
  /** Orders of a shop export only: sound rows not imported on purpose (not paid, unknown product). */
  skipped: Record<string, number>;
  /** Customers only: rows imported whose contact cannot be used (masked, landline, invalid). */
  warnings: Record<string, number>;
}

export interface ImportHooks {
  onRejected?: (line: number, reason: string, message: string) => void;
  onSkipped?: (line: number, reason: string, message: string) => void;
  onWarning?: (line: number, reason: string, message: string) => void;
  onProgress?: (rows: number) => void;
}

const IN_FLIGHT = 16;

/**
 * Runs `work` on the rows with at most IN_FLIGHT at once; rows with the same key run in order. A
 * failure (a bad file, a failed write) ends it only after the work in flight settles: the rows
 * before it stay imported, and the store is never closed under a running write.
 */
async function forEachKeyed<T>(rows: AsyncIterable<T>, keyOf: (row: T) => string | undefined, work: (row: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const lastByKey = new Map<string, Promise<void>>();
  try {
    for await (const row of rows) {
      const key = keyOf(row);
      const previous = key === undefined ? undefined : lastByKey.get(key);
      const task: Promise<void> = (previous ?? Promise.resolve()).then(() => work(row));
      const tracked = task.finally(() => {
        inFlight.delete(tracked);
        if (key !== undefined && lastByKey.get(key) === task) lastByKey.delete(key);
      });
      // Observed by race/all below; this keeps a failure before then from being "unhandled".
      tracked.catch(() => undefined);
      inFlight.add(tracked);
      if (key !== undefined) lastByKey.set(key, task);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
  } catch (error) {
    await Promise.allSettled(inFlight);
    throw error;
  }
  await Promise.all(inFlight);
}

function countRejected(counts: ImportCounts, hooks: ImportHooks, line: number, reason: string, message: string): void {
  counts.rejected[reason] = (counts.rejected[reason] ?? 0) + 1;
  hooks.onRejected?.(line, reason, message);
}

const MAX_CONSENT_RETRIES = 5;

/**
 * Writes one import row: the contact fields it gives and the consent merged over the stored one
 * (`nextConsent`), conditional on the stored consent, so an opt-out that lands meanwhile wins.
 * `mobile` is the phone as E.164 when it is a mobile number: replies from it find this customer.
 */
export async function importCustomer(deps: { store: CustomerImport }, update: CustomerUpdate, asOf: string, mobile?: string): Promise<void> {
  const { smsOptIn, optedOut, optInAt, ...contact } = update;
  for (let attempt = 0; attempt < MAX_CONSENT_RETRIES; attempt++) {
    const { profiles, invalid } = await deps.store.getProfiles([update.customerId], { consistent: true });
    const stored = profiles.get(update.customerId);
    const consent = nextConsent(stored, { smsOptIn, optedOut, optInAt }, asOf);
    const expected = invalid.has(update.customerId) ? 'any' : stored && { smsOptIn: stored.smsOptIn, optedOut: stored.optedOut, optedOutAt: stored.optedOutAt, optInAt: stored.optInAt };
    if (await deps.store.saveCustomer(contact, consent, expected, mobile)) return;
  }
  throw new Error(`customer ${update.customerId}: consent kept changing under ${MAX_CONSENT_RETRIES} retries`);
}

/**
 * Imports customers: contact fields the file gives, consent merged (opt-outs and the frequency
 * cap are kept). `asOf` (ISO instant) is when the import is considered to happen: the time of an
 * opt-out it records.
 */
export async function importCustomers(
  deps: { store: CustomerImport & ImportLog },
  rows: AsyncIterable<ImportRow<CustomerUpdate>>,
  asOf: Date,
  hooks: ImportHooks = {},
): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, unchanged: 0, rejected: {}, skipped: {}, warnings: {} };
  await noteImportAfter(deps.store, asOf, counts, () => forEachKeyed(
    rows,
    (row) => (row.ok ? row.value.customerId : undefined),
    async (row) => {
      if (row.ok) {
        await importCustomer(deps, row.value, asOf.toISOString(), row.mobile);
        counts.imported++;
        if (row.warning) {
          counts.warnings[row.warning.reason] = (counts.warnings[row.warning.reason] ?? 0) + 1;
          hooks.onWarning?.(row.line, row.warning.reason, row.warning.message);
        }
      } else {
        countRejected(counts, hooks, row.line, row.reason, row.message);
      }
      hooks.onProgress?.(1);
    },
  ));
  return counts;
}

/**
 * Runs an import, then remembers its as-of when it wrote anything (also when it ended early), so
 * a run dated before it can say so.
 */
async function noteImportAfter(store: ImportLog, asOf: Date, counts: ImportCounts, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } finally {
    if (counts.imported > 0) await store.noteImport(asOf.toISOString());
  }
}

/**
 * Records each order through the record-order use case (attribution and coupon codes included:
 * pass the coupon secret); one customer's orders in file order. `asOf` is when the import is
 * considered to happen: lateness is judged on its date, not on the machine's clock.
 */
export async function importOrders(
  deps: RecordOrderDeps & { store: RecordOrderDeps['store'] & ImportLog },
  orders: AsyncIterable<ImportRow<OrderInput>>,
  asOf: Date,
  hooks: ImportHooks = {},
): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, unchanged: 0, rejected: {}, skipped: {}, warnings: {} };
  const atAsOf: RecordOrderDeps = { ...deps, clock: { now: () => asOf } };
  await noteImportAfter(deps.store, asOf, counts, () => forEachKeyed(
    oneOwnerPerOrder(orders),
    (row) => (row.ok ? row.value.customerId : undefined),
    async (row) => {
      if (!row.ok && row.skipped) {
        counts.skipped[row.reason] = (counts.skipped[row.reason] ?? 0) + 1;
        hooks.onSkipped?.(row.line, row.reason, row.message);
      } else if (!row.ok) {
        countRejected(counts, hooks, row.line, row.reason, row.message);
      } else {
        const result = await recordOrder(atAsOf, row.value);
        if (result.status === 'conflicting') {
          countRejected(counts, hooks, row.line, 'conflicting-order', result.conflict ?? `order ${row.value.orderId} was recorded before with other content`);
        } else {
          if (result.status === 'duplicate') counts.unchanged++;
          else counts.imported++;
          for (const category of result.unknownCategories) {
            countRejected(counts, hooks, row.line, 'unknown-category', `order ${row.value.orderId}: category "${category}" is not in the config (line skipped, rest of the order kept)`);
          }
        }
      }
      hooks.onProgress?.(1);
    },
  ));
  return counts;
}

/**
 * An order id belongs to one customer. The store keys order markers by customer, so a second
 * customer's use of an id is caught here, in file order, before any write.
 */
async function* oneOwnerPerOrder(rows: AsyncIterable<ImportRow<OrderInput>>): AsyncGenerator<ImportRow<OrderInput>> {
  const ownerOf = new Map<string, string>();
  for await (const row of rows) {
    if (row.ok) {
      const owner = ownerOf.get(row.value.orderId);
      if (owner === undefined) {
        ownerOf.set(row.value.orderId, row.value.customerId);
      } else if (owner !== row.value.customerId) {
        yield { ok: false, line: row.line, reason: 'conflicting-order', message: `order ${row.value.orderId} belongs to customer ${owner} earlier in the file, this row says ${row.value.customerId}` };
        continue;
      }
    }
    yield row;
  }
}

/** What `recall import replies|opt-outs` did: rows by result, and rejected rows by reason. */
export interface ReplyImportCounts {
  results: Record<string, number>;
  rejected: Record<string, number>;
}

/**
 * Records a provider's inbound replies (as record-reply does for each) or opt-out list (each
 * number opted out), in file order: a later reply on a survey wins.
 */
export async function importReplies(
  deps: RecordReplyDeps,
  rows: AsyncIterable<ImportRow<ReplyRow | OptOutRow>>,
  hooks: ImportHooks = {},
): Promise<ReplyImportCounts> {
  const counts: ReplyImportCounts = { results: {}, rejected: {} };
  let done = 0;
  for await (const row of rows) {
    if (!row.ok) {
      counts.rejected[row.reason] = (counts.rejected[row.reason] ?? 0) + 1;
      hooks.onRejected?.(row.line, row.reason, row.message);
    } else {
      const result = 'text' in row.value ? (await recordReply(deps, row.value)).kind : (await optOutNumber(deps, row.value.phone, row.value.optedOutAt)).customers > 0 ? 'opted-out' : 'unknown-number';
      counts.results[result] = (counts.results[result] ?? 0) + 1;
    }
    hooks.onProgress?.(++done);
  }
  return counts;
}
