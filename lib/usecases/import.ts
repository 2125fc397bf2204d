import type { CustomerInput, OrderInput } from '../domain/model.ts';
import type { RecallStore } from '../ports.ts';
import { recordOrder, type RecordOrderDeps } from './record-order.ts';

/** A row of an import: accepted, or rejected with its line and reason. */
export type ImportRow<T> = { ok: true; line: number; value: T } | { ok: false; line: number; reason: string; message: string };

export interface ImportCounts {
  imported: number;
  /** Orders only: already recorded before (a re-import changes nothing). */
  unchanged: number;
  rejected: Record<string, number>;
}

export interface ImportHooks {
  onRejected?: (line: number, reason: string, message: string) => void;
  onProgress?: (rows: number) => void;
}

const IN_FLIGHT = 16;

/** Runs `work` on the rows with at most IN_FLIGHT at once; rows with the same key run in order. */
async function forEachKeyed<T>(rows: AsyncIterable<T>, keyOf: (row: T) => string | undefined, work: (row: T) => Promise<void>): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const lastByKey = new Map<string, Promise<void>>();
  for await (const row of rows) {
    const key = keyOf(row);
    const previous = key === undefined ? undefined : lastByKey.get(key);
    const task: Promise<void> = (previous ?? Promise.resolve()).then(() => work(row));
    const tracked = task.finally(() => {
      inFlight.delete(tracked);
      if (key !== undefined && lastByKey.get(key) === task) lastByKey.delete(key);
    });
    inFlight.add(tracked);
    if (key !== undefined) lastByKey.set(key, task);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

function countRejected(counts: ImportCounts, hooks: ImportHooks, line: number, reason: string, message: string): void {
  counts.rejected[reason] = (counts.rejected[reason] ?? 0) + 1;
  hooks.onRejected?.(line, reason, message);
}

/** Upserts customers (contact and opt-in only: opt-outs and the frequency cap are kept). */
export async function importCustomers(deps: { store: RecallStore }, rows: AsyncIterable<ImportRow<CustomerInput>>, hooks: ImportHooks = {}): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, unchanged: 0, rejected: {} };
  await forEachKeyed(
    rows,
    (row) => (row.ok ? row.value.customerId : undefined),
    async (row) => {
      if (row.ok) {
        await deps.store.upsertCustomer(row.value);
        counts.imported++;
      } else {
        countRejected(counts, hooks, row.line, row.reason, row.message);
      }
      hooks.onProgress?.(1);
    },
  );
  return counts;
}

/**
 * Records each order through the record-order use case (attribution and coupon codes included:
 * pass the coupon secret); one customer's orders in file order.
 */
export async function importOrders(
  deps: RecordOrderDeps,
  orders: AsyncIterable<ImportRow<OrderInput>>,
  hooks: ImportHooks = {},
): Promise<ImportCounts> {
  const counts: ImportCounts = { imported: 0, unchanged: 0, rejected: {} };
  await forEachKeyed(
    orders,
    (row) => (row.ok ? row.value.customerId : undefined),
    async (row) => {
      if (!row.ok) {
        countRejected(counts, hooks, row.line, row.reason, row.message);
      } else {
        const result = await recordOrder(deps, row.value);
        if (result.status === 'duplicate') counts.unchanged++;
        else counts.imported++;
        for (const category of result.unknownCategories) {
          countRejected(counts, hooks, row.line, 'unknown-category', `order ${row.value.orderId}: category "${category}" is not in the config (line skipped, rest of the order kept)`);
        }
      }
      hooks.onProgress?.(1);
    },
  );
  return counts;
}
