import { ConditionalCheckFailedException, type ConsumedCapacity, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Cursor } from '../../ports/store.ts';
import { partitionMatches, type ItemAction, type TableAccess } from '../../store/access.ts';
import { backoffMs, wait } from '../retry.ts';
import { PermanentError } from '../../errors.ts';
import { documentClient, ITEM_OPERATIONS } from '../dynamo-client.ts';

/*
 * What every DynamoDB adapter shares: the document client, capacity accounting, conditional
 * writes, batch retries of unprocessed items, opaque cursors, and the check that each command
 * stays inside the port's declared access (lib/store/access.ts).
 */

/** Read and write units consumed, shared by every adapter of one store. */
export interface CapacityMeter {
  readUnits: number;
  writeUnits: number;
}

/** A command outside the port's declared access: it would be refused by IAM on AWS. A bug, never retried. */
export class UndeclaredAccessError extends PermanentError {
  override name = 'UndeclaredAccessError';
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

export const BATCH_GET_LIMIT = 100;
export const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 8;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export function encodeCursor(key: Record<string, unknown> | undefined): Cursor | undefined {
  return key ? (Buffer.from(JSON.stringify(key)).toString('base64url') as Cursor) : undefined;
}

export function decodeCursor(cursor: Cursor | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (typeof key !== 'object' || key === null) throw new Error('not a cursor of this store');
  return Object.fromEntries(Object.entries(key));
}

/** Items that parse, and how many did not (a corrupt item is a counted skip, never used). */
export function parseAll<T>(schema: { safeParse(item: unknown): { success: true; data: T } | { success: false } }, items: readonly unknown[] | undefined): { items: T[]; invalid: number } {
  const parsed: T[] = [];
  let invalid = 0;
  for (const item of items ?? []) {
    const result = schema.safeParse(item);
    if (result.success) parsed.push(result.data);
    else invalid++;
  }
  return { items: parsed, invalid };
}

function stringValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'S' in value && typeof value.S === 'string') return value.S;
  return undefined;
}

type Input = Record<string, unknown>;

function record(value: unknown): Input {
  return typeof value === 'object' && value !== null ? Object.fromEntries(Object.entries(value)) : {};
}

/** The partition keys a command touches (base-table queries bind theirs as `:pk`). */
function partitionsOf(action: string, input: Input): string[] {
  const pk = (item: unknown) => stringValue(record(item).pk);
  switch (action) {
    case 'GetItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [pk(input.Key)].filter((value) => value !== undefined);
    case 'PutItem':
      return [pk(input.Item)].filter((value) => value !== undefined);
    case 'Query':
      return [stringValue(record(input.ExpressionAttributeValues)[':pk'])].filter((value) => value !== undefined);
    case 'BatchGetItem':
      return Object.values(record(input.RequestItems)).flatMap((request) => (Array.isArray(record(request).Keys) ? (record(request).Keys as unknown[]) : []).map(pk)).filter((value) => value !== undefined);
    case 'BatchWriteItem':
      return Object.values(record(input.RequestItems))
        .flatMap((requests) => (Array.isArray(requests) ? requests : []))
        .map((request) => pk(record(record(request).PutRequest).Item) ?? pk(record(record(request).DeleteRequest).Key))
        .filter((value) => value !== undefined);
    default:
      return [];
  }
}

/** Why a command is outside `access`, or undefined when it is inside. */
export function accessViolation(access: TableAccess, action: string, input: Input): string | undefined {
  if (action === 'Scan') return access.scan ? undefined : 'Scan is not declared';
  if (action === 'Query' && typeof input.IndexName === 'string') {
    return access.indexes.includes(input.IndexName) ? undefined : `Query on index ${input.IndexName} is not declared`;
  }
  const partitions = partitionsOf(action, input);
  if (partitions.length === 0) return `${action} names no partition this check can read`;
  for (const partition of partitions) {
    const allowed = access.items.some((item) => item.actions.includes(action as ItemAction) && partitionMatches(partition, item.partitions));
    if (!allowed) return `${action} on partition ${partition.replace(/#.*/, '#...')} is not declared`;
  }
  return undefined;
}

function actionOfCommand(command: object): string {
  return ITEM_OPERATIONS.find(([type]) => command instanceof type)?.[1] ?? command.constructor.name;
}

/** One port's view of the table: every command it sends is checked against its declaration. */
export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
    private readonly access: TableAccess,
    readonly usage: CapacityMeter = { readUnits: 0, writeUnits: 0 },
  ) {
    this.doc = documentClient(client);
  }

  /**
   * `command`, once it is known to stay inside the port's declared access; send it with `doc`. On
   * AWS the same command outside the declaration would be refused by IAM, so it fails here first.
   */
  checked<C extends { input: object }>(command: C): C {
    const violation = accessViolation(this.access, actionOfCommand(command), record(command.input));
    if (violation) throw new UndeclaredAccessError(`${violation}: this port's access is declared in lib/store/access.ts`);
    return command;
  }

  /**
   * Adds a response's consumed capacity. DynamoDB bills a request at least 0.5 read units
   * (eventually consistent; 1 when strongly consistent) even when it returns nothing; dynalite
   * reports 0 for an empty page, so `minimum` puts the real floor back.
   */
  count(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, kind: 'read' | 'write', minimum = 0): void {
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    const units = Math.max(minimum, list.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0));
    if (kind === 'read') this.usage.readUnits += units;
    else this.usage.writeUnits += units;
  }

  /**
   * Every item of one partition the key condition selects, every page, strongly consistent
   * (1 read unit at least per page). `query` gives the key condition (on `pk`, `sk`) and any
   * filter, with their names and values.
   */
  async queryPartition(query: Pick<QueryCommandInput, 'KeyConditionExpression' | 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = await this.doc.send(
        this.checked(new QueryCommand({ TableName: this.tableName, ...query, ConsistentRead: true, ExclusiveStartKey: startKey, ReturnConsumedCapacity: 'TOTAL' })),
      );
      this.count(result.ConsumedCapacity, 'read', 1);
      items.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** One item by its key, strongly consistent (1 read unit, found or not); undefined when there is none. */
  async consistentGet(key: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const result = await this.doc.send(this.checked(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' })));
    this.count(result.ConsumedCapacity, 'read', 1);
    return result.Item;
  }

  /** A conditional write: false when its condition failed. */
  async conditional(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      const result =
        command instanceof PutCommand
          ? await this.doc.send(this.checked(command))
          : command instanceof UpdateCommand
            ? await this.doc.send(this.checked(command))
            : await this.doc.send(this.checked(command));
      this.count(result.ConsumedCapacity, 'write');
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Sets `fields` on an existing item unless `guard` is set already (by another `owner`): true for
   * the one caller that set it, and for a replay by the same owner.
   */
  markOnce(key: { pk: string; sk: string }, fields: Record<string, unknown>, guard: string, owner?: string): Promise<boolean> {
    const names = Object.fromEntries([...Object.keys(fields), guard].map((name) => [`#${name}`, name]));
    const values: Record<string, unknown> = Object.fromEntries(Object.entries(fields).map(([name, value]) => [`:${name}`, value]));
    if (owner !== undefined) values[':owner'] = owner;
    return this.conditional(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET ${Object.keys(fields).map((name) => `#${name} = :${name}`).join(', ')}`,
        ConditionExpression: `attribute_exists(pk) AND (attribute_not_exists(#${guard})${owner !== undefined ? ` OR #${guard} = :owner` : ''})`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  /** Repeats a batch request with what DynamoDB left unprocessed, backing off, a bounded number of times. */
  async untilProcessed<T>(pending: T[], request: (pending: T[]) => Promise<T[]>): Promise<void> {
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`a batch request left ${pending.length} requests unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`);
      if (attempt > 0) await wait(backoffMs(attempt));
      pending = await request(pending);
    }
  }
}

/** One port's adapter: its own checked view of the table, counting into the store's meter. */
export abstract class PortAdapter {
  protected readonly table: DynamoTable;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    access: TableAccess,
    readonly usage: CapacityMeter = { readUnits: 0, writeUnits: 0 },
  ) {
    this.table = new DynamoTable(client, tableName, access, usage);
  }
}
