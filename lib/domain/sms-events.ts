import * as z from 'zod/mini';
import { CountSchema, FalseByDefaultSchema, NonEmptyStringSchema, OptionalAmountSchema, OptionalCountSchema, OptionalStringSchema } from './fields.ts';
import { MESSAGE_MOVES, type MessageMove } from './message-state.ts';
import type { LedgerEntry } from './records.ts';

/*
 * Delivery events of AWS End User Messaging SMS (docs/architecture.md#delivery-events): what each
 * event type means for the message's ledger item. Pure; record-delivery applies it.
 */

/** The ledger key we put in `Context` when sending (lib/adapters/sms-voice-transport.ts). */
export const MessageContextSchema = z.object({
  customerId: NonEmptyStringSchema,
  journeyId: NonEmptyStringSchema,
  cycle: NonEmptyStringSchema,
  stepId: NonEmptyStringSchema,
});
export type MessageContext = z.infer<typeof MessageContextSchema>;

/** One SMS event as the configuration set's event destination publishes it (fields we read). */
export const SmsEventSchema = z.object({
  eventType: z.string().check(z.regex(/^TEXT_[A-Z_]+$/, 'expected an SMS event type (TEXT_...)')),
  eventTimestamp: CountSchema,
  isFinal: FalseByDefaultSchema,
  messageId: NonEmptyStringSchema,
  messageStatus: OptionalStringSchema,
  messageStatusDescription: OptionalStringSchema,
  destinationPhoneNumber: OptionalStringSchema,
  isoCountryCode: OptionalStringSchema,
  /** Absent or foreign when the message was not ours (another sender on the account). */
  context: z.optional(z.record(z.string(), z.string())),
  totalMessageParts: OptionalCountSchema,
  totalMessagePrice: OptionalAmountSchema,
  totalCarrierFee: OptionalAmountSchema,
});
export type SmsEvent = z.infer<typeof SmsEventSchema>;

/** Failures the carrier or device reports; final ones fail the message with the type as reason. */
const FAILURES = new Set([
  'TEXT_BLOCKED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_PROTECT_BLOCKED',
  'TEXT_SPAM',
  'TEXT_UNREACHABLE',
]);
/** Still on its way. */
const PROGRESS = new Set(['TEXT_QUEUED', 'TEXT_PENDING']);

export type Settlement =
  | { kind: 'move'; move: MessageMove; fields: Partial<LedgerEntry> }
  /** AWS's "no final word after 72 hours": the message stays as it is (unconfirmed if `sending`). */
  | { kind: 'unknown' }
  /** An event type this system does not act on (a future one): counted, nothing written. */
  | { kind: 'ignored' };

/** What an SMS event does to its message. */
export function settlementOf(event: SmsEvent): Settlement {
  const reason = event.eventType.slice('TEXT_'.length);
  if (event.eventType === 'TEXT_UNKNOWN' || event.messageStatus === 'UNKNOWN') return { kind: 'unknown' };
  const billed = {
    settledAt: new Date(event.eventTimestamp).toISOString(),
    ...(event.totalMessageParts ? { billedParts: event.totalMessageParts } : {}),
    ...(event.totalMessagePrice !== undefined ? { priceUsd: event.totalMessagePrice } : {}),
    ...(event.totalCarrierFee !== undefined ? { carrierFeeUsd: event.totalCarrierFee } : {}),
  };
  // Where the carrier sends no receipt, a final "successful" (accepted by the carrier) is the last word.
  if (event.eventType === 'TEXT_DELIVERED' || (event.eventType === 'TEXT_SUCCESSFUL' && event.isFinal)) {
    return { kind: 'move', move: MESSAGE_MOVES.delivered, fields: billed };
  }
  if (event.eventType === 'TEXT_TTL_EXPIRED') return { kind: 'move', move: MESSAGE_MOVES.expired, fields: { ...billed, failureReason: reason } };
  if (FAILURES.has(event.eventType)) {
    return event.isFinal ? { kind: 'move', move: MESSAGE_MOVES.undeliverable, fields: { ...billed, failureReason: reason } } : { kind: 'move', move: MESSAGE_MOVES.accepted, fields: {} };
  }
  if (PROGRESS.has(event.eventType) || event.eventType === 'TEXT_SUCCESSFUL') return { kind: 'move', move: MESSAGE_MOVES.accepted, fields: {} };
  return { kind: 'ignored' };
}
