import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { nextMonth, type CalendarDate } from '../../domain/dates.ts';
import { NonEmptyStringSchema } from '../../domain/fields.ts';
import {
  CorruptItemError,
  JourneyStateSchema,
  LedgerEntrySchema,
  RunMetaSchema,
  ShardPartSchema,
  type JourneyState,
  type LedgerEntry,
  type Profile,
  type RunMeta,
  type ShardPart,
} from '../../domain/records.ts';
import type { MessageMove } from '../../domain/message-state.ts';
import type { CalendarReads, Cursor, Decisions, DuePartition, DueIndex, DueSlot, LedgerRef, MessageMoveFields, Page, RunPlans, RunProgress } from '../../ports/store.ts';
import { PORT_ACCESS } from '../../store/access.ts';
import { keys, recallTable } from '../../store/tables.ts';
import { moveMessage } from './customers.ts';
import { ledgerDateKeys, ProfileReadingAdapter, putJourneyState } from './items.ts';
import { decodeCursor, encodeCursor, isConditionFailure, parseAll, PortAdapter, type CapacityMeter } from './table.ts';
import { expiresOn } from './ttl.ts';

/* The daily run's ports: the due index, the calendar index, a shard job's decisions, and the run's bookkeeping. */

export class DynamoDueIndex extends PortAdapter implements DueIndex {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.dueIndex, usage);
  }

  async queryDue(partition: DuePartition, cutoff: CalendarDate, cursor?: Cursor): Promise<Page<JourneyState>> {
    const { dueIndex } = recallTable;
    const result = await this.table.doc.send(
      this.table.checked(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: dueIndex.name,
          KeyConditionExpression: '#pk = :pk AND #sk <= :upTo',
          ExpressionAttributeNames: { '#pk': dueIndex.partitionKey, '#sk': dueIndex.sortKey },
          ExpressionAttributeValues: {
            ':pk': keys.duePartition(partition.journeyId, partition.stepId, partition.shard, partition.category),
            ':upTo': keys.dueSortUpTo(cutoff),
          },
          ExclusiveStartKey: decodeCursor(cursor),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    this.table.count(result.ConsumedCapacity, 'read', 0.5);
    const next = encodeCursor(result.LastEvaluatedKey);
    return { ...parseAll(JourneyStateSchema, result.Items), ...(next ? { next } : {}) };
  }
}

export class DynamoCalendarReads extends PortAdapter implements CalendarReads {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.calendarReads, usage);
  }

  async birthdaysOn(monthDay: string, shard: number, cursor?: Cursor): Promise<Page<string>> {
    const { items, next } = await this.query(keys.birthdayDay(monthDay, shard), undefined, decodeCursor(cursor));
    return { ...parseAll(CalendarEntrySchema, items), ...(next ? { next: encodeCursor(next) } : {}) };
  }

  /** One `A#<month>#<shard>` partition after another, from `from`'s month to `to`'s; the cursor names the month it stopped in. */
  async orderedSince(from: CalendarDate, to: CalendarDate, shard: number, cursor?: Cursor): Promise<Page<string>> {
    const position = MonthCursorSchema.parse(decodeCursor(cursor) ?? { month: from.slice(0, 7) });
    const range = {
      from: position.month === from.slice(0, 7) ? keys.lastOrderSort(from, '') : undefined,
      to: position.month === to.slice(0, 7) ? keys.lastOrderSort(to, '\uffff') : undefined,
    };
    const { items, next } = await this.query(keys.lastOrderMonth(position.month, shard), range, position.key);
    const month = next ? position.month : nextMonth(position.month);
    const goesOn = next !== undefined || month <= to.slice(0, 7);
    const parsed = parseAll(CalendarEntrySchema, items);
    return { ...parsed, ...(goesOn ? { next: encodeCursor({ month, ...(next ? { key: next } : {}) }) } : {}) };
  }

  private async query(partition: string, range: { from?: string | undefined; to?: string | undefined } | undefined, startKey: Record<string, unknown> | undefined) {
    const { calendarIndex } = recallTable;
    const bounds = [range?.from !== undefined ? '#sk >= :from' : undefined, range?.to !== undefined ? '#sk <= :to' : undefined].filter((clause) => clause !== undefined);
    const sortCondition = bounds.length === 2 ? ' AND #sk BETWEEN :from AND :to' : bounds.length === 1 ? ` AND ${bounds[0] ?? ''}` : '';
    const result = await this.table.doc.send(
      this.table.checked(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: calendarIndex.name,
          KeyConditionExpression: `#pk = :pk${sortCondition}`,
          ExpressionAttributeNames: { '#pk': calendarIndex.partitionKey, ...(sortCondition ? { '#sk': calendarIndex.sortKey } : {}) },
          ExpressionAttributeValues: {
            ':pk': partition,
            ...(range?.from !== undefined ? { ':from': range.from } : {}),
            ...(range?.to !== undefined ? { ':to': range.to } : {}),
          },
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    this.table.count(result.ConsumedCapacity, 'read', 0.5);
    return { items: result.Items, next: result.LastEvaluatedKey };
  }
}

/** What the calendar index projects: the customer id. */
const CalendarEntrySchema = z.pipe(
  z.object({ customerId: NonEmptyStringSchema }),
  z.transform((entry: { customerId: string }) => entry.customerId),
);

const MonthCursorSchema = z.object({ month: z.string().check(z.regex(/^\d{4}-\d{2}$/)), key: z.optional(z.record(z.string(), z.unknown())) });

export class DynamoDecisions extends ProfileReadingAdapter implements Decisions {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.decisions, usage);
  }

  moveLedgerStatus(customerId: string, ledger: LedgerRef, move: MessageMove, extra: MessageMoveFields = {}): Promise<boolean> {
    return moveMessage(this.table, customerId, ledger, move, extra);
  }

  async claimLedger(entry: LedgerEntry, expiry?: CalendarDate): Promise<LedgerEntry | undefined> {
    const key = { pk: keys.customer(entry.customerId), sk: keys.ledger(entry.journeyId, entry.cycle, entry.stepId) };
    try {
      const result = await this.table.doc.send(
        this.table.checked(
          new PutCommand({
            TableName: this.table.tableName,
            Item: { ...key, ...entry, ...ledgerDateKeys(entry), ...(expiry ? expiresOn(expiry) : {}) },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      this.table.count(result.ConsumedCapacity, 'write');
      return undefined;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const parsed = LedgerEntrySchema.safeParse(await this.table.consistentGet(key));
    if (!parsed.success) throw new CorruptItemError(`ledger item ${key.pk} ${key.sk} is corrupt: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
    return parsed.data;
  }

  takeCapSlot(profile: Profile, send: { date: string; key: string }, keepAfter: string): Promise<boolean> {
    const recentSends = [...profile.recentSends.filter((entry) => entry.date > keepAfter), send];
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: { pk: keys.customer(profile.customerId), sk: keys.profile },
        UpdateExpression: 'SET #sends = :sends, #version = :next',
        ConditionExpression: profile.capVersion === 0 ? 'attribute_not_exists(#version) OR #version = :current' : '#version = :current',
        ExpressionAttributeNames: { '#sends': 'recentSends', '#version': 'capVersion' },
        ExpressionAttributeValues: { ':sends': recentSends, ':next': profile.capVersion + 1, ':current': profile.capVersion },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async releaseCapSlot(profile: Profile, send: { date: string; key: string }, keepAfter: string): Promise<void> {
    const taken = [...profile.recentSends.filter((entry) => entry.date > keepAfter), send];
    await this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: { pk: keys.customer(profile.customerId), sk: keys.profile },
        UpdateExpression: 'SET #sends = :sends, #version = :next',
        ConditionExpression: '#version = :current',
        ExpressionAttributeNames: { '#sends': 'recentSends', '#version': 'capVersion' },
        ExpressionAttributeValues: { ':sends': taken.filter((entry) => entry.key !== send.key), ':next': profile.capVersion + 2, ':current': profile.capVersion + 1 },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async takePersonSlot(person: string, send: { date: string; key: string }, keepAfter: string, slots: number): Promise<'taken' | 'held' | 'capped'> {
    // Slot attributes s0..s<slots-1>, each the {date, key} of a send: no other send this run, and
    // this slot free (empty, out of the period, or already this send's).
    const names: Record<string, string> = { '#date': 'date', '#key': 'key' };
    const onePerRun: string[] = [];
    for (let other = 0; other < slots; other++) {
      names[`#s${other}`] = `s${other}`;
      onePerRun.push(`(attribute_not_exists(#s${other}) OR #s${other}.#date <> :runDate OR #s${other}.#key = :key)`);
    }
    for (let slot = 0; slot < slots; slot++) {
      const free = `(attribute_not_exists(#s${slot}) OR #s${slot}.#date <= :keepAfter OR #s${slot}.#key = :key)`;
      try {
        const result = await this.table.doc.send(
          this.table.checked(
            new UpdateCommand({
              TableName: this.table.tableName,
              Key: { pk: keys.person(person), sk: keys.personCap },
              UpdateExpression: `SET #s${slot} = :send`,
              ConditionExpression: [...onePerRun, free].join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: { ':send': send, ':runDate': send.date, ':key': send.key, ':keepAfter': keepAfter },
              ReturnValues: 'UPDATED_OLD',
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        this.table.count(result.ConsumedCapacity, 'write');
        const old: unknown = result.Attributes?.[`s${slot}`];
        return typeof old === 'object' && old !== null && 'key' in old && old.key === send.key ? 'held' : 'taken';
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return 'capped';
  }

  async releasePersonSlot(person: string, send: { date: string; key: string }, slots: number): Promise<void> {
    for (let slot = 0; slot < slots; slot++) {
      const released = await this.table.conditional(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: { pk: keys.person(person), sk: keys.personCap },
          UpdateExpression: `REMOVE #slot`,
          ConditionExpression: '#slot.#key = :key',
          ExpressionAttributeNames: { '#slot': `s${slot}`, '#key': 'key' },
          ExpressionAttributeValues: { ':key': send.key },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      if (released) return;
    }
  }

  saveJourneyState(scope: string, state: JourneyState, waitsFor: DueSlot | undefined, expected?: JourneyState): Promise<boolean> {
    return putJourneyState(this.table, scope, state, waitsFor, expected);
  }
}

export class DynamoRunPlans extends PortAdapter implements RunPlans {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.runPlans, usage);
  }

  async startRun(meta: RunMeta, expiry: CalendarDate): Promise<RunMeta | undefined> {
    const key = { pk: keys.run(meta.runId), sk: keys.runMeta };
    const created = await this.table.conditional(
      new PutCommand({ TableName: this.table.tableName, Item: { ...key, ...meta, ...expiresOn(expiry) }, ConditionExpression: 'attribute_not_exists(pk)', ReturnConsumedCapacity: 'TOTAL' }),
    );
    if (created) return undefined;
    return RunMetaSchema.parse(await this.table.consistentGet(key));
  }

  markRunPlanned(runId: string): Promise<boolean> {
    return this.table.markOnce({ pk: keys.run(runId), sk: keys.runMeta }, { planned: true }, 'planned');
  }
}

export class DynamoRunProgress extends PortAdapter implements RunProgress {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.runProgress, usage);
  }

  async putShardPart(runId: string, part: string, shardPart: ShardPart, expiry: CalendarDate): Promise<void> {
    await this.table.conditional(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { pk: keys.run(runId), sk: keys.shardPart(shardPart.shard, part), ...shardPart, ...expiresOn(expiry) },
        ConditionExpression: 'attribute_not_exists(pk) OR attribute_not_exists(batches) OR batches < :batches',
        ExpressionAttributeValues: { ':batches': shardPart.batches },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async getShardPart(runId: string, shard: number, part: string): Promise<ShardPart | undefined> {
    const item = await this.table.consistentGet({ pk: keys.run(runId), sk: keys.shardPart(shard, part) });
    return item ? ShardPartSchema.parse(item) : undefined;
  }

  async getRun(runId: string): Promise<{ meta: RunMeta; parts: ShardPart[] } | undefined> {
    let meta: RunMeta | undefined;
    const parts: ShardPart[] = [];
    for (const item of await this.table.queryPartition({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.run(runId) } })) {
      if (item.sk === keys.runMeta) meta = RunMetaSchema.parse(item);
      else parts.push(ShardPartSchema.parse(item));
    }
    return meta ? { meta, parts } : undefined;
  }

  completeRun(runId: string): Promise<boolean> {
    return this.table.markOnce({ pk: keys.run(runId), sk: keys.runMeta }, { completed: true }, 'completed');
  }
}
