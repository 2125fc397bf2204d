import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { shardOf } from '../../lib/domain/hashing.ts';
import { memberOn } from '../../lib/domain/members.ts';
import type { OrderInput } from '../../lib/domain/model.ts';
import { importCustomer, importOrders, type ImportRow } from '../../lib/usecases/import.ts';
import { migrateMembers, type MigrateProgress } from '../../lib/usecases/migrate.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { scanTable } from '../support/table-state.ts';
import { TestDynamo } from '../support/store.ts';
import { tierConfig } from '../support/tiers.ts';

/*
 * Member figures on a real DynamoDB-API server (docs/architecture.md#members): record-order keeps
 * them with a versioned write, a tier-up starts once per tier, a bulk import writes what recording
 * order by order does, and `recall migrate` gives figures to profiles stored without them.
 */

const DAY = '2026-11-01';
const AS_OF = new Date('2026-12-01T02:00:00Z');

function order(customerId: string, orderId: string, date: string, amount = 100, category = 'cosmetics'): OrderInput {
  return { orderId, customerId, orderedAt: `${date}T12:00:00+08:00`, lines: [{ category, amount }] };
}

describe('member figures on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  let config: CampaignConfig;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    config = await tierConfig();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  const recorder = (store: DynamoStore, within = config) => (input: OrderInput) => recordOrder({ store, config: within, clock: { now: () => AS_OF } }, input);
  const profileOf = async (store: DynamoStore, customerId: string) => (await scanTable(store)).get(`C#${customerId}|PROFILE`);
  const tierUps = async (store: DynamoStore, customerId: string) =>
    [...(await scanTable(store)).entries()].filter(([key]) => key.startsWith(`C#${customerId}|J#congrats#`)).map(([, item]) => item);

  it('gives a customer without a profile one holding their figures and last-order calendar keys; import customers then saves them', async () => {
    // Prepare
    const store = await dynamo.freshStore();
    const record = recorder(store);

    // Act: two orders, the second a month earlier (an import of history out of order).
    await record(order('c1', 'o1', DAY, 120));
    await record(order('c1', 'o0', addDays(DAY, -31), 80));

    // Assess
    const shard = shardOf('c1', config.shards);
    const stored = await profileOf(store, 'c1');
    expect(Object.keys(stored ?? {}).sort()).toEqual(['calPk', 'calSk', 'customerId', 'member', 'pk', 'sk']);
    expect(stored).toMatchObject({ calPk: `A#2026-11#${shard}`, calSk: `${DAY}#c1`, member: { lifetimeOrders: 2, lifetimeSpend: 200, lastOrderDate: DAY, version: 2, days: [{ date: DAY, orders: 1, spend: 120 }] } });

    // Act: the customer file comes after the orders.
    await importCustomer({ store }, { customerId: 'c1', name: '张三', phone: '+8613800138001', smsOptIn: true }, AS_OF.toISOString());

    // Assess: contact and consent saved, the figures and keys kept.
    const { profiles } = await store.getProfiles(['c1'], { consistent: true });
    expect(profiles.get('c1')).toMatchObject({ name: '张三', phone: '+8613800138001', smsOptIn: true, member: { lifetimeOrders: 2, version: 2 } });
    expect(await profileOf(store, 'c1')).toMatchObject({ calPk: `A#2026-11#${shard}` });
  });

  it('keeps every order of two racing orders of one customer, and counts a replay once', async () => {
    const store = await dynamo.freshStore();
    const record = recorder(store);

    // Three rounds of two orders at once (each round's pair reads the same version).
    for (const round of [0, 2, 4]) await Promise.all([round, round + 1].map((i) => record(order('racer', `r${i}`, addDays(DAY, i), 10))));
    const replay = await record(order('racer', 'r3', addDays(DAY, 3), 10));

    expect(replay.status).toBe('duplicate');
    const { profiles } = await store.getProfiles(['racer'], { consistent: true });
    expect(profiles.get('racer')?.member).toMatchObject({ lifetimeOrders: 6, lifetimeSpend: 60, version: 6 });
    expect(profiles.get('racer')?.member?.recentOrderIds).toHaveLength(6);
  });

  it('congratulates once per tier: not on a replay, not when the tier falls as orders age out, not on rising to it again', async () => {
    const store = await dynamo.freshStore();
    const record = recorder(store);

    // One order: regular. The second within 30 days lifts to silver and starts one cycle.
    await record(order('t1', 'a', DAY));
    expect(await tierUps(store, 't1')).toEqual([]);
    await record(order('t1', 'b', addDays(DAY, 29)));
    expect(await tierUps(store, 't1')).toEqual([expect.objectContaining({ journeyId: 'congrats', cycle: 'silver', anchorDate: addDays(DAY, 29), stepIndex: 0, duePk: expect.any(String) })]);
    const afterLift = await scanTable(store);

    // A replay of the order, and the days going by: nothing is written; the tier read falls.
    expect((await record(order('t1', 'b', addDays(DAY, 29)))).status).toBe('duplicate');
    expect(await scanTable(store)).toEqual(afterLift);
    const member = (await store.getProfiles(['t1'], { consistent: true })).profiles.get('t1')?.member;
    // The first order counts until the day before it is tierPeriodDays (30) old.
    expect(memberOn(config, member, addDays(DAY, 29)).tier?.id).toBe('silver');
    expect(memberOn(config, member, addDays(DAY, 30)).tier?.id).toBe('regular');

    // Two orders months later rise to silver again: the silver cycle stays as it was.
    await record(order('t1', 'c', addDays(DAY, 200)));
    await record(order('t1', 'd', addDays(DAY, 201)));
    expect(await tierUps(store, 't1')).toEqual([expect.objectContaining({ cycle: 'silver', anchorDate: addDays(DAY, 29) })]);

    // Gold is new: its own cycle.
    await record(order('t1', 'e', addDays(DAY, 202), 1000));
    expect((await tierUps(store, 't1')).map((state) => state.cycle).sort()).toEqual(['gold', 'silver']);
  });

  it('a bulk import leaves the profiles and tier-up cycles that recording the orders one by one leaves', async () => {
    // Prepare: customers reaching silver, gold, none, and one with orders out of date order.
    const orders = [
      order('b1', 'b1-1', DAY, 50),
      order('b1', 'b1-2', addDays(DAY, 3), 60, 'skincare'),
      order('b2', 'b2-1', addDays(DAY, -5), 1200),
      order('b3', 'b3-1', DAY, 30),
      order('b4', 'b4-2', addDays(DAY, 20), 500),
      order('b4', 'b4-1', addDays(DAY, -40), 700),
      order('b4', 'b4-3', addDays(DAY, 21), 600),
    ];
    const rows = async function* (): AsyncGenerator<ImportRow<OrderInput>> {
      for (const [line, value] of orders.entries()) yield { ok: true, line: line + 2, value };
    };
    const [bulk, reference] = [await dynamo.freshStore(), await dynamo.freshStore()];
    let batched = 0;
    const counted = Object.assign(Object.create(bulk) as DynamoStore, {
      putOrderHistories: (...args: Parameters<DynamoStore['putOrderHistories']>) => {
        batched += args[0].length;
        return bulk.putOrderHistories(...args);
      },
    });

    // Act
    await importOrders({ store: counted, config, clock: { now: () => AS_OF } }, rows(), AS_OF);
    const record = recorder(reference);
    for (const input of orders) await record(input);

    // Assess: every customer went in a batch, and both tables hold the same items.
    expect(batched).toBe(4);
    const [after, want] = [await scanTable(bulk), await scanTable(reference)];
    after.delete('IMPORTS|LATEST');
    expect([...after.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, item] of want) expect({ key, item: after.get(key) }).toEqual({ key, item });
    expect(want.get('C#b4|PROFILE')).toMatchObject({ member: { lifetimeOrders: 3, tier: 'gold', version: 3 } });
    expect([...want.keys()].filter((key) => key.includes('|J#congrats#')).sort()).toEqual(['C#b1|J#congrats#silver', 'C#b2|J#congrats#gold', 'C#b4|J#congrats#gold']);
  });

  it('a profile stored before figures were kept, or with figures that do not parse, starts from the applied order markers on its next order', async () => {
    // Prepare: two customers with an applied marker each and no figures; one's figures are corrupt.
    const store = await dynamo.freshStore();
    await store.putSnapshots(
      ['old', 'corrupt'].map((customerId) => ({
        customer: { customerId, name: customerId, smsOptIn: true },
        categories: [],
        journeys: [],
        orders: [{ orderId: `${customerId}-1`, orderDate: addDays(DAY, -3), total: 900, categories: ['cosmetics'] }],
      })),
    );
    await store.client.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'C#corrupt', sk: 'PROFILE', customerId: 'corrupt', name: 'corrupt', smsOptIn: true, member: { days: 'garbage' } } }) as never);
    expect(await store.getMember('corrupt')).toEqual({ state: 'corrupt' });

    // Act
    const record = recorder(store);
    await record(order('old', 'old-2', DAY, 200));
    await record(order('corrupt', 'corrupt-2', DAY, 200));

    // Assess: both orders counted, and the order that reached gold (900 + 200 within 30 days) congratulates.
    for (const customerId of ['old', 'corrupt']) {
      expect(await store.getMember(customerId)).toMatchObject({ state: 'stored', member: { lifetimeOrders: 2, lifetimeSpend: 1100, tier: 'gold' } });
      expect((await tierUps(store, customerId)).map((state) => state.cycle)).toEqual(['gold']);
    }
  });

  it('recall migrate gives profiles stored without figures those of their applied order markers, once; a second run changes nothing', async () => {
    // Prepare: a store written as before issue 15, and the same orders recorded now for reference.
    const store = await dynamo.freshStore();
    const reference = await dynamo.freshStore();
    const customers = ['m1', 'm2', 'm3', 'none'];
    const history: Record<string, OrderInput[]> = {
      m1: [order('m1', 'm1-1', DAY, 100), order('m1', 'm1-2', addDays(DAY, 10), 300)],
      m2: [order('m2', 'm2-1', addDays(DAY, -100), 1500)],
      m3: [order('m3', 'm3-1', DAY, 20)],
      none: [],
    };
    await store.putSnapshots(
      customers.map((customerId) => ({
        customer: { customerId, name: customerId, smsOptIn: true },
        categories: [],
        journeys: [],
        orders: (history[customerId] ?? []).map((input) => ({ orderId: input.orderId, orderDate: input.orderedAt.slice(0, 10), total: input.lines[0]?.amount ?? 0, categories: ['cosmetics'] })),
      })),
    );
    // An order whose recording crashed midway (not applied), and a marker that does not parse.
    const doc = { send: (command: PutCommand) => store.client.send(command as never) };
    await doc.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'C#m3', sk: 'O#m3-crashed', orderId: 'm3-crashed', customerId: 'm3', orderDate: DAY, total: 999, applied: false } }));
    await doc.send(new PutCommand({ TableName: store.tableName, Item: { pk: 'C#m3', sk: 'O#m3-bad', orderId: 'm3-bad', customerId: 'm3', orderDate: 'yesterday', applied: true } }));
    const record = recorder(reference);
    for (const customerId of customers) for (const input of history[customerId] ?? []) await record(input);

    // Act
    const first = await migrateMembers({ store, config }, { segments: 3 });
    const afterFirst = await scanTable(store);
    const second = await migrateMembers({ store, config }, { segments: 2 });

    // Assess: figures as recording the orders would have kept them; the second run reads and writes nothing new.
    expect(first).toEqual({ migrated: 3, already: 0, noOrders: 1, badItems: 1 });
    expect(second).toEqual({ migrated: 0, already: 3, noOrders: 1, badItems: 0 });
    expect(await scanTable(store)).toEqual(afterFirst);
    for (const customerId of ['m1', 'm2', 'm3']) {
      const migrated = afterFirst.get(`C#${customerId}|PROFILE`);
      const recorded = (await scanTable(reference)).get(`C#${customerId}|PROFILE`);
      expect({ customerId, member: migrated?.member, calPk: migrated?.calPk, calSk: migrated?.calSk }).toEqual({ customerId, member: recorded?.member, calPk: recorded?.calPk, calSk: recorded?.calSk });
    }
    expect(afterFirst.get('C#m1|PROFILE')).toMatchObject({ name: 'm1', smsOptIn: true, member: { lifetimeOrders: 2, lastOrderDate: addDays(DAY, 10) } });
    expect(afterFirst.get('C#none|PROFILE')).not.toHaveProperty('member');
  });

  it('recall migrate resumes from the checkpoint an interrupted run printed, and never replaces figures an order wrote meanwhile', async () => {
    // Prepare: twelve customers stored without figures.
    const store = await dynamo.freshStore();
    const ids = Array.from({ length: 12 }, (_, i) => `r${i}`);
    await store.putSnapshots(ids.map((customerId) => ({ customer: { customerId, name: customerId, smsOptIn: true }, categories: [], journeys: [], orders: [{ orderId: `${customerId}-1`, orderDate: DAY, total: 40, categories: ['cosmetics'] }] })));
    // A run whose second segment fails once the first is done.
    let firstDone: () => void = () => {};
    const segmentZeroDone = new Promise<void>((resolve) => (firstDone = resolve));
    const failing = Object.assign(Object.create(store) as DynamoStore, {
      scanProfiles: async (...args: Parameters<DynamoStore['scanProfiles']>) => {
        if (args[0] === 1) {
          await segmentZeroDone;
          throw new Error('connection lost');
        }
        return store.scanProfiles(...args);
      },
    });
    const printed: MigrateProgress[] = [];

    // Act: the interrupted run; an order meanwhile for a customer of the unread segment; the resumed run.
    await expect(
      migrateMembers({ store: failing, config }, { segments: 2, onProgress: (progress) => void (printed.push(progress), progress.segment === 0 && progress.done && firstDone()) }),
    ).rejects.toThrow('connection lost');
    const checkpoint = printed.at(-1)?.checkpoint;
    const migratedBefore = await scanTable(store);
    const pending = ids.filter((id) => migratedBefore.get(`C#${id}|PROFILE`)?.member === undefined);
    const racer = pending[0] ?? 'r0';
    await recorder(store)(order(racer, `${racer}-2`, addDays(DAY, 1), 60));
    const resumed = await migrateMembers({ store, config }, { ...(checkpoint ? { resume: checkpoint } : {}) });

    // Assess: the resumed run did only the unread segment; every profile has figures; the racer's count both orders.
    expect(checkpoint).toBeDefined();
    expect(pending.length).toBeGreaterThan(0);
    expect(resumed.migrated + resumed.already).toBe(pending.length);
    expect(resumed.already).toBe(1);
    const after = await scanTable(store);
    for (const id of ids) expect(after.get(`C#${id}|PROFILE`)).toMatchObject({ member: { lifetimeOrders: id === racer ? 2 : 1 } });
  });
});
