import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { OPERATOR_MARKED, type MessageMove } from '../../domain/message-state.ts';
import { MemberSchema } from '../../domain/members.ts';
import { LedgerEntrySchema, OrderMarkerSchema, type CategoryHistory, type JourneyState, type LedgerEntry, type OrderMarker } from '../../domain/records.ts';
import type {
  ConversionMark,
  CustomerHistory,
  CustomerReads,
  Deliveries,
  DueSlot,
  LedgerRef,
  MemberFigures,
  MessageMoveFields,
  OrderBegun,
  OrderFingerprint,
  OrderHistory,
  StoredMember,
} from '../../ports/store.ts';
import { PORT_ACCESS } from '../../store/access.ts';
import { keys, recallTable } from '../../store/tables.ts';
import type { CalendarDate } from '../../domain/dates.ts';
import { batchGetItems, ledgerDateKeys, orderDateKeys, ProfileReadingAdapter, putJourneyState, readCustomerHistory } from './items.ts';
import { expiresOn } from './ttl.ts';
import { parseAll, PortAdapter, type CapacityMeter, type DynamoTable } from './table.ts';

/* The ports on customers' items outside the daily run: the sender, record-order, the test campaign. */

export function ledgerKey(customerId: string, ledger: LedgerRef): { pk: string; sk: string } {
  return { pk: keys.customer(customerId), sk: keys.ledger(ledger.journeyId, ledger.cycle, ledger.stepId) };
}

/** One move of the message state table: conditional on the statuses it starts at (docs/architecture.md#message-states). */
export function moveMessage(table: DynamoTable, customerId: string, ledger: LedgerRef, move: MessageMove, extra: MessageMoveFields): Promise<boolean> {
  return writeMove(table, customerId, ledger, move, extra, false);
}

/**
 * The sender's first write of a message (docs/architecture.md#sending): the whole ledger item in
 * the status `move` goes to, one update that creates it when there is none, or moves it from where
 * `move` starts. Conditional like every move, so a duplicate of the message writes nothing.
 */
export function openMessage(table: DynamoTable, entry: LedgerEntry, move: MessageMove, expiry?: CalendarDate): Promise<boolean> {
  if (!move.opens) throw new Error(`the move to ${move.to} from ${move.from.join(', ')} cannot create a message`);
  const { status: _replaced, ...item } = entry;
  return writeMove(table, entry.customerId, entry, move, { ...item, ...ledgerDateKeys(entry), ...(expiry ? expiresOn(expiry) : {}) }, true);
}

/** `move` as one conditional update writing `fields` beside the status; `creates`: also when there is no item. */
function writeMove(table: DynamoTable, customerId: string, ledger: LedgerRef, move: MessageMove, extra: Record<string, unknown>, creates: boolean): Promise<boolean> {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':to': move.to };
  const from = move.from.map((status, i) => {
    values[`:from${i}`] = status;
    return `:from${i}`;
  });
  let condition = `#status IN (${from.join(', ')})`;
  const fields: Record<string, unknown> = { ...extra, ...(move.by === 'sender' ? {} : { markedBy: move.by }) };
  if (move.overridesOperator) {
    names['#markedBy'] = 'markedBy';
    values[':operator'] = 'operator';
    const marked = OPERATOR_MARKED.map((status, i) => {
      values[`:marked${i}`] = status;
      return `:marked${i}`;
    });
    condition += ` OR (#markedBy = :operator AND #status IN (${marked.join(', ')}))`;
  }
  if (creates) {
    names['#pk'] = 'pk';
    condition = `attribute_not_exists(#pk) OR ${condition}`;
  }
  let update = 'SET #status = :to';
  for (const [field, value] of Object.entries(fields)) {
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    update += `, #${field} = :${field}`;
  }
  return table.conditional(
    new UpdateCommand({
      TableName: table.tableName,
      Key: ledgerKey(customerId, ledger),
      UpdateExpression: update,
      ConditionExpression: condition,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
}

/** STOP: the profile opted out, keeping the first opt-out's time. */
export async function markOptedOut(table: DynamoTable, customerId: string, at: string): Promise<void> {
  await table.conditional(
    new UpdateCommand({
      TableName: table.tableName,
      Key: { pk: keys.customer(customerId), sk: keys.profile },
      UpdateExpression: 'SET #optedOut = :yes, #optedOutAt = if_not_exists(#optedOutAt, :at)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#optedOut': 'optedOut', '#optedOutAt': 'optedOutAt' },
      ExpressionAttributeValues: { ':yes': true, ':at': at },
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
}

/** One customer's ledger entries decided on or after `sinceRunDate` (strongly consistent); corrupt ones are left out. */
export async function readCustomerLedger(table: DynamoTable, customerId: string, sinceRunDate: string): Promise<LedgerEntry[]> {
  const items = await table.queryPartition({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
    FilterExpression: '#runDate >= :since',
    ExpressionAttributeNames: { '#runDate': 'runDate' },
    ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':ledger': keys.ledger('', '', '').slice(0, 2), ':since': sinceRunDate },
  });
  // A corrupt ledger item converts nothing and redeems nothing; the rest still count.
  return items.flatMap((item) => {
    const parsed = LedgerEntrySchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The profile's calendar-index entry for its last order (docs/architecture.md#the-calendar-index). */
export function lastOrderKeys(customerId: string, { member, shard }: MemberFigures): { calPk: string; calSk: string } | undefined {
  if (member.lastOrderDate === undefined) return undefined;
  return { calPk: keys.lastOrderMonth(member.lastOrderDate.slice(0, 7), shard), calSk: keys.lastOrderSort(member.lastOrderDate, customerId) };
}

/**
 * The member figures and the last order's calendar-index entry on the profile, other fields
 * untouched (a customer without a profile gets one holding their id alone). `expectedVersion`: the
 * stored member's version, `undefined` when there must be none, `any` to replace whatever is there.
 */
export function writeMember(table: DynamoTable, customerId: string, { member, shard }: MemberFigures, expectedVersion: number | undefined | 'any'): Promise<boolean> {
  const { calendarIndex } = recallTable;
  const names: Record<string, string> = { '#customerId': 'customerId', '#member': 'member' };
  const values: Record<string, unknown> = { ':customerId': customerId, ':member': member };
  let update = 'SET #customerId = if_not_exists(#customerId, :customerId), #member = :member';
  const calendar = lastOrderKeys(customerId, { member, shard });
  if (calendar) {
    names['#calPk'] = calendarIndex.partitionKey;
    names['#calSk'] = calendarIndex.sortKey;
    values[':calPk'] = calendar.calPk;
    values[':calSk'] = calendar.calSk;
    update += ', #calPk = :calPk, #calSk = :calSk';
  }
  let condition: string | undefined;
  if (expectedVersion === undefined) {
    condition = 'attribute_not_exists(#member)';
  } else if (expectedVersion !== 'any') {
    names['#version'] = 'version';
    values[':previous'] = expectedVersion;
    // Figures written before they had a version read as version 0.
    condition = expectedVersion === 0 ? 'attribute_not_exists(#member.#version) OR #member.#version = :previous' : '#member.#version = :previous';
  }
  return table.conditional(
    new UpdateCommand({
      TableName: table.tableName,
      Key: { pk: keys.customer(customerId), sk: keys.profile },
      UpdateExpression: update,
      ...(condition ? { ConditionExpression: condition } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
}

export class DynamoDeliveries extends ProfileReadingAdapter implements Deliveries {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.deliveries, usage);
  }

  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra: MessageMoveFields = {}): Promise<boolean> {
    return moveMessage(this.table, customerId, ledger, move, extra);
  }

  openMessage(entry: LedgerEntry, move: MessageMove, expiry?: CalendarDate): Promise<boolean> {
    return openMessage(this.table, entry, move, expiry);
  }

  async isCorruptMessage(customerId: string, ledger: LedgerRef): Promise<boolean> {
    const [item] = await batchGetItems(this.table, [ledgerKey(customerId, ledger)], true);
    return item !== undefined && !LedgerEntrySchema.safeParse(item).success;
  }

  markOptedOut(customerId: string, at: string): Promise<void> {
    return markOptedOut(this.table, customerId, at);
  }
}

export class DynamoOrderHistory extends PortAdapter implements OrderHistory {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.orderHistory, usage);
  }

  getCustomerHistory(customerId: string): Promise<CustomerHistory> {
    return readCustomerHistory(this.table, customerId);
  }

  saveJourneyState(scope: string, state: JourneyState, waitsFor: DueSlot | undefined, expected?: JourneyState): Promise<boolean> {
    return putJourneyState(this.table, scope, state, waitsFor, expected);
  }

  saveCategoryHistory(history: CategoryHistory, options: { replaceCorrupt?: boolean } = {}): Promise<boolean> {
    return this.table.conditional(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { pk: keys.customer(history.customerId), sk: keys.category(history.category), ...history },
        ...(options.replaceCorrupt
          ? {}
          : history.version === 1
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#version = :previous',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':previous': history.version - 1 },
              }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async beginOrder(order: OrderFingerprint): Promise<OrderBegun> {
    const key = { pk: keys.customer(order.customerId), sk: keys.order(order.orderId) };
    const created = await this.table.conditional(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { ...key, ...order, applied: false, ...orderDateKeys(order.customerId, order.orderId, order.orderDate) },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    if (created) return { state: 'new' };
    const parsed = OrderMarkerSchema.safeParse(await this.table.consistentGet(key));
    return { state: 'seen', ...(parsed.success ? { stored: parsed.data } : {}) };
  }

  async completeOrder(customerId: string, orderId: string): Promise<void> {
    const result = await this.table.doc.send(
      this.table.checked(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { pk: keys.customer(customerId), sk: keys.order(orderId) },
          UpdateExpression: 'SET #applied = :yes',
          ExpressionAttributeNames: { '#applied': 'applied' },
          ExpressionAttributeValues: { ':yes': true },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    this.table.count(result.ConsumedCapacity, 'write');
  }

  getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerEntry[]> {
    return readCustomerLedger(this.table, customerId, sinceRunDate);
  }

  markConverted(customerId: string, ledger: LedgerRef, conversion: ConversionMark): Promise<boolean> {
    const fields = { convertedBy: conversion.orderId, convertedAt: conversion.convertedAt, revenue: conversion.revenue };
    return this.table.markOnce(ledgerKey(customerId, ledger), fields, 'convertedBy', conversion.orderId);
  }

  markRedeemed(customerId: string, ledger: LedgerRef, orderId: string): Promise<boolean> {
    return this.table.markOnce(ledgerKey(customerId, ledger), { redeemedBy: orderId }, 'redeemedBy', orderId);
  }

  async getMember(customerId: string): Promise<StoredMember> {
    const result = await this.table.doc.send(
      this.table.checked(
        new GetCommand({
          TableName: this.table.tableName,
          Key: { pk: keys.customer(customerId), sk: keys.profile },
          ProjectionExpression: '#member',
          ExpressionAttributeNames: { '#member': 'member' },
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    this.table.count(result.ConsumedCapacity, 'read', 1);
    const stored: unknown = result.Item?.member;
    if (stored === undefined) return { state: 'none' };
    const parsed = MemberSchema.safeParse(stored);
    return parsed.success ? { state: 'stored', member: parsed.data } : { state: 'corrupt' };
  }

  saveMember(customerId: string, figures: MemberFigures, expectedVersion: number | undefined | 'any'): Promise<boolean> {
    return writeMember(this.table, customerId, figures, expectedVersion);
  }

  async ordersOf(customerId: string): Promise<{ items: OrderMarker[]; invalid: number }> {
    const items = await this.table.queryPartition({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :order)',
      ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':order': keys.order('') },
    });
    return parseAll(OrderMarkerSchema, items);
  }
}

export class DynamoCustomerReads extends ProfileReadingAdapter implements CustomerReads {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.customerReads, usage);
  }

  getCustomerHistory(customerId: string): Promise<CustomerHistory> {
    return readCustomerHistory(this.table, customerId);
  }
}
