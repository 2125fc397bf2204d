import { createHash } from 'node:crypto';

/** FNV-1a, 32 bit: a stable, fast spread of customer ids over the due-index shards. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The write shard of a customer. Fixed for a deployment: changing `shards` needs a re-index. */
/**
 * The person behind a contact, for the frequency cap: one key per normalised phone number (E.164)
 * or push endpoint, hashed so that no number is a table key (docs/architecture.md#guardrails).
 */
export function personKey(contact: { channel: 'sms' | 'push'; to: string }): string {
  return `${contact.channel}:${createHash('sha256').update(contact.to).digest('hex').slice(0, 32)}`;
}

export function shardOf(customerId: string, shards: number): number {
  return fnv1a(customerId) % shards;
}

/**
 * The config's control group (docs/architecture.md#measurement): per journey, or with
 * `holdout.scope: global` the same customers out of every journey.
 */
export function isHeldOutOf(config: { holdoutPercent: number; holdout: { scope: 'journey' | 'global' } }, customerId: string, journeyId: string): boolean {
  return isHeldOut(customerId, config.holdout.scope === 'global' ? GLOBAL_HOLDOUT : journeyId, config.holdoutPercent);
}

/** What the global control group hashes with in place of a journey id (no journey id can be empty). */
const GLOBAL_HOLDOUT = '';

/** Deterministic holdout: the same customer is always held out of the same journey. */
export function isHeldOut(customerId: string, journeyId: string, percent: number): boolean {
  if (percent <= 0) return false;
  const digest = createHash('sha256').update(`${customerId}\u0000${journeyId}`).digest();
  return (digest.readUInt32BE(0) / 0x1_0000_0000) * 100 < percent;
}
