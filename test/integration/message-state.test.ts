import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { MESSAGE_MOVES } from '../../lib/domain/message-state.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { messageIn } from '../support/messages.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * The store enforces the message state table (lib/domain/message-state.ts): each move is one
 * conditional update from the statuses the table names, on a real DynamoDB-API server.
 */

const DAY = '2026-11-22';

describe('message moves on a real DynamoDB-API server', () => {
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

  /** A claimed message of a new customer, moved to `status` by the sender's own moves. */
  const message = (status: 'claimed' | 'sending' | 'sent' | 'failed') => messageIn(store, status, `c-${++next}`, DAY);

  async function statusOf(entry: LedgerEntry): Promise<{ status?: string; markedBy?: string; markedAt?: string }> {
    const { items } = await store.ledgerOfDay(DAY);
    const stored = items.find((item) => item.customerId === entry.customerId);
    return { ...(stored?.status ? { status: stored.status } : {}), ...(stored?.markedBy ? { markedBy: stored.markedBy } : {}), ...(stored?.markedAt ? { markedAt: stored.markedAt } : {}) };
  }

  it('an operator marks a `sending` message once; a sent, claimed or failed one is refused and unchanged', async () => {
    const sending = await message('sending');
    expect(await store.moveLedgerStatus(sending.customerId, sending, MESSAGE_MOVES.markSent, { markedAt: '2026-11-23T01:00:00.000Z' })).toBe(true);
    expect(await statusOf(sending)).toEqual({ status: 'sent', markedBy: 'operator', markedAt: '2026-11-23T01:00:00.000Z' });
    // Marked already: a second mark (either way) changes nothing.
    expect(await store.moveLedgerStatus(sending.customerId, sending, MESSAGE_MOVES.markNotSent)).toBe(false);

    for (const status of ['claimed', 'sent', 'failed'] as const) {
      const entry = await message(status);
      expect(await store.moveLedgerStatus(entry.customerId, entry, MESSAGE_MOVES.markNotSent), status).toBe(false);
      expect(await statusOf(entry)).toEqual({ status });
    }
  });

  it("a provider event overrides an operator's mark, but not the sender's own refusal", async () => {
    const markedNotSent = await message('sending');
    expect(await store.moveLedgerStatus(markedNotSent.customerId, markedNotSent, MESSAGE_MOVES.markNotSent)).toBe(true);
    expect(await store.moveLedgerStatus(markedNotSent.customerId, markedNotSent, MESSAGE_MOVES.delivered)).toBe(true);
    expect(await statusOf(markedNotSent)).toEqual({ status: 'delivered', markedBy: 'provider' });

    const refused = await message('failed');
    expect(await store.moveLedgerStatus(refused.customerId, refused, MESSAGE_MOVES.delivered)).toBe(false);
    expect(await statusOf(refused)).toEqual({ status: 'failed' });

    const sent = await message('sent');
    expect(await store.moveLedgerStatus(sent.customerId, sent, MESSAGE_MOVES.expired)).toBe(true);
    // Final: nothing moves it again, not even another provider event.
    expect(await store.moveLedgerStatus(sent.customerId, sent, MESSAGE_MOVES.delivered)).toBe(false);
    expect(await statusOf(sent)).toEqual({ status: 'expired', markedBy: 'provider' });
  });

  it('the sender cannot skip a step: claimed never becomes sent without sending', async () => {
    const claimed = await message('claimed');
    expect(await store.moveLedgerStatus(claimed.customerId, claimed, MESSAGE_MOVES.taken)).toBe(false);
    expect(await statusOf(claimed)).toEqual({ status: 'claimed' });
  });
});
