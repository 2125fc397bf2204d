import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { personKey } from '../../domain/hashing.ts';
import type { Consent } from '../../domain/consent.ts';
import type { CalendarDate } from '../../domain/dates.ts';
import { CategoryHistorySchema, JourneyStateSchema, LedgerEntrySchema, OrderMarkerSchema, ProfileSchema, type CategoryHistory, type JourneyState, type LedgerEntry, type OrderMarker, type Profile } from '../../domain/records.ts';
import type { BatchScans, BirthdayEntry, Cursor, CustomerContact, CustomerImport, CustomerSnapshot, ImportLog, MemberFigures, OrderHistorySnapshot, Page, ReportReader } from '../../ports/store.ts';
import { PORT_ACCESS } from '../../store/access.ts';
import { keys, recallTable } from '../../store/tables.ts';
import { lastOrderKeys, writeMember } from './customers.ts';
import { batchGetItems, journeyItem, ledgerDateKeys, orderDateKeys, ProfileReadingAdapter } from './items.ts';
import { BATCH_WRITE_LIMIT, chunk, decodeCursor, encodeCursor, parseAll, PortAdapter, type CapacityMeter } from './table.ts';
import { PermanentError } from '../../errors.ts';

/* The ports of explicit batch work and of the CLI: scans, the report by date, imports. */

/** The store's table lacks an index this version needs (a local store made by an older version). */
export class MissingIndexError extends PermanentError {
  override name = 'MissingIndexError';
}

export class DynamoBatchScans extends PortAdapter implements BatchScans {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.batchScans, usage);
  }

  scanDormant(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<JourneyState>> {
    return this.scan(segment, totalSegments, cursor, JourneyStateSchema, {
      FilterExpression: '#dormant = :yes AND begins_with(#sk, :journey)',
      ExpressionAttributeNames: { '#dormant': 'dormant', '#sk': recallTable.sortKey },
      ExpressionAttributeValues: { ':yes': true, ':journey': keys.journey('') },
    });
  }

  scanCategories(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<CategoryHistory>> {
    return this.scan(segment, totalSegments, cursor, CategoryHistorySchema, {
      FilterExpression: 'begins_with(#sk, :category)',
      ExpressionAttributeNames: { '#sk': recallTable.sortKey },
      ExpressionAttributeValues: { ':category': keys.category('') },
    });
  }

  scanOrders(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<OrderMarker>> {
    return this.scan(segment, totalSegments, cursor, OrderMarkerSchema, {
      FilterExpression: 'begins_with(#sk, :order)',
      ExpressionAttributeNames: { '#sk': recallTable.sortKey },
      ExpressionAttributeValues: { ':order': keys.order('') },
    });
  }

  scanProfiles(segment: number, totalSegments: number, cursor?: Cursor): Promise<Page<Profile>> {
    return this.scan(segment, totalSegments, cursor, ProfileSchema, {
      FilterExpression: '#sk = :profile',
      ExpressionAttributeNames: { '#sk': recallTable.sortKey },
      ExpressionAttributeValues: { ':profile': keys.profile },
    });
  }

  private async scan<T>(
    segment: number,
    totalSegments: number,
    cursor: Cursor | undefined,
    schema: { safeParse(item: unknown): { success: true; data: T } | { success: false } },
    filter: { FilterExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<Page<T>> {
    const result = await this.table.doc.send(
      this.table.checked(
        new ScanCommand({ TableName: this.table.tableName, Segment: segment, TotalSegments: totalSegments, ...filter, ExclusiveStartKey: decodeCursor(cursor), ReturnConsumedCapacity: 'TOTAL' }),
      ),
    );
    this.table.count(result.ConsumedCapacity, 'read', 0.5);
    const next = encodeCursor(result.LastEvaluatedKey);
    return { ...parseAll(schema, result.Items), ...(next ? { next } : {}) };
  }
}

export class DynamoReportReader extends PortAdapter implements ReportReader {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.reportReader, usage);
  }

  /**
   * The index finds the day's entries; a message's status is then read from its item (strongly
   * consistent), never from the index copy: an index entry can lag its item on DynamoDB, and on
   * dynalite a crash can leave it ahead (it writes the index before the item). The index does not
   * project a message's status at all (status moves write no index entry): a message is the entry
   * with a channel, which its claim sets.
   */
  async ledgerOfDay(runDate: CalendarDate): Promise<{ items: LedgerEntry[]; invalid: number }> {
    const day = await this.day((shard) => keys.ledgerDay(runDate, shard), LedgerEntrySchema);
    const messages = day.items.filter((entry) => entry.channel !== undefined);
    const stored = await batchGetItems(
      this.table,
      messages.map((entry) => ({ pk: keys.customer(entry.customerId), sk: keys.ledger(entry.journeyId, entry.cycle, entry.stepId) })),
      true,
    );
    const byKey = new Map(stored.map((item) => [`${String(item.pk)}|${String(item.sk)}`, item]));
    let invalid = day.invalid;
    const items = day.items.flatMap((entry) => {
      if (entry.channel === undefined) return [entry];
      const parsed = LedgerEntrySchema.safeParse(byKey.get(`${keys.customer(entry.customerId)}|${keys.ledger(entry.journeyId, entry.cycle, entry.stepId)}`));
      if (parsed.success) return [parsed.data];
      invalid++;
      return [];
    });
    return { items, invalid };
  }

  ordersOfDay(orderDate: CalendarDate): Promise<{ items: OrderMarker[]; invalid: number }> {
    return this.day((shard) => keys.orderDay(orderDate, shard), OrderMarkerSchema);
  }

  /** Every date-index shard of one day, all pages, the shards at once. */
  private async day<T>(partition: (shard: number) => string, schema: { safeParse(item: unknown): { success: true; data: T } | { success: false } }): Promise<{ items: T[]; invalid: number }> {
    const shards = Array.from({ length: recallTable.dateIndex.shards }, (_, shard) => shard);
    const pages = await Promise.all(shards.map((shard) => this.allPages(partition(shard), schema)));
    return { items: pages.flatMap((page) => page.items), invalid: pages.reduce((sum, page) => sum + page.invalid, 0) };
  }

  private async allPages<T>(partition: string, schema: { safeParse(item: unknown): { success: true; data: T } | { success: false } }): Promise<{ items: T[]; invalid: number }> {
    const { dateIndex } = recallTable;
    const items: T[] = [];
    let invalid = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      let result;
      try {
        result = await this.table.doc.send(
          this.table.checked(
            new QueryCommand({
              TableName: this.table.tableName,
              IndexName: dateIndex.name,
              KeyConditionExpression: '#pk = :pk',
              ExpressionAttributeNames: { '#pk': dateIndex.partitionKey },
              ExpressionAttributeValues: { ':pk': partition },
              ExclusiveStartKey: startKey,
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
      } catch (error) {
        if ((error as { name?: string } | undefined)?.name === 'ValidationException' && String((error as Error).message).includes('index')) {
          throw new MissingIndexError(`table ${this.table.tableName} has no ${dateIndex.name} index: it was created before reports existed; seed or import into a fresh store (--store DIR)`);
        }
        throw error;
      }
      this.table.count(result.ConsumedCapacity, 'read', 0.5);
      const parsed = parseAll(schema, result.Items);
      items.push(...parsed.items);
      invalid += parsed.invalid;
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return { items, invalid };
  }
}

/**
 * The condition that the stored consent is still `expected` (read just before): a reply or an
 * opt-out that lands between the read and the write makes the write fail and the caller read again.
 * `undefined`: the profile must not exist yet; `any`: no condition (a corrupt profile is replaced).
 */
function consentCondition(expected: Consent | undefined | 'any', values: Record<string, unknown>): string | undefined {
  if (expected === 'any') return undefined;
  if (expected === undefined) return 'attribute_not_exists(#pk)';
  const clauses: string[] = [];
  for (const name of ['smsOptIn', 'optedOut'] as const) {
    values[`:was_${name}`] = expected[name];
    clauses.push(expected[name] ? `#${name} = :was_${name}` : `(attribute_not_exists(#${name}) OR #${name} = :was_${name})`);
  }
  for (const name of ['optedOutAt', 'optInAt'] as const) {
    const was = expected[name];
    if (was === undefined) {
      clauses.push(`attribute_not_exists(#${name})`);
    } else {
      values[`:was_${name}`] = was;
      clauses.push(`#${name} = :was_${name}`);
    }
  }
  return clauses.join(' AND ');
}

/** `C#<customer>` / `BDAY`: the customer's birthday in the calendar index, read by its shard's jobs on the day. */
function birthdayItem(customerId: string, birthday: BirthdayEntry): Record<string, unknown> & { pk: string; sk: string } {
  const { calendarIndex } = recallTable;
  return {
    pk: keys.customer(customerId),
    sk: keys.birthday,
    customerId,
    [calendarIndex.partitionKey]: keys.birthdayDay(birthday.monthDay, birthday.shard),
    [calendarIndex.sortKey]: customerId,
  };
}

/** `P#<person>` / `C#<customer>`: the number's person key (lib/domain/hashing.ts) links to the customer. */
function phoneLink(customerId: string, phone: string): Record<string, unknown> {
  return { pk: keys.person(personKey({ channel: 'sms', to: phone })), sk: keys.customer(customerId), customerId };
}

export class DynamoCustomerImport extends ProfileReadingAdapter implements CustomerImport {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.customerImport, usage);
  }

  async saveCustomer(contact: CustomerContact, consent: Consent, expected: Consent | undefined | 'any', mobile?: string): Promise<boolean> {
    const saved = await this.saveProfile(contact, consent, expected);
    // The birthday's calendar-index entry (one per customer: a new birthday moves it).
    if (saved && contact.birthday !== undefined) {
      const { pk, sk, ...fields } = birthdayItem(contact.customerId, contact.birthday);
      const result = await this.table.doc.send(
        this.table.checked(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: { pk, sk },
            UpdateExpression: `SET ${Object.keys(fields).map((name) => `#${name} = :${name}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(Object.keys(fields).map((name) => [`#${name}`, name])),
            ExpressionAttributeValues: Object.fromEntries(Object.entries(fields).map(([name, value]) => [`:${name}`, value])),
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      this.table.count(result.ConsumedCapacity, 'write');
    }
    // The number's link to this customer: a reply from it finds every customer id that has it.
    if (saved && mobile !== undefined) {
      const result = await this.table.doc.send(this.table.checked(new PutCommand({ TableName: this.table.tableName, Item: phoneLink(contact.customerId, mobile), ReturnConsumedCapacity: 'TOTAL' })));
      this.table.count(result.ConsumedCapacity, 'write');
    }
    return saved;
  }

  private saveProfile(contact: CustomerContact, consent: Consent, expected: Consent | undefined | 'any'): Promise<boolean> {
    const fields: [string, unknown][] = [
      ['customerId', contact.customerId],
      ['phone', contact.phone],
      ['name', contact.name],
      ['timeZone', contact.timeZone],
      ['pushEndpoint', contact.pushEndpoint],
      ['birthday', contact.birthday?.monthDay],
      ['smsOptIn', consent.smsOptIn],
      ['optedOut', consent.optedOut],
      ['optedOutAt', consent.optedOutAt],
      ['optInAt', consent.optInAt],
    ];
    // Contact fields the file did not give stay as stored; consent is written whole.
    const set = fields.filter(([, value]) => value !== undefined);
    const removed = (['optedOutAt', 'optInAt'] as const).filter((name) => consent[name] === undefined);
    const values: Record<string, unknown> = Object.fromEntries(set.map(([name, value]) => [`:${name}`, value]));
    const condition = consentCondition(expected, values);
    const used = new Set([...set.map(([name]) => name), ...removed, ...(condition?.includes('#smsOptIn') ? ['smsOptIn', 'optedOut', 'optedOutAt', 'optInAt'] : [])]);
    const names: Record<string, string> = Object.fromEntries([...used].map((name) => [`#${name}`, name]));
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: { pk: keys.customer(contact.customerId), sk: keys.profile },
        UpdateExpression: `SET ${set.map(([name]) => `#${name} = :${name}`).join(', ')}${removed.length ? ` REMOVE ${removed.map((name) => `#${name}`).join(', ')}` : ''}`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeNames: condition?.includes('#pk') ? { ...names, '#pk': 'pk' } : names,
        ExpressionAttributeValues: values,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async putSnapshots(snapshots: readonly CustomerSnapshot[]): Promise<void> {
    const items = snapshots.flatMap(({ customer, mobile, birthday, member, categories, journeys, orders, ledger = [] }): Record<string, unknown>[] => {
      const pk = keys.customer(customer.customerId);
      const calendar = member && lastOrderKeys(customer.customerId, member);
      const { calendarIndex } = recallTable;
      return [
        {
          pk,
          sk: keys.profile,
          ...customer,
          ...(birthday ? { birthday: birthday.monthDay } : {}),
          ...(member ? { member: member.member } : {}),
          ...(calendar ? { [calendarIndex.partitionKey]: calendar.calPk, [calendarIndex.sortKey]: calendar.calSk } : {}),
        },
        ...(birthday ? [birthdayItem(customer.customerId, birthday)] : []),
        ...(mobile !== undefined ? [phoneLink(customer.customerId, mobile)] : []),
        ...historyItems({ customerId: customer.customerId, categories, journeys }),
        ...orderMarkerItems({ customerId: customer.customerId, orders }),
        ...ledger.map((entry) => ({ pk, sk: keys.ledger(entry.journeyId, entry.cycle, entry.stepId), ...entry, ...ledgerDateKeys(entry) })),
      ];
    });
    for (const batch of chunk(items, BATCH_WRITE_LIMIT)) await this.putBatch(batch);
  }

  async customersWithHistory(customerIds: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    const ids = [...new Set(customerIds)];
    // Two items of the partition at most: the profile, and whatever else there is on either side of it.
    await inParallel(ids, HISTORY_CHECKS_IN_FLIGHT, async (customerId) => {
      const result = await this.table.doc.send(
        this.table.checked(
          new QueryCommand({
            TableName: this.table.tableName,
            KeyConditionExpression: '#pk = :pk',
            ProjectionExpression: '#sk',
            ExpressionAttributeNames: { '#pk': recallTable.partitionKey, '#sk': recallTable.sortKey },
            ExpressionAttributeValues: { ':pk': keys.customer(customerId) },
            Limit: 2,
            ConsistentRead: true,
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      this.table.count(result.ConsumedCapacity, 'read', 1);
      if ((result.Items ?? []).some((item) => item[recallTable.sortKey] !== keys.profile)) found.add(customerId);
    });
    return found;
  }

  async putOrderHistories(snapshots: readonly OrderHistorySnapshot[]): Promise<void> {
    // Member figures go on the profile. A stored profile is updated (its other fields stay), on no
    // member being there: a member that appeared meanwhile (a re-import of the same rows after a
    // crash, a racing order) is kept. A customer with no profile gets one holding their id and
    // figures alone, as that update would create it, put in the batches with the histories: one
    // batched read per 100 customers instead of a round trip each.
    const members = snapshots.flatMap(({ customerId, member }) => (member ? [{ customerId, member }] : []));
    const stored = await this.storedProfiles(members.map(({ customerId }) => customerId));
    const updates = members.filter(({ customerId }) => stored.has(customerId));
    const newProfiles = members.filter(({ customerId }) => !stored.has(customerId)).map(({ customerId, member }) => memberProfileItem(customerId, member));
    // A marker says its order is recorded (record-order then calls it a duplicate): it goes only
    // once every history and member figure it stands for is written. A crash before leaves them
    // without markers, which a re-import finishes through record-order (each remembers its orders).
    await inParallel(chunk([...snapshots.flatMap(historyItems), ...newProfiles], BATCH_WRITE_LIMIT), BATCH_WRITES_IN_FLIGHT, (batch) => this.putBatch(batch));
    await inParallel(updates, MEMBER_WRITES_IN_FLIGHT, async ({ customerId, member }) => void (await writeMember(this.table, customerId, member, undefined)));
    await inParallel(chunk(snapshots.flatMap(orderMarkerItems), BATCH_WRITE_LIMIT), BATCH_WRITES_IN_FLIGHT, (batch) => this.putBatch(batch));
  }

  /** The customers among `customerIds` with a stored profile (strongly consistent: a customer import that just finished counts). */
  private async storedProfiles(customerIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGetItems(this.table, customerIds.map((customerId) => ({ pk: keys.customer(customerId), sk: keys.profile })), true);
    return new Set(items.map((item) => String(item.pk).slice(keys.customer('').length)));
  }

  private putBatch(batch: readonly Record<string, unknown>[]): Promise<void> {
    return this.table.untilProcessed(
      batch.map((Item) => ({ PutRequest: { Item } })),
      async (pending) => {
        const result = await this.table.doc.send(this.table.checked(new BatchWriteCommand({ RequestItems: { [this.table.tableName]: pending }, ReturnConsumedCapacity: 'TOTAL' })));
        this.table.count(result.ConsumedCapacity, 'write');
        return (result.UnprocessedItems?.[this.table.tableName] ?? []).flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
      },
    );
  }
}

/** Four groups at once (lib/usecases/import.ts) check 48 customers together: within the SDK's 50 sockets, so no request waits in its queue. */
const HISTORY_CHECKS_IN_FLIGHT = 12;
const BATCH_WRITES_IN_FLIGHT = 4;
/** Single-item updates cost one round trip each: as many in flight as a batch write carries items. */
const MEMBER_WRITES_IN_FLIGHT = 25;

/** Runs `work` on every item, at most `limit` at once; the first failure fails it, once the rest settle. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  const workers = Array.from({ length: Math.min(limit, items.length) }, worker);
  const settled = await Promise.allSettled(workers);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A customer's category histories and journey states, as record-order writes them. */
function historyItems({ customerId, categories, journeys }: Pick<OrderHistorySnapshot, 'customerId' | 'categories' | 'journeys'>): Record<string, unknown>[] {
  const pk = keys.customer(customerId);
  return [...categories.map((history) => ({ pk, sk: keys.category(history.category), ...history })), ...journeys.map(({ scope, state, waitsFor }) => journeyItem(scope, state, waitsFor))];
}

/** A profile holding a customer's id and member figures alone, with the last order in the calendar index: what `writeMember` makes where there is none. */
function memberProfileItem(customerId: string, figures: MemberFigures): Record<string, unknown> {
  const calendar = lastOrderKeys(customerId, figures);
  const { calendarIndex } = recallTable;
  return {
    pk: keys.customer(customerId),
    sk: keys.profile,
    customerId,
    member: figures.member,
    ...(calendar ? { [calendarIndex.partitionKey]: calendar.calPk, [calendarIndex.sortKey]: calendar.calSk } : {}),
  };
}

/** A customer's order markers, applied, in the date index. */
function orderMarkerItems({ customerId, orders }: Pick<OrderHistorySnapshot, 'customerId' | 'orders'>): Record<string, unknown>[] {
  const pk = keys.customer(customerId);
  return orders.map((order) => ({ pk, sk: keys.order(order.orderId), customerId, ...order, applied: true, ...orderDateKeys(customerId, order.orderId, order.orderDate) }));
}

export class DynamoImportLog extends PortAdapter implements ImportLog {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.importLog, usage);
  }

  async noteImport(asOf: string): Promise<void> {
    // Only ever moves forward: an import dated earlier than one before it changes nothing.
    await this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: { pk: keys.imports, sk: keys.latestImport },
        UpdateExpression: 'SET #asOf = :asOf',
        ConditionExpression: 'attribute_not_exists(#asOf) OR #asOf < :asOf',
        ExpressionAttributeNames: { '#asOf': 'asOf' },
        ExpressionAttributeValues: { ':asOf': asOf },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async latestImportAsOf(): Promise<string | undefined> {
    const item = await this.table.consistentGet({ pk: keys.imports, sk: keys.latestImport });
    const asOf: unknown = item?.asOf;
    return typeof asOf === 'string' ? asOf : undefined;
  }
}
