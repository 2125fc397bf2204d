import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { MESSAGE_MOVES } from '../../lib/domain/message-state.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { contextOf, messageIn } from '../support/messages.ts';
import { SmsEventSchema, type SmsEvent } from '../../lib/domain/sms-events.ts';
import { recordDeliveryEvent } from '../../lib/usecases/record-delivery.ts';
import { loadEventObject } from '../support/sample-events.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/usecases/record-delivery.ts on a real DynamoDB-API server: End User Messaging SMS events
 * (events/record-delivery.*.json) move their messages by the provider's moves of the state table.
 */

const DAY = '2026-11-22';

/** The SMS event inside an events/ sample (the SNS message), with `changes`. */
async function smsEvent(sample: string, changes: Partial<SmsEvent> = {}): Promise<SmsEvent> {
  const sns = (await loadEventObject(`record-delivery.${sample}.json`)) as { Records: { Sns: { Message: string } }[] };
  return SmsEventSchema.parse({ ...JSON.parse(sns.Records[0]?.Sns.Message ?? '{}'), ...changes });
}

describe('record-delivery on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  let store: DynamoStore;
  let next = 0;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    store = await dynamo.freshStore();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  /** A message in `status`, reached by the sender's own moves; its ledger key is the event's context. */
  async function message(status: 'sending' | 'sent'): Promise<{ entry: LedgerEntry; context: Record<string, string> }> {
    const entry = await messageIn(store, status, `d-${++next}`, DAY);
    return { entry, context: contextOf(entry) };
  }

  async function stored(entry: LedgerEntry): Promise<LedgerEntry | undefined> {
    return (await store.ledgerOfDay(DAY)).items.find((item) => item.customerId === entry.customerId);
  }

  it('a final delivery moves a sent message to delivered with its price and parts; a duplicate and a late "pending" change nothing', async () => {
    const { entry, context } = await message('sent');
    const delivered = await smsEvent('delivered', { context });

    expect(await recordDeliveryEvent({ store }, delivered)).toBe('recorded');
    expect(await recordDeliveryEvent({ store }, delivered)).toBe('unchanged');
    expect(await recordDeliveryEvent({ store }, { ...delivered, eventType: 'TEXT_PENDING', isFinal: false })).toBe('unchanged');

    expect(await stored(entry)).toMatchObject({ status: 'delivered', markedBy: 'provider', priceUsd: 0.03366, carrierFeeUsd: 0, billedParts: 1, settledAt: new Date(delivered.eventTimestamp).toISOString() });
  });

  it('an unconfirmed message the provider took is sent, then failed with the carrier\'s reason; it never moves back', async () => {
    const { entry, context } = await message('sending');
    const blocked = await smsEvent('blocked', { context });

    expect(await recordDeliveryEvent({ store }, { ...blocked, eventType: 'TEXT_QUEUED', isFinal: false })).toBe('recorded');
    expect((await stored(entry))?.status).toBe('sent');
    expect(await recordDeliveryEvent({ store }, blocked)).toBe('recorded');
    expect(await recordDeliveryEvent({ store }, await smsEvent('delivered', { context }))).toBe('unchanged');

    expect(await stored(entry)).toMatchObject({ status: 'failed', failureReason: 'BLOCKED' });
  });

  it('each final failure type fails the message with its reason; TTL expiry is expired; a non-final one only says it was taken', async () => {
    for (const type of ['TEXT_CARRIER_BLOCKED', 'TEXT_INVALID', 'TEXT_INVALID_MESSAGE', 'TEXT_SPAM', 'TEXT_UNREACHABLE', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_PROTECT_BLOCKED']) {
      const { entry, context } = await message('sent');
      expect(await recordDeliveryEvent({ store }, await smsEvent('blocked', { context, eventType: type, isFinal: true })), type).toBe('recorded');
      expect(await stored(entry), type).toMatchObject({ status: 'failed', failureReason: type.slice('TEXT_'.length) });
    }
    const expiring = await message('sent');
    await recordDeliveryEvent({ store }, await smsEvent('blocked', { context: expiring.context, eventType: 'TEXT_TTL_EXPIRED' }));
    expect(await stored(expiring.entry)).toMatchObject({ status: 'expired', failureReason: 'TTL_EXPIRED' });

    const retrying = await message('sending');
    expect(await recordDeliveryEvent({ store }, await smsEvent('blocked', { context: retrying.context, eventType: 'TEXT_UNREACHABLE', isFinal: false }))).toBe('recorded');
    expect((await stored(retrying.entry))?.status).toBe('sent');
  });

  it('"successful" is the last word only when final (countries whose carriers send no receipt)', async () => {
    const final = await message('sent');
    await recordDeliveryEvent({ store }, await smsEvent('delivered', { context: final.context, eventType: 'TEXT_SUCCESSFUL', isFinal: true }));
    const notFinal = await message('sent');
    await recordDeliveryEvent({ store }, await smsEvent('delivered', { context: notFinal.context, eventType: 'TEXT_SUCCESSFUL', isFinal: false }));

    expect((await stored(final.entry))?.status).toBe('delivered');
    expect((await stored(notFinal.entry))?.status).toBe('sent');
  });

  it('UNKNOWN after 72 hours leaves an unconfirmed message unconfirmed', async () => {
    const { entry, context } = await message('sending');

    expect(await recordDeliveryEvent({ store }, await smsEvent('unknown', { context }))).toBe('unknown-status');

    expect((await stored(entry))?.status).toBe('sending');
  });

  it("a provider event overrides an operator's not-sent mark", async () => {
    const { entry, context } = await message('sending');
    await store.moveLedgerStatus(entry.customerId, entry, MESSAGE_MOVES.markNotSent);

    expect(await recordDeliveryEvent({ store }, await smsEvent('delivered', { context }))).toBe('recorded');

    expect(await stored(entry)).toMatchObject({ status: 'delivered', markedBy: 'provider' });
  });

  it('an event about no message of ours (no context, a foreign context, a deleted item) is counted as unknown-context and writes nothing', async () => {
    const sample = await smsEvent('delivered');
    const { context: _context, ...noContext } = sample;

    expect(await recordDeliveryEvent({ store }, noContext)).toBe('unknown-context');
    expect(await recordDeliveryEvent({ store }, { ...sample, context: { account: 'another-app' } })).toBe('unknown-context');
    expect(await recordDeliveryEvent({ store }, { ...sample, context: { customerId: 'nobody', journeyId: 'category-recall', cycle: 'x', stepId: 'coupon-1' } })).toBe('unknown-context');
    expect((await store.ledgerOfDay(DAY)).items.some((item) => item.customerId === 'nobody')).toBe(false);
  });
});
