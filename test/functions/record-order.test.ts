import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/record-order.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { OrderPlacedEventSchema, type OrderPlacedEvent } from '../../lib/events/schemas.ts';
import { campaignConfig } from '../../lib/runtime/aws/env.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { couponCode } from '../../lib/domain/coupon.ts';
import { mockAws, putEvents } from '../support/aws-mocks.ts';
import { COUPON_SECRET, EVENT_BUS_NAME } from '../support/handler-env.ts';
import { changedKeys, getItem, type HandlerTable, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { loadEvent } from '../support/sample-events.ts';

const TODAY = '2026-11-22';
const SHOP = { customers: 60, seed: 2 };

describe('record-order (the deployed handler on dynalite)', () => {
  // record-order calls DynamoDB, EventBridge (CustomerConverted) and Secrets Manager (to verify
  // coupon codes); the last two are mocked at the SDK, so nothing can leave the machine.
  const aws = mockAws();
  let table: HandlerTable;
  let sample: OrderPlacedEvent;
  /** Demo customers who bought cosmetics before: the sample's order is their next one. */
  let cosmeticsBuyers: string[] = [];

  beforeAll(async () => {
    table = await startHandlerTable();
    const config = campaignConfig();
    const shop = [...generateDemoShop({ ...SHOP, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone })];
    await seedCustomers({ store: table.store, config }, TODAY, shop);
    cosmeticsBuyers = shop.filter(({ orders }) => orders.some((order) => order.lines.some((line) => line.category === 'cosmetics'))).map(({ customer }) => customer.customerId);
    sample = OrderPlacedEventSchema.parse(await loadEvent('record-order.order-placed.json'));
  });
  beforeEach(() => {
    aws.reset();
    table.faults.clear();
  });
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  /** The sample for one of the seeded customers: only the ids change, never the shape. */
  const orderOf = (customerId: string, orderId = sample.detail.orderId): OrderPlacedEvent => ({ ...sample, detail: { ...sample.detail, customerId, orderId } });
  const categoryItem = (customerId: string, category: string) => getItem(table.store, `C#${customerId}`, `CAT#${category}`);

  describe('the sample', () => {
    let customerId = '';

    it('records the order: category histories counted, journeys restarted from the order date, the order marked applied', async () => {
      customerId = cosmeticsBuyers[0] ?? '';
      const cosmeticsBefore = await categoryItem(customerId, 'cosmetics');
      const event = orderOf(customerId);

      const result = await handler(event, lambdaContext('record-order'));

      // category-recall for both categories, lifecycle (any purchase), the 200 ladder (285.5); no
      // tier-up: the order leaves this customer in the tier they had. The sample's coupon code was
      // not derived from this customer's messages: counted, not trusted.
      expect(result).toEqual({ status: 'recorded', unknownCategories: [], cyclesStarted: 4, coupon: 'rejected' });
      expect(putEvents(aws)).toEqual([]);
      expect(await categoryItem(customerId, 'cosmetics')).toMatchObject({
        orderCount: Number(cosmeticsBefore?.orderCount) + 1,
        lastDate: TODAY,
        recentOrderIds: expect.arrayContaining([sample.detail.orderId]),
      });
      expect(await getItem(table.store, `C#${customerId}`, `O#${sample.detail.orderId}`)).toMatchObject({ applied: true, orderDate: TODAY });
      const history = await table.store.getCustomerHistory(customerId);
      for (const scope of ['category-recall#cosmetics', 'category-recall#skincare', 'lifecycle', `spend-200-ladder#${sample.detail.orderId}`]) {
        expect(history.journeys.get(scope), scope).toMatchObject({ anchorDate: TODAY, cycle: expect.any(String) });
      }
    });

    it('delivered again (EventBridge is at least once): duplicate, nothing counted twice, nothing written', async () => {
      const before = await tableItems(table.store);

      const again = await handler(orderOf(customerId), lambdaContext('record-order'));
      const republished = await handler({ ...orderOf(customerId), id: '0f9e8d7c-6b5a-4e3d-9c2b-1a0f9e8d7c6b', time: '2026-11-22T02:45:00Z' }, lambdaContext('record-order'));

      expect(again).toEqual({ status: 'duplicate', unknownCategories: [], cyclesStarted: 0 });
      expect(republished).toEqual(again);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });

    it('the same order id with other content is refused as conflicting: counted, logged, nothing written, not retried', async () => {
      const before = await tableItems(table.store);
      const changed = { ...orderOf(customerId), detail: { ...orderOf(customerId).detail, lines: [{ category: 'cosmetics', amount: 999 }] } };

      const result = await handler(changed, lambdaContext('record-order'));

      expect(result).toMatchObject({ status: 'conflicting', conflict: expect.stringContaining(`order ${sample.detail.orderId} was recorded as ${TODAY}, total 285.5`) });
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });
  });

  it('an order within the attribution window of a sent message converts it, redeems its coupon and publishes CustomerConverted, once', async () => {
    // Prepare: a coupon message sent to a seeded customer two days before the order.
    const customerId = cosmeticsBuyers[5] ?? '';
    const message = { customerId, journeyId: 'category-recall', cycle: '2026-08-15', stepId: 'coupon-1', runDate: '2026-11-20', outcome: 'sent' as const, status: 'sent' as const, channel: 'sms' as const, parts: 2 };
    const code = couponCode(COUPON_SECRET, `${customerId}#category-recall#2026-08-15#coupon-1`);
    await table.store.putSnapshots([{ customer: { customerId, name: '', smsOptIn: true }, categories: [], journeys: [], orders: [], ledger: [{ ...message, couponCode: code, couponValue: 50 }] }]);
    const event = { ...orderOf(customerId, 'TB20261122104109740'), detail: { ...orderOf(customerId, 'TB20261122104109740').detail, couponCode: code } };

    // Act
    const result = await handler(event, lambdaContext('record-order'));
    const replay = await handler(event, lambdaContext('record-order'));

    // Assess
    expect(result).toMatchObject({ status: 'recorded', conversion: { journeyId: 'category-recall', stepId: 'coupon-1', outcome: 'sent', revenue: 285.5 }, coupon: 'redeemed' });
    expect(replay).toMatchObject({ status: 'duplicate' });
    expect(putEvents(aws)).toEqual([
      {
        type: 'CustomerConverted',
        source: 'recall.campaigns',
        bus: EVENT_BUS_NAME,
        detail: { customerId, orderId: 'TB20261122104109740', journeyId: 'category-recall', stepId: 'coupon-1', outcome: 'sent', amount: 285.5, couponCode: code, convertedAt: sample.detail.orderedAt },
      },
    ]);
    expect(await getItem(table.store, `C#${customerId}`, 'L#category-recall#2026-08-15#coupon-1')).toMatchObject({ convertedBy: 'TB20261122104109740', redeemedBy: 'TB20261122104109740', revenue: 285.5 });
  });

  it('an order with a category the config does not know: recorded for the lines it knows, the unknown one reported', async () => {
    const customerId = cosmeticsBuyers[1] ?? '';
    const event = { ...orderOf(customerId, 'TB20261122104109732'), detail: { ...orderOf(customerId).detail, orderId: 'TB20261122104109732', lines: [{ category: 'garden', amount: 30 }, { category: 'skincare', amount: 96.5 }] } };

    const result = await handler(event, lambdaContext('record-order'));

    expect(result).toMatchObject({ status: 'recorded', unknownCategories: ['garden'] });
    expect(await categoryItem(customerId, 'garden')).toBeUndefined();
    expect(await categoryItem(customerId, 'skincare')).toMatchObject({ recentOrderIds: expect.arrayContaining(['TB20261122104109732']) });
  });

  describe('a malformed event', () => {
    const envelope = (change: (event: Record<string, unknown>, detail: Record<string, unknown>) => void): unknown => {
      const event: Record<string, unknown> = structuredClone(orderOf(cosmeticsBuyers[2] ?? ''));
      const detail: Record<string, unknown> = structuredClone(orderOf(cosmeticsBuyers[2] ?? '').detail);
      change(event, detail);
      return { ...event, detail };
    };

    it.each([
      ['no order id', () => envelope((_event, detail) => delete detail.orderId), /detail\.orderId: /],
      ['no lines', () => envelope((_event, detail) => (detail.lines = [])), /detail\.lines: /],
      ['a negative amount', () => envelope((_event, detail) => (detail.lines = [{ category: 'cosmetics', amount: -189 }])), /detail\.lines\.0\.amount: /],
      ['a local time without offset', () => envelope((_event, detail) => (detail.orderedAt = '2026-11-22 10:41:09')), /detail\.orderedAt: /],
      ['another detail type', () => envelope((event) => (event['detail-type'] = 'OrderCancelled')), /detail-type: /],
      ['the bare order, without its EventBridge envelope', () => orderOf(cosmeticsBuyers[2] ?? '').detail, /record-order: not an OrderPlaced event: .*detail-type/],
    ])('%s: a clear, permanent InvalidEventError, nothing written', async (_name, event, message) => {
      const before = await tableItems(table.store);

      const recorded = handler(event(), lambdaContext('record-order'));

      await expect(recorded).rejects.toMatchObject({ name: 'InvalidEventError', retryable: false });
      await expect(recorded).rejects.toThrow(/^record-order: not an OrderPlaced event: /);
      await expect(recorded).rejects.toThrow(message);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });
  });

  describe('DynamoDB refusing', () => {
    it('a throttled write is retried by the SDK: the order recorded once', async () => {
      const customerId = cosmeticsBuyers[3] ?? '';
      const before = await categoryItem(customerId, 'cosmetics');
      table.faults.fail('PutItem', 'ProvisionedThroughputExceededException');

      const result = await handler(orderOf(customerId, 'TB20261122104109733'), lambdaContext('record-order'));

      expect(table.faults.injected.at(-1)).toEqual({ operation: 'PutItem', code: 'ProvisionedThroughputExceededException' });
      expect(result).toMatchObject({ status: 'recorded' });
      expect(await categoryItem(customerId, 'cosmetics')).toMatchObject({ orderCount: Number(before?.orderCount) + 1 });
    });

    it('failing past the SDK retries after the histories were written: the handler fails, and the redelivery completes the order without counting it twice', async () => {
      const customerId = cosmeticsBuyers[4] ?? '';
      const before = await categoryItem(customerId, 'cosmetics');
      const event = orderOf(customerId, 'TB20261122104109734');
      // completeOrder, the last write: every attempt of the handler's client (5) fails.
      table.faults.fail('UpdateItem', 'InternalServerError', { times: 5, when: (request) => String(request.UpdateExpression).includes('#applied') });

      await expect(handler(event, lambdaContext('record-order'))).rejects.toMatchObject({ name: 'InternalServerError' });
      expect(table.faults.injected.filter(({ code }) => code === 'InternalServerError')).toHaveLength(5);
      expect(await getItem(table.store, `C#${customerId}`, 'O#TB20261122104109734')).toMatchObject({ applied: false });
      const retried = await handler(event, lambdaContext('record-order'));
      const replayed = await handler(event, lambdaContext('record-order'));

      expect(retried).toMatchObject({ status: 'recorded' });
      expect(replayed).toMatchObject({ status: 'duplicate' });
      expect(await categoryItem(customerId, 'cosmetics')).toMatchObject({ orderCount: Number(before?.orderCount) + 1 });
      expect(await getItem(table.store, `C#${customerId}`, 'O#TB20261122104109734')).toMatchObject({ applied: true });
    });
  });

  it('an order dated after its event time is a permanent error (FutureOrderError) and writes nothing', async () => {
    const customerId = cosmeticsBuyers[1] ?? '';
    const before = await tableItems(table.store);
    const event = { ...orderOf(customerId, 'TB-2126'), detail: { ...orderOf(customerId, 'TB-2126').detail, orderedAt: '2126-11-22T10:41:09+08:00' } };

    await expect(handler(event, lambdaContext('record-order'))).rejects.toMatchObject({ name: 'FutureOrderError', retryable: false });
    expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
  });
});
