import type { CampaignConfig } from '../config/schema.ts';
import { nextConsent } from '../domain/consent.ts';
import { localDate, type CalendarDate } from '../domain/dates.ts';
import { shardOf } from '../domain/hashing.ts';
import type { CustomerUpdate, OrderInput } from '../domain/model.ts';
import type { CustomerImport, ImportLog, OrderFingerprint, OrderHistorySnapshot } from '../ports/store.ts';
import type { OptOutRow, ReplyRow } from '../import/replies.ts';
import type { CustomerContact } from '../ports/store.ts';
import { describeConflict, orderFacts, orderFingerprint, recordOrder, sameOrder, type RecordOrderDeps } from './record-order.ts';
import { orderHistorySnapshot } from './seed.ts';
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
 * Work with at most `limit` tasks at once, where tasks that share a key run in the order they were
 * added. A failure is thrown (from `add` or `done`) only once the work in flight settles: the work
 * before it stays written, and the store is never closed under a running write.
 */
class KeyedTasks {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly lastByKey = new Map<string, Promise<void>>();
  /** Set once a task failed: no more work should be started. */
  failed = false;

  constructor(private readonly limit: number) {}

  async add(keys: readonly string[], work: () => Promise<void>): Promise<void> {
    const before = keys.flatMap((key) => this.lastByKey.get(key) ?? []);
    const task = Promise.all(before).then(work);
    for (const key of keys) this.lastByKey.set(key, task);
    const tracked: Promise<void> = task.finally(() => {
      this.inFlight.delete(tracked);
      for (const key of keys) if (this.lastByKey.get(key) === task) this.lastByKey.delete(key);
    });
    // Observed by race/all below; this keeps a failure before then from being "unhandled".
    tracked.catch(() => void (this.failed = true));
    this.inFlight.add(tracked);
    if (this.inFlight.size >= this.limit) await this.settledOnFailure(Promise.race(this.inFlight));
  }

  done(): Promise<void> {
    return this.settledOnFailure(Promise.all(this.inFlight));
  }

  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }

  private async settledOnFailure(waiting: Promise<unknown>): Promise<void> {
    try {
      await waiting;
    } catch (error) {
      await this.settle();
      throw error;
    }
  }
}

/** Runs `work` on the rows with at most IN_FLIGHT at once; rows with the same key run in order (KeyedTasks). */
async function forEachKeyed<T>(rows: AsyncIterable<T>, keyOf: (row: T) => string | undefined, work: (row: T) => Promise<void>): Promise<void> {
  const tasks = new KeyedTasks(IN_FLIGHT);
  try {
    for await (const row of rows) {
      const key = keyOf(row);
      await tasks.add(key === undefined ? [] : [key], () => work(row));
    }
  } catch (error) {
    await tasks.settle();
    throw error;
  }
  await tasks.done();
}

function countRejected(counts: ImportCounts, hooks: ImportHooks, line: number, reason: string, message: string): void {
  counts.rejected[reason] = (counts.rejected[reason] ?? 0) + 1;
  hooks.onRejected?.(line, reason, message);
}

const MAX_CONSENT_RETRIES = 5;

/** `config`: its `shards` place a birthday in the calendar index (a file with a birthday column needs it). */
export interface CustomerImportDeps {
  store: CustomerImport;
  config?: Pick<CampaignConfig, 'shards'>;
}

function birthdayShard(deps: CustomerImportDeps, customerId: string): number {
  if (!deps.config) throw new Error(`customer ${customerId}: a birthday needs the config's shards to be imported`);
  return shardOf(customerId, deps.config.shards);
}

/**
 * Writes one import row: the contact fields it gives and the consent merged over the stored one
 * (`nextConsent`), conditional on the stored consent, so an opt-out that lands meanwhile wins.
 * `mobile` is the phone as E.164 when it is a mobile number: replies from it find this customer.
 */
export async function importCustomer(deps: CustomerImportDeps, update: CustomerUpdate, asOf: string, mobile?: string): Promise<void> {
  const { smsOptIn, optedOut, optInAt, birthday, ...given } = update;
  const contact: CustomerContact = { ...given, ...(birthday === undefined ? {} : { birthday: { monthDay: birthday, shard: birthdayShard(deps, update.customerId) } }) };
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
  deps: CustomerImportDeps & { store: ImportLog },
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

/** Rows held until their customer's first write: rows of one customer that come within this many rows of each other are written at once. */
const WAITING_ROWS = 2_000;
/** The least recently seen customers' rows are written this many at a time. */
const GROUP_ROWS = 500;
const GROUPS_IN_FLIGHT = 4;

type OrderRow = Extract<ImportRow<OrderInput>, { ok: true }>;

/** What recording an order came to, as the import counts it. */
type OrderOutcome = { status: 'recorded' | 'duplicate'; unknownCategories: string[] } | { status: 'conflicting'; conflict: string };

export type ImportOrdersDeps = RecordOrderDeps & { store: RecordOrderDeps['store'] & ImportLog & Pick<CustomerImport, 'customersWithHistory' | 'putOrderHistories'> };

/** The rows held (default WAITING_ROWS) and written at a time (default GROUP_ROWS): a small window lets a test reach the late-row path with a small file. */
export interface ImportOrdersWindow {
  waitingRows?: number;
  groupRows?: number;
}

/**
 * Records orders as record-order records them, one customer's in file order (attribution and
 * coupon codes included: pass the coupon secret). `asOf` is when the import is considered to
 * happen: lateness is judged on its date, not on the machine's clock.
 *
 * Rows wait, grouped by customer, until WAITING_ROWS are held; then the least recently seen
 * customers' rows are written, GROUP_ROWS at a time (`window` can set both; tests use a small
 * one). A customer with no stored history (a profile alone does not count) has their history
 * folded in memory by record-order's own domain functions and written in batches
 * (`putOrderHistories`); a customer with one, or whose later rows come after their first write,
 * goes through record-order order by order. So a file in any order ends as recording its orders
 * one by one would; one sorted by customer (most exports) is written in batches.
 */
export async function importOrders(
  deps: ImportOrdersDeps,
  orders: AsyncIterable<ImportRow<OrderInput>>,
  asOf: Date,
  hooks: ImportHooks = {},
  { waitingRows = WAITING_ROWS, groupRows = GROUP_ROWS }: ImportOrdersWindow = {},
): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, unchanged: 0, rejected: {}, skipped: {}, warnings: {} };
  const atAsOf: RecordOrderDeps = { ...deps, clock: { now: () => asOf } };
  const today = localDate(asOf, deps.config.merchantTimeZone);

  const countOrder = (row: OrderRow, outcome: OrderOutcome) => {
    if (outcome.status === 'conflicting') {
      countRejected(counts, hooks, row.line, 'conflicting-order', outcome.conflict);
    } else {
      if (outcome.status === 'duplicate') counts.unchanged++;
      else counts.imported++;
      for (const category of outcome.unknownCategories) {
        countRejected(counts, hooks, row.line, 'unknown-category', `order ${row.value.orderId}: category "${category}" is not in the config (line skipped, rest of the order kept)`);
      }
    }
    hooks.onProgress?.(1);
  };

  const recordInOrder = async (rows: readonly OrderRow[]) => {
    for (const row of rows) {
      const result = await recordOrder(atAsOf, row.value);
      countOrder(
        row,
        result.status === 'conflicting'
          ? { status: 'conflicting', conflict: result.conflict ?? `order ${row.value.orderId} was recorded before with other content` }
          : { status: result.status, unknownCategories: result.unknownCategories },
      );
    }
  };

  const writeGroup = async (group: ReadonlyMap<string, OrderRow[]>) => {
    const stored = await deps.store.customersWithHistory([...group.keys()]);
    const folded: FoldedCustomer[] = [];
    const oneByOne: OrderRow[][] = [];
    for (const [customerId, rows] of group) {
      const customer = stored.has(customerId) ? undefined : foldCustomer(deps.config, customerId, rows, today);
      if (customer) folded.push(customer);
      else oneByOne.push(rows);
    }
    await allSettledOrThrow([
      (async () => {
        if (folded.length === 0) return;
        await deps.store.putOrderHistories(folded.map((customer) => customer.snapshot));
        for (const customer of folded) for (const { row, outcome } of customer.outcomes) countOrder(row, outcome);
      })(),
      (async () => {
        const records = new KeyedTasks(IN_FLIGHT);
        for (const rows of oneByOne) await records.add([], () => recordInOrder(rows));
        await records.done();
      })(),
    ]);
  };

  await noteImportAfter(deps.store, asOf, counts, async () => {
    const waiting = new WaitingRows();
    const groups = new KeyedTasks(GROUPS_IN_FLIGHT);
    const writeOldest = () => {
      const group = waiting.takeOldest(groupRows);
      return groups.add([...group.keys()], () => writeGroup(group));
    };
    try {
      try {
        for await (const row of oneOwnerPerOrder(orders)) {
          if (!row.ok && row.skipped) {
            counts.skipped[row.reason] = (counts.skipped[row.reason] ?? 0) + 1;
            hooks.onSkipped?.(row.line, row.reason, row.message);
            hooks.onProgress?.(1);
          } else if (!row.ok) {
            countRejected(counts, hooks, row.line, row.reason, row.message);
            hooks.onProgress?.(1);
          } else {
            waiting.add(row);
            if (waiting.rows >= waitingRows) await writeOldest();
          }
        }
      } finally {
        // The rows read before a failure are written too (a file that breaks off keeps the rows
        // before it), unless a write failed.
        while (waiting.rows > 0 && !groups.failed) await writeOldest();
      }
      await groups.done();
    } catch (error) {
      await groups.settle();
      throw error;
    }
  });
  return counts;
}

/** Order rows by customer, the least recently seen customer first. */
class WaitingRows {
  private readonly byCustomer = new Map<string, OrderRow[]>();
  rows = 0;

  add(row: OrderRow): void {
    const { customerId } = row.value;
    const rows = this.byCustomer.get(customerId) ?? [];
    // Re-inserted: a Map iterates in insertion order, so the first entry is the least recently seen.
    this.byCustomer.delete(customerId);
    rows.push(row);
    this.byCustomer.set(customerId, rows);
    this.rows++;
  }

  /** Whole customers, least recently seen first, until at least `rows` rows (or all there are). */
  takeOldest(rows: number): Map<string, OrderRow[]> {
    const taken = new Map<string, OrderRow[]>();
    let count = 0;
    for (const [customerId, customerRows] of this.byCustomer) {
      if (count >= rows) break;
      taken.set(customerId, customerRows);
      count += customerRows.length;
    }
    for (const customerId of taken.keys()) this.byCustomer.delete(customerId);
    this.rows -= count;
    return taken;
  }
}

interface FoldedCustomer {
  snapshot: OrderHistorySnapshot;
  outcomes: { row: OrderRow; outcome: OrderOutcome }[];
}

/**
 * A customer's rows (in file order) as record-order records them on a customer with no stored
 * history: an id seen before is a duplicate, or a conflict when its content differs; the first of
 * each id is folded into the items to write. Undefined when a category history would count more
 * orders than it remembers: a crash between the history and the markers could then count one of
 * them twice on the re-import (record-order finishes it), so such a customer goes one by one.
 */
function foldCustomer(config: CampaignConfig, customerId: string, rows: readonly OrderRow[], today: CalendarDate): FoldedCustomer | undefined {
  const first = new Map<string, OrderFingerprint>();
  const unique: OrderInput[] = [];
  const outcomes: FoldedCustomer['outcomes'] = [];
  for (const row of rows) {
    const { facts, unknownCategories } = orderFacts(config, row.value);
    const fingerprint = orderFingerprint(facts, row.value);
    const seen = first.get(fingerprint.orderId);
    if (!seen) {
      first.set(fingerprint.orderId, fingerprint);
      unique.push(row.value);
      outcomes.push({ row, outcome: { status: 'recorded', unknownCategories } });
    } else if (sameOrder(seen, fingerprint)) {
      outcomes.push({ row, outcome: { status: 'duplicate', unknownCategories } });
    } else {
      outcomes.push({ row, outcome: { status: 'conflicting', conflict: describeConflict(seen, fingerprint) } });
    }
  }
  const snapshot = orderHistorySnapshot(config, customerId, unique, today);
  if (snapshot.categories.some((category) => category.orderCount > category.recentOrderIds.length)) return undefined;
  const member = snapshot.member?.member;
  if (member && member.lifetimeOrders > member.recentOrderIds.length) return undefined;
  return { snapshot, outcomes };
}

/** Waits for every task; then throws the first failure, if any. */
async function allSettledOrThrow(tasks: readonly Promise<void>[]): Promise<void> {
  const failure = (await Promise.allSettled(tasks)).find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
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
