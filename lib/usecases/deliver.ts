import { ledgerKey } from '../domain/journeys.ts';
import { MESSAGE_MOVES, type MessageMove } from '../domain/message-state.ts';
import { maskPhone } from '../domain/phone.ts';
import type { Deliveries, MessageMoveFields } from '../ports/store.ts';
import type { LedgerEntry, Profile } from '../domain/records.ts';
import { OptedOutError, PermanentDeliveryError, RetryableDeliveryError, type Clock, type Pacer, type SendJob, type Transport } from '../ports/messaging.ts';
import { PermanentError } from '../errors.ts';

/**
 * The channel call failed in a way that does not say whether the message went out (a timeout, a
 * 5xx). The ledger stays `sending`: reported as unconfirmed, never sent again.
 */
export class UnconfirmedDeliveryError extends PermanentError {
  override name = 'UnconfirmedDeliveryError';
}

/**
 * `duplicate`: another copy of the message went (or is going) out, a run decided the step
 * otherwise, or no run claimed it. `waiting`: outside the send window; handed back to the queue.
 * `bad-record`: a corrupt item holds the message's ledger key (counted, never written over).
 */
export type DeliveryResult = 'sent' | 'duplicate' | 'failed' | 'opted-out' | 'waiting' | 'bad-record';

export interface DeliverDeps {
  store: Deliveries;
  transport: Transport;
  clock: Clock;
  /** Absent locally (the outbox needs no pacing). */
  pacer?: Pacer;
}

/** A customer's profile as read again (strongly consistent) for a delivery. */
export type ProfileReread = (customerId: string) => Promise<Profile | undefined>;

/**
 * One strongly consistent read of the profiles of a batch of messages (one sender's SQS batch, or
 * one local hand-off), instead of one read per message. A customer outside the batch is read on
 * its own, so no message is ever delivered unchecked.
 */
export async function rereadProfiles(store: Deliveries, customerIds: readonly string[]): Promise<ProfileReread> {
  const batch = new Set(customerIds);
  const { profiles } = batch.size > 0 ? await store.getProfiles([...batch], { consistent: true }) : { profiles: new Map<string, Profile>() };
  return async (customerId) => (batch.has(customerId) ? profiles.get(customerId) : (await store.getProfiles([customerId], { consistent: true })).profiles.get(customerId));
}

/**
 * The ledger item the sender writes for `job`: the run hands a message over without writing it
 * (docs/architecture.md#sending). Undefined for a message an earlier version queued, whose item
 * the run claimed.
 */
export function ledgerEntryOf(job: SendJob): LedgerEntry | undefined {
  if (job.runDate === undefined) return undefined;
  return {
    customerId: job.customerId,
    journeyId: job.journeyId,
    cycle: job.cycle,
    stepId: job.stepId,
    runDate: job.runDate,
    outcome: 'sent',
    ...(job.configVersion === undefined ? {} : { configVersion: job.configVersion }),
    ...(job.tier === undefined ? {} : { tier: job.tier }),
    ...(job.variant === undefined ? {} : { variant: job.variant }),
    channel: job.channel,
    recipient: job.channel === 'sms' ? maskPhone(job.to) : 'push endpoint',
    parts: job.parts,
    ...(job.couponCode === undefined ? {} : { couponCode: job.couponCode, ...(job.couponValue === undefined ? {} : { couponValue: job.couponValue }) }),
  };
}

/** A move that may be the message's first write: its whole item `entry` then, else the move of the item the run claimed. */
function openOrMove(store: Deliveries, job: SendJob, entry: LedgerEntry | undefined, move: MessageMove, fields: MessageMoveFields = {}): Promise<boolean> {
  return entry ? store.openMessage({ ...entry, ...fields }, move, job.keepUntil) : store.moveLedgerStatus(job.customerId, job, move, fields);
}

/**
 * Delivers one message at most once, by the moves of the message state table
 * (docs/architecture.md#message-states): its item written as `sending` before the channel is
 * called (conditional: a duplicate of the message writes nothing) and sending -> sent after. A
 * crash in between leaves `sending`, reported as unconfirmed and never retried, because SNS has no
 * idempotency key. An opt-out that arrived after the claim is honoured: the profile is read
 * again (strongly consistent) before sending, by `reread` for the whole send batch when given,
 * else for this message alone.
 */
export async function deliverMessage(deps: DeliverDeps, job: SendJob, announce?: (sentAt: Date) => Promise<void>, reread?: ProfileReread): Promise<DeliveryResult> {
  const { store, transport, clock } = deps;
  const profile = await (reread ?? (await rereadProfiles(store, [job.customerId])))(job.customerId);
  const entry = ledgerEntryOf(job);
  // The run's claim is the customer's cap slot naming the message: a message no run claimed (a
  // forged or replayed one) is not sent. One the run claimed in the ledger is checked by its move.
  if (entry && !profile?.recentSends.some((send) => send.key === ledgerKey(job, job.stepId))) return 'duplicate';
  if (profile?.optedOut) {
    const settled = await openOrMove(store, job, entry, MESSAGE_MOVES.withdrawn, { outcome: 'skipped:opted-out', error: 'opted out after the claim' });
    return settled ? 'opted-out' : 'duplicate';
  }
  if (job.channel === 'sms') await deps.pacer?.reserve(job.parts);
  if (!(await openOrMove(store, job, entry, MESSAGE_MOVES.begin))) {
    // Taken by another copy or decided otherwise, unless what holds its key does not parse.
    return entry && (await store.isCorruptMessage(job.customerId, job)) ? 'bad-record' : 'duplicate';
  }
  const sentAt = clock.now();
  try {
    await transport.deliver(job, sentAt);
  } catch (error) {
    if (error instanceof OptedOutError) {
      await store.moveLedgerStatus(job.customerId, job, MESSAGE_MOVES.refused, { outcome: 'skipped:opted-out', error: error.message });
      await store.markOptedOut(job.customerId, sentAt.toISOString());
      return 'opted-out';
    }
    if (error instanceof PermanentDeliveryError) {
      await store.moveLedgerStatus(job.customerId, job, MESSAGE_MOVES.refused, { error: error.message });
      return 'failed';
    }
    if (error instanceof RetryableDeliveryError) {
      await store.moveLedgerStatus(job.customerId, job, MESSAGE_MOVES.notTaken);
      throw error;
    }
    // Anything else may have reached the customer: it stays `sending` (unconfirmed).
    throw new UnconfirmedDeliveryError(`${job.journeyId}/${job.stepId} for ${job.customerId}: outcome unknown, left unconfirmed`, { cause: error });
  }
  // Told to subscribers before the ledger says `sent`: a crash in between leaves `sending`
  // (unconfirmed), never a sent message nobody heard of.
  await announce?.(sentAt);
  await store.moveLedgerStatus(job.customerId, job, MESSAGE_MOVES.taken, { sentAt: sentAt.toISOString() });
  return 'sent';
}
