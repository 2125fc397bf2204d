import type { Clock, RecallStore, SendJob, Transport } from '../ports.ts';

/** A channel error that will not go away on retry (an invalid number, an opted-out number). */
export class PermanentDeliveryError extends Error {
  readonly retryable = false;
  override name = 'PermanentDeliveryError';
}

/** The channel refused before sending (throttled, unavailable): safe to try again. */
export class RetryableDeliveryError extends Error {
  readonly retryable = true;
  override name = 'RetryableDeliveryError';
}

export type DeliveryResult = 'sent' | 'duplicate' | 'failed';

/**
 * Delivers one claimed message at most once: the ledger moves claimed -> sending before the
 * channel is called and sending -> sent after. A crash in between leaves `sending`, reported as
 * unconfirmed and never retried, because SNS has no idempotency key.
 */
export async function deliverMessage(deps: { store: RecallStore; transport: Transport; clock: Clock }, job: SendJob): Promise<DeliveryResult> {
  const { store, transport, clock } = deps;
  if (!(await store.moveLedgerStatus(job.customerId, job, 'claimed', 'sending'))) return 'duplicate';
  const sentAt = clock.now();
  try {
    await transport.deliver(job, sentAt);
  } catch (error) {
    if (error instanceof PermanentDeliveryError) {
      await store.moveLedgerStatus(job.customerId, job, 'sending', 'failed', { error: error.message });
      return 'failed';
    }
    if (error instanceof RetryableDeliveryError) await store.moveLedgerStatus(job.customerId, job, 'sending', 'claimed');
    // Anything else may have reached the customer: it stays `sending` (unconfirmed).
    throw error;
  }
  await store.moveLedgerStatus(job.customerId, job, 'sending', 'sent', { sentAt: sentAt.toISOString() });
  return 'sent';
}
