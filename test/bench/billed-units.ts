import { BatchGetItemCommand, GetItemCommand, type BatchGetItemCommandOutput, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pacerKey } from '../../lib/adapters/dynamo-pacer.ts';
import { keys, recallTable } from '../../lib/store/tables.ts';

/*
 * Capacity as DynamoDB bills it, counted on the client: dynalite reports a write's units from the
 * base item only (no index writes, nothing for a failed conditional write, strings sized in UTF-16
 * code units), so an SDK middleware counts each request itself:
 *   - a write: 1 unit per started KB of the larger of the item before and after it;
 *   - each global secondary index the write changes: an item entering or leaving the index is one
 *     index write, a changed index key is two (delete the old entry, put the new), a changed
 *     projected attribute is one; 1 unit per started KB of the index entry;
 *   - a failed conditional write: billed as the write would have been, on the item's size;
 *   - a read: what dynalite reports, with DynamoDB's minimum per request put back (0.5 unit
 *     eventually consistent, 1 strongly consistent, also for an empty page or a missing item).
 */

export type Item = Record<string, AttributeValue>;

/** The table layout the units follow: its keys and its indexes with their projections. */
export interface TableShape {
  partitionKey: string;
  sortKey: string;
  indexes: readonly IndexShape[];
}

export interface IndexShape {
  name: string;
  partitionKey: string;
  sortKey: string;
  projectedAttributes: readonly string[];
}

export const RECALL_TABLE: TableShape = {
  partitionKey: recallTable.partitionKey,
  sortKey: recallTable.sortKey,
  indexes: [recallTable.dueIndex, recallTable.dateIndex, recallTable.calendarIndex],
};

/** Per item and per index entry, what DynamoDB adds to the stored size. */
export const STORAGE_OVERHEAD_BYTES = 100;

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** A number: about one byte per two significant digits, plus one (leading and trailing zeros trimmed). */
export function numberBytes(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, member) => sum + utf8(member), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, member) => sum + numberBytes(member), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, member) => sum + member.byteLength, 0);
  // A list or a map: 3 bytes, and 1 more per element (a map's element also carries its name).
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + valueBytes(element), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueBytes(element), 0);
  return 0;
}

/** An item's size: each attribute's name (UTF-8) and value. */
export function itemBytes(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueBytes(value), 0);
}

/** Billed write units of a write of `bytes`: 1 per started KB, at least 1. */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/** The item's entry in `index` (table keys, index keys, projected attributes), or none when it is not in it. */
export function indexEntry(item: Item | undefined, index: IndexShape, table: TableShape = RECALL_TABLE): Item | undefined {
  if (!item || item[index.partitionKey] === undefined || item[index.sortKey] === undefined) return undefined;
  const names = new Set([table.partitionKey, table.sortKey, index.partitionKey, index.sortKey, ...index.projectedAttributes]);
  return Object.fromEntries([...names].flatMap((name) => (item[name] === undefined ? [] : [[name, item[name]]])));
}

/** A value in one canonical form (map keys and set members sorted), to compare two reads of it. */
function canonical(value: AttributeValue | undefined): string {
  if (value === undefined) return '';
  if (value.M !== undefined) return `M{${Object.keys(value.M).sort().map((name) => `${JSON.stringify(name)}:${canonical(value.M[name])}`).join(',')}}`;
  if (value.L !== undefined) return `L[${value.L.map(canonical).join(',')}]`;
  if (value.SS !== undefined) return `SS${JSON.stringify([...value.SS].sort())}`;
  if (value.NS !== undefined) return `NS${JSON.stringify([...value.NS].sort())}`;
  if (value.BS !== undefined) return `BS${JSON.stringify(value.BS.map((member) => Buffer.from(member).toString('base64')).sort())}`;
  if (value.B !== undefined) return `B${Buffer.from(value.B).toString('base64')}`;
  return JSON.stringify(value);
}

function sameEntry(a: Item, b: Item): boolean {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].every((name) => canonical(a[name]) === canonical(b[name]));
}

/** The sizes of the index writes a change of one item from `before` to `after` makes in `index`. */
export function indexWrites(before: Item | undefined, after: Item | undefined, index: IndexShape, table: TableShape = RECALL_TABLE): number[] {
  const was = indexEntry(before, index, table);
  const is = indexEntry(after, index, table);
  if (!was && !is) return [];
  if (!was) return [itemBytes(is)];
  if (!is) return [itemBytes(was)];
  const keyMoved = canonical(was[index.partitionKey]) !== canonical(is[index.partitionKey]) || canonical(was[index.sortKey]) !== canonical(is[index.sortKey]);
  if (keyMoved) return [itemBytes(was), itemBytes(is)];
  return sameEntry(was, is) ? [] : [Math.max(itemBytes(was), itemBytes(is))];
}

export interface WriteBill {
  tableUnits: number;
  indexUnits: number;
  indexWrites: number;
}

/**
 * What one write of an item from `before` to `after` is billed. A failed conditional write is
 * billed on the larger of the stored item and the one it tried to write, and writes no index.
 */
export function billWrite(before: Item | undefined, after: Item | undefined, failed: boolean, table: TableShape = RECALL_TABLE): WriteBill {
  const tableUnits = writeUnits(Math.max(itemBytes(before), itemBytes(after)));
  if (failed) return { tableUnits, indexUnits: 0, indexWrites: 0 };
  const sizes = table.indexes.flatMap((index) => indexWrites(before, after, index, table));
  return { tableUnits, indexUnits: sizes.reduce((sum, bytes) => sum + writeUnits(bytes), 0), indexWrites: sizes.length };
}

export interface UsageLine {
  requests: number;
  readUnits: number;
  /** Base-table write units of the writes that succeeded. */
  tableWriteUnits: number;
  indexWriteUnits: number;
  indexWrites: number;
  failedConditions: number;
  /** Units billed for the failed conditional writes. */
  failedWriteUnits: number;
}

const emptyLine = (): UsageLine => ({ requests: 0, readUnits: 0, tableWriteUnits: 0, indexWriteUnits: 0, indexWrites: 0, failedConditions: 0, failedWriteUnits: 0 });

/** Every billed write unit of a line: base table, indexes, failed conditions. */
export const billedWriteUnits = (line: UsageLine) => line.tableWriteUnits + line.indexWriteUnits + line.failedWriteUnits;

const LINE_FIELDS = ['requests', 'readUnits', 'tableWriteUnits', 'indexWriteUnits', 'indexWrites', 'failedConditions', 'failedWriteUnits'] as const satisfies readonly (keyof UsageLine)[];

function addLine(into: UsageLine, line: Partial<UsageLine>): void {
  for (const name of LINE_FIELDS) into[name] += line[name] ?? 0;
}

const CUSTOMER_ITEMS: readonly (readonly [prefix: string, kind: string])[] = [
  [keys.profile, 'profile'],
  [keys.category(''), 'category history'],
  [keys.journey(''), 'journey state'],
  [keys.ledger('', '', '').slice(0, 2), 'ledger'],
  [keys.order(''), 'order marker'],
];
const PARTITIONS: readonly (readonly [prefix: string, kind: string])[] = [
  [keys.person(''), 'person cap'],
  [keys.run(''), 'run bookkeeping'],
  [pacerKey.pk, 'pacer'],
  [keys.imports, 'import log'],
];

const text = (value: AttributeValue | undefined) => value?.S ?? '';

/** What kind of item a key names (profile, ledger, person cap, ...), from the table's key scheme. */
export function itemKind(key: Item | undefined): string {
  const pk = text(key?.[RECALL_TABLE.partitionKey]);
  const sk = text(key?.[RECALL_TABLE.sortKey]);
  if (pk.startsWith(keys.customer(''))) return CUSTOMER_ITEMS.find(([prefix]) => sk.startsWith(prefix))?.[1] ?? sk.replace(/#.*/, '');
  return PARTITIONS.find(([prefix]) => pk.startsWith(prefix))?.[1] ?? pk.replace(/#.*/, '');
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'SS', 'NS', 'BS', 'L', 'M']);
const isAttributeValue = (value: unknown): value is AttributeValue => isObject(value) && Object.keys(value).length === 1 && ATTRIBUTE_TYPES.has(Object.keys(value)[0] ?? '');
const isItem = (value: unknown): value is Item => isObject(value) && Object.values(value).every(isAttributeValue);

/** A value as the document client gives it back (a string, a number, a map...), in DynamoDB's typed form. */
export function attributeValue(value: unknown): AttributeValue | undefined {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof Uint8Array) return { B: value };
  if (value instanceof Set) {
    const members = [...value];
    if (members.every((member) => typeof member === 'string')) return { SS: members };
    if (members.every((member) => typeof member === 'number')) return { NS: members.map(String) };
    return undefined;
  }
  if (Array.isArray(value)) return { L: value.flatMap((element) => attributeValue(element) ?? []) };
  if (isObject(value)) return { M: asItem(value) ?? {} };
  return undefined;
}

/**
 * An item in DynamoDB's typed form. Requests reach the meter typed (it runs after the document
 * client marshals them); responses reach it already unmarshalled for document-client commands.
 */
export function asItem(value: unknown): Item | undefined {
  if (!isObject(value)) return undefined;
  if (isItem(value)) return value;
  return Object.fromEntries(Object.entries(value).flatMap(([name, member]) => {
    const typed = attributeValue(member);
    return typed ? [[name, typed]] : [];
  }));
}

const itemField = (input: Record<string, unknown>, name: string): Item | undefined => asItem(input[name]);

function keyOf(item: Item): Item {
  const key: Item = {};
  for (const name of [RECALL_TABLE.partitionKey, RECALL_TABLE.sortKey]) {
    const value = item[name];
    if (value !== undefined) key[name] = value;
  }
  return key;
}

function consumedUnits(output: Record<string, unknown>): number {
  const consumed = output.ConsumedCapacity;
  const list = Array.isArray(consumed) ? consumed : consumed === undefined ? [] : [consumed];
  return list.reduce((sum: number, entry: unknown) => sum + (isObject(entry) && typeof entry.CapacityUnits === 'number' ? entry.CapacityUnits : 0), 0);
}

const isConditionFailure = (error: unknown) => isObject(error) && error.name === 'ConditionalCheckFailedException';

interface PendingWrite {
  label: string;
  key: Item;
  /** The item the write puts (PutItem); undefined for an update (read back) or a delete. */
  put?: Item;
  deletes: boolean;
}

/**
 * Where the item a write changes is taken from: `{ read }` reads it (strongly consistent, through
 * an unmetered client) just before the write and, for an update, just after; `last-seen` keeps the
 * last version this meter saw (a read or a put), exact for an item only ever written whole by
 * metered clients (the pacer's) and adding no request between its read and its write (an update
 * there is counted as leaving the item as it was).
 */
export type ItemSource = { read: DynamoDBClient } | 'last-seen';

let meters = 0;

/**
 * Billed units per phase and per request kind (`PutItem ledger`, `UpdateItem ledger -> sent`,
 * `BatchGetItem profile (consistent)`, ...), counted by a middleware on every client it is
 * attached to.
 */
export class BilledUnits {
  /** Tag for what is counted from now on (e.g. `scan`, `send`). */
  phase = '';
  private readonly lines = new Map<string, Map<string, UsageLine>>();
  private readonly lastSeen = new Map<string, Item>();
  /** Item sizes seen per kind: the pacer's grows with MPS. */
  private readonly sizes = new Map<string, { count: number; bytes: number; max: number }>();

  constructor(private readonly source: ItemSource) {}

  /** Counts every request `client` sends from now on; the returned function stops it. */
  attach(client: DynamoDBClient): () => void {
    const name = `billedUnits${++meters}`;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const action = (context.commandName ?? '').replace(/Command$/, '');
        const input: unknown = args.input;
        if (!isObject(input)) return next(args);
        if (action === 'GetItem' || action === 'BatchGetItem' || action === 'Query' || action === 'Scan') {
          if (input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'TOTAL';
          const result = await next(args);
          const output: unknown = result.output;
          if (isObject(output)) this.countRead(action, input, output);
          return result;
        }
        if (action === 'PutItem' || action === 'UpdateItem' || action === 'DeleteItem' || action === 'BatchWriteItem') {
          const tableName = this.tableOf(action, input);
          const writes = this.pendingWrites(action, input);
          const before = await this.itemsBefore(tableName, writes);
          try {
            const result = await next(args);
            const output: unknown = result.output;
            const unprocessed = isObject(output) ? this.unprocessed(output) : new Set<string>();
            await this.countWrites(tableName, writes.filter((write) => !unprocessed.has(this.slot(tableName, write.key))), before, false);
            return result;
          } catch (error) {
            if (isConditionFailure(error)) await this.countWrites(tableName, writes, before, true);
            throw error;
          }
        }
        return next(args);
      },
      // After serialization (so a document-client request is typed) and around the retries (so a
      // request is counted once, as DynamoDB bills it).
      { step: 'build', name, priority: 'high' },
    );
    return () => void client.middlewareStack.remove(name);
  }

  /** Every line of `phase` (all phases when omitted), by request kind. */
  breakdown(phase?: string): ({ request: string } & UsageLine)[] {
    const merged = new Map<string, UsageLine>();
    for (const [linePhase, lines] of this.lines) {
      if (phase !== undefined && linePhase !== phase) continue;
      for (const [label, line] of lines) {
        const into = merged.get(label) ?? emptyLine();
        addLine(into, line);
        merged.set(label, into);
      }
    }
    return [...merged].map(([request, line]) => ({ request, ...line })).sort((a, b) => a.request.localeCompare(b.request));
  }

  total(phase?: string): UsageLine {
    const total = emptyLine();
    for (const { request: _request, ...line } of this.breakdown(phase)) addLine(total, line);
    return total;
  }

  /** Mean and largest size of the items of `kind` this meter wrote or read back. */
  itemSize(kind: string): { meanBytes: number; maxBytes: number } | undefined {
    const seen = this.sizes.get(kind);
    return seen ? { meanBytes: seen.bytes / seen.count, maxBytes: seen.max } : undefined;
  }

  private add(label: string, line: Partial<UsageLine>): void {
    const lines = this.lines.get(this.phase) ?? new Map<string, UsageLine>();
    this.lines.set(this.phase, lines);
    const into = lines.get(label) ?? emptyLine();
    addLine(into, line);
    lines.set(label, into);
  }

  private noteSize(item: Item | undefined): void {
    if (!item) return;
    const kind = itemKind(item);
    const bytes = itemBytes(item);
    const seen = this.sizes.get(kind) ?? { count: 0, bytes: 0, max: 0 };
    this.sizes.set(kind, { count: seen.count + 1, bytes: seen.bytes + bytes, max: Math.max(seen.max, bytes) });
  }

  private slot(tableName: string, key: Item): string {
    return JSON.stringify([tableName, text(key[RECALL_TABLE.partitionKey]), text(key[RECALL_TABLE.sortKey])]);
  }

  private countRead(action: string, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const consistent = input.ConsistentRead === true;
    let label: string;
    let minimum = consistent ? 1 : 0.5;
    if (action === 'BatchGetItem') {
      // Each key is billed like a GetItem (dynalite counts a missing one too): no floor per request.
      const requests = isObject(input.RequestItems) ? Object.values(input.RequestItems).filter(isObject) : [];
      const batchConsistent = requests.some((request) => request.ConsistentRead === true);
      const kinds = new Set(requests.flatMap((request) => (Array.isArray(request.Keys) ? request.Keys.filter(isItem).map(itemKind) : [])));
      label = `BatchGetItem ${[...kinds].sort().join(' + ')}${batchConsistent ? ' (consistent)' : ''}`;
      minimum = 0;
    } else if (action === 'GetItem') {
      label = `GetItem ${itemKind(itemField(input, 'Key'))}${consistent ? ' (consistent)' : ''}`;
      const item = asItem(output.Item);
      this.noteSize(item);
      if (this.source === 'last-seen' && typeof input.TableName === 'string') {
        const key = itemField(input, 'Key');
        if (key) {
          if (item) this.lastSeen.set(this.slot(input.TableName, key), item);
          else this.lastSeen.delete(this.slot(input.TableName, key));
        }
      }
    } else if (typeof input.IndexName === 'string') {
      label = `${action} ${input.IndexName} index`;
    } else {
      const values = itemField(input, 'ExpressionAttributeValues');
      label = action === 'Query' ? `Query ${itemKind({ [RECALL_TABLE.partitionKey]: values?.[':pk'] ?? { S: '' } })} partition${consistent ? ' (consistent)' : ''}` : `${action} table`;
    }
    this.add(label, { requests: 1, readUnits: Math.max(minimum, consumedUnits(output)) });
  }

  private tableOf(action: string, input: Record<string, unknown>): string {
    if (action === 'BatchWriteItem') return isObject(input.RequestItems) ? (Object.keys(input.RequestItems)[0] ?? '') : '';
    return typeof input.TableName === 'string' ? input.TableName : '';
  }

  private pendingWrites(action: string, input: Record<string, unknown>): PendingWrite[] {
    if (action === 'BatchWriteItem') {
      const requests = isObject(input.RequestItems) ? Object.values(input.RequestItems).flatMap((list) => (Array.isArray(list) ? list.filter(isObject) : [])) : [];
      return requests.flatMap((request): PendingWrite[] => {
        const put = isObject(request.PutRequest) ? itemField(request.PutRequest, 'Item') : undefined;
        if (put) return [{ label: `BatchWriteItem ${itemKind(put)}`, key: keyOf(put), put, deletes: false }];
        const key = isObject(request.DeleteRequest) ? itemField(request.DeleteRequest, 'Key') : undefined;
        return key ? [{ label: `BatchWriteItem delete ${itemKind(key)}`, key, deletes: true }] : [];
      });
    }
    const put = action === 'PutItem' ? itemField(input, 'Item') : undefined;
    const key = put ? keyOf(put) : itemField(input, 'Key');
    if (!key) return [];
    // A ledger status move names its target status (`:to`): the breakdown shows each move.
    const to = action === 'UpdateItem' ? itemField(input, 'ExpressionAttributeValues')?.[':to']?.S : undefined;
    return [{ label: `${action} ${itemKind(key)}${to ? ` -> ${to}` : ''}`, key, ...(put ? { put } : {}), deletes: action === 'DeleteItem' }];
  }

  private unprocessed(output: Record<string, unknown>): Set<string> {
    const left = new Set<string>();
    if (!isObject(output.UnprocessedItems)) return left;
    for (const [tableName, list] of Object.entries(output.UnprocessedItems)) {
      for (const request of Array.isArray(list) ? list.filter(isObject) : []) {
        const item = isObject(request.PutRequest) ? itemField(request.PutRequest, 'Item') : isObject(request.DeleteRequest) ? itemField(request.DeleteRequest, 'Key') : undefined;
        if (item) left.add(this.slot(tableName, keyOf(item)));
      }
    }
    return left;
  }

  private async itemsBefore(tableName: string, writes: readonly PendingWrite[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    if (this.source === 'last-seen') {
      for (const { key } of writes) {
        const item = this.lastSeen.get(this.slot(tableName, key));
        if (item) found.set(this.slot(tableName, key), item);
      }
      return found;
    }
    if (writes.length === 1 && writes[0]) {
      const { Item: item } = await this.source.read.send(new GetItemCommand({ TableName: tableName, Key: writes[0].key, ConsistentRead: true }));
      if (item) found.set(this.slot(tableName, writes[0].key), item);
      return found;
    }
    for (let i = 0; i < writes.length; i += 100) {
      let pending: Item[] | undefined = writes.slice(i, i + 100).map((write) => write.key);
      while (pending && pending.length > 0) {
        const result: BatchGetItemCommandOutput = await this.source.read.send(new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
        for (const item of result.Responses?.[tableName] ?? []) found.set(this.slot(tableName, keyOf(item)), item);
        pending = result.UnprocessedKeys?.[tableName]?.Keys;
      }
    }
    return found;
  }

  /** The item after a write that succeeded. */
  private async itemAfter(tableName: string, write: PendingWrite, before: Item | undefined): Promise<Item | undefined> {
    if (write.put) return write.put;
    if (write.deletes) return undefined;
    if (this.source === 'last-seen') return before;
    return (await this.source.read.send(new GetItemCommand({ TableName: tableName, Key: write.key, ConsistentRead: true }))).Item;
  }

  private async countWrites(tableName: string, writes: readonly PendingWrite[], before: Map<string, Item>, failed: boolean): Promise<void> {
    for (const [position, write] of writes.entries()) {
      const slot = this.slot(tableName, write.key);
      const old = before.get(slot);
      // A batch is one request however many items it writes: counted under its first item's kind.
      const requests = position === 0 ? 1 : 0;
      if (failed) {
        this.add(write.label, { requests, failedConditions: 1, failedWriteUnits: billWrite(old, write.put ?? old, true).tableUnits });
        continue;
      }
      const after = await this.itemAfter(tableName, write, old);
      const bill = billWrite(old, after, false);
      this.noteSize(after);
      if (this.source === 'last-seen') {
        if (after) this.lastSeen.set(slot, after);
        else this.lastSeen.delete(slot);
      }
      this.add(write.label, { requests, tableWriteUnits: bill.tableUnits, indexWriteUnits: bill.indexUnits, indexWrites: bill.indexWrites });
    }
  }
}

export interface TableStorage {
  items: number;
  /** Base-table bytes, with the 100-byte overhead per item. */
  tableBytes: number;
  /** Per index: entries and bytes, with the 100-byte overhead per entry. */
  indexes: Record<string, { entries: number; bytes: number }>;
}

/** The table's billed storage, from a Scan of every item (in parallel segments, through `client`). */
export async function tableStorage(client: DynamoDBClient, tableName: string, segments = 4, table: TableShape = RECALL_TABLE): Promise<TableStorage> {
  const storage: TableStorage = { items: 0, tableBytes: 0, indexes: Object.fromEntries(table.indexes.map((index) => [index.name, { entries: 0, bytes: 0 }])) };
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Item | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, Segment: segment, TotalSegments: segments, ExclusiveStartKey: startKey }));
        for (const item of page.Items ?? []) {
          storage.items++;
          storage.tableBytes += itemBytes(item) + STORAGE_OVERHEAD_BYTES;
          for (const index of table.indexes) {
            const entry = indexEntry(item, index, table);
            const stored = storage.indexes[index.name];
            if (entry && stored) {
              stored.entries++;
              stored.bytes += itemBytes(entry) + STORAGE_OVERHEAD_BYTES;
            }
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }),
  );
  return storage;
}
