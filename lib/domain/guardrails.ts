import { isDateTriggered, type CampaignConfig, type Journey, type Step } from '../config/schema.ts';
import { daysBetween, localMinutes, minutesOfDay, type CalendarDate } from './dates.ts';
import { isHeldOutOf } from './hashing.ts';
import { backfillEntry, cycleStart, isStale, ledgerKey } from './journeys.ts';
import { inAudience, memberOn } from './members.ts';
import { mobileNumber } from './phone.ts';
import type { JourneyState, Profile, RecentSend } from './records.ts';

/** Every candidate of a run ends in exactly one of these. */
export const OUTCOMES = [
  'sent',
  'held-out',
  'skipped:stale',
  /** A birthday or holiday message not sent by its day (plus `lateDays`): never sent later. */
  'skipped:expired',
  /** The customer is outside the journey's audience on the day (docs/architecture.md#audiences). */
  'skipped:audience',
  'skipped:no-consent',
  'skipped:invalid-contact',
  'skipped:bad-record',
  /** The channel reported a STOP between the claim and the send. */
  'skipped:opted-out',
  'deferred:capped',
  'deferred:quiet-hours',
  /** No usable contact yet: tried again each run until graceDays after the due date (a number fixed meanwhile is sent). */
  'deferred:invalid-contact',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Candidate {
  journey: Journey;
  state: JourneyState;
}

export type Contact = { channel: 'sms'; to: string } | { channel: 'push'; to: string };

export interface Decision {
  journey: Journey;
  /** The state as stored (the condition of the write that records the decision). */
  stored: JourneyState;
  /** The state the decision is about (for `--backfill`, moved to the latest crossed step). */
  state: JourneyState;
  step: Step;
  outcome: Outcome;
  /** Set when the outcome is `sent`. */
  contact?: Contact;
}

export interface DecideContext {
  config: CampaignConfig;
  runDate: CalendarDate;
  /** The instant the messages would go out (quiet hours). */
  now: Date;
  backfill: boolean;
}

function hasConsent(profile: Profile | undefined, step: Step): boolean {
  if (!profile || profile.optedOut) return false;
  return step.channel === 'push' || profile.smsOptIn;
}

function contactFor(profile: Profile, step: Step, config: CampaignConfig): Contact | undefined {
  if (step.channel === 'push') return profile.pushEndpoint ? { channel: 'push', to: profile.pushEndpoint } : undefined;
  const phone = mobileNumber(profile.phone, config.defaultCountry);
  return phone.ok ? { channel: 'sms', to: phone.e164 } : undefined;
}

/** True when the customer already got `maxMessages` within the last `perDays` days. */
export function rollingCapReached(recentSends: readonly RecentSend[], runDate: CalendarDate, config: CampaignConfig): boolean {
  const { maxMessages, perDays } = config.frequencyCap;
  const inPeriod = recentSends.filter((send) => daysBetween(send.date, runDate) < perDays);
  return inPeriod.length >= maxMessages;
}

export function inSendWindow(now: Date, timeZone: string, config: CampaignConfig): boolean {
  const minutes = localMinutes(now, timeZone);
  return minutes >= minutesOfDay(config.sendWindow.start) && minutes < minutesOfDay(config.sendWindow.end);
}

function byPriority(a: Candidate, b: Candidate): number {
  return (
    b.journey.priority - a.journey.priority ||
    a.journey.id.localeCompare(b.journey.id) ||
    a.state.cycle.localeCompare(b.state.cycle)
  );
}

/**
 * Every candidate message of one customer in one run, through the guardrails of docs/architecture.md#guardrails in
 * order: lateness (a birthday or holiday message expires), audience, consent, contact, holdout,
 * frequency cap, priority, quiet hours. Each candidate gets exactly one outcome; at most one is `sent`.
 */
export function decideCustomer(profile: Profile | undefined, candidates: readonly Candidate[], ctx: DecideContext): Decision[] {
  const { config, runDate } = ctx;
  let slotTaken = false;
  const decisions: Decision[] = [];
  // A send that already holds its cap slot (a run resumed after a crash) goes first: it is the
  // one message of this run, whatever the priorities.
  const resumedKeys = new Set(profile?.recentSends.map((send) => send.key));
  const isResumed = (candidate: Candidate) => {
    const step = candidate.journey.steps[candidate.state.stepIndex];
    return step !== undefined && resumedKeys.has(ledgerKey(candidate.state, step.id));
  };
  const ordered = [...candidates].sort((a, b) => Number(isResumed(b)) - Number(isResumed(a)) || byPriority(a, b));
  const member = memberOn(config, profile?.member, runDate);
  for (const candidate of ordered) {
    const { journey } = candidate;
    if (isDateTriggered(journey.trigger)) {
      const step = journey.steps[candidate.state.stepIndex];
      // Never sent after its day (plus lateDays), not even by --backfill.
      if (step && isStale(config, journey, candidate.state, runDate)) {
        decisions.push({ journey, stored: candidate.state, state: candidate.state, step, outcome: 'skipped:expired' });
        continue;
      }
    }
    // A dormant cycle (its steps went by stale) is only looked at again by --backfill.
    const backfillFrom = ctx.backfill && candidate.state.dormant ? cycleStart(candidate.state) : undefined;
    const stale = backfillFrom !== undefined || isStale(config, journey, candidate.state, runDate);
    const state = stale && ctx.backfill ? backfillEntry(config, journey, backfillFrom ?? candidate.state, runDate) : candidate.state;
    const step = journey.steps[state.stepIndex];
    if (!step) continue;
    const decide = (outcome: Outcome, contact?: Contact): void => {
      decisions.push({ journey, stored: candidate.state, state, step, outcome, ...(contact ? { contact } : {}) });
    };
    if (stale && !ctx.backfill) {
      // A step that waited out its grace for a usable contact ends as what kept it.
      decide(profile && hasConsent(profile, step) && !contactFor(profile, step, config) ? 'skipped:invalid-contact' : 'skipped:stale');
      continue;
    }
    if (profile && !inAudience(journey.audience, member, { hasSms: mobileNumber(profile.phone, config.defaultCountry).ok, hasPush: profile.pushEndpoint !== undefined }, runDate)) {
      decide('skipped:audience');
      continue;
    }
    if (!profile || !hasConsent(profile, step)) {
      decide('skipped:no-consent');
      continue;
    }
    const contact = contactFor(profile, step, config);
    if (!contact) {
      // Not final while the step is fresh: the journey waits, so a number fixed later is sent.
      decide(stale ? 'skipped:invalid-contact' : 'deferred:invalid-contact');
      continue;
    }
    if (isHeldOutOf(config, profile.customerId, journey.id)) {
      decide('held-out');
      continue;
    }
    // Frequency cap and priority: candidates come highest priority first, so the first one to
    // reach this point takes the run's only slot and the rest wait for a later run. A resumed
    // send already holds its rolling-cap slot; it still takes the run's.
    const resumed = resumedKeys.has(ledgerKey(state, step.id));
    if (slotTaken || (!resumed && rollingCapReached(profile.recentSends, runDate, config))) {
      decide('deferred:capped');
      continue;
    }
    slotTaken = true;
    if (!inSendWindow(ctx.now, profile.timeZone ?? config.merchantTimeZone, config)) {
      decide('deferred:quiet-hours');
      continue;
    }
    decide('sent', contact);
  }
  return decisions;
}
