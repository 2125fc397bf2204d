import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { couponCode } from '../../lib/domain/coupon.ts';
import type { OrderInput } from '../../lib/domain/model.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { readOrders } from '../../lib/import/orders.ts';
import { importOrders, type ImportCounts, type ImportRow } from '../../lib/usecases/import.ts';
import { recordOrder, type RecordOrderDeps } from '../../lib/usecases/record-order.ts';
import { csv, testConfig } from '../support/fixtures.ts';
import { canonical, scanTable } from '../support/table-state.ts';
import { TestDynamo } from '../support/store.ts';

/*
 * `importOrders` writes customers with no stored history in batches of their final state; the
 * table must end item for item as recording the same file order by order through record-order.
 */

const TODAY = '2026-11-22';
const AS_OF = new Date(`${TODAY}T02:00:00Z`);
const COUPON_SECRET = 'import-orders-test-secret';
const HEADER = 'order_id,customer_id,ordered_at,category,amount,coupon_code';
/**
 * A tenth of the production window (2,000 rows held, 500 written at a time), so a 200-customer
 * file (about 440 rows) takes the same paths as a 1,000-customer file would with the default.
 */
const WINDOW = { waitingRows: 200, groupRows: 50 };

const row = (orderId: string, customerId: string, orderedAt: string, category: string, amount: number | string, coupon = '') => `${orderId},${customerId},${orderedAt},${category},${amount},${coupon}`;

const storedMessage = { customerId: 'x-stored', journeyId: 'category-recall', cycle: '2026-08-15', stepId: 'coupon-1', runDate: '2026-11-20', outcome: 'sent' as const, status: 'sent' as const, channel: 'sms' as const, parts: 2 };
const storedCode = couponCode(COUPON_SECRET, 'x-stored#category-recall#2026-08-15#coupon-1');

/**
 * A generated shop's orders, most customers' rows together but a quarter of the first customers'
 * last orders moved to the end of the file (after those customers were written: more than
 * WINDOW.waitingRows rows come between), and the cases
 * around them: a customer with stored history and a coupon message, one with a profile only, a
 * loyal customer with 12 orders in one category, repeated and conflicting order ids (within the
 * file and against the store), an id of two customers, a multi-line order with an unknown
 * category, and bad rows.
 */
function shopFile(config: CampaignConfig): string {
  const lines: string[] = [];
  const late: string[] = [];
  let index = 0;
  for (const { orders } of generateDemoShop({ customers: 200, seed: 4, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone })) {
    const moved = index++ < 80 && index % 4 === 0 && orders.length > 1 ? orders.at(-1) : undefined;
    for (const order of orders) {
      const rows = order.lines.map((line) => row(order.orderId, order.customerId, order.orderedAt, line.category, line.amount));
      (order === moved ? late : lines).push(...rows);
    }
  }
  const loyal = Array.from({ length: 12 }, (_, i) => row(`x-loyal-${i}`, 'x-loyal', `2025-${String(i + 1).padStart(2, '0')}-10T12:00:00+08:00`, 'cosmetics', 120));
  return [
    HEADER,
    row('x-stored-o0', 'x-stored', '2026-08-15T12:00:00+08:00', 'cosmetics', 100),
    row('x-dup-o1', 'x-dup', '2026-10-01T12:00:00+08:00', 'skincare', 260),
    row('x-profile-o1', 'x-profile', '2026-09-01T12:00:00+08:00', 'womens-shoes', 310),
    row('x-dup-o1', 'x-dup', '2026-10-01T12:00:00+08:00', 'skincare', 260),
    row('x-multi-o1', 'x-multi', '2026-07-01T12:00:00+08:00', 'cosmetics', 100),
    row('x-multi-o1', 'x-multi', '2026-07-01T12:00:00+08:00', 'crystals', 50),
    row('x-dup-o1', 'x-other', '2026-10-02T12:00:00+08:00', 'skincare', 80),
    row('x-new-coupon-o1', 'x-new-coupon', '2026-11-01T12:00:00+08:00', 'pet-food', 90, 'ABCDEFGHJK'),
    row('x-dup-o1', 'x-dup', '2026-10-01T12:00:00+08:00', 'skincare', 999),
    row('x-bad-date', 'x-bad', 'yesterday', 'cosmetics', 10),
    row('x-no-category', 'x-bad', '2026-11-01T12:00:00+08:00', '', 10),
    row('x-negative', 'x-bad', '2026-11-01T12:00:00+08:00', 'cosmetics', -5),
    ...loyal,
    ...lines,
    ...late,
    row('x-stored-o0', 'x-stored', '2026-08-15T12:00:00+08:00', 'cosmetics', 120),
    row('x-stored-o1', 'x-stored', '2026-11-21T12:00:00+08:00', 'cosmetics', 180, storedCode),
    '',
  ].join('\n');
}

/** What both stores hold before the import: a customer with history and a sent coupon message, and one with a profile only. */
async function priorState(store: DynamoStore, config: CampaignConfig): Promise<void> {
  await store.putSnapshots([
    { customer: { customerId: 'x-stored', name: '', smsOptIn: true }, categories: [], journeys: [], orders: [], ledger: [{ ...storedMessage, couponCode: storedCode, couponValue: 50 }] },
    { customer: { customerId: 'x-profile', name: '赵六', phone: '+8613800138006', smsOptIn: true }, categories: [], journeys: [], orders: [] },
  ]);
  const earlier: OrderInput = { orderId: 'x-stored-o0', customerId: 'x-stored', orderedAt: '2026-08-15T12:00:00+08:00', lines: [{ category: 'cosmetics', amount: 100 }] };
  await recordOrder({ store, config, clock: { now: () => AS_OF } }, earlier);
}

/**
 * The reference: every order through record-order, one at a time per customer (customers side by
 * side), counted as an import counts; an order id belongs to the first customer that used it.
 */
async function importOneByOne(deps: RecordOrderDeps, rows: AsyncIterable<ImportRow<OrderInput>>): Promise<{ counts: ImportCounts; rejectedRows: string[] }> {
  const counts: ImportCounts = { imported: 0, unchanged: 0, rejected: {}, skipped: {}, warnings: {} };
  const rejectedRows: string[] = [];
  const reject = (line: number, reason: string) => {
    counts.rejected[reason] = (counts.rejected[reason] ?? 0) + 1;
    rejectedRows.push(`${line}: ${reason}`);
  };
  const owners = new Map<string, string>();
  const byCustomer = new Map<string, { line: number; order: OrderInput }[]>();
  for await (const result of rows) {
    if (!result.ok) {
      reject(result.line, result.reason);
      continue;
    }
    const owner = owners.get(result.value.orderId) ?? result.value.customerId;
    owners.set(result.value.orderId, owner);
    if (owner !== result.value.customerId) {
      reject(result.line, 'conflicting-order');
      continue;
    }
    byCustomer.set(result.value.customerId, [...(byCustomer.get(result.value.customerId) ?? []), { line: result.line, order: result.value }]);
  }
  const customers = [...byCustomer.values()];
  const worker = async () => {
    for (let orders = customers.pop(); orders; orders = customers.pop()) {
      for (const { line, order } of orders) {
        const result = await recordOrder(deps, order);
        if (result.status === 'conflicting') {
          reject(line, 'conflicting-order');
          continue;
        }
        if (result.status === 'duplicate') counts.unchanged++;
        else counts.imported++;
        result.unknownCategories.forEach(() => reject(line, 'unknown-category'));
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { counts, rejectedRows: rejectedRows.sort() };
}

describe('importOrders', () => {
  let dynamo: TestDynamo;
  let config: CampaignConfig;

  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    config = await testConfig();
  });

  afterAll(async () => {
    await dynamo.stop();
  });

  it('ends item for item as recording the file order by order, with the same counts and rejected rows, writing new customers in batches', { timeout: 600_000 }, async () => {
    // Prepare: two stores in the same state, and the same file for each.
    const file = shopFile(config);
    const read = () => readOrders(csv(file), 'orders.csv', { timeZone: config.merchantTimeZone, asOf: AS_OF, categories: config.categories });
    const [bulk, reference] = [await dynamo.freshStore(), await dynamo.freshStore()];
    await priorState(bulk, config);
    await priorState(reference, config);
    let recordedOneByOne = 0;
    let batchedCustomers = 0;
    const counted = Object.assign(Object.create(bulk) as DynamoStore, {
      beginOrder: (...args: Parameters<DynamoStore['beginOrder']>) => {
        recordedOneByOne++;
        return bulk.beginOrder(...args);
      },
      putOrderHistories: (...args: Parameters<DynamoStore['putOrderHistories']>) => {
        batchedCustomers += args[0].length;
        return bulk.putOrderHistories(...args);
      },
    });
    const rejectedRows: string[] = [];

    // Act (the two stores are independent tables: the import and the reference run side by side)
    const [counts, expected] = await Promise.all([
      importOrders(
        { store: counted, config, clock: { now: () => AS_OF }, couponSecret: COUPON_SECRET },
        read(),
        AS_OF,
        { onRejected: (line, reason) => void rejectedRows.push(`${line}: ${reason}`) },
        WINDOW,
      ),
      reference.noteImport(AS_OF.toISOString()).then(() => importOneByOne({ store: reference, config, clock: { now: () => AS_OF }, couponSecret: COUPON_SECRET }, read())),
    ]);

    // Assess: the same counts, rejected rows and items; the bulk path carried most customers.
    expect(counts).toEqual(expected.counts);
    expect(rejectedRows.sort()).toEqual(expected.rejectedRows);
    expect(counts.rejected).toEqual({ 'bad-date': 1, 'missing-category': 1, 'negative-amount': 1, 'conflicting-order': 3, 'unknown-category': 1 });
    expect(counts.unchanged).toBe(2);
    const [after, want] = [await scanTable(bulk), await scanTable(reference)];
    expect([...after.keys()]).toEqual([...want.keys()]);
    const differing = [...want].filter(([key, item]) => canonical(after.get(key)) !== canonical(item)).map(([key]) => key);
    expect(differing).toEqual([]);
    expect(after.get('C#x-stored|L#category-recall#2026-08-15#coupon-1')).toMatchObject({ convertedBy: 'x-stored-o1', redeemedBy: 'x-stored-o1' });
    expect(after.get('C#x-profile|PROFILE')).toMatchObject({ name: '赵六', phone: '+8613800138006' });
    // record-order gives a customer without a profile one holding their member figures alone.
    expect(Object.keys(after.get('C#x-new-coupon|PROFILE') ?? {}).sort()).toEqual(['calPk', 'calSk', 'customerId', 'member', 'pk', 'sk']);
    expect(batchedCustomers).toBeGreaterThan(180);
    // The stored customer, the loyal one, and the late rows of customers written before them.
    expect(recordedOneByOne).toBeGreaterThan(12 + 3);
    expect(recordedOneByOne).toBeLessThan(40);
  });

  it('a crash after the histories and before the order markers: importing the file again ends as recording it order by order', { timeout: 300_000 }, async () => {
    // Prepare: a store whose batched write stops after the histories and journey states.
    const lines = [HEADER];
    for (const { orders } of generateDemoShop({ customers: 60, seed: 9, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone })) {
      for (const order of orders) for (const line of order.lines) lines.push(row(order.orderId, order.customerId, order.orderedAt, line.category, line.amount));
    }
    // More orders in one category than a history remembers: written one by one, never by the batch.
    for (let i = 0; i < 14; i++) lines.push(row(`x-loyal-${i}`, 'x-loyal', `2025-01-${String(i + 10)}T12:00:00+08:00`, 'cosmetics', 120));
    const file = `${lines.join('\n')}\n`;
    const read = () => readOrders(csv(file), 'orders.csv', { timeZone: config.merchantTimeZone, asOf: AS_OF, categories: config.categories });
    const [crashed, reference] = [await dynamo.freshStore(), await dynamo.freshStore()];
    const crashing = Object.assign(Object.create(crashed) as DynamoStore, {
      putOrderHistories: async (...[snapshots]: Parameters<DynamoStore['putOrderHistories']>) => {
        await crashed.putOrderHistories(snapshots.map((snapshot) => ({ ...snapshot, orders: [] })));
        throw new Error('crashed before the order markers');
      },
    });
    const deps = (store: DynamoStore) => ({ store, config, clock: { now: () => AS_OF } });
    await expect(importOrders(deps(crashing), read(), AS_OF)).rejects.toThrow('crashed before the order markers');
    const halfWritten = await scanTable(crashed);

    // Act (side by side, as above)
    const [counts, expected] = await Promise.all([
      importOrders(deps(crashed), read(), AS_OF),
      reference.noteImport(AS_OF.toISOString()).then(() => importOneByOne(deps(reference), read())),
    ]);

    // Assess: the crash left histories without markers (the loyal customer, recorded one by one, is
    // whole and unchanged the second time); the re-import recorded every other order once.
    expect([...halfWritten.keys()].some((key) => key.includes('|CAT#'))).toBe(true);
    expect([...halfWritten.keys()].filter((key) => key.includes('|O#') && !key.startsWith('C#x-loyal|'))).toEqual([]);
    expect(counts).toEqual({ ...expected.counts, imported: expected.counts.imported - 14, unchanged: 14 });
    const [after, want] = [await scanTable(crashed), await scanTable(reference)];
    expect([...after.keys()]).toEqual([...want.keys()]);
    expect([...want].filter(([key, item]) => canonical(after.get(key)) !== canonical(item)).map(([key]) => key)).toEqual([]);
  });
});
