/**
 * `recall reconcile` (docs/architecture.md#message-states): the messages of a period still
 * `sending` (unconfirmed: the sender died or got no answer between the channel call and `sent`),
 * listed with masked recipients so that an operator can look them up in the provider's delivery
 * records, and marked `sent` or `not-sent` by the operator's moves of the state table.
 */
import { datesOf } from '../domain/report.ts';
import { MESSAGE_MOVES } from '../domain/message-state.ts';
import type { LedgerEntry } from '../domain/records.ts';
import type { ReportPeriod } from '../domain/repurchase.ts';
import type { Deliveries, ReportReader } from '../ports/store.ts';
import { checkPeriod } from './report.ts';

/** One unconfirmed message, as reconcile shows it: never a full number or a coupon code. */
export interface UnconfirmedMessage {
  runDate: string;
  customerId: string;
  journeyId: string;
  cycle: string;
  stepId: string;
  channel: 'sms' | 'push' | undefined;
  /** Masked (country code and last digits), as recorded at the claim. */
  recipient: string | undefined;
  parts: number | undefined;
}

/** Which unconfirmed messages a reconcile covers: a period, optionally one customer, journey, step. */
export interface ReconcileFilter extends ReportPeriod {
  customerId?: string;
  journeyId?: string;
  stepId?: string;
}

export type OperatorMark = 'sent' | 'not-sent';

export interface ReconcileResult {
  from: string;
  to: string;
  unconfirmed: UnconfirmedMessage[];
  /** With a mark: how many this call marked, and how many had moved on before it could. */
  marked?: { as: OperatorMark; marked: number; alreadySettled: number };
  invalidItems: number;
}

/** Whether a ledger entry is a message that may have gone out and was never confirmed. */
export const isUnconfirmed = (entry: Pick<LedgerEntry, 'outcome' | 'status'>): boolean => entry.outcome === 'sent' && entry.status === 'sending';

function matches(entry: LedgerEntry, filter: ReconcileFilter): boolean {
  return (
    isUnconfirmed(entry) &&
    (filter.customerId === undefined || entry.customerId === filter.customerId) &&
    (filter.journeyId === undefined || entry.journeyId === filter.journeyId) &&
    (filter.stepId === undefined || entry.stepId === filter.stepId)
  );
}

const shown = (entry: LedgerEntry): UnconfirmedMessage => ({
  runDate: entry.runDate,
  customerId: entry.customerId,
  journeyId: entry.journeyId,
  cycle: entry.cycle,
  stepId: entry.stepId,
  channel: entry.channel,
  recipient: entry.recipient,
  parts: entry.parts,
});

/**
 * Lists the unconfirmed messages `filter` covers (read day by day through the date index, each
 * message's status from its item) and, with `mark`, marks each of them as the operator says. A
 * message that a provider event or the sender settled meanwhile is left as it is.
 */
export async function reconcile(deps: { store: ReportReader & Deliveries }, filter: ReconcileFilter, mark?: { as: OperatorMark; at: Date }): Promise<ReconcileResult> {
  checkPeriod(filter);
  const unconfirmed: LedgerEntry[] = [];
  let invalidItems = 0;
  for (const date of datesOf(filter)) {
    const day = await deps.store.ledgerOfDay(date);
    invalidItems += day.invalid;
    unconfirmed.push(...day.items.filter((entry) => matches(entry, filter)));
  }
  const result: ReconcileResult = { from: filter.from, to: filter.to, unconfirmed: unconfirmed.map(shown), invalidItems };
  if (!mark) return result;
  let marked = 0;
  const markedAt = mark.at.toISOString();
  for (const entry of unconfirmed) {
    const moved =
      mark.as === 'sent'
        ? await deps.store.moveLedgerStatus(entry.customerId, entry, MESSAGE_MOVES.markSent, { markedAt })
        : await deps.store.moveLedgerStatus(entry.customerId, entry, MESSAGE_MOVES.markNotSent, { error: 'not sent (marked by an operator)', markedAt });
    if (moved) marked++;
  }
  return { ...result, marked: { as: mark.as, marked, alreadySettled: unconfirmed.length - marked } };
}
