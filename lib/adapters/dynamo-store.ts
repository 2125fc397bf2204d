import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type GlobalSecondaryIndex,
  type ConsumedCapacity,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Profile } from '../domain/guardrails.ts';
import { shardOf } from '../domain/hashing.ts';
import type { JourneyState } from '../domain/journeys.ts';
import type { Consent } from '../domain/consent.ts';
import type { CategoryHistory } from '../domain/orders.ts';
import type { ConversionMark, CustomerContact, CustomerSnapshot, DuePage, DuePosition, ItemPage, LedgerRef, OrderBegun, OrderFingerprint, ProfileLookup, RecallStore } from '../ports.ts';
import {
  CategoryStateItemSchema,
  CorruptItemError,
  JourneyStateItemSchema,
  LedgerItemSchema,
  OrderMarkerItemSchema,
  ProfileItemSchema,
  RunMetaItemSchema,
  ShardPartItemSchema,
  type LedgerItem,
  type LedgerStatus,
  type OrderMarker,
  type RunMeta,
  type ShardPart,
} from '../store/items.ts';
import { keys, recallTable } from '../store/tables.ts';
import { backoffMs, wait } from './retry.ts';
import { PermanentError } from '../errors.ts';

const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 8;


function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
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

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Where a ledger item sits in the date index (the report reads a period by date). */
function ledgerDateKeys(item: Pick<LedgerItem, 'customerId' | 'journeyId' | 'cycle' | 'stepId' | 'runDate'>): Record<string, string> {
  const { dateIndex } = recallTable;
  return {
    [dateIndex.partitionKey]: keys.ledgerDay(item.runDate, shardOf(item.customerId, dateIndex.shards)),
    [dateIndex.sortKey]: keys.dateSort(item.customerId, keys.ledger(item.journeyId, item.cycle, item.stepId)),
  };
}

/** Where an order marker sits in the date index. */
function orderDateKeys(customerId: string, orderId: string, orderDate: string): Record<string, string> {
  const { dateIndex } = recallTable;
  return {
    [dateIndex.partitionKey]: keys.orderDay(orderDate, shardOf(customerId, dateIndex.shards)),
    [dateIndex.sortKey]: keys.dateSort(customerId, keys.order(orderId)),
  };
}

function indexDefinition(index: typeof recallTable.dueIndex | typeof recallTable.dateIndex): GlobalSecondaryIndex {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' },
      { AttributeName: index.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projectedAttributes] },
  };
}

/** The store's table lacks an index this version needs (a local store made by an older version). */
export class MissingIndexError extends PermanentError {
  override name = 'MissingIndexError';
}

export class DynamoRecallStore implements RecallStore {
  readonly usage = { readUnits: 0, writeUnits: 0 };
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /**
   * Adds a response's consumed capacity. DynamoDB bills a request at least 0.5 read units
   * (eventually consistent; 1 when strongly consistent) even when it returns nothing; dynalite
   * reports 0 for an empty page, so `minimum` puts the real floor back.
   */
  private count(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, kind: 'read' | 'write', minimum = 0): void {
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    const units = Math.max(minimum, list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0));
    if (kind === 'read') this.usage.readUnits += units;
    else this.usage.writeUnits += units;
  }

  /**
   * Creates the table (and its TTL) when missing; used by the local runtime and tests. A table
   * made before the date index existed gets it added where the API allows (DynamoDB backfills it;
   * dynalite cannot, and a report on such a store says so).
   */
  async ensureTable(): Promise<void> {
    const { partitionKey, sortKey, dueIndex, dateIndex } = recallTable;
    const attributes = [partitionKey, sortKey, dueIndex.partitionKey, dueIndex.sortKey, dateIndex.partitionKey, dateIndex.sortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    }));
    try {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (!Table?.GlobalSecondaryIndexes?.some((index) => index.IndexName === dateIndex.name)) {
        await this.client
          .send(new UpdateTableCommand({ TableName: this.tableName, AttributeDefinitions: attributes, GlobalSecondaryIndexUpdates: [{ Create: indexDefinition(dateIndex) }] }))
          .catch(() => undefined);
      }
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await this.client.send(
      new CreateTableCommand({
        TableName: this.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes,
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [indexDefinition(dueIndex), indexDefinition(dateIndex)],
      }),
    );
    for (let attempt = 0; attempt < 50; attempt++) {
      const { Table } = await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await wait(100);
    }
    try {
      await this.client.send(
        new UpdateTimeToLiveCommand({
          TableName: this.tableName,
          TimeToLiveSpecification: { AttributeName: recallTable.timeToLiveAttribute, Enabled: true },
        }),
      );
    } catch (error) {
      // dynalite has no TTL API (and never expires items); every real DynamoDB has it.
      if ((error as { name?: string })?.name !== 'UnknownOperationException') throw error;
    }
  }

  async queryDue(duePk: string, upTo: string, startKey?: Record<string, unknown>): Promise<DuePage> {
    const { dueIndex } = recallTable;
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#pk = :pk AND #sk <= :upTo',
        ExpressionAttributeNames: { '#pk': dueIndex.partitionKey, '#sk': dueIndex.sortKey },
        ExpressionAttributeValues: { ':pk': duePk, ':upTo': upTo },
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count(result.ConsumedCapacity, 'read', 0.5);
    return this.journeyStates(result.Items, result.LastEvaluatedKey);
  }

  async scanDormant(segment: number, totalSegments: number, startKey?: Record<string, unknown>): Promise<DuePage> {
    const result = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: totalSegments,
        FilterExpression: '#dormant = :yes AND begins_with(#sk, :journey)',
        ExpressionAttributeNames: { '#dormant': 'dormant', '#sk': recallTable.sortKey },
        ExpressionAttributeValues: { ':yes': true, ':journey': keys.journey('') },
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count(result.ConsumedCapacity, 'read', 0.5);
    return this.journeyStates(result.Items, result.LastEvaluatedKey);
  }

  private journeyStates(items: Record<string, unknown>[] | undefined, next: Record<string, unknown> | undefined): DuePage {
    const states: JourneyState[] = [];
    let invalid = 0;
    for (const item of items ?? []) {
      const parsed = JourneyStateItemSchema.safeParse(item);
      if (parsed.success) states.push(parsed.data);
      else invalid++;
    }
    return { states, invalid, ...(next ? { next } : {}) };
  }

  async getProfiles(customerIds: readonly string[], options: { consistent?: boolean } = {}): Promise<ProfileLookup> {
    const profiles = new Map<string, Profile>();
    const invalid = new Set<string>();
    for (const ids of chunk([...new Set(customerIds)], BATCH_GET_LIMIT)) {
      let requested: Record<string, unknown>[] = ids.map((id) => ({ pk: keys.customer(id), sk: keys.profile }));
      for (let attempt = 0; requested.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchGetItem left ${requested.length} keys unprocessed`);
        if (attempt > 0) await wait(backoffMs(attempt));
        const result = await this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: requested, ...(options.consistent ? { ConsistentRead: true } : {}) } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        this.count(result.ConsumedCapacity, 'read');
        for (const item of result.Responses?.[this.tableName] ?? []) {
          const parsed = ProfileItemSchema.safeParse(item);
          if (parsed.success) profiles.set(parsed.data.customerId, parsed.data);
          else invalid.add(String(item.pk).slice(2));
        }
        requested = result.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return { profiles, invalid };
  }

  async putLedger(item: LedgerItem): Promise<LedgerItem | undefined> {
    const key = { pk: keys.customer(item.customerId), sk: keys.ledger(item.journeyId, item.cycle, item.stepId) };
    try {
      const result = await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, ...item, ...ledgerDateKeys(item) },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count(result.ConsumedCapacity, 'write');
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const existing = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.count(existing.ConsumedCapacity, 'read', 1);
    const parsed = LedgerItemSchema.safeParse(existing.Item);
    if (!parsed.success) throw new CorruptItemError(`ledger item ${key.pk} ${key.sk} is corrupt: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
    return parsed.data;
  }

  async moveLedgerStatus(
    customerId: string,
    ledger: LedgerRef,
    from: LedgerStatus,
    to: LedgerStatus,
    extra: Partial<Pick<LedgerItem, 'sentAt' | 'error' | 'outcome'>> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    let update = 'SET #status = :to';
    for (const [field, value] of Object.entries(extra)) {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      update += `, #${field} = :${field}`;
    }
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(customerId), sk: keys.ledger(ledger.journeyId, ledger.cycle, ledger.stepId) },
        UpdateExpression: update,
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async markOptedOut(customerId: string, at: string): Promise<void> {
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(customerId), sk: keys.profile },
        UpdateExpression: 'SET #optedOut = :yes, #optedOutAt = if_not_exists(#optedOutAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#optedOut': 'optedOut', '#optedOutAt': 'optedOutAt' },
        ExpressionAttributeValues: { ':yes': true, ':at': at },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async takeCapSlot(profile: Profile, send: { date: string; key: string }, keepAfter: string): Promise<boolean> {
    const recentSends = [...profile.recentSends.filter((entry) => entry.date > keepAfter), send];
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(profile.customerId), sk: keys.profile },
        UpdateExpression: 'SET #sends = :sends, #version = :next',
        ConditionExpression: profile.capVersion === 0 ? 'attribute_not_exists(#version) OR #version = :current' : '#version = :current',
        ExpressionAttributeNames: { '#sends': 'recentSends', '#version': 'capVersion' },
        ExpressionAttributeValues: { ':sends': recentSends, ':next': profile.capVersion + 1, ':current': profile.capVersion },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async saveJourneyState(scope: string, state: JourneyState, position: DuePosition | undefined, expected?: JourneyState): Promise<boolean> {
    const item: Record<string, unknown> = { pk: keys.customer(state.customerId), sk: keys.journey(scope), ...state, ...position };
    const condition: Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> = expected
      ? {
          ConditionExpression: '#cycle = :cycle AND #step = :step',
          ExpressionAttributeNames: { '#cycle': 'cycle', '#step': 'stepIndex' },
          ExpressionAttributeValues: { ':cycle': expected.cycle, ':step': expected.stepIndex },
        }
      : {
          ConditionExpression: 'attribute_not_exists(pk) OR #anchor < :anchor',
          ExpressionAttributeNames: { '#anchor': 'anchorDate' },
          ExpressionAttributeValues: { ':anchor': state.anchorDate },
        };
    return this.conditional(new PutCommand({ TableName: this.tableName, Item: item, ...condition, ReturnConsumedCapacity: 'TOTAL' }));
  }

  async getCustomerHistory(customerId: string) {
    const categories = new Map<string, CategoryHistory>();
    const corruptCategories = new Set<string>();
    const journeys = new Map<string, JourneyState>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':from': keys.category(''), ':to': keys.journey('\uffff') },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count(result.ConsumedCapacity, 'read', 1);
      for (const item of result.Items ?? []) {
        const sk = String(item.sk);
        if (sk.startsWith(keys.category(''))) {
          const parsed = CategoryStateItemSchema.safeParse(item);
          if (parsed.success) categories.set(parsed.data.category, parsed.data);
          else corruptCategories.add(sk.slice(keys.category('').length));
        } else {
          const parsed = JourneyStateItemSchema.safeParse(item);
          if (parsed.success) journeys.set(sk.slice(keys.journey('').length), parsed.data);
        }
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return { categories, journeys, corruptCategories };
  }

  async saveCategoryHistory(history: CategoryHistory, options: { replaceCorrupt?: boolean } = {}): Promise<boolean> {
    return this.conditional(
      new PutCommand({
        TableName: this.tableName,
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
    const created = await this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key, ...order, applied: false, ...orderDateKeys(order.customerId, order.orderId, order.orderDate) },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    if (created) return { state: 'new' };
    const existing = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    this.count(existing.ConsumedCapacity, 'read', 1);
    const parsed = OrderMarkerItemSchema.safeParse(existing.Item);
    return { state: 'seen', ...(parsed.success ? { stored: parsed.data } : {}) };
  }

  async getCustomerLedger(customerId: string, sinceRunDate: string): Promise<LedgerItem[]> {
    const items: LedgerItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
          FilterExpression: '#runDate >= :since',
          ExpressionAttributeNames: { '#runDate': 'runDate' },
          ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':ledger': 'L#', ':since': sinceRunDate },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count(result.ConsumedCapacity, 'read', 1);
      for (const item of result.Items ?? []) {
        // A corrupt ledger item converts nothing and redeems nothing; the rest still count.
        const parsed = LedgerItemSchema.safeParse(item);
        if (parsed.success) items.push(parsed.data);
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async markConverted(customerId: string, ledger: LedgerRef, conversion: ConversionMark): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(customerId), sk: keys.ledger(ledger.journeyId, ledger.cycle, ledger.stepId) },
        UpdateExpression: 'SET #by = :order, #at = :at, #revenue = :revenue',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#by) OR #by = :order)',
        ExpressionAttributeNames: { '#by': 'convertedBy', '#at': 'convertedAt', '#revenue': 'revenue' },
        ExpressionAttributeValues: { ':order': conversion.orderId, ':at': conversion.convertedAt, ':revenue': conversion.revenue },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async markRedeemed(customerId: string, ledger: LedgerRef, orderId: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(customerId), sk: keys.ledger(ledger.journeyId, ledger.cycle, ledger.stepId) },
        UpdateExpression: 'SET #by = :order',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#by) OR #by = :order)',
        ExpressionAttributeNames: { '#by': 'redeemedBy' },
        ExpressionAttributeValues: { ':order': orderId },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async queryLedgerDay(runDate: string, shard: number, startKey?: Record<string, unknown>): Promise<ItemPage<LedgerItem>> {
    return this.queryDateIndex(keys.ledgerDay(runDate, shard), LedgerItemSchema, startKey);
  }

  async queryOrderDay(orderDate: string, shard: number, startKey?: Record<string, unknown>): Promise<ItemPage<OrderMarker>> {
    return this.queryDateIndex(keys.orderDay(orderDate, shard), OrderMarkerItemSchema, startKey);
  }

  private async queryDateIndex<T>(partition: string, schema: { safeParse(item: unknown): { success: true; data: T } | { success: false } }, startKey?: Record<string, unknown>): Promise<ItemPage<T>> {
    const { dateIndex } = recallTable;
    let result;
    try {
      result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: dateIndex.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': dateIndex.partitionKey },
          ExpressionAttributeValues: { ':pk': partition },
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
    } catch (error) {
      if ((error as { name?: string })?.name === 'ValidationException' && String((error as Error).message).includes('index')) {
        throw new MissingIndexError(`table ${this.tableName} has no ${dateIndex.name} index: it was created before reports existed; seed or import into a fresh store (--store DIR)`);
      }
      throw error;
    }
    this.count(result.ConsumedCapacity, 'read', 0.5);
    const items: T[] = [];
    let invalid = 0;
    for (const item of result.Items ?? []) {
      const parsed = schema.safeParse(item);
      if (parsed.success) items.push(parsed.data);
      else invalid++;
    }
    return { items, invalid, ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}) };
  }

  async scanCategories(segment: number, totalSegments: number, startKey?: Record<string, unknown>): Promise<ItemPage<CategoryHistory>> {
    const result = await this.doc.send(
      new ScanCommand({
        TableName: this.tableName,
        Segment: segment,
        TotalSegments: totalSegments,
        FilterExpression: 'begins_with(#sk, :category)',
        ExpressionAttributeNames: { '#sk': recallTable.sortKey },
        ExpressionAttributeValues: { ':category': keys.category('') },
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count(result.ConsumedCapacity, 'read', 0.5);
    const items: CategoryHistory[] = [];
    let invalid = 0;
    for (const item of result.Items ?? []) {
      const parsed = CategoryStateItemSchema.safeParse(item);
      if (parsed.success) items.push(parsed.data);
      else invalid++;
    }
    return { items, invalid, ...(result.LastEvaluatedKey ? { next: result.LastEvaluatedKey } : {}) };
  }

  async completeOrder(customerId: string, orderId: string): Promise<void> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.customer(customerId), sk: keys.order(orderId) },
        UpdateExpression: 'SET #applied = :yes',
        ExpressionAttributeNames: { '#applied': 'applied' },
        ExpressionAttributeValues: { ':yes': true },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    this.count(result.ConsumedCapacity, 'write');
  }

  async noteImport(asOf: string): Promise<void> {
    // Only ever moves forward: an import dated earlier than one before it changes nothing.
    await this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
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
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: keys.imports, sk: keys.latestImport }, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }),
    );
    this.count(result.ConsumedCapacity, 'read', 1);
    const asOf: unknown = result.Item?.asOf;
    return typeof asOf === 'string' ? asOf : undefined;
  }

  async startRun(meta: RunMeta): Promise<RunMeta | undefined> {
    const key = { pk: keys.run(meta.runId), sk: keys.runMeta };
    const created = await this.conditional(
      new PutCommand({ TableName: this.tableName, Item: { ...key, ...meta }, ConditionExpression: 'attribute_not_exists(pk)', ReturnConsumedCapacity: 'TOTAL' }),
    );
    if (created) return undefined;
    const existing = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' }));
    this.count(existing.ConsumedCapacity, 'read', 1);
    return RunMetaItemSchema.parse(existing.Item);
  }

  async markRunPlanned(runId: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.run(runId), sk: keys.runMeta },
        UpdateExpression: 'SET #planned = :yes',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#planned)',
        ExpressionAttributeNames: { '#planned': 'planned' },
        ExpressionAttributeValues: { ':yes': true },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async putShardPart(runId: string, part: string, shardPart: ShardPart): Promise<void> {
    await this.conditional(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: keys.run(runId), sk: keys.shardPart(shardPart.shard, part), ...shardPart },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async getRun(runId: string): Promise<{ meta: RunMeta; parts: ShardPart[] } | undefined> {
    let meta: RunMeta | undefined;
    const parts: ShardPart[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.run(runId) },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.count(result.ConsumedCapacity, 'read', 1);
      for (const item of result.Items ?? []) {
        if (item.sk === keys.runMeta) meta = RunMetaItemSchema.parse(item);
        else parts.push(ShardPartItemSchema.parse(item));
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return meta ? { meta, parts } : undefined;
  }

  async completeRun(runId: string): Promise<boolean> {
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.run(runId), sk: keys.runMeta },
        UpdateExpression: 'SET #completed = :yes',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#completed)',
        ExpressionAttributeNames: { '#completed': 'completed' },
        ExpressionAttributeValues: { ':yes': true },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async saveCustomer(contact: CustomerContact, consent: Consent, expected: Consent | undefined | 'any'): Promise<boolean> {
    const fields: [string, unknown][] = [
      ['customerId', contact.customerId],
      ['phone', contact.phone],
      ['name', contact.name],
      ['timeZone', contact.timeZone],
      ['pushEndpoint', contact.pushEndpoint],
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
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
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
    const items = snapshots.flatMap(({ customer, categories, journeys, orders, ledger = [] }): Record<string, unknown>[] => {
      const pk = keys.customer(customer.customerId);
      return [
        { pk, sk: keys.profile, ...customer },
        ...categories.map((history) => ({ pk, sk: keys.category(history.category), ...history })),
        ...journeys.map(({ scope, state, position }) => ({ pk, sk: keys.journey(scope), ...state, ...position })),
        ...orders.map((order) => ({
          pk,
          sk: keys.order(order.orderId),
          customerId: customer.customerId,
          ...order,
          applied: true,
          ...orderDateKeys(customer.customerId, order.orderId, order.orderDate),
        })),
        ...ledger.map((entry) => ({ pk, sk: keys.ledger(entry.journeyId, entry.cycle, entry.stepId), ...entry, ...ledgerDateKeys(entry) })),
      ];
    });
    for (const batch of chunk(items, BATCH_WRITE_LIMIT)) {
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
        if (attempt > 0) await wait(backoffMs(attempt));
        const result = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending }, ReturnConsumedCapacity: 'TOTAL' }),
        );
        this.count(result.ConsumedCapacity, 'write');
        pending = (result.UnprocessedItems?.[this.tableName] ?? []).flatMap((request) =>
          request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : [],
        );
      }
    }
  }

  private async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      const result =
        command instanceof PutCommand
          ? await this.doc.send(command)
          : command instanceof UpdateCommand
            ? await this.doc.send(command)
            : await this.doc.send(command);
      this.count(result.ConsumedCapacity, 'write');
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
