import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { couponCode } from '../../lib/domain/coupon.ts';
import { addDays } from '../../lib/domain/dates.ts';
import type { OrderInput } from '../../lib/domain/model.ts';
import type { DomainEvent } from '../../lib/events/catalog.ts';
import type { EventPublisher } from '../../lib/ports/messaging.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { recordOrder } from '../../lib/usecases/record-order.ts';
import { fixedClock, testConfig } from '../support/fixtures.ts';
import { importedShop } from '../support/imported-shop.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/usecases/record-order.ts on a real DynamoDB-API server: attribution, coupon redemption and
 * replays. The deployed handler around it: test/functions/record-order.test.ts.
 */

const SECRET = 'attribution-test-secret';
/** The day the crafted messages were decided. */
const DAY = '2026-11-01';

class RecordingPublisher implements EventPublisher {
  readonly events: DomainEvent[] = [];
  async publish(events: readonly DomainEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

const key = (item: Pick<LedgerEntry, 'customerId' | 'journeyId' | 'cycle' | 'stepId'>) => `${item.customerId}#${item.journeyId}#${item.cycle}#${item.stepId}`;

/** A message that went out on `runDate` (with its derived coupon code when `coupon`). */
function sent(customerId: string, runDate: string, journeyId = 'category-recall', stepId = 'coupon-1', coupon = true): LedgerEntry {
  const item: LedgerEntry = { customerId, journeyId, cycle: '2026-08-15', stepId, runDate, outcome: 'sent', status: 'sent', channel: 'sms', parts: 2, sentAt: `${runDate}T02:00:00.000Z` };
  return coupon ? { ...item, couponCode: couponCode(SECRET, key(item)), couponValue: 50 } : item;
}

function heldOut(customerId: string, runDate: string, journeyId = 'lifecycle', stepId = 'sleeping'): LedgerEntry {
  return { customerId, journeyId, cycle: '2026-08-15', stepId, runDate, outcome: 'held-out' };
}

function order(customerId: string, orderId: string, date: string, amount = 260, code?: string): OrderInput {
  return { orderId, customerId, orderedAt: `${date}T12:00:00+08:00`, lines: [{ category: 'cosmetics', amount }], ...(code ? { couponCode: code } : {}) };
}

describe('attribution and redemption in record-order, on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  /** A store holding the given customers' ledgers, and record-order wired to it. */
  async function shopWith(ledgers: Record<string, LedgerEntry[]>) {
    const store = await dynamo.freshStore();
    const config = await testConfig();
    await store.putSnapshots(
      Object.entries(ledgers).map(([customerId, ledger]) => ({ customer: { customerId, name: '', smsOptIn: true }, categories: [], journeys: [], orders: [], ledger })),
    );
    const events = new RecordingPublisher();
    const record = (input: OrderInput) => recordOrder({ store, config, clock: fixedClock(input.orderedAt), couponSecret: SECRET, events }, input);
    const ledgerOf = async (customerId: string) => store.getCustomerLedger(customerId, '2000-01-01');
    return { store, config, events, record, ledgerOf };
  }

  it(`converts a message with an order on day 0 and on day attributionDays (7), not on day 8 or before the message`, async () => {
    const { record } = await shopWith({ d0: [sent('d0', DAY)], d7: [sent('d7', DAY)], d8: [sent('d8', DAY)], before: [sent('before', DAY)] });

    const day0 = await record(order('d0', 'o-d0', DAY));
    const day7 = await record(order('d7', 'o-d7', addDays(DAY, 7)));
    const day8 = await record(order('d8', 'o-d8', addDays(DAY, 8)));
    const dayBefore = await record(order('before', 'o-before', addDays(DAY, -1)));

    expect(day0.conversion).toMatchObject({ journeyId: 'category-recall', stepId: 'coupon-1', outcome: 'sent', runDate: DAY, revenue: 260 });
    expect(day7.conversion).toMatchObject({ outcome: 'sent', runDate: DAY });
    expect(day8.conversion).toBeUndefined();
    expect(dayBefore.conversion).toBeUndefined();
  });

  it('the latest message wins, and a message converts once: a second order in its window converts nothing', async () => {
    const older = sent('c1', DAY, 'lifecycle', 'sleeping', false);
    const latest = sent('c1', addDays(DAY, 3), 'category-recall', 'coupon-1');
    const { record, ledgerOf, events } = await shopWith({ c1: [older, latest] });

    const first = await record(order('c1', 'o1', addDays(DAY, 5), 189));
    const second = await record(order('c1', 'o2', addDays(DAY, 6), 99));

    expect(first.conversion).toMatchObject({ journeyId: 'category-recall', stepId: 'coupon-1', runDate: addDays(DAY, 3), revenue: 189 });
    expect(second.conversion).toBeUndefined();
    const ledger = await ledgerOf('c1');
    expect(ledger.find((item) => item.journeyId === 'category-recall')).toMatchObject({ convertedBy: 'o1', convertedAt: `${addDays(DAY, 5)}T12:00:00+08:00`, revenue: 189 });
    expect(ledger.find((item) => item.journeyId === 'lifecycle')?.convertedBy).toBeUndefined();
    expect(events.events).toEqual([
      {
        type: 'CustomerConverted',
        detail: { customerId: 'c1', orderId: 'o1', journeyId: 'category-recall', stepId: 'coupon-1', outcome: 'sent', amount: 189, convertedAt: `${addDays(DAY, 5)}T12:00:00+08:00` },
      },
    ]);
  });

  it('held-out messages convert too, counted for the control; undelivered messages never convert', async () => {
    const claimed: LedgerEntry = { ...sent('c3', addDays(DAY, 2)), status: 'claimed' };
    const { record, events } = await shopWith({ c2: [heldOut('c2', DAY)], c3: [claimed] });

    const control = await record(order('c2', 'o-control', addDays(DAY, 2)));
    const undelivered = await record(order('c3', 'o-undelivered', addDays(DAY, 3)));

    expect(control.conversion).toMatchObject({ journeyId: 'lifecycle', stepId: 'sleeping', outcome: 'held-out' });
    expect(events.events.map((event) => event.detail)).toContainEqual(expect.objectContaining({ customerId: 'c2', outcome: 'held-out' }));
    expect(undelivered.conversion).toBeUndefined();
  });

  it('a replayed order converts and redeems nothing twice; the retry of an order that crashed after marking finds its own marks', async () => {
    const message = sent('c4', DAY);
    const crashed = sent('c4b', DAY);
    const { store, record, ledgerOf, events } = await shopWith({ c4: [message], c4b: [crashed] });
    const input = order('c4', 'o4', addDays(DAY, 1), 260, message.couponCode);
    const retriedInput = order('c4b', 'o4b', addDays(DAY, 1), 260, crashed.couponCode);

    const first = await record(input);
    const before = await ledgerOf('c4');
    const replay = await record(input);
    // o4b crashed after its marks, before the order was completed: its redelivery is not a duplicate.
    await store.beginOrder({ orderId: 'o4b', customerId: 'c4b', orderDate: addDays(DAY, 1), total: 260, categories: ['cosmetics'] });
    await store.markConverted('c4b', crashed, { orderId: 'o4b', convertedAt: retriedInput.orderedAt, revenue: 260 });
    await store.markRedeemed('c4b', crashed, 'o4b');
    const retried = await record(retriedInput);

    expect(first).toMatchObject({ status: 'recorded', conversion: { outcome: 'sent' }, coupon: 'redeemed' });
    expect(replay).toEqual({ status: 'duplicate', unknownCategories: [], cyclesStarted: 0 });
    expect(await ledgerOf('c4')).toEqual(before);
    expect(before[0]).toMatchObject({ convertedBy: 'o4', redeemedBy: 'o4', revenue: 260 });
    expect(retried).toMatchObject({ status: 'recorded', conversion: { outcome: 'sent' }, coupon: 'redeemed' });
    expect((await ledgerOf('c4b'))[0]).toMatchObject({ convertedBy: 'o4b', redeemedBy: 'o4b' });
    // At least once: the retry publishes again, keyed by the same order id.
    expect(events.events.map((event) => 'orderId' in event.detail && event.detail.orderId)).toEqual(['o4', 'o4b']);
  });

  it("a coupon code counts only when it verifies against one of this customer's coupon messages: forged, foreign and reused codes are rejected", async () => {
    const mine = sent('c5', DAY);
    const theirs = sent('c6', DAY);
    const { record, ledgerOf } = await shopWith({ c5: [mine], c6: [theirs] });
    const withOtherSecret = couponCode('another-secret', key(mine));

    const forged = await record(order('c5', 'o-forged', addDays(DAY, 20), 260, 'ABCDE12345'));
    const foreign = await record(order('c5', 'o-foreign', addDays(DAY, 21), 260, theirs.couponCode));
    const otherSecret = await record(order('c5', 'o-secret', addDays(DAY, 22), 260, withOtherSecret));
    const typedByHand = await record(order('c5', 'o-mine', addDays(DAY, 23), 260, (mine.couponCode ?? '').toLowerCase().replace(/(.{5})/, '$1-')));
    const reused = await record(order('c5', 'o-again', addDays(DAY, 24), 260, mine.couponCode));

    expect([forged.coupon, foreign.coupon, otherSecret.coupon]).toEqual(['rejected', 'rejected', 'rejected']);
    expect(typedByHand.coupon).toBe('redeemed');
    expect(reused.coupon).toBe('already-redeemed');
    expect((await ledgerOf('c5'))[0]?.redeemedBy).toBe('o-mine');
    expect((await ledgerOf('c6'))[0]?.redeemedBy).toBeUndefined();
    // Redemption is not conversion: day 20 is past the attribution window.
    expect(typedByHand.conversion).toBeUndefined();
  });

  it('without the secret no code is trusted', async () => {
    const mine = sent('c7', DAY);
    const store = (await shopWith({ c7: [mine] })).store;
    const result = await recordOrder({ store, config: await testConfig(), clock: fixedClock(`${DAY}T12:00:00+08:00`) }, order('c7', 'o7', DAY, 260, mine.couponCode));
    expect(result.coupon).toBe('rejected');
    expect(result.conversion).toMatchObject({ outcome: 'sent' });
  });
});

describe('the recall engine on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('replaying an order changes nothing', async () => {
    const { store, config, clock } = await importedShop(dynamo, SECRET);
    const order = { orderId: 'o9', customerId: 'c1', orderedAt: '2026-11-20T10:00:00+08:00', lines: [{ category: 'skincare', amount: 260 }] };

    const first = await recordOrder({ store, config, clock }, order);
    const before = await store.getCustomerHistory('c1');
    const replay = await recordOrder({ store, config, clock }, order);
    const after = await store.getCustomerHistory('c1');

    expect(first).toMatchObject({ status: 'recorded', cyclesStarted: 3 });
    expect(replay.status).toBe('duplicate');
    expect(after).toEqual(before);
    expect(after.categories.get('skincare')?.orderCount).toBe(1);
  });
});
