import type { z } from 'zod';
import type { Consent } from './domain/consent.ts';
import type { CustomerInput, CustomerUpdate } from './domain/model.ts';
import type { DomainEvent, SendJobMessageSchema, ShardJobMessage } from './events/schemas.ts';
import type { CategoryHistory } from './domain/orders.ts';
import type { JourneyState } from './domain/journeys.ts';
import type { Profile } from './domain/guardrails.ts';
import type { LedgerItem, LedgerStatus, OrderMarker, RunMeta, ShardPart } from './store/items.ts';

/** Where a waiting journey state sits in the due index; absent when it waits for nothing. */
export interface DuePosition {
  duePk: string;
  dueSk: string;
}

export interface DuePage {
  states: JourneyState[];
  /** Items in the partition that failed validation: counted, never acted on. */
  invalid: number;
  next?: Record<string, unknown>;
}

/** One page of a date-index partition (or of a batch Scan). */
export interface ItemPage<T> {
  items: T[];
  /** Items that failed validation: counted, never used. */
  invalid: number;
  next?: Record<string, unknown>;
}

/** Which ledger item: the customer's journey cycle and step. */
export type LedgerRef = Pick<LedgerItem, 'journeyId' | 'cycle' | 'stepId'>;

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

/** The contact fields of an import row; `undefined` leaves the stored value. */
export type CustomerContact = Omit<CustomerUpdate, 'smsOptIn' | 'optedOut' | 'optInAt'>;

export interface ProfileLookup {
  profiles: Map<string, Profile>;
  /** Customers whose profile item exists but is corrupt. */
  invalid: Set<string>;
}

/** The persistence the use cases need. One adapter: DynamoDB (dynalite locally). */
export interface RecallStore {
  queryDue(duePk: string, upTo: string, startKey?: Record<string, unknown>): Promise<DuePage>;
  /** One segment of a parallel Scan for dormant cycles: only `--backfill`, an explicit batch job, scans. */
  scanDormant(segment: number, totalSegments: number, startKey?: Record<string, unknown>): Promise<DuePage>;
  getProfiles(customerIds: readonly string[], options?: { consistent?: boolean }): Promise<ProfileLookup>;
  /** Conditional put; returns the ledger item that already held the key, if any. */
  putLedger(item: LedgerItem): Promise<LedgerItem | undefined>;
  /** Moves a message's status; false when it was not in `from` (someone else moved it). */
  moveLedgerStatus(
    customerId: string,
    ledger: Pick<LedgerItem, 'journeyId' | 'cycle' | 'stepId'>,
    from: LedgerStatus,
    to: LedgerStatus,
    extra?: Partial<Pick<LedgerItem, 'sentAt' | 'error' | 'outcome'>>,
  ): Promise<boolean>;
  /** STOP reported by the channel: every later run skips the customer for consent. */
  markOptedOut(customerId: string, at: string): Promise<void>;
  /** Appends to the rolling cap if the profile is still at `profile.capVersion`. */
  takeCapSlot(profile: Profile, send: { date: string; key: string }, keepAfter: string): Promise<boolean>;
  /**
   * Writes a journey state if the stored one is still `expected` (same cycle and step), or, with
   * no `expected`, if none is stored or the stored cycle is older. False when the condition fails.
   */
  saveJourneyState(scope: string, state: JourneyState, position: DuePosition | undefined, expected?: JourneyState): Promise<boolean>;
  /** Category histories and journey states of one customer (strongly consistent). */
  getCustomerHistory(customerId: string): Promise<{ categories: Map<string, CategoryHistory>; journeys: Map<string, JourneyState>; corruptCategories: Set<string> }>;
  /** Conditional on the version read; `replaceCorrupt` overwrites an item that did not parse. */
  saveCategoryHistory(history: CategoryHistory, options?: { replaceCorrupt?: boolean }): Promise<boolean>;
  /** 'new' when this call created the marker; otherwise whether the earlier attempt completed. */
  /**
   * Marks an order seen (conditional put), or returns the marker already stored for its id.
   */
  beginOrder(order: OrderFingerprint): Promise<OrderBegun>;
  /**
   * One customer's ledger items decided on or after `sinceRunDate` (a Query on the customer's
   * partition, strongly consistent): what attribution and coupon verification look at.
   */
  getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerItem[]>;
  /** Marks a message converted, once: true when it now names this order (also on a replay of it). */
  markConverted(customerId: string, ledger: LedgerRef, conversion: ConversionMark): Promise<boolean>;
  /** Marks a message's coupon redeemed, once: true when it now names this order (also on a replay of it). */
  markRedeemed(customerId: string, ledger: LedgerRef, orderId: string): Promise<boolean>;
  /** One day's ledger items of one date-index shard (the report; never the daily path). */
  queryLedgerDay(runDate: string, shard: number, startKey?: Record<string, unknown>): Promise<ItemPage<LedgerItem>>;
  /** One day's order markers of one date-index shard. */
  queryOrderDay(orderDate: string, shard: number, startKey?: Record<string, unknown>): Promise<ItemPage<OrderMarker>>;
  /** One segment of a parallel Scan for category histories: window learning, an explicit batch job. */
  scanCategories(segment: number, totalSegments: number, startKey?: Record<string, unknown>): Promise<ItemPage<CategoryHistory>>;
  completeOrder(customerId: string, orderId: string): Promise<void>;
  /**
   * Writes the contact fields given and the whole consent if the stored consent is still `expected`
   * (`undefined`: no profile yet; `any`: replace a corrupt one). False when someone changed it first.
   */
  saveCustomer(contact: CustomerContact, consent: Consent, expected: Consent | undefined | 'any'): Promise<boolean>;
  /** Writes whole customers at once (bulk seeding): BatchWriteItem, retrying unprocessed items. */
  putSnapshots(snapshots: readonly CustomerSnapshot[]): Promise<void>;
  /** Remembers the latest as-of (ISO instant, UTC) of any import; never moves back. */
  noteImport(asOf: string): Promise<void>;
  latestImportAsOf(): Promise<string | undefined>;
  /** Records a pipeline run once; returns the stored run when it already existed. */
  startRun(meta: RunMeta): Promise<RunMeta | undefined>;
  /** True for the one caller that recorded the plan. */
  markRunPlanned(runId: string): Promise<boolean>;
  /** Stores one shard job's counts once (a redelivered job adds nothing). */
  putShardPart(runId: string, part: string, shardPart: ShardPart): Promise<void>;
  /** Every stored part of a run, or undefined when the run is unknown. */
  getRun(runId: string): Promise<{ meta: RunMeta; parts: ShardPart[] } | undefined>;
  /** True for exactly one caller: the one that gets to publish RunCompleted. */
  completeRun(runId: string): Promise<boolean>;
  readonly usage: { readUnits: number; writeUnits: number };
}

/** Everything stored about one customer, built in memory from their history. */
export interface CustomerSnapshot {
  customer: CustomerInput;
  categories: CategoryHistory[];
  journeys: { scope: string; state: JourneyState; position: DuePosition | undefined }[];
  orders: { orderId: string; orderDate: string; total?: number }[];
  /** Past decisions, when a snapshot stands for a shop that has been running (benchmarks). */
  ledger?: LedgerItem[];
}

/** One claimed message on its way to the channel. */
export type SendJob = z.infer<typeof SendJobMessageSchema>;

/** The channel: SNS on AWS, the outbox file locally. */
export interface Transport {
  deliver(job: SendJob, sentAt: Date): Promise<void>;
}

/** Hands claimed messages to the sender: the SQS send queue on AWS, inline delivery locally. */
export interface SendQueue {
  enqueue(jobs: readonly SendJob[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** Our EventBridge bus: MessageSent, CouponIssued, CustomerConverted, RunStarted, RunCompleted. */
export interface EventPublisher {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

/** Shard jobs of a run: the SQS work queue on AWS. */
export interface WorkQueue {
  enqueue(jobs: readonly ShardJobMessage[]): Promise<void>;
}

/** Keeps all concurrent senders together at or below the configured SMS parts per second. */
export interface Pacer {
  /** Resolves when `parts` more parts may go out now. */
  reserve(parts: number): Promise<void>;
}
