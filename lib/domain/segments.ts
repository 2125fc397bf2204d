import type { CampaignConfig } from '../config/schema.ts';
import { reachedCustomer } from './attribution.ts';
import type { LedgerEntry } from './records.ts';
import { lift, type Lift } from './stats.ts';

/*
 * The report's cuts of the ledger beyond journey and step (docs/architecture.md#variants,
 * #members, #holdout-scope): each tested step's arms against the control, the tiers the messages
 * went to, and with a global control group the programme as a whole. Pure, over the ledger items
 * the report counts (decided in the period, each once).
 */

/** Two-sided 5% and 80% power: the standard normal quantiles 0.975 and 0.80. */
const Z_ALPHA_HALF = 1.959964;
const Z_BETA = 0.841621;
/** The difference each arm should be able to tell from the control's rate: 2 points. */
export const DETECTABLE_DIFFERENCE = 0.02;

/**
 * Messages each arm needs to tell a `difference` from the control's rate `p1` (two-sided alpha
 * 0.05, power 0.80), the normal approximation for two proportions with equal arms:
 *   n = (z_{a/2} * sqrt(2 * p * (1 - p)) + z_b * sqrt(p1 * (1 - p1) + p2 * (1 - p2)))^2 / d^2
 * with p2 = p1 + d and p = (p1 + p2) / 2, rounded up. Null where p2 would pass 1.
 */
export function messagesPerArm(p1: number, difference = DETECTABLE_DIFFERENCE): number | null {
  const p2 = p1 + difference;
  if (p1 < 0 || p2 > 1 || difference <= 0) return null;
  const p = (p1 + p2) / 2;
  const n = (Z_ALPHA_HALF * Math.sqrt(2 * p * (1 - p)) + Z_BETA * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / difference ** 2;
  return Math.ceil(n);
}

/** One arm of a tested step against the step's held-out control. */
export interface VariantResult {
  journeyId: string;
  stepId: string;
  variantId: string;
  /** Messages of the arm that went out (the conversion base, as the step's `sent`). */
  messages: number;
  conversions: number;
  conversionRate: number | null;
  /** The step's held-out customers, every arm's together. */
  control: { heldOut: number; conversions: number; conversionRate: number | null };
  /** The arm's rate minus the control's with its 95% interval (Newcombe, as the step's lift); null without both groups. */
  lift: Lift | null;
  /** Messages each arm would need to tell a 2-point difference from the control's rate; null without a control. */
  neededPerArm: number | null;
}

/** Messages, conversions and revenue of the messages that went out to one member tier. */
export interface TierResult {
  tierId: string;
  messages: number;
  conversions: number;
  conversionRate: number | null;
  revenue: number;
}

/** Every messaged customer against the global control group, each customer once. */
export interface ProgrammeResult {
  messaged: { customers: number; converted: number; conversionRate: number | null; revenue: number };
  control: { customers: number; converted: number; conversionRate: number | null; revenue: number };
  lift: Lift | null;
}

const rate = (x: number, n: number) => (n > 0 ? x / n : null);
const round2 = (value: number) => Math.round(value * 100) / 100;
const wentToCustomer = (item: LedgerEntry) => item.outcome === 'sent' && reachedCustomer(item);

/** Ids in config order, then any the config no longer has, sorted. */
function ordered(configured: readonly string[], seen: Iterable<string>): string[] {
  const present = new Set(seen);
  return [...configured.filter((id) => present.has(id)), ...[...present].filter((id) => !configured.includes(id)).sort()];
}

/**
 * Each arm of every tested step. The control is the step's held-out customers whatever their arm:
 * they got nothing, so their arm changes nothing, and the arms share one control as large as the
 * step's (each arm's own held-out share is a random part of it, `variant` on the ledger keeps it).
 */
export function variantResults(config: Pick<CampaignConfig, 'journeys'>, items: readonly LedgerEntry[]): VariantResult[] {
  const steps = new Map<string, { journeyId: string; stepId: string; heldOut: number; heldOutConversions: number; arms: Map<string, { messages: number; conversions: number }> }>();
  const stepOf = (item: LedgerEntry) => {
    const key = `${item.journeyId}\u0000${item.stepId}`;
    const found = steps.get(key) ?? { journeyId: item.journeyId, stepId: item.stepId, heldOut: 0, heldOutConversions: 0, arms: new Map() };
    steps.set(key, found);
    return found;
  };
  for (const item of items) {
    if (item.outcome === 'held-out') {
      const step = stepOf(item);
      step.heldOut++;
      if (item.convertedBy !== undefined) step.heldOutConversions++;
    } else if (item.variant !== undefined && wentToCustomer(item)) {
      const arms = stepOf(item).arms;
      const arm = arms.get(item.variant) ?? { messages: 0, conversions: 0 };
      arm.messages++;
      if (item.convertedBy !== undefined) arm.conversions++;
      arms.set(item.variant, arm);
    }
  }
  const results: VariantResult[] = [];
  const journeyOrder = ordered(
    config.journeys.map((journey) => journey.id),
    [...steps.values()].filter((step) => step.arms.size > 0).map((step) => step.journeyId),
  );
  for (const journeyId of journeyOrder) {
    const journey = config.journeys.find((candidate) => candidate.id === journeyId);
    const tested = [...steps.values()].filter((step) => step.journeyId === journeyId && step.arms.size > 0);
    for (const stepId of ordered(journey?.steps.map((step) => step.id) ?? [], tested.map((step) => step.stepId))) {
      const step = tested.find((candidate) => candidate.stepId === stepId);
      if (!step) continue;
      const configured = journey?.steps.find((candidate) => candidate.id === stepId)?.variants?.map((variant) => variant.id) ?? [];
      const control = { heldOut: step.heldOut, conversions: step.heldOutConversions, conversionRate: rate(step.heldOutConversions, step.heldOut) };
      for (const variantId of ordered(configured, step.arms.keys())) {
        const arm = step.arms.get(variantId);
        if (!arm) continue;
        results.push({
          journeyId,
          stepId,
          variantId,
          messages: arm.messages,
          conversions: arm.conversions,
          conversionRate: rate(arm.conversions, arm.messages),
          control,
          lift: arm.messages > 0 && step.heldOut > 0 ? lift(arm.conversions, arm.messages, step.heldOutConversions, step.heldOut) : null,
          neededPerArm: control.conversionRate === null ? null : messagesPerArm(control.conversionRate),
        });
      }
    }
  }
  return results;
}

/** Messages that went out per tier on the day they were decided (the ledger's `tier`), tiers in config order. */
export function tierResults(config: Pick<CampaignConfig, 'tiers'>, items: readonly LedgerEntry[]): TierResult[] {
  const tiers = new Map<string, TierResult>();
  for (const item of items) {
    if (item.tier === undefined || !wentToCustomer(item)) continue;
    const tier = tiers.get(item.tier) ?? { tierId: item.tier, messages: 0, conversions: 0, conversionRate: null, revenue: 0 };
    tier.messages++;
    if (item.convertedBy !== undefined) {
      tier.conversions++;
      tier.revenue += item.revenue ?? 0;
    }
    tiers.set(item.tier, tier);
  }
  return ordered(
    config.tiers.map((tier) => tier.id),
    tiers.keys(),
  ).flatMap((id) => {
    const tier = tiers.get(id);
    return tier ? [{ ...tier, conversionRate: rate(tier.conversions, tier.messages), revenue: round2(tier.revenue) }] : [];
  });
}

/**
 * With `holdout.scope: global` (docs/architecture.md#holdout-scope): every customer a message of
 * any journey went to against every customer of the global control, each counted once, converted
 * when any of their messages (or held-out decisions) converted. Null with a per-journey holdout,
 * whose controls differ by journey, or when the period has neither group.
 */
export function programmeResult(config: Pick<CampaignConfig, 'holdout'>, items: readonly LedgerEntry[]): ProgrammeResult | null {
  if (config.holdout.scope !== 'global') return null;
  const messaged = new Map<string, { converted: boolean; revenue: number }>();
  const control = new Map<string, { converted: boolean; revenue: number }>();
  for (const item of items) {
    const group = item.outcome === 'held-out' ? control : wentToCustomer(item) ? messaged : undefined;
    if (!group) continue;
    const customer = group.get(item.customerId) ?? { converted: false, revenue: 0 };
    if (item.convertedBy !== undefined) {
      customer.converted = true;
      customer.revenue += item.revenue ?? 0;
    }
    group.set(item.customerId, customer);
  }
  if (messaged.size === 0 && control.size === 0) return null;
  const summary = (group: Map<string, { converted: boolean; revenue: number }>) => {
    const converted = [...group.values()].filter((customer) => customer.converted).length;
    return { customers: group.size, converted, conversionRate: rate(converted, group.size), revenue: round2([...group.values()].reduce((sum, customer) => sum + customer.revenue, 0)) };
  };
  const treated = summary(messaged);
  const held = summary(control);
  return {
    messaged: treated,
    control: held,
    lift: treated.customers > 0 && held.customers > 0 ? lift(treated.converted, treated.customers, held.converted, held.customers) : null,
  };
}
