import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { MESSAGE_MOVES, type MessageMoveName } from '../../lib/domain/message-state.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';

/** The sender's own moves from `claimed` to each status a test starts a message in. */
const SENDER_PATH: Record<'claimed' | 'sending' | 'sent' | 'failed', MessageMoveName[]> = { claimed: [], sending: ['begin'], sent: ['begin', 'taken'], failed: ['begin', 'refused'] };

/**
 * A category-recall SMS of `customerId`, claimed in the ledger on `runDate` and moved to `status`
 * by the sender's own moves (each must take: a refused move throws).
 */
export async function messageIn(store: DynamoStore, status: keyof typeof SENDER_PATH, customerId: string, runDate = '2026-11-22'): Promise<LedgerEntry> {
  const entry: LedgerEntry = { customerId, journeyId: 'category-recall', cycle: 'cosmetics-2026-09-05', stepId: 'coupon-1', runDate, outcome: 'sent', status: 'claimed', channel: 'sms', parts: 1 };
  await store.claimLedger(entry);
  for (const move of SENDER_PATH[status]) {
    if (!(await store.moveLedgerStatus(customerId, entry, MESSAGE_MOVES[move]))) throw new Error(`${customerId}: the sender's move ${move} did not take`);
  }
  return entry;
}

/** The context End User Messaging returns with every event of the message (its ledger key). */
export const contextOf = ({ customerId, journeyId, cycle, stepId }: LedgerEntry): Record<string, string> => ({ customerId, journeyId, cycle, stepId });
