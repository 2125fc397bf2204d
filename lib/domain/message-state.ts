import type { LedgerStatus } from './records.ts';

/*
 * The message state table (docs/architecture.md#message-states): every status a message's ledger
 * item can take and every move between them, with who may make it. The store makes each move one
 * conditional update from the statuses named here, so a move outside the table cannot happen.
 */

/** Who moves a message: our sender, an operator reconciling, the provider's delivery events. */
export type MessageActor = 'sender' | 'operator' | 'provider';

export interface MessageMove {
  by: MessageActor;
  from: readonly LedgerStatus[];
  to: LedgerStatus;
  /** A provider event may also move an item an operator marked (its mark was a guess). */
  overridesOperator?: boolean;
  /**
   * The move may also create the item: the run hands a message to the sender without writing it
   * (its cap slot is its claim), so the sender's first write is the ledger item itself.
   */
  opens?: boolean;
}

const PROVIDER_FROM: readonly LedgerStatus[] = ['sending', 'sent'];

/** Every allowed move, by name. */
export const MESSAGE_MOVES = {
  /**
   * Never handed to the channel, and refused since the decision: an opt-out read just before
   * sending, or a later run's decision (no consent, no usable contact) for a claim no sender took.
   */
  withdrawn: { by: 'sender', from: ['claimed'], to: 'failed', opens: true },
  /** Written just before the channel is called: the message's first write, or a handed-back one's. */
  begin: { by: 'sender', from: ['claimed'], to: 'sending', opens: true },
  /** The channel refused before taking the message (a throttle): safe to send again. */
  notTaken: { by: 'sender', from: ['sending'], to: 'claimed' },
  /** The channel refused for good (invalid number, opted out, disabled endpoint). */
  refused: { by: 'sender', from: ['sending'], to: 'failed' },
  /** The channel took the message. */
  taken: { by: 'sender', from: ['sending'], to: 'sent' },
  /** An operator checked the provider's records: the message went out. */
  markSent: { by: 'operator', from: ['sending'], to: 'sent' },
  /** An operator checked the provider's records: it never went out. */
  markNotSent: { by: 'operator', from: ['sending'], to: 'failed' },
  /** The provider says it took the message (queued, pending, accepted by the carrier): not final. */
  accepted: { by: 'provider', from: ['sending'], to: 'sent', overridesOperator: true },
  /** The provider's final word: on the phone. */
  delivered: { by: 'provider', from: PROVIDER_FROM, to: 'delivered', overridesOperator: true },
  /** The provider's final word: not deliverable (the reason is kept). */
  undeliverable: { by: 'provider', from: PROVIDER_FROM, to: 'failed', overridesOperator: true },
  /** The provider's final word: not delivered before its time to live ran out. */
  expired: { by: 'provider', from: PROVIDER_FROM, to: 'expired', overridesOperator: true },
} as const satisfies Record<string, MessageMove>;

export type MessageMoveName = keyof typeof MESSAGE_MOVES;

/** What an operator's mark leaves (the `to` of the operator's moves): a provider event may override it. */
export const OPERATOR_MARKED: readonly LedgerStatus[] = [...new Set(Object.values(MESSAGE_MOVES).flatMap((move: MessageMove) => (move.by === 'operator' ? [move.to] : [])))];

/** A message that went out, or may have (`sending`: unconfirmed): what conversion and cost count. */
export function wentOut(status: LedgerStatus | undefined): boolean {
  return status === 'sent' || status === 'sending' || status === 'delivered';
}

/**
 * Whether `actor` may move an item from `from` to `to`; `markedBy` is who made the item's last
 * move when that was an operator.
 */
export function canMove(actor: MessageActor, from: LedgerStatus, to: LedgerStatus, markedBy?: MessageActor): boolean {
  return Object.values(MESSAGE_MOVES).some(
    (move: MessageMove) =>
      move.by === actor && move.to === to && (move.from.includes(from) || (move.overridesOperator === true && markedBy === 'operator' && OPERATOR_MARKED.includes(from))),
  );
}
