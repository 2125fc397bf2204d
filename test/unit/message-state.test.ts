import { describe, expect, it } from 'vitest';
import { canMove, MESSAGE_MOVES, wentOut } from '../../lib/domain/message-state.ts';
import { LedgerStatusSchema } from '../../lib/domain/records.ts';

/** The message state table (lib/domain/message-state.ts, docs/architecture.md#message-states). */

const STATUSES = LedgerStatusSchema.options;

describe('the message state table', () => {
  it('our sender moves claimed -> sending -> sent, back to claimed only before the channel took it, and to failed', () => {
    expect(canMove('sender', 'claimed', 'sending')).toBe(true);
    expect(canMove('sender', 'sending', 'sent')).toBe(true);
    expect(canMove('sender', 'sending', 'claimed')).toBe(true);
    expect(canMove('sender', 'sending', 'failed')).toBe(true);
    expect(canMove('sender', 'claimed', 'failed')).toBe(true);
    // Never from a settled message, never past `sent` (only the provider knows what happened next).
    for (const from of ['sent', 'delivered', 'failed', 'expired'] as const) {
      for (const to of STATUSES) expect(canMove('sender', from, to), `${from} -> ${to}`).toBe(false);
    }
    expect(canMove('sender', 'claimed', 'sent')).toBe(false);
    expect(canMove('sender', 'sending', 'delivered')).toBe(false);
  });

  it('an operator marks only `sending` messages, as sent or not sent (failed)', () => {
    expect(canMove('operator', 'sending', 'sent')).toBe(true);
    expect(canMove('operator', 'sending', 'failed')).toBe(true);
    for (const from of STATUSES.filter((status) => status !== 'sending')) {
      for (const to of STATUSES) expect(canMove('operator', from, to), `${from} -> ${to}`).toBe(false);
    }
    expect(canMove('operator', 'sending', 'delivered')).toBe(false);
    expect(canMove('operator', 'sending', 'claimed')).toBe(false);
  });

  it("a provider event settles a sent or unconfirmed message, and overrides an operator's mark but not our own failure", () => {
    for (const to of ['delivered', 'failed', 'expired'] as const) {
      expect(canMove('provider', 'sending', to)).toBe(true);
      expect(canMove('provider', 'sent', to)).toBe(true);
      // An operator said "not sent" (failed): the provider knows better.
      expect(canMove('provider', 'failed', to, 'operator')).toBe(true);
      // Our sender's failure is the channel's own refusal: nothing came of it.
      expect(canMove('provider', 'failed', to)).toBe(false);
      expect(canMove('provider', 'claimed', to)).toBe(false);
    }
    expect(canMove('provider', 'delivered', 'failed')).toBe(false);
    // Taken by the provider but not final yet (queued, pending): an unconfirmed message is sent after all.
    expect(canMove('provider', 'sending', 'sent')).toBe(true);
    expect(canMove('provider', 'delivered', 'sent')).toBe(false);
  });

  it('names every move once, each to a status of the schema', () => {
    const moves = Object.values(MESSAGE_MOVES);
    for (const move of moves) {
      expect(STATUSES).toContain(move.to);
      for (const from of move.from) expect(canMove(move.by, from, move.to)).toBe(true);
    }
    const signatures = moves.map((move) => `${move.by}:${move.from.join('|')}->${move.to}`);
    expect(new Set(signatures).size).toBe(signatures.length);
  });

  it('a message went out when it is sent, delivered, or unconfirmed (sending); not when claimed, failed or expired', () => {
    expect(STATUSES.filter((status) => wentOut(status))).toEqual(['sending', 'sent', 'delivered']);
    expect(wentOut(undefined)).toBe(false);
  });
});
