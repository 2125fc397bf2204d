import { isDateTriggered, type CampaignConfig, type Category, type Journey } from '../config/schema.ts';
import { addDays, daysBetween, laterDate, type CalendarDate } from './dates.ts';
import type { JourneyState } from './records.ts';

/*
 * A journey state (lib/domain/records.ts) is where one customer stands in one cycle of one
 * journey. A cycle is the run of steps that one anchor starts: a category-window cycle per
 * (customer, category, last purchase), a recency cycle per (customer, last purchase), a ladder
 * cycle per qualifying order, a birthday cycle per year, a holiday cycle per holiday, a tier-up
 * cycle per tier reached.
 */
/** Identifies one decided step; the coupon code and the cap slot are derived from it. */
export function ledgerKey(state: Pick<JourneyState, 'customerId' | 'journeyId' | 'cycle'>, stepId: string): string {
  return `${state.customerId}#${state.journeyId}#${state.cycle}#${stepId}`;
}

/**
 * The journey-state item key within the customer: one per journey scope. `cycle` names a ladder's
 * order and a tier-up's tier, which each have a scope of their own.
 */
export function journeyScope(journey: Journey, category: string | undefined, cycle: string | undefined): string {
  switch (journey.trigger.type) {
    case 'category-window':
      return `${journey.id}#${category ?? ''}`;
    case 'recency':
    case 'birthday':
    case 'holiday':
      return journey.id;
    case 'purchase':
    case 'tier-up':
      return `${journey.id}#${cycle ?? ''}`;
  }
}

export function categoryOf(config: CampaignConfig, categoryId: string | undefined): Category | undefined {
  return config.categories.find((category) => category.id === categoryId);
}

/**
 * Days between a step's `fromDate` and its due date. A category-window step counted from the
 * anchor is due `windowDays + days` after the purchase, so the window itself is read at run time.
 */
export function stepDelayDays(config: CampaignConfig, journey: Journey, stepIndex: number, category?: string): number {
  const step = journey.steps[stepIndex];
  if (!step) throw new RangeError(`journey ${journey.id} has no step ${stepIndex}`);
  // A birthday or holiday cycle is anchored on its day; its one message is due `daysBefore` it.
  if (isDateTriggered(journey.trigger)) return -journey.trigger.daysBefore;
  if (journey.trigger.type === 'category-window' && step.after.from === 'anchor') {
    const window = categoryOf(config, category)?.windowDays;
    if (window === undefined) throw new RangeError(`unknown category ${category ?? '(none)'}`);
    return window + step.after.days;
  }
  return step.after.days;
}

export function dueDate(config: CampaignConfig, journey: Journey, state: JourneyState): CalendarDate {
  return addDays(state.fromDate, stepDelayDays(config, journey, state.stepIndex, state.category));
}

/** The cutoff on `fromDate` for a step partition: items with `fromDate <= cutoff` are due. */
export function dueCutoff(config: CampaignConfig, journey: Journey, stepIndex: number, runDate: CalendarDate, category?: string): CalendarDate {
  return addDays(runDate, -stepDelayDays(config, journey, stepIndex, category));
}

/**
 * Days a due step is late. Lateness counts from the later of the due date and the date the
 * category's current window took effect, so editing a window never turns waiting customers stale.
 */
export function daysLate(config: CampaignConfig, journey: Journey, state: JourneyState, runDate: CalendarDate): number {
  let due = dueDate(config, journey, state);
  const since = journey.trigger.type === 'category-window' ? categoryOf(config, state.category)?.windowSince : undefined;
  if (since) due = laterDate(due, since);
  return daysBetween(due, runDate);
}

/**
 * A due step too late to send: past `graceDays`, or for a birthday or holiday message, past its
 * day plus `lateDays` (it has expired; docs/architecture.md#birthdays-and-holidays).
 */
export function isStale(config: CampaignConfig, journey: Journey, state: JourneyState, runDate: CalendarDate): boolean {
  if (isDateTriggered(journey.trigger)) return daysBetween(state.anchorDate, runDate) > journey.trigger.lateDays;
  return daysLate(config, journey, state, runDate) > config.graceDays;
}

export function isFinished(journey: Journey, state: JourneyState): boolean {
  return state.stepIndex >= journey.steps.length;
}

/** A new cycle anchored at `anchorDate`, waiting for its first step. */
export function startCycle(
  journey: Journey,
  customerId: string,
  anchorDate: CalendarDate,
  scope: { category?: string; orderId?: string; cycle?: string },
): JourneyState {
  const cycle = scope.cycle ?? scope.orderId ?? (scope.category ? `${scope.category}@${anchorDate}` : anchorDate);
  return {
    customerId,
    journeyId: journey.id,
    ...(scope.category ? { category: scope.category } : {}),
    cycle,
    anchorDate,
    stepIndex: 0,
    fromDate: anchorDate,
  };
}

/** The state after the step at `state.stepIndex` has been decided on `runDate`. */
export function advance(journey: Journey, state: JourneyState, runDate: CalendarDate): JourneyState {
  const stepIndex = state.stepIndex + 1;
  const next = journey.steps[stepIndex];
  const fromDate = next?.after.from === 'previous-step' ? runDate : state.anchorDate;
  const { dormant: _dormant, ...rest } = state;
  return { ...rest, stepIndex, fromDate };
}

/**
 * The state after a stale step: a category-window or ladder cycle ends (the next purchase starts
 * a new one); a recency customer waits for the next threshold that is not stale yet.
 */
export function afterStale(config: CampaignConfig, journey: Journey, state: JourneyState, runDate: CalendarDate): JourneyState {
  // An expired birthday or holiday message is over: no --backfill sends it later.
  if (isDateTriggered(journey.trigger)) {
    const { dormant: _dormant, ...rest } = state;
    return { ...rest, stepIndex: journey.steps.length };
  }
  if (journey.trigger.type !== 'recency') return { ...state, stepIndex: journey.steps.length, dormant: true };
  let next = advance(journey, state, runDate);
  while (!isFinished(journey, next) && isStale(config, journey, next, runDate)) {
    next = advance(journey, next, runDate);
  }
  return { ...next, dormant: true };
}

/**
 * Where a new cycle stands on `today`: waiting for its first step, or, when history arrives
 * after the fact (an import), already past its stale steps, so importing two years of orders
 * and running once sends nothing late. A live order is never stale.
 */
export function positionOn(config: CampaignConfig, journey: Journey, state: JourneyState, today: CalendarDate): JourneyState {
  return isStale(config, journey, state, today) ? afterStale(config, journey, state, today) : state;
}

/** A dormant cycle as it stood at its start: `--backfill` finds its latest crossed step from here. */
export function cycleStart(state: JourneyState): JourneyState {
  const { dormant: _dormant, ...rest } = state;
  return { ...rest, stepIndex: 0, fromDate: state.anchorDate };
}

/** Where `--backfill` enters a cycle of `journey` (docs/architecture.md#lateness). */
export function backfillMode(journey: Journey): 'first' | 'latest' {
  return journey.backfillFrom ?? (journey.trigger.type === 'recency' ? 'latest' : 'first');
}

/**
 * For `--backfill` from the first step: the cycle re-anchored so that its first step is due on
 * `runDate` and every later step keeps its spacing (also steps counted from the anchor). The cycle
 * keeps its id, so its ledger keys and coupon codes stay its own.
 */
export function rebasedOnFirstStep(config: CampaignConfig, journey: Journey, state: JourneyState, runDate: CalendarDate): JourneyState {
  const anchorDate = addDays(runDate, -stepDelayDays(config, journey, 0, state.category));
  return { ...cycleStart(state), anchorDate, fromDate: anchorDate };
}

/** The state a `--backfill` decides on for a stale or dormant cycle. */
export function backfillEntry(config: CampaignConfig, journey: Journey, state: JourneyState, runDate: CalendarDate): JourneyState {
  return backfillMode(journey) === 'first' ? rebasedOnFirstStep(config, journey, state, runDate) : latestCrossedStep(config, journey, state, runDate);
}

/**
 * For `--backfill`: the latest step of the cycle whose due date has passed, as if every earlier
 * step had run on its due date. The customer gets that one step, once.
 */
export function latestCrossedStep(config: CampaignConfig, journey: Journey, state: JourneyState, runDate: CalendarDate): JourneyState {
  let current = state;
  for (;;) {
    const due = dueDate(config, journey, current);
    const next = advance(journey, current, due);
    if (isFinished(journey, next) || dueDate(config, journey, next) > runDate) return current;
    current = next;
  }
}
