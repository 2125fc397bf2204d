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

/**
 * The person behind a contact, for the frequency cap: one key per normalised phone number (E.164)
 * or push endpoint, hashed so that no number is a table key (docs/architecture.md#guardrails).
 */
export function personKey(contact: { channel: 'sms' | 'push'; to: string }): string {
  return `${contact.channel}:${createHash('sha256').update(contact.to).digest('hex').slice(0, 32)}`;
}

/** The write shard of a customer. Fixed for a deployment: changing `shards` needs a re-index. */
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

/**
 * A customer's arm of a tested step (docs/architecture.md#variants): a sha256 of (customer,
 * journey, step) spread over the cumulative weights, so a re-run, a resumed job or a test campaign
 * picks the same one. Tagged `variant` and hashed with the step, so it is independent of the
 * holdout hash: each arm holds a fair share of the held-out customers, its own control.
 */
export function variantOf<V extends { weight: number }>(customerId: string, journeyId: string, stepId: string, variants: readonly V[]): V | undefined {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (total <= 0) return undefined;
  const digest = createHash('sha256').update(`variant\u0000${customerId}\u0000${journeyId}\u0000${stepId}`).digest();
  // 48 bits: the share a weight gets is exact to far below any measurable difference.
  const point = (digest.readUIntBE(0, 6) / 2 ** 48) * total;
  let reached = 0;
  for (const variant of variants) {
    reached += variant.weight;
    if (point < reached) return variant;
  }
  return variants[variants.length - 1];
}
