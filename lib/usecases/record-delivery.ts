/**
 * record-delivery (docs/architecture.md#delivery-events): an End User Messaging SMS event moves
 * its message, found by the ledger key we put in the message's context, by the provider's moves of
 * the message state table. Each move is conditional, so a duplicate or a reordered event (a
 * "pending" after "delivered") changes nothing, and a final status never moves again.
 */
import { MessageContextSchema, settlementOf, type SmsEvent } from '../domain/sms-events.ts';
import type { Receipts } from '../ports/store.ts';

export type DeliveryEventResult =
  /** The message moved. */
  | 'recorded'
  /** Already there or past it: a duplicate or an event that arrived late. */
  | 'unchanged'
  /** UNKNOWN (no final word after 72 hours): the message stays as it is. */
  | 'unknown-status'
  /** An event type we do not act on. */
  | 'ignored'
  /** No message of ours in the context: not ours, or a ledger item that does not exist. */
  | 'unknown-context';

export async function recordDeliveryEvent(deps: { store: Receipts }, event: SmsEvent): Promise<DeliveryEventResult> {
  const context = MessageContextSchema.safeParse(event.context ?? {});
  if (!context.success) return 'unknown-context';
  const settlement = settlementOf(event);
  if (settlement.kind === 'unknown') return 'unknown-status';
  if (settlement.kind === 'ignored') return 'ignored';
  const { customerId } = context.data;
  if (await deps.store.moveLedgerStatus(customerId, context.data, settlement.move, settlement.fields)) return 'recorded';
  return (await deps.store.hasLedgerEntry(customerId, context.data)) ? 'unchanged' : 'unknown-context';
}
