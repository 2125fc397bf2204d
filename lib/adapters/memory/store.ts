import type { Consent } from '../../domain/consent.ts';
import { nextMonth, type CalendarDate } from '../../domain/dates.ts';
import { shardOf } from '../../domain/hashing.ts';
import { MemberSchema } from '../../domain/members.ts';
import { OPERATOR_MARKED, type MessageMove } from '../../domain/message-state.ts';
import { JourneyStateSchema, LedgerEntrySchema, OrderMarkerSchema, ProfileSchema, type CategoryHistory, type JourneyState, type LedgerEntry, type OrderMarker, type Profile } from '../../domain/records.ts';
import type {
  BatchScans,
  BirthdayEntry,
  CalendarReads,
  ConversionMark,
  CustomerContact,
  CustomerHistory,
  CustomerImport,
  CustomerSnapshot,
  Decisions,
  Deliveries,
  DueIndex,
  DuePartition,
  DueSlot,
  ImportLog,
  LedgerRef,
  MemberFigures,
  MessageMoveFields,
  OrderBegun,
  OrderFingerprint,
  OrderHistory,
  OrderHistorySnapshot,
  Page,
  ProfileLookup,
  ReportReader,
  StoredMember,
} from '../../ports/store.ts';
import { keys, recallTable } from '../../store/tables.ts';

/*
 * The ports a replay needs (`recall simulate`, docs/architecture.md#simulation), in memory: the
 * same conditions and outcomes as the Dynamo adapter (lib/adapters/dynamo/*.ts), which is the
 * reference; test/integration/memory-store.test.ts runs both on the same calls. Plain maps keyed by
 * customer, and one map per index the ports read (due, calendar, by date). Each method does its
 * work without awaiting in between, so each is as atomic as the conditional write it stands for.
 * Records are copied in and out: a caller never holds stored state.
 *
 * What it leaves out: capacity (`usage` stays at zero), retention (an `expiresOn` is ignored, as
 * dynalite ignores TTL), paging (every query returns one page, without a cursor), corrupt items
 * (only the profile is kept as loose attributes and parsed on read, as it is the one item several
 * writes build up; everything else is written whole, typed) and phone links (no port here reads them).
 */

/** Every port `recall simulate`'s use cases call (lib/usecases/simulate.ts, SimulationStore). */
export type MemoryPorts = DueIndex & CalendarReads & Decisions & Deliveries & OrderHistory & BatchScans & ReportReader & CustomerImport & ImportLog;

interface WaitingState {
  state: JourneyState;
  /** The due-index partition it waits in, when it waits for a step. */
  due?: string;
}

/** One customer's items (the Dynamo adapter's `C#<customer>` partition). */
interface CustomerItems {
  /** The profile's attributes as written (several writes build it up), parsed on every read. */
  profile?: Record<string, unknown>;
  /** The profile's calendar-index entry for the last order: its partition and date. */
  lastOrder?: { partition: string; date: CalendarDate };
  /** The birthday item's calendar-index partition. */
  birthday?: string;
  categories: Map<string, CategoryHistory>;
  journeys: Map<string, WaitingState>;
  /** By the ledger item's sort key (`L#<journey>#<cycle>#<step>`, lib/store/tables.ts keys.ledger). */
  ledger: Map<string, LedgerEntry>;
  orders: Map<string, OrderMarker>;
}

type Send = { date: string; key: string };

const copy = <T>(value: T): T => structuredClone(value);

/**
 * The attributes an index projects (lib/store/tables.ts), read back through the record's schema as
 * the Dynamo adapter reads an index page: what a query of the index returns.
 */
function projected<T>(item: object, attributes: readonly string[], schema: { parse(item: unknown): T }): T {
  const attributesOf: Record<string, unknown> = Object.fromEntries(Object.entries(item));
  return schema.parse(Object.fromEntries(attributes.filter((name) => attributesOf[name] !== undefined).map((name) => [name, attributesOf[name]])));
}

const dueKey = (partition: DuePartition) => [partition.journeyId, partition.stepId, partition.shard, partition.category ?? ''].join('\u0000');
const birthdayKey = (monthDay: string, shard: number) => `${monthDay}\u0000${shard}`;
const monthKey = (month: string, shard: number) => `${month}\u0000${shard}`;
const ledgerSort = (ledger: LedgerRef) => keys.ledger(ledger.journeyId, ledger.cycle, ledger.stepId);
/** A customer's items of one kind in the order of their sort keys, as a query of the partition returns them. */
const byKey = <T>(map: ReadonlyMap<string, T>): T[] => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);

/** Adds `value` to the set at `key`, or takes it out (`undefined` key: nothing). */
function indexed<K, V>(index: Map<K, Set<V>>, key: K | undefined, value: V, present: boolean): void {
  if (key === undefined) return;
  const set = index.get(key) ?? new Set<V>();
  if (present) set.add(value);
  else set.delete(value);
  if (set.size > 0) index.set(key, set);
  else index.delete(key);
}

export class MemoryStore implements MemoryPorts {
  /** Not counted: a replay's store has no capacity to bill. */
  readonly usage = { readUnits: 0, writeUnits: 0 };
  private readonly customers = new Map<string, CustomerItems>();
  /** Due partition -> customer id -> scope: the journey states waiting in it. */
  private readonly due = new Map<string, Map<string, Set<string>>>();
  private readonly birthdays = new Map<string, Set<string>>();
  /** `month#shard` -> customer ids whose last order is in it. */
  private readonly lastOrders = new Map<string, Set<string>>();
  /** Run date -> `customer\0ledger sort key`; order date -> `customer\0order id` (the date index). */
  private readonly ledgerDays = new Map<string, Set<string>>();
  private readonly orderDays = new Map<string, Set<string>>();
  /** A person's cap slots `s0`, `s1`, ... (lib/domain/hashing.ts personKey). */
  private readonly personSlots = new Map<string, Map<number, Send>>();
  private latestImport: string | undefined;

  private items(customerId: string): CustomerItems {
    let items = this.customers.get(customerId);
    if (!items) {
      items = { categories: new Map(), journeys: new Map(), ledger: new Map(), orders: new Map() };
      this.customers.set(customerId, items);
    }
    return items;
  }

  private parseProfile(customerId: string): { profile?: Profile; invalid?: true } {
    const stored = this.customers.get(customerId)?.profile;
    if (stored === undefined) return {};
    // Parsing copies (zod builds new objects) and fills the defaults, as a read of the item does.
    const parsed = ProfileSchema.safeParse(stored);
    return parsed.success ? { profile: parsed.data } : { invalid: true };
  }

  // ProfileReads

  getProfiles(customerIds: readonly string[]): Promise<ProfileLookup> {
    const profiles = new Map<string, Profile>();
    const invalid = new Set<string>();
    for (const customerId of new Set(customerIds)) {
      const read = this.parseProfile(customerId);
      if (read.profile) profiles.set(read.profile.customerId, read.profile);
      else if (read.invalid) invalid.add(customerId);
    }
    return Promise.resolve({ profiles, invalid });
  }

  // DueIndex

  queryDue(partition: DuePartition, cutoff: CalendarDate): Promise<Page<JourneyState>> {
    const states: JourneyState[] = [];
    for (const [customerId, scopes] of this.due.get(dueKey(partition)) ?? []) {
      for (const scope of scopes) {
        const state = this.customers.get(customerId)?.journeys.get(scope)?.state;
        if (state && state.fromDate <= cutoff) states.push(projected(state, recallTable.dueIndex.projectedAttributes, JourneyStateSchema));
      }
    }
    // The index's order: by the date the step counts from, then customer.
    states.sort((a, b) => (a.fromDate < b.fromDate ? -1 : a.fromDate > b.fromDate ? 1 : a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
    return Promise.resolve({ items: states, invalid: 0 });
  }

  // CalendarReads

  birthdaysOn(monthDay: string, shard: number): Promise<Page<string>> {
    return Promise.resolve({ items: [...(this.birthdays.get(birthdayKey(monthDay, shard)) ?? [])].sort(), invalid: 0 });
  }

  orderedSince(from: CalendarDate, to: CalendarDate, shard: number): Promise<Page<string>> {
    const items: string[] = [];
    for (let month = from.slice(0, 7); month <= to.slice(0, 7); month = nextMonth(month)) {
      const found: { date: string; customerId: string }[] = [];
      for (const customerId of this.lastOrders.get(monthKey(month, shard)) ?? []) {
        const date = this.customers.get(customerId)?.lastOrder?.date;
        if (date !== undefined && date >= from && date <= to) found.push({ date, customerId });
      }
      found.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
      items.push(...found.map((entry) => entry.customerId));
    }
    return Promise.resolve({ items, invalid: 0 });
  }

  private setLastOrder(customerId: string, items: CustomerItems, entry: { partition: string; date: CalendarDate } | undefined): void {
    indexed(this.lastOrders, items.lastOrder?.partition, customerId, false);
    if (entry) items.lastOrder = entry;
    else delete items.lastOrder;
    indexed(this.lastOrders, entry?.partition, customerId, true);
  }

  private setBirthday(customerId: string, items: CustomerItems, birthday: BirthdayEntry): void {
    indexed(this.birthdays, items.birthday, customerId, false);
    items.birthday = birthdayKey(birthday.monthDay, birthday.shard);
    indexed(this.birthdays, items.birthday, customerId, true);
  }

  // Decisions

  claimLedger(entry: LedgerEntry): Promise<LedgerEntry | undefined> {
    const items = this.items(entry.customerId);
    const sort = ledgerSort(entry);
    const existing = items.ledger.get(sort);
    if (existing) return Promise.resolve(copy(existing));
    this.putLedger(items, entry);
    return Promise.resolve(undefined);
  }

  private putLedger(items: CustomerItems, entry: LedgerEntry): void {
    const sort = ledgerSort(entry);
    const previous = items.ledger.get(sort);
    if (previous) indexed(this.ledgerDays, previous.runDate, `${entry.customerId}\u0000${sort}`, false);
    items.ledger.set(sort, copy(entry));
    indexed(this.ledgerDays, entry.runDate, `${entry.customerId}\u0000${sort}`, true);
  }

  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra: MessageMoveFields = {}): Promise<boolean> {
    const entry = this.customers.get(customerId)?.ledger.get(ledgerSort(ledger));
    const status = entry?.status;
    const movable =
      status !== undefined && (move.from.includes(status) || (move.overridesOperator === true && entry?.markedBy === 'operator' && OPERATOR_MARKED.includes(status)));
    if (!entry || !movable) return Promise.resolve(false);
    Object.assign(entry, copy(extra), { status: move.to }, move.by === 'sender' ? {} : { markedBy: move.by });
    return Promise.resolve(true);
  }

  openMessage(entry: LedgerEntry, move: MessageMove): Promise<boolean> {
    if (!move.opens) throw new Error(`the move to ${move.to} from ${move.from.join(', ')} cannot create a message`);
    const items = this.items(entry.customerId);
    const existing = items.ledger.get(ledgerSort(entry));
    if (existing && (existing.status === undefined || !move.from.includes(existing.status))) return Promise.resolve(false);
    // As the update writes it: the entry's fields over whatever the item held.
    this.putLedger(items, { ...existing, ...entry, status: move.to });
    return Promise.resolve(true);
  }

  /** Typed records cannot be corrupt. */
  isCorruptMessage(): Promise<boolean> {
    return Promise.resolve(false);
  }

  takeCapSlot(profile: Profile, send: Send, keepAfter: string): Promise<boolean> {
    const items = this.items(profile.customerId);
    const version: unknown = items.profile?.capVersion;
    if (!(version === profile.capVersion || (profile.capVersion === 0 && version === undefined))) return Promise.resolve(false);
    // As the update writes it: the profile is created (holding the cap alone) when there is none.
    items.profile = { ...items.profile, recentSends: [...profile.recentSends.filter((entry) => entry.date > keepAfter), send].map(copy), capVersion: profile.capVersion + 1 };
    return Promise.resolve(true);
  }

  releaseCapSlot(profile: Profile, send: Send, keepAfter: string): Promise<void> {
    const items = this.customers.get(profile.customerId);
    if (items?.profile?.capVersion === profile.capVersion + 1) {
      const taken = [...profile.recentSends.filter((entry) => entry.date > keepAfter), send];
      items.profile = { ...items.profile, recentSends: taken.filter((entry) => entry.key !== send.key).map(copy), capVersion: profile.capVersion + 2 };
    }
    return Promise.resolve();
  }

  takePersonSlot(person: string, send: Send, keepAfter: string, slots: number): Promise<'taken' | 'held' | 'capped'> {
    const held = this.personSlots.get(person) ?? new Map<number, Send>();
    // No other send this run (in any of the `slots` slots), and a slot free: empty, out of the period, or this send's.
    for (let other = 0; other < slots; other++) {
      const taken = held.get(other);
      if (taken && taken.date === send.date && taken.key !== send.key) return Promise.resolve('capped');
    }
    for (let slot = 0; slot < slots; slot++) {
      const old = held.get(slot);
      if (old && old.date > keepAfter && old.key !== send.key) continue;
      held.set(slot, copy(send));
      this.personSlots.set(person, held);
      return Promise.resolve(old?.key === send.key ? 'held' : 'taken');
    }
    return Promise.resolve('capped');
  }

  releasePersonSlot(person: string, send: Send, slots: number): Promise<void> {
    const held = this.personSlots.get(person);
    for (let slot = 0; slot < slots; slot++) {
      if (held?.get(slot)?.key === send.key) {
        held.delete(slot);
        break;
      }
    }
    return Promise.resolve();
  }

  // JourneyWrites

  saveJourneyState(scope: string, state: JourneyState, waitsFor: DueSlot | undefined, expected?: JourneyState): Promise<boolean> {
    const items = this.items(state.customerId);
    const stored = items.journeys.get(scope);
    const writable = expected ? stored !== undefined && stored.state.cycle === expected.cycle && stored.state.stepIndex === expected.stepIndex : stored === undefined || stored.state.anchorDate < state.anchorDate;
    if (!writable) return Promise.resolve(false);
    this.putJourney(items, scope, state, waitsFor);
    return Promise.resolve(true);
  }

  /** The whole item replaced, as a put replaces it: it leaves the due index unless it waits for a step. */
  private putJourney(items: CustomerItems, scope: string, state: JourneyState, waitsFor: DueSlot | undefined): void {
    const previous = items.journeys.get(scope)?.due;
    if (previous !== undefined) {
      const partition = this.due.get(previous);
      const scopes = partition?.get(state.customerId);
      scopes?.delete(scope);
      if (scopes?.size === 0) partition?.delete(state.customerId);
      if (partition?.size === 0) this.due.delete(previous);
    }
    const due = waitsFor ? dueKey({ journeyId: state.journeyId, stepId: waitsFor.stepId, shard: waitsFor.shard, category: state.category }) : undefined;
    items.journeys.set(scope, { state: copy(state), ...(due === undefined ? {} : { due }) });
    if (due !== undefined) {
      const partition = this.due.get(due) ?? new Map<string, Set<string>>();
      partition.set(state.customerId, (partition.get(state.customerId) ?? new Set<string>()).add(scope));
      this.due.set(due, partition);
    }
  }

  // HistoryReads

  getCustomerHistory(customerId: string): Promise<CustomerHistory> {
    const items = this.customers.get(customerId);
    // In the order of the item's sort keys, as the query returns them.
    const categories = new Map(byKey(items?.categories ?? new Map<string, CategoryHistory>()).map((history) => [history.category, copy(history)]));
    const journeys = new Map([...(items?.journeys ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([scope, { state }]) => [scope, copy(state)]));
    return Promise.resolve({ categories, journeys, corruptCategories: new Set<string>() });
  }

  // OrderHistory

  beginOrder(order: OrderFingerprint): Promise<OrderBegun> {
    const items = this.items(order.customerId);
    const stored = items.orders.get(order.orderId);
    if (stored) return Promise.resolve({ state: 'seen', stored: copy(stored) });
    this.putOrder(items, { ...order, applied: false });
    return Promise.resolve({ state: 'new' });
  }

  private putOrder(items: CustomerItems, marker: OrderMarker): void {
    const previous = items.orders.get(marker.orderId);
    if (previous) indexed(this.orderDays, previous.orderDate, `${marker.customerId}\u0000${marker.orderId}`, false);
    items.orders.set(marker.orderId, copy(marker));
    indexed(this.orderDays, marker.orderDate, `${marker.customerId}\u0000${marker.orderId}`, true);
  }

  /** record-order completes only an order it began: a marker that is not there stays away (Dynamo would write a bare, corrupt one). */
  completeOrder(customerId: string, orderId: string): Promise<void> {
    const marker = this.customers.get(customerId)?.orders.get(orderId);
    if (marker) marker.applied = true;
    return Promise.resolve();
  }

  saveCategoryHistory(history: CategoryHistory, options: { replaceCorrupt?: boolean } = {}): Promise<boolean> {
    const items = this.items(history.customerId);
    const stored = items.categories.get(history.category);
    const writable = options.replaceCorrupt === true || (history.version === 1 ? stored === undefined : stored?.version === history.version - 1);
    if (writable) items.categories.set(history.category, copy(history));
    return Promise.resolve(writable);
  }

  getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerEntry[]> {
    const ledger = this.customers.get(customerId)?.ledger ?? new Map<string, LedgerEntry>();
    return Promise.resolve(byKey(ledger).filter((entry) => entry.runDate >= sinceRunDate).map(copy));
  }

  markConverted(customerId: string, ledger: LedgerRef, conversion: ConversionMark): Promise<boolean> {
    return Promise.resolve(
      this.markOnce(customerId, ledger, 'convertedBy', conversion.orderId, { convertedBy: conversion.orderId, convertedAt: conversion.convertedAt, revenue: conversion.revenue }),
    );
  }

  markRedeemed(customerId: string, ledger: LedgerRef, orderId: string): Promise<boolean> {
    return Promise.resolve(this.markOnce(customerId, ledger, 'redeemedBy', orderId, { redeemedBy: orderId }));
  }

  /** Sets `fields` on an existing entry unless `guard` names another order already. */
  private markOnce(customerId: string, ledger: LedgerRef, guard: 'convertedBy' | 'redeemedBy', owner: string, fields: Partial<LedgerEntry>): boolean {
    const entry = this.customers.get(customerId)?.ledger.get(ledgerSort(ledger));
    if (!entry || (entry[guard] !== undefined && entry[guard] !== owner)) return false;
    Object.assign(entry, fields);
    return true;
  }

  getMember(customerId: string): Promise<StoredMember> {
    const stored: unknown = this.customers.get(customerId)?.profile?.member;
    if (stored === undefined) return Promise.resolve({ state: 'none' });
    const parsed = MemberSchema.safeParse(stored);
    return Promise.resolve(parsed.success ? { state: 'stored', member: parsed.data } : { state: 'corrupt' });
  }

  saveMember(customerId: string, figures: MemberFigures, expectedVersion: number | undefined | 'any'): Promise<boolean> {
    return Promise.resolve(this.writeMember(customerId, figures, expectedVersion));
  }

  private writeMember(customerId: string, { member, shard }: MemberFigures, expectedVersion: number | undefined | 'any'): boolean {
    const items = this.items(customerId);
    const stored: unknown = items.profile?.member;
    const version: unknown = typeof stored === 'object' && stored !== null && 'version' in stored ? stored.version : undefined;
    // Figures written before they had a version read as version 0.
    const writable = expectedVersion === 'any' || (expectedVersion === undefined ? stored === undefined : version === expectedVersion || (expectedVersion === 0 && version === undefined));
    if (!writable) return false;
    items.profile = { customerId, ...items.profile, member: copy(member) };
    if (member.lastOrderDate !== undefined) this.setLastOrder(customerId, items, { partition: monthKey(member.lastOrderDate.slice(0, 7), shard), date: member.lastOrderDate });
    return true;
  }

  ordersOf(customerId: string): Promise<{ items: OrderMarker[]; invalid: number }> {
    return Promise.resolve({ items: byKey(this.customers.get(customerId)?.orders ?? new Map<string, OrderMarker>()).map(copy), invalid: 0 });
  }

  // Deliveries

  markOptedOut(customerId: string, at: string): Promise<void> {
    const items = this.customers.get(customerId);
    if (items?.profile) items.profile = { ...items.profile, optedOut: true, optedOutAt: items.profile.optedOutAt ?? at };
    return Promise.resolve();
  }

  // BatchScans: one page per segment, customers dealt to segments in turn.

  scanDormant(segment: number, totalSegments: number): Promise<Page<JourneyState>> {
    return this.scan(segment, totalSegments, (items) => byKey(items.journeys).flatMap(({ state }) => (state.dormant ? [copy(state)] : [])));
  }

  scanCategories(segment: number, totalSegments: number): Promise<Page<CategoryHistory>> {
    return this.scan(segment, totalSegments, (items) => byKey(items.categories).map(copy));
  }

  scanOrders(segment: number, totalSegments: number): Promise<Page<OrderMarker>> {
    return this.scan(segment, totalSegments, (items) => byKey(items.orders).map(copy));
  }

  async scanProfiles(segment: number, totalSegments: number): Promise<Page<Profile>> {
    const page = await this.scan(segment, totalSegments, (items, customerId) => (items.profile ? [this.parseProfile(customerId)] : []));
    return { items: page.items.flatMap((read) => (read.profile ? [read.profile] : [])), invalid: page.items.filter((read) => read.invalid).length };
  }

  private scan<T>(segment: number, totalSegments: number, itemsOf: (items: CustomerItems, customerId: string) => T[]): Promise<Page<T>> {
    const found: T[] = [];
    let index = 0;
    for (const [customerId, items] of this.customers) if (index++ % totalSegments === segment) found.push(...itemsOf(items, customerId));
    return Promise.resolve({ items: found, invalid: 0 });
  }

  // ReportReader: the date index's order (its shards in turn, then customer and item).

  ledgerOfDay(runDate: CalendarDate): Promise<{ items: LedgerEntry[]; invalid: number }> {
    return Promise.resolve({
      items: this.day(this.ledgerDays.get(runDate), (customerId, sort) => {
        const entry = this.customers.get(customerId)?.ledger.get(sort);
        if (!entry) return undefined;
        // A message is read from its item (its status is not in the index); any other entry is the index's copy.
        return entry.channel !== undefined ? copy(entry) : projected(entry, recallTable.dateIndex.projectedAttributes, LedgerEntrySchema);
      }),
      invalid: 0,
    });
  }

  ordersOfDay(orderDate: CalendarDate): Promise<{ items: OrderMarker[]; invalid: number }> {
    return Promise.resolve({
      items: this.day(this.orderDays.get(orderDate), (customerId, orderId) => {
        const marker = this.customers.get(customerId)?.orders.get(orderId);
        return marker && projected(marker, recallTable.dateIndex.projectedAttributes, OrderMarkerSchema);
      }),
      invalid: 0,
    });
  }

  private day<T>(entries: ReadonlySet<string> | undefined, read: (customerId: string, key: string) => T | undefined): T[] {
    const { shards } = recallTable.dateIndex;
    const sorted = [...(entries ?? [])].map((entry) => {
      const [customerId = '', key = ''] = entry.split('\u0000');
      return { customerId, key, shard: shardOf(customerId, shards), sort: `${customerId}#${key}` };
    });
    sorted.sort((a, b) => a.shard - b.shard || (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
    return sorted.flatMap(({ customerId, key }) => {
      const item = read(customerId, key);
      return item === undefined ? [] : [item];
    });
  }

  // CustomerImport

  saveCustomer(contact: CustomerContact, consent: Consent, expected: Consent | undefined | 'any'): Promise<boolean> {
    const items = this.items(contact.customerId);
    if (!consentHolds(items.profile, expected)) return Promise.resolve(false);
    // Contact fields the file did not give stay as stored; consent is written whole.
    const fields = definedFields({
      customerId: contact.customerId,
      phone: contact.phone,
      name: contact.name,
      timeZone: contact.timeZone,
      pushEndpoint: contact.pushEndpoint,
      birthday: contact.birthday?.monthDay,
      smsOptIn: consent.smsOptIn,
      optedOut: consent.optedOut,
      optedOutAt: consent.optedOutAt,
      optInAt: consent.optInAt,
    });
    const profile: Record<string, unknown> = { ...items.profile, ...fields };
    for (const name of ['optedOutAt', 'optInAt'] as const) if (consent[name] === undefined) delete profile[name];
    items.profile = profile;
    // The birthday's calendar-index entry (one per customer: a new birthday moves it).
    if (contact.birthday !== undefined) this.setBirthday(contact.customerId, items, contact.birthday);
    return Promise.resolve(true);
  }

  putSnapshots(snapshots: readonly CustomerSnapshot[]): Promise<void> {
    for (const { customer, birthday, member, categories, journeys, orders, ledger = [] } of snapshots) {
      const items = this.items(customer.customerId);
      // The profile is put whole: whatever it held before is gone, its last-order entry too.
      items.profile = { ...copy(customer), ...(birthday ? { birthday: birthday.monthDay } : {}), ...(member ? { member: copy(member.member) } : {}) };
      const lastOrderDate = member?.member.lastOrderDate;
      this.setLastOrder(customer.customerId, items, member && lastOrderDate !== undefined ? { partition: monthKey(lastOrderDate.slice(0, 7), member.shard), date: lastOrderDate } : undefined);
      if (birthday) this.setBirthday(customer.customerId, items, birthday);
      this.putHistory({ customerId: customer.customerId, categories, journeys });
      this.putMarkers({ customerId: customer.customerId, orders });
      for (const entry of ledger) this.putLedger(items, entry);
    }
    return Promise.resolve();
  }

  customersWithHistory(customerIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const customerId of customerIds) {
      const items = this.customers.get(customerId);
      // Any item of the customer's besides the profile (the birthday item counts, as on the table).
      if (items && (items.birthday !== undefined || items.categories.size > 0 || items.journeys.size > 0 || items.ledger.size > 0 || items.orders.size > 0)) found.add(customerId);
    }
    return Promise.resolve(found);
  }

  putOrderHistories(snapshots: readonly OrderHistorySnapshot[]): Promise<void> {
    for (const snapshot of snapshots) this.putHistory(snapshot);
    // A member that is stored already is kept (the write is conditional on none being there).
    for (const { customerId, member } of snapshots) if (member) this.writeMember(customerId, member, undefined);
    for (const snapshot of snapshots) this.putMarkers(snapshot);
    return Promise.resolve();
  }

  private putHistory({ customerId, categories, journeys }: Pick<OrderHistorySnapshot, 'customerId' | 'categories' | 'journeys'>): void {
    const items = this.items(customerId);
    for (const history of categories) items.categories.set(history.category, copy(history));
    for (const { scope, state, waitsFor } of journeys) this.putJourney(items, scope, state, waitsFor);
  }

  /** Order markers, applied. */
  private putMarkers({ customerId, orders }: Pick<OrderHistorySnapshot, 'customerId' | 'orders'>): void {
    const items = this.items(customerId);
    for (const order of orders) this.putOrder(items, { customerId, ...order, applied: true });
  }

  // ImportLog

  noteImport(asOf: string): Promise<void> {
    // Only ever moves forward.
    if (this.latestImport === undefined || this.latestImport < asOf) this.latestImport = asOf;
    return Promise.resolve();
  }

  latestImportAsOf(): Promise<string | undefined> {
    return Promise.resolve(this.latestImport);
  }
}

/** The fields of `record` that are set (an update never writes an absent value). */
function definedFields(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/**
 * Whether the stored consent is still `expected` (the Dynamo adapter's condition):
 * `undefined`, no profile yet; `any`, whatever is there.
 */
function consentHolds(stored: Record<string, unknown> | undefined, expected: Consent | undefined | 'any'): boolean {
  if (expected === 'any') return true;
  if (expected === undefined) return stored === undefined;
  // Evaluated on the attributes as the condition is: with no profile, an expected consent of all
  // absent or false values holds (and the update creates the profile).
  for (const name of ['smsOptIn', 'optedOut'] as const) {
    if (expected[name] ? stored?.[name] !== true : stored?.[name] !== undefined && stored?.[name] !== false) return false;
  }
  return stored?.optedOutAt === expected.optedOutAt && stored?.optInAt === expected.optInAt;
}
