import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, type MemoryPorts } from '../../lib/adapters/memory/store.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { shardOf } from '../../lib/domain/hashing.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { MESSAGE_MOVES } from '../../lib/domain/message-state.ts';
import type { Member } from '../../lib/domain/members.ts';
import type { JourneyState, LedgerEntry, Profile } from '../../lib/domain/records.ts';
import type { Cursor, Page } from '../../lib/ports/store.ts';
import { SCAN_SEGMENTS } from '../../lib/usecases/scan.ts';
import { simulate, type SimulationStore } from '../../lib/usecases/simulate.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/adapters/memory/store.ts against its reference, the Dynamo adapter on dynalite: the same
 * sequence of port calls (every port `recall simulate` uses, their conditional writes above all)
 * gives the same results on both. test/cli/simulate.test.ts holds whole replays equal.
 */

/** Maps and sets as their entries in order, so an order difference fails too. */
function plain(value: unknown): unknown {
  if (value instanceof Map) return [...value].map(([key, item]) => [key, plain(item)]);
  if (value instanceof Set) return [...value].map(plain);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, plain(item)]));
  return value;
}

const consent = { smsOptIn: true, optedOut: false, optInAt: '2026-01-01T00:00:00Z' };
const member = (version: number, lastOrderDate: string): Member => ({
  days: [{ date: lastOrderDate, orders: 1, spend: 120 }],
  lifetimeOrders: version,
  lifetimeSpend: 120 * version,
  lastOrderDate,
  categories: ['coffee'],
  recentOrderIds: [`o${version}`],
  version,
});
const state = (customerId: string, overrides: Partial<JourneyState> = {}): JourneyState => ({
  customerId,
  journeyId: 'replenish',
  category: 'coffee',
  cycle: '2026-03-01',
  anchorDate: '2026-03-01',
  stepIndex: 0,
  fromDate: '2026-03-01',
  ...overrides,
});
const message = (customerId: string, stepId: string, runDate: string): LedgerEntry => ({
  customerId,
  journeyId: 'replenish',
  cycle: '2026-03-01',
  stepId,
  runDate,
  outcome: 'sent',
  status: 'claimed',
  channel: 'sms',
  recipient: '+86 ...0001',
  parts: 1,
  couponCode: 'C-1',
  couponValue: 10,
});

/** Every port call of the sequence, each result noted under a label. */
async function script(store: MemoryPorts): Promise<[string, unknown][]> {
  const log: [string, unknown][] = [];
  const note = async (label: string, result: Promise<unknown>) => void log.push([label, plain(await result)]);
  // A batch read's order is the store's own: profiles are compared by id.
  const profiles = async (ids: string[]) => {
    const { profiles: found, invalid } = await store.getProfiles(ids, { consistent: true });
    return { profiles: [...found].sort(([a], [b]) => a.localeCompare(b)), invalid: [...invalid].sort() };
  };
  const profileOf = async (id: string): Promise<Profile> => {
    const found = (await store.getProfiles([id], { consistent: true })).profiles.get(id);
    if (!found) throw new Error(`no profile ${id}`);
    return found;
  };
  // Pages are the adapter's own: a paged read is compared as all its pages.
  const allPages = async <T>(query: (cursor?: Cursor) => Promise<Page<T>>) => {
    const items: T[] = [];
    let invalid = 0;
    let cursor: Cursor | undefined;
    do {
      const page = await query(cursor);
      items.push(...page.items);
      invalid += page.invalid;
      cursor = page.next;
    } while (cursor);
    return { items, invalid };
  };
  const scanned = async <T>(scan: (segment: number, total: number) => Promise<{ items: T[]; invalid: number }>, key: (item: T) => string) => {
    const pages = await Promise.all(Array.from({ length: SCAN_SEGMENTS }, (_, segment) => scan(segment, SCAN_SEGMENTS)));
    return { items: pages.flatMap((page) => page.items).sort((a, b) => key(a).localeCompare(key(b))), invalid: pages.reduce((sum, page) => sum + page.invalid, 0) };
  };

  // Customers: consent conditions, contact fields kept, the birthday's calendar entry moved.
  await note('save c1 new', store.saveCustomer({ customerId: 'c1', phone: '+8613800000001', name: '张三', birthday: { monthDay: '07-14', shard: 1 } }, consent, undefined, '+8613800000001'));
  await note('save c1 new again', store.saveCustomer({ customerId: 'c1', name: 'x' }, consent, undefined));
  await note('save c1 stale consent', store.saveCustomer({ customerId: 'c1', name: 'x' }, consent, { smsOptIn: false, optedOut: false }));
  await note('save c1 as read', store.saveCustomer({ customerId: 'c1', name: '张三丰', birthday: { monthDay: '07-15', shard: 1 } }, { smsOptIn: true, optedOut: false }, consent));
  await note('save c9 on no profile, consent all absent', store.saveCustomer({ customerId: 'c9', name: '九' }, { smsOptIn: false, optedOut: false }, { smsOptIn: false, optedOut: false }));
  await note('save c8 any', store.saveCustomer({ customerId: 'c8' }, { smsOptIn: true, optedOut: false }, 'any'));
  await note('profiles', profiles(['c1', 'c9', 'c8', 'nobody']));
  await note('birthdays 07-14', allPages((cursor) => store.birthdaysOn('07-14', 1, cursor)));
  await note('birthdays 07-15', allPages((cursor) => store.birthdaysOn('07-15', 1, cursor)));

  // A whole customer at once, and what counts as history.
  await store.putSnapshots([
    {
      customer: { customerId: 'c2', name: '李四', smsOptIn: true, phone: '+8613800000002' },
      birthday: { monthDay: '07-15', shard: 1 },
      member: { member: member(1, '2026-02-20'), shard: 2 },
      categories: [{ customerId: 'c2', category: 'coffee', firstDate: '2026-02-20', firstOrderId: 'o1', lastDate: '2026-02-20', orderCount: 1, recentOrderIds: ['o1'], version: 1 }],
      journeys: [{ scope: 'replenish#coffee', state: state('c2', { anchorDate: '2026-02-20', cycle: '2026-02-20', fromDate: '2026-02-20' }), waitsFor: { stepId: 'remind', shard: 2 } }],
      orders: [{ orderId: 'o1', orderDate: '2026-02-20', total: 120, categories: ['coffee'] }],
      ledger: [{ ...message('c2', 'old', '2026-02-01'), status: 'sent', cycle: '2026-01-01' }],
    },
    { customer: { customerId: 'c3', name: '王五', smsOptIn: false }, categories: [], journeys: [], orders: [] },
  ]);
  await note('history of', store.customersWithHistory(['c1', 'c2', 'c3', 'c9', 'nobody']));
  await note('birthdays 07-15 after snapshot', allPages((cursor) => store.birthdaysOn('07-15', 1, cursor)));
  await note('ordered since', allPages((cursor) => store.orderedSince('2026-01-15', '2026-03-10', 2, cursor)));
  await note('ordered since, after it', allPages((cursor) => store.orderedSince('2026-02-21', '2026-03-10', 2, cursor)));

  // Journey states: the cycle rule, the expected state, the due index and its cutoff.
  const remind = { stepId: 'remind', shard: 2 };
  const partition = { journeyId: 'replenish', stepId: 'remind', shard: 2, category: 'coffee' };
  await note('journey new', store.saveJourneyState('replenish#coffee', state('c1'), remind));
  await note('journey same anchor', store.saveJourneyState('replenish#coffee', state('c1', { fromDate: '2026-03-02' }), remind));
  await note('journey older anchor', store.saveJourneyState('replenish#coffee', state('c2', { anchorDate: '2026-01-01', cycle: '2026-01-01' }), remind));
  await note('journey not as expected', store.saveJourneyState('replenish#coffee', state('c1', { stepIndex: 1 }), remind, state('c1', { stepIndex: 1 })));
  await note('journey as expected, dormant', store.saveJourneyState('replenish#coffee', state('c1', { fromDate: '2026-02-25', dormant: true }), remind, state('c1')));
  await note('journey tea', store.saveJourneyState('replenish#tea', state('c3', { category: 'coffee', fromDate: '2026-02-25' }), remind));
  await note('due by 02-24', allPages((cursor) => store.queryDue(partition, '2026-02-24', cursor)));
  await note('due by 02-25', allPages((cursor) => store.queryDue(partition, '2026-02-25', cursor)));
  await note('due elsewhere', allPages((cursor) => store.queryDue({ ...partition, shard: 3 }, '2026-12-31', cursor)));
  await note('journey finished', store.saveJourneyState('replenish#tea', state('c3', { stepIndex: 2 }), undefined, state('c3')));
  await note('journey not expected any more', store.saveJourneyState('replenish#tea', state('c3', { stepIndex: 2 }), undefined, state('c3')));
  await note('due after finishing', allPages((cursor) => store.queryDue(partition, '2026-12-31', cursor)));
  await note('history c1', store.getCustomerHistory('c1'));
  await note('history c2', store.getCustomerHistory('c2'));
  await note('dormant', scanned((segment, total) => store.scanDormant(segment, total), (item) => item.customerId));

  // The ledger: one claim per key, the message state table, conversions and redemptions once.
  const ref = { journeyId: 'replenish', cycle: '2026-03-01', stepId: 'remind' };
  await note('claim', store.claimLedger(message('c1', 'remind', '2026-03-05'), '2027-03-05'));
  await note('claim again', store.claimLedger({ ...message('c1', 'remind', '2026-03-06'), outcome: 'held-out' }, '2027-03-06'));
  await note('claim skipped', store.claimLedger({ customerId: 'c3', journeyId: 'replenish', cycle: '2026-03-01', stepId: 'remind', runDate: '2026-03-05', outcome: 'skipped:no-consent', tier: 'gold' }));
  await note('begin', store.moveLedgerStatus('c1', ref, MESSAGE_MOVES.begin));
  await note('begin again', store.moveLedgerStatus('c1', ref, MESSAGE_MOVES.begin));
  await note('taken', store.moveLedgerStatus('c1', ref, MESSAGE_MOVES.taken, { sentAt: '2026-03-05T02:00:00.000Z' }));
  await note('move of no entry', store.moveLedgerStatus('c1', { ...ref, stepId: 'none' }, MESSAGE_MOVES.begin));
  await note('move of a skip', store.moveLedgerStatus('c3', ref, MESSAGE_MOVES.withdrawn));
  // The sender's first write of a message the run handed over unwritten.
  const opened = { ...message('c1', 'open', '2026-03-05'), tier: 'gold', variant: 'b' };
  const openRef = { ...ref, stepId: 'open' };
  await note('open', store.openMessage(opened, MESSAGE_MOVES.begin, '2027-03-05'));
  await note('open again', store.openMessage(opened, MESSAGE_MOVES.begin, '2027-03-05'));
  await note('handed back', store.moveLedgerStatus('c1', openRef, MESSAGE_MOVES.notTaken));
  await note('open handed back', store.openMessage(opened, MESSAGE_MOVES.begin, '2027-03-05'));
  await note('open a skip', store.openMessage({ ...opened, customerId: 'c3', stepId: 'remind' }, MESSAGE_MOVES.begin));
  await note('open withdrawn', store.openMessage({ ...message('c1', 'stop', '2026-03-05'), outcome: 'skipped:opted-out', error: 'opted out after the claim' }, MESSAGE_MOVES.withdrawn));
  await note('converted', store.markConverted('c1', ref, { orderId: 'o7', convertedAt: '2026-03-06T10:00:00+08:00', revenue: 99 }));
  await note('converted replay', store.markConverted('c1', ref, { orderId: 'o7', convertedAt: '2026-03-06T10:00:00+08:00', revenue: 99 }));
  await note('converted by another', store.markConverted('c1', ref, { orderId: 'o8', convertedAt: '2026-03-07T10:00:00+08:00', revenue: 50 }));
  await note('converted, no entry', store.markConverted('c1', { ...ref, stepId: 'none' }, { orderId: 'o8', convertedAt: '2026-03-07T10:00:00+08:00', revenue: 50 }));
  await note('redeemed', store.markRedeemed('c1', ref, 'o7'));
  await note('redeemed by another', store.markRedeemed('c1', ref, 'o8'));
  // An operator's guess, overridden by the provider.
  await store.claimLedger(message('c2', 'remind', '2026-03-05'));
  await store.moveLedgerStatus('c2', ref, MESSAGE_MOVES.begin);
  await note('operator: not sent', store.moveLedgerStatus('c2', ref, MESSAGE_MOVES.markNotSent, { markedAt: '2026-03-05T09:00:00Z' }));
  await note('provider: delivered', store.moveLedgerStatus('c2', ref, MESSAGE_MOVES.delivered, { settledAt: '2026-03-05T10:00:00Z' }));
  await note('ledger c1', store.getCustomerLedger('c1', '2026-03-01'));
  await note('ledger c2 since', store.getCustomerLedger('c2', '2026-02-01'));
  await note('ledger of the day', store.ledgerOfDay('2026-03-05'));
  await note('ledger of a day without', store.ledgerOfDay('2026-03-04'));

  // The rolling cap on the profile: versions, release, a cap slot on no profile.
  const c1 = await profileOf('c1');
  await note('cap', store.takeCapSlot(c1, { date: '2026-03-05', key: 'k1' }, '2026-02-26'));
  await note('cap stale', store.takeCapSlot(c1, { date: '2026-03-05', key: 'k2' }, '2026-02-26'));
  const capped = await profileOf('c1');
  await note('cap after', Promise.resolve(capped));
  await note('cap next', store.takeCapSlot(capped, { date: '2026-03-06', key: 'k3' }, '2026-02-27'));
  await store.releaseCapSlot(capped, { date: '2026-03-06', key: 'k3' }, '2026-02-27');
  await store.releaseCapSlot(capped, { date: '2026-03-06', key: 'k3' }, '2026-02-27');
  await note('cap released', profileOf('c1'));
  await note('cap of no profile', store.takeCapSlot({ ...c1, customerId: 'ghost', recentSends: [], capVersion: 0 }, { date: '2026-03-05', key: 'g' }, '2026-02-26'));
  await note('ghost profile', profiles(['ghost']));

  // A person's slots: one per run, `slots` per period, held by a resumed send, released by key.
  const person = 'sms:abc';
  await note('slot', store.takePersonSlot(person, { date: '2026-03-01', key: 'k1' }, '2026-02-22', 2));
  await note('slot held', store.takePersonSlot(person, { date: '2026-03-01', key: 'k1' }, '2026-02-22', 2));
  await note('slot same run', store.takePersonSlot(person, { date: '2026-03-01', key: 'k2' }, '2026-02-22', 2));
  await note('slot next run', store.takePersonSlot(person, { date: '2026-03-02', key: 'k2' }, '2026-02-23', 2));
  await note('slot period full', store.takePersonSlot(person, { date: '2026-03-03', key: 'k3' }, '2026-02-24', 2));
  await note('slot period over', store.takePersonSlot(person, { date: '2026-03-09', key: 'k4' }, '2026-03-01', 2));
  await store.releasePersonSlot(person, { date: '2026-03-09', key: 'k4' }, 2);
  await note('slot after release', store.takePersonSlot(person, { date: '2026-03-09', key: 'k5' }, '2026-03-01', 2));
  await note('slot one slot', store.takePersonSlot(person, { date: '2026-03-10', key: 'k6' }, '2026-03-01', 1));

  // Orders: markers begun and completed, the member's version, category histories.
  const fingerprint = { orderId: 'o7', customerId: 'c1', orderDate: '2026-03-06', total: 99, categories: ['coffee', 'tea'] };
  await note('begin order', store.beginOrder(fingerprint));
  await note('begin order again', store.beginOrder({ ...fingerprint, total: 1 }));
  await store.completeOrder('c1', 'o7');
  await note('begin order completed', store.beginOrder(fingerprint));
  await note('orders of c1', store.ordersOf('c1'));
  await note('orders of the day', store.ordersOfDay('2026-03-06'));
  await note('orders of the snapshot day', store.ordersOfDay('2026-02-20'));
  const coffee = { customerId: 'c1', category: 'coffee', firstDate: '2026-03-06', firstOrderId: 'o7', lastDate: '2026-03-06', orderCount: 1, recentOrderIds: ['o7'], version: 1 };
  await note('category new', store.saveCategoryHistory(coffee));
  await note('category new again', store.saveCategoryHistory(coffee));
  await note('category next', store.saveCategoryHistory({ ...coffee, orderCount: 2, version: 2 }));
  await note('category stale', store.saveCategoryHistory({ ...coffee, orderCount: 3, version: 2 }));
  await note('category replaced', store.saveCategoryHistory({ ...coffee, orderCount: 9, version: 7 }, { replaceCorrupt: true }));
  await note('member none', store.getMember('c1'));
  await note('member new', store.saveMember('c1', { member: member(1, '2026-03-06'), shard: 2 }, undefined));
  await note('member new again', store.saveMember('c1', { member: member(1, '2026-03-06'), shard: 2 }, undefined));
  await note('member next', store.saveMember('c1', { member: member(2, '2026-03-07'), shard: 2 }, 1));
  await note('member stale', store.saveMember('c1', { member: member(3, '2026-03-08'), shard: 2 }, 1));
  await note('member version 0 on none', store.saveMember('c4', { member: { ...member(1, '2026-01-10'), version: 0 }, shard: 2 }, 0));
  await note('member no order date', store.saveMember('c4', { member: { ...member(1, '2026-01-10'), lastOrderDate: undefined }, shard: 2 }, 'any'));
  await note('member stored', store.getMember('c1'));
  await note('member profile', profiles(['c1', 'c4']));
  await note('ordered since, members', allPages((cursor) => store.orderedSince('2026-01-01', '2026-03-31', 2, cursor)));
  await store.putOrderHistories([
    {
      customerId: 'c1',
      categories: [],
      journeys: [{ scope: 'winback', state: state('c1', { journeyId: 'winback', category: undefined }), waitsFor: { stepId: 'first', shard: 2 } }],
      orders: [{ orderId: 'o9', orderDate: '2026-03-07', total: 10 }],
      member: { member: member(9, '2026-03-07'), shard: 2 },
    },
    { customerId: 'c5', categories: [], journeys: [], orders: [{ orderId: 'o10', orderDate: '2026-03-07', total: 20, categories: ['tea'] }], member: { member: member(1, '2026-03-07'), shard: 2 } },
  ]);
  await note('member kept by bulk history', store.getMember('c1'));
  await note('member of bulk history', profiles(['c5']));
  await note('orders of the bulk day', store.ordersOfDay('2026-03-07'));
  await note('due winback', allPages((cursor) => store.queryDue({ journeyId: 'winback', stepId: 'first', shard: 2 }, '2026-03-31', cursor)));

  // Opt-outs keep the first time; none without a profile. The import log moves forward only.
  await store.markOptedOut('c1', '2026-03-08T00:00:00Z');
  await store.markOptedOut('c1', '2026-03-09T00:00:00Z');
  await store.markOptedOut('nobody', '2026-03-09T00:00:00Z');
  await note('opted out', profiles(['c1', 'nobody']));
  await note('import log none', store.latestImportAsOf());
  await store.noteImport('2026-03-05T00:00:00.000Z');
  await store.noteImport('2026-03-01T00:00:00.000Z');
  await note('import log', store.latestImportAsOf());

  await note('scan profiles', scanned((segment, total) => store.scanProfiles(segment, total), (item) => item.customerId));
  await note('scan categories', scanned((segment, total) => store.scanCategories(segment, total), (item) => `${item.customerId}#${item.category}`));
  await note('scan orders', scanned((segment, total) => store.scanOrders(segment, total), (item) => `${item.customerId}#${item.orderId}`));
  return log;
}

describe('the in-memory store against the Dynamo adapter', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('gives the same result for every call of the same sequence', { timeout: 60_000 }, async () => {
    const expected = await script(await dynamo.freshStore());
    const actual = await script(new MemoryStore());
    // Label by label, so a failure names the call.
    for (const [index, [label, result]] of expected.entries()) expect(actual[index], label).toEqual([label, result]);
    expect(actual).toHaveLength(expected.length);
  });

  it('replays a shop to the same messages and summary', { timeout: 120_000 }, async () => {
    // Four days up to the default config's 双11 message (run on 2027-11-10), a year of history before them.
    const config = await loadDefaultConfig();
    const today = '2027-11-12';
    const shop = [...generateDemoShop({ customers: 200, seed: 11, today, years: 1, categories: config.categories, timeZone: config.merchantTimeZone })];
    const replay = async (scratch: SimulationStore) => {
      await scratch.putSnapshots(
        shop.map(({ customer }) => ({
          customer,
          ...(customer.birthday ? { birthday: { monthDay: customer.birthday, shard: shardOf(customer.customerId, config.shards) } } : {}),
          categories: [],
          journeys: [],
          orders: [],
        })),
      );
      return simulate({ scratch, config, couponSecret: 'contract', orders: shop.flatMap((customer) => customer.orders), from: addDays(today, -4), to: addDays(today, -1) });
    };
    const expected = await replay(await dynamo.freshStore());
    const actual = await replay(new MemoryStore());
    expect(new Set(expected.messages.map((message) => message.journeyId)).size).toBeGreaterThanOrEqual(4);
    // A day's messages come in the order the shard jobs (four at once) reach them: compared as a set.
    const inOrder = (simulation: typeof expected) => ({ ...simulation, messages: simulation.messages.map((message) => JSON.stringify(message)).sort() });
    expect(inOrder(actual)).toEqual(inOrder(expected));
  });
});
