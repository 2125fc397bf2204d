import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { keys } from '../../lib/store/tables.ts';

/**
 * A table as data: every item by `pk|sk`, to copy a prepared shop into a fresh table and to
 * compare the state two runs left behind.
 */

export type TableItem = Record<string, unknown>;
export type TableState = Map<string, TableItem>;

const itemKey = (item: TableItem) => `${String(item.pk)}|${String(item.sk)}`;

/** JSON with object keys sorted, so two equal items compare equal whatever order they were written in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

export async function scanTable(store: DynamoStore): Promise<TableState> {
  const doc = DynamoDBDocumentClient.from(store.client);
  const items: TableState = new Map();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: store.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) items.set(itemKey(item), item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return new Map([...items].sort(([a], [b]) => a.localeCompare(b)));
}

/** Every item of the table, sorted: a test may Scan, to prove nothing was written. */
export const tableSnapshot = async (store: DynamoStore): Promise<TableItem[]> => [...(await scanTable(store)).values()];

/** Writes `state` into `store` (an empty table): the same shop, item for item. */
export async function restoreTable(store: DynamoStore, state: TableState): Promise<void> {
  const doc = DynamoDBDocumentClient.from(store.client);
  const items = [...state.values()];
  for (let start = 0; start < items.length; start += 25) {
    let pending = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const result = await doc.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: pending } }));
      pending = (result.UnprocessedItems?.[store.tableName] ?? []).flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
    }
  }
}

/** Keys of items added, changed or removed between two states, sorted. */
export function changedKeys(before: TableState, after: TableState): string[] {
  const changed = new Set<string>();
  for (const [key, item] of after) if (canonical(item) !== canonical(before.get(key))) changed.add(key);
  for (const key of before.keys()) if (!after.has(key)) changed.add(key);
  return [...changed].sort();
}

const isLedger = (key: string) => key.includes('|L#');

/**
 * The state with what legitimately differs between two equivalent runs taken out: when a
 * message went out (`sentAt`), and the pacer's log of grants (wall-clock times).
 */
export function comparable(state: TableState): TableState {
  const result: TableState = new Map();
  for (const [key, item] of state) {
    if (key.startsWith('PACER|')) continue;
    if (isLedger(key)) {
      const { sentAt: _sentAt, ...rest } = item;
      result.set(key, rest);
    } else result.set(key, item);
  }
  return result;
}

export interface StateComparison {
  /** Ledger items `sent` after the clean run and left `sending` (unconfirmed) after the crash. */
  unconfirmed: string[];
  /** Every other difference: `key: clean -> actual`. Must be empty. */
  differences: string[];
}

/**
 * Compares the state a crashed-and-resumed run left with a clean run's. The only difference the
 * design allows is a message left `sending` (unconfirmed) where the clean run has `sent`.
 */
export function compareWithClean(clean: TableState, actual: TableState): StateComparison {
  const expected = comparable(clean);
  const got = comparable(actual);
  const unconfirmed: string[] = [];
  const differences: string[] = [];
  for (const key of new Set([...expected.keys(), ...got.keys()])) {
    const want = expected.get(key);
    let have = got.get(key);
    if (isLedger(key) && want?.status === 'sent' && have?.status === 'sending') {
      unconfirmed.push(key);
      have = { ...have, status: 'sent' };
    }
    if (canonical(want) !== canonical(have)) differences.push(`${key}: ${canonical(want)} -> ${canonical(have)}`);
  }
  return { unconfirmed: unconfirmed.sort(), differences: differences.sort() };
}

/** Ledger keys (`customer#journey#cycle#step`) of the items in `state` with status `status`. */
export function ledgerKeysWithStatus(state: TableState, status: string): string[] {
  return [...state]
    .filter(([key, item]) => isLedger(key) && item.status === status)
    .map(([, item]) => `${String(item.customerId)}#${String(item.journeyId)}#${String(item.cycle)}#${String(item.stepId)}`)
    .sort();
}

/** The ledger keys (`<customer>#<journey>#<cycle>#<step>`) a profile item's cap slots name. */
export function slotKeys(profile: TableItem | undefined): string[] {
  const sends: unknown = profile?.recentSends;
  return Array.isArray(sends) ? sends.flatMap((send: unknown) => (typeof send === 'object' && send !== null && 'key' in send ? [String(send.key)] : [])) : [];
}

/** The messages claimed between two snapshots: the cap slots added to profiles, by ledger key, sorted. */
export function claimsAdded(before: TableState, after: TableState): string[] {
  return changedKeys(before, after)
    .filter((key) => key.endsWith(`|${keys.profile}`))
    .flatMap((key) => {
      const held = new Set(slotKeys(before.get(key)));
      return slotKeys(after.get(key)).filter((slot) => !held.has(slot));
    })
    .sort();
}
