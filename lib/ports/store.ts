import type { CampaignConfig } from '../config/schema.ts';
import type { Consent } from '../domain/consent.ts';
import type { CalendarDate } from '../domain/dates.ts';
import type { CustomerInput, CustomerUpdate } from '../domain/model.ts';
import type { MessageMove } from '../domain/message-state.ts';
import type { Member } from '../domain/members.ts';
import type { CategoryHistory, JourneyState, LedgerEntry, OrderMarker, Profile, RunMeta, ShardPart } from '../domain/records.ts';
import type { ImportCheckpoint, ImportResult } from '../events/imports.ts';

/*
 * The persistence ports, one per capability, in domain terms (docs/architecture.md, "Ports").
 * No key, index or item shape crosses them; a page's continuation is an opaque cursor. Each port's
 * access to the table is declared in lib/store/access.ts under the same name.
 */

/** Where a page of a query or scan goes on: opaque, only its adapter reads it. */
export type Cursor = string & { readonly __cursor: unique symbol };

export interface Page<T> {
  items: T[];
  /** Items that failed validation: counted, never used. */
  invalid: number;
  next?: Cursor;
}

/** One partition of the due index: a step of a journey in a shard (and category). */
export interface DuePartition {
  journeyId: string;
  stepId: string;
  shard: number;
  category?: string | undefined;
}

/** The step a journey state waits for, in its customer's shard: where the due index holds it. */
export interface DueSlot {
  stepId: string;
  shard: number;
}

/** Which ledger entry: the customer's journey cycle and step. */
export type LedgerRef = Pick<LedgerEntry, 'journeyId' | 'cycle' | 'stepId'>;

export interface ProfileLookup {
  profiles: Map<string, Profile>;
  /** Customers whose profile exists but is corrupt. */
  invalid: Set<string>;
}

export interface CustomerHistory {
  categories: Map<string, CategoryHistory>;
  journeys: Map<string, JourneyState>;
  corruptCategories: Set<string>;
}

/** What an order that converted a message writes on it. */
export interface ConversionMark {
  orderId: string;
  /** The order's time, ISO 8601 with offset. */
  convertedAt: string;
  revenue: number;
}

/** What identifies an order's content: a repeat with other content is a conflict, not a replay. */
export interface OrderFingerprint {
  orderId: string;
  customerId: string;
  orderDate: string;
  total: number;
  /** Every line's category, sorted and unique (known to the config or not). */
  categories: string[];
}

/** `seen`: the order id was marked before; `stored` is its marker (absent when corrupt). */
export type OrderBegun = { state: 'new' } | { state: 'seen'; stored?: OrderMarker };

/** A customer's birthday (`MM-DD`) and the shard whose jobs read it (of the config's `shards`). */
export interface BirthdayEntry {
  monthDay: string;
  shard: number;
}

/** The contact fields of an import row; `undefined` leaves the stored value. */
export type CustomerContact = Omit<CustomerUpdate, 'smsOptIn' | 'optedOut' | 'optInAt' | 'birthday'> & { birthday?: BirthdayEntry };

/** Everything stored about one customer, built in memory from their history (bulk seeding). */
export interface CustomerSnapshot {
  customer: CustomerInput;
  /** The customer's phone as E.164, when it is a mobile number: linked so replies find them. */
  mobile?: string;
  categories: CategoryHistory[];
  journeys: { scope: string; state: JourneyState; waitsFor: DueSlot | undefined }[];
  orders: { orderId: string; orderDate: string; total?: number; categories?: string[] }[];
  /** The customer's birthday, in the calendar index. */
  birthday?: BirthdayEntry;
  /** Orders, spend and tier as record-order would have counted them, with the last order in the calendar index. */
  member?: MemberFigures;
  /** Past decisions, when a snapshot stands for a shop that has been running (benchmarks). */
  ledger?: LedgerEntry[];
}

/** What record-order would have written for one customer's orders, built in memory (bulk imports). */
export type OrderHistorySnapshot = Pick<CustomerSnapshot, 'categories' | 'journeys' | 'orders'> & { customerId: string; member?: MemberFigures };

/** A customer's member figures (docs/architecture.md#members) and the shard of their calendar-index entry. */
export interface MemberFigures {
  member: Member;
  shard: number;
}

/** The member figures a profile holds: `corrupt` when they do not parse (a write may replace them). */
export type StoredMember = { state: 'none' } | { state: 'stored'; member: Member } | { state: 'corrupt' };

/** Read and write units this store consumed (the run summary's figures). */
export interface CapacityUsage {
  readonly usage: { readUnits: number; writeUnits: number };
}

export interface ProfileReads {
  getProfiles(customerIds: readonly string[], options?: { consistent?: boolean }): Promise<ProfileLookup>;
}

export interface JourneyWrites {
  /**
   * Writes a journey state if the stored one is still `expected` (same cycle and step), or, with
   * no `expected`, if none is stored or the stored cycle is older. `waitsFor` puts it in the due
   * index; without it the state waits for nothing. False when the condition fails.
   */
  saveJourneyState(scope: string, state: JourneyState, waitsFor: DueSlot | undefined, expected?: JourneyState): Promise<boolean>;
}

export interface HistoryReads {
  /** Category histories and journey states of one customer (strongly consistent). */
  getCustomerHistory(customerId: string): Promise<CustomerHistory>;
}

/** Journey states waiting for a step: the daily run's only reads of who is due. */
export interface DueIndex extends CapacityUsage {
  /** States in `partition` whose step counts from a date on or before `cutoff`. */
  queryDue(partition: DuePartition, cutoff: CalendarDate, cursor?: Cursor): Promise<Page<JourneyState>>;
}

/**
 * Birthdays and last orders by day (docs/architecture.md#the-calendar-index): whom a run's
 * birthday and holiday reads find, one shard at a time, as customer ids.
 */
export interface CalendarReads extends CapacityUsage {
  /** The customers of `shard` whose birthday is `monthDay` (`MM-DD`). */
  birthdaysOn(monthDay: string, shard: number, cursor?: Cursor): Promise<Page<string>>;
  /** The customers of `shard` whose last order is on a day from `from` to `to`, both included. */
  orderedSince(from: CalendarDate, to: CalendarDate, shard: number, cursor?: Cursor): Promise<Page<string>>;
}

/** What a shard job decides and writes. */
export interface Decisions extends CapacityUsage, ProfileReads, JourneyWrites {
  /**
   * Claims a ledger entry (conditional put); returns the entry that already held its key, if any.
   * `expiresOn`: the day the store may delete it (the config's `retentionDays` after its run); kept for good without.
   */
  claimLedger(entry: LedgerEntry, expiresOn?: CalendarDate): Promise<LedgerEntry | undefined>;
  /** A sender's move of a claimed message (the run withdraws a claim no sender took). */
  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra?: MessageMoveFields): Promise<boolean>;
  /** Appends to the rolling cap if the profile is still at `profile.capVersion`. */
  takeCapSlot(profile: Profile, send: { date: string; key: string }, keepAfter: string): Promise<boolean>;
  /** Takes `key` back out of the rolling cap if the profile is still as `takeCapSlot` left it. */
  releaseCapSlot(profile: Profile, send: { date: string; key: string }, keepAfter: string): Promise<void>;
  /**
   * Takes one of a person's `slots` cap slots for `send` (one per run, at most `slots` per period
   * after `keepAfter`) with conditional writes and no read: two racing jobs cannot both take the
   * last one. `held` when `send` had its slot already (a resumed or racing copy of the message),
   * `taken` when this call took it, `capped` when none was free.
   */
  takePersonSlot(person: string, send: { date: string; key: string }, keepAfter: string, slots: number): Promise<'taken' | 'held' | 'capped'>;
  /** Gives back the slot `send` took (conditional on it still being this send's). */
  releasePersonSlot(person: string, send: { date: string; key: string }, slots: number): Promise<void>;
}

/** What a move of a message may write beside its status. */
export type MessageMoveFields = Partial<
  Pick<LedgerEntry, 'sentAt' | 'error' | 'outcome' | 'markedAt' | 'failureReason' | 'settledAt' | 'priceUsd' | 'carrierFeeUsd' | 'billedParts'>
>;

/** record-delivery: the provider's events move messages. */
export interface Receipts extends CapacityUsage {
  /** A provider move (docs/architecture.md#message-states); false when the item was not where it starts. */
  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra?: MessageMoveFields): Promise<boolean>;
  /** Whether the message exists: an event whose context names none is counted and dropped. */
  hasLedgerEntry(customerId: string, ledger: LedgerRef): Promise<boolean>;
}

/** A survey answer recorded on the message it answers. */
export interface ReplyMark {
  reason: string;
  at: string;
  /** The provider's inbound message id: the same reply delivered twice is recorded once. */
  replyId: string;
}

/** record-reply: who has a number, their consent, and the messages a reply may answer. */
export interface Replies extends CapacityUsage, ProfileReads {
  /** The ids of the customers an import linked to `phone` (E.164); a link may be stale (check the profile). */
  customersLinkedTo(phone: string): Promise<string[]>;
  markOptedOut(customerId: string, at: string): Promise<void>;
  /** One customer's ledger entries decided on or after `sinceRunDate` (strongly consistent). */
  getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerEntry[]>;
  /** Records a reply on a message unless a later one, or this one, is there: false then. */
  recordReply(customerId: string, ledger: LedgerRef, reply: ReplyMark): Promise<boolean>;
  /** Notes on a message that its recipient opted out at `at` (once). */
  markOptedOutAfter(customerId: string, ledger: LedgerRef, at: string): Promise<boolean>;
}

/** What the sender reads and moves. */
export interface Deliveries extends CapacityUsage, ProfileReads {
  /**
   * Makes one move of the message state table, conditional on the item being where the move
   * starts; false when it was not (someone else moved it first).
   */
  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra?: MessageMoveFields): Promise<boolean>;
  /**
   * The sender's first write of a message the run handed over unwritten: `entry` with the status
   * `move` goes to, created when there is no item, or moved when the item is where `move` starts
   * (a message the channel handed back); false when it is anywhere else (a duplicate).
   * `expiresOn`: the day the table's TTL may delete it.
   */
  openMessage(entry: LedgerEntry, move: MessageMove, expiresOn?: CalendarDate): Promise<boolean>;
  /** Whether the message's ledger item exists and does not parse (strongly consistent): why `openMessage` found its key taken. */
  isCorruptMessage(customerId: string, ledger: LedgerRef): Promise<boolean>;
  /** STOP reported by the channel at `at`: every later run skips the customer for consent. */
  markOptedOut(customerId: string, at: string): Promise<void>;
}

/** What an order changes: its marker, the histories, journey restarts, attribution. */
export interface OrderHistory extends CapacityUsage, HistoryReads, JourneyWrites {
  /** Marks an order seen (conditional put), or returns the marker already stored for its id. */
  beginOrder(order: OrderFingerprint): Promise<OrderBegun>;
  completeOrder(customerId: string, orderId: string): Promise<void>;
  /** Conditional on the version read; `replaceCorrupt` overwrites an item that did not parse. */
  saveCategoryHistory(history: CategoryHistory, options?: { replaceCorrupt?: boolean }): Promise<boolean>;
  /** One customer's ledger entries decided on or after `sinceRunDate` (strongly consistent). */
  getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerEntry[]>;
  /** Marks a message converted, once: true when it now names this order (also on a replay of it). */
  markConverted(customerId: string, ledger: LedgerRef, conversion: ConversionMark): Promise<boolean>;
  /** Marks a message's coupon redeemed, once: true when it now names this order (also on a replay). */
  markRedeemed(customerId: string, ledger: LedgerRef, orderId: string): Promise<boolean>;
  /** The profile's member figures (strongly consistent). */
  getMember(customerId: string): Promise<StoredMember>;
  /**
   * Writes the member figures and the last order's calendar-index entry on the profile (creating
   * one holding the customer id alone when there is none), other fields untouched, if the stored
   * member is still at `expectedVersion` (`undefined`: none is stored; `any`: replace a corrupt
   * one). False when not.
   */
  saveMember(customerId: string, figures: MemberFigures, expectedVersion: number | undefined | 'any'): Promise<boolean>;
  /** Every order marker of one customer (strongly consistent); `invalid` counts those that do not parse. */
  ordersOf(customerId: string): Promise<{ items: OrderMarker[]; invalid: number }>;
}

/** The test campaign's reads of real customers. */
export interface CustomerReads extends CapacityUsage, ProfileReads, HistoryReads {}

/** A pipeline run recorded once and planned once. */
export interface RunPlans {
  /** Records a run once; returns the stored run when it already existed. The store may delete it from `expiresOn`. */
  startRun(meta: RunMeta, expiresOn: CalendarDate): Promise<RunMeta | undefined>;
  /** True for the one caller that recorded the plan. */
  markRunPlanned(runId: string): Promise<boolean>;
}

/** A run's shard counts and its one completion. */
export interface RunProgress {
  /**
   * Stores one shard job's counts so far, unless the stored part holds as many batches or more (a
   * redelivered or racing job never takes counts back). The store may delete them from `expiresOn`.
   */
  putShardPart(runId: string, part: string, shardPart: ShardPart, expiresOn: CalendarDate): Promise<void>;
  /** One shard job's stored counts (strongly consistent), for the job delivered again. */
  getShardPart(runId: string, shard: number, part: string): Promise<ShardPart | undefined>;
  /** Every stored part of a run, or undefined when the run is unknown. */
  getRun(runId: string): Promise<{ meta: RunMeta; parts: ShardPart[] } | undefined>;
  /** True for exactly one caller: the one that gets to publish RunCompleted. */
  completeRun(runId: string): Promise<boolean>;
}

/** Batch jobs that may Scan, in parallel segments: window learning, `--backfill`. */
export interface BatchScans extends CapacityUsage {
  scanDormant(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<JourneyState>>;
  scanCategories(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<CategoryHistory>>;
  /** Every order marker (`recall analyze`). */
  scanOrders(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<OrderMarker>>;
  /** Every customer's profile (`recall simulate` copies them into its scratch store). */
  scanProfiles(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<Profile>>;
}

/** The report's reads of a period, by date: never the daily path. */
export interface ReportReader extends CapacityUsage {
  /** Every ledger entry decided on `runDate`. */
  ledgerOfDay(runDate: CalendarDate): Promise<{ items: LedgerEntry[]; invalid: number }>;
  /** Every order marker of `orderDate`. */
  ordersOfDay(orderDate: CalendarDate): Promise<{ items: OrderMarker[]; invalid: number }>;
}

/** Customer imports and bulk seeding. */
export interface CustomerImport extends CapacityUsage, ProfileReads {
  /**
   * Writes the contact fields given and the whole consent if the stored consent is still `expected`
   * (`undefined`: no profile yet; `any`: replace a corrupt one). False when someone changed it first.
   */
  saveCustomer(contact: CustomerContact, consent: Consent, expected: Consent | undefined | 'any', mobile?: string): Promise<boolean>;
  /** Writes whole customers at once (bulk seeding): batched, retrying unprocessed items. */
  putSnapshots(snapshots: readonly CustomerSnapshot[]): Promise<void>;
  /** The customers among `customerIds` with any stored item besides their profile (strongly consistent). */
  customersWithHistory(customerIds: readonly string[]): Promise<Set<string>>;
  /**
   * Writes customers' order histories at once (bulk imports), profiles untouched: batched, retrying
   * unprocessed items, every other item before any order marker, so a marker stands for a history
   * that is whole.
   */
  putOrderHistories(snapshots: readonly OrderHistorySnapshot[]): Promise<void>;
}

/** The latest import's as-of, so a run dated before it can say so. */
export interface ImportLog {
  /** Remembers the latest as-of (ISO instant, UTC) of any import; never moves back. */
  noteImport(asOf: string): Promise<void>;
  latestImportAsOf(): Promise<string | undefined>;
}

/** One version of a file in the import bucket. */
export interface ImportFileRef {
  bucket: string;
  key: string;
  versionId: string;
}

/** A file's claim: who imports it, where that import goes on, or its result once finished. */
export type ImportClaim =
  | { state: 'claimed'; checkpoint?: ImportCheckpoint }
  | { state: 'busy'; leaseUntil: string }
  | { state: 'finished'; result: ImportResult; announced: boolean };

/** import-file's claims (docs/architecture.md#imports-on-aws): a file is imported once, however often S3 reports it. */
export interface ImportClaims {
  /**
   * Claims the file for `holder` until `leaseUntil`: a file seen for the first time, one whose holder's
   * lease ran out before `now` (it timed out), or one handed to a token in `takes` (a continuation,
   * or a retry of the invocation that handed it on).
   */
  claimImport(file: ImportFileRef, claim: { holder: string; leaseUntil: string; now: string; takes: readonly string[] }): Promise<ImportClaim>;
  /** Stores where the import goes on and hands the claim to `next`; false when `holder` no longer held it. */
  handOffImport(file: ImportFileRef, holder: string, checkpoint: ImportCheckpoint, next: { holder: string; leaseUntil: string }): Promise<boolean>;
  /** Ends the import with its result (no claim succeeds again); false when `holder` no longer held it. */
  finishImport(file: ImportFileRef, holder: string, result: ImportResult): Promise<boolean>;
  /** ImportCompleted is out: a repeated event finds nothing left to do. */
  markImportAnnounced(file: ImportFileRef): Promise<void>;
}

/** One stored version of the campaign config (docs/architecture.md#config-versions). */
export interface StoredConfig {
  /** 1, 2, 3...: each push, rollback or applied window is a new version; none is ever changed. */
  version: number;
  config: CampaignConfig;
  /** ISO instant; empty for the deploy's seed. */
  storedAt: string;
  /** What made it: `deploy`, `push FILE`, `rollback N`, `windows --apply`, `default`. */
  source: string;
}

/** The campaign config's versions, as every function reads them. */
export interface ConfigReads {
  /** The newest version (strongly consistent), or undefined before the first is stored. */
  currentConfig(): Promise<StoredConfig | undefined>;
  configVersion(version: number): Promise<StoredConfig | undefined>;
}

/** `recall config push|rollback`, `windows --apply` and the deploy's seed: new versions. */
export interface ConfigPushes extends ConfigReads {
  /** Every version, oldest first. */
  configHistory(): Promise<StoredConfig[]>;
  /** Stores a version if its number is still free: false when another push took it first. */
  putConfigVersion(stored: StoredConfig): Promise<boolean>;
}

/** Every port: what the local runtime (one process, one store) holds. */
export type RecallStore = DueIndex & CalendarReads & Decisions & Deliveries & OrderHistory & CustomerReads & RunPlans & RunProgress & BatchScans & ReportReader & CustomerImport & ImportLog & ImportClaims & Receipts & Replies & ConfigPushes;
