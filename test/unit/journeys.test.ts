import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig, Journey } from '../../lib/config/schema.ts';
import { addDays, daysBetween, type CalendarDate } from '../../lib/domain/dates.ts';
import { advance, afterStale, cycleStart, daysLate, dueCutoff, dueDate, isFinished, isStale, journeyScope, latestCrossedStep, ledgerKey, positionOn, startCycle, stepDelayDays } from '../../lib/domain/journeys.ts';
import type { JourneyState } from '../../lib/domain/records.ts';

const config = await loadDefaultConfig();
const RUN: CalendarDate = '2024-06-15';

function journeyById(source: CampaignConfig, id: string): Journey {
  const journey = source.journeys.find((candidate) => candidate.id === id);
  if (!journey) throw new Error(`no journey ${id} in the default config`);
  return journey;
}

const categoryRecall = journeyById(config, 'category-recall');
const lifecycle = journeyById(config, 'lifecycle');
const ladder = journeyById(config, 'spend-200-ladder');

/** The default config with one category's window changed. */
function withWindow(category: string, windowDays: number, windowSince?: CalendarDate): CampaignConfig {
  return {
    ...config,
    categories: config.categories.map((entry) =>
      entry.id === category ? { ...entry, windowDays, ...(windowSince ? { windowSince } : {}) } : entry,
    ),
  };
}

const daysAgo = (days: number): CalendarDate => addDays(RUN, -days);

describe('stepDelayDays', () => {
  it('counts a category-window step from the anchor as the window plus its days', () => {
    // Prepare: the same journey with a first step 5 days after the window
    const shifted: Journey = {
      ...categoryRecall,
      steps: categoryRecall.steps.map((step, index) => (index === 0 ? { ...step, after: { ...step.after, days: 5 } } : step)),
    };

    // Act
    const cosmetics = stepDelayDays(config, categoryRecall, 0, 'cosmetics');
    const petFood = stepDelayDays(config, categoryRecall, 0, 'pet-food');
    const cosmeticsShifted = stepDelayDays(config, shifted, 0, 'cosmetics');

    // Assess
    expect(cosmetics).toBe(76);
    expect(petFood).toBe(36);
    expect(cosmeticsShifted).toBe(81);
  });

  it('reads the window from the config at call time, so a window edit takes effect without rewriting items', () => {
    // Act
    const edited = stepDelayDays(withWindow('cosmetics', 60), categoryRecall, 0, 'cosmetics');

    // Assess
    expect(edited).toBe(60);
  });

  it('counts a previous-step step as its own days, whatever the category window', () => {
    // Act
    const delays = [1, 2, 3].map((index) => stepDelayDays(config, categoryRecall, index, 'mens-shoes'));

    // Assess
    expect(delays).toEqual([30, 30, 30]);
  });

  it('gives the recency thresholds 90 / 180 / 365 and the ladder 1 / 30 / 60 / 90', () => {
    // Act
    const recency = lifecycle.steps.map((_, index) => stepDelayDays(config, lifecycle, index));
    const ladderDelays = ladder.steps.map((_, index) => stepDelayDays(config, ladder, index));

    // Assess
    expect(recency).toEqual([90, 180, 365]);
    expect(ladderDelays).toEqual([1, 30, 60, 90]);
  });

  it('refuses a step that does not exist and a category-window step of an unknown category', () => {
    // Act / Assess
    expect(() => stepDelayDays(config, lifecycle, 3)).toThrow(RangeError);
    expect(() => stepDelayDays(config, categoryRecall, 0, 'garden-tools')).toThrow(RangeError);
    expect(() => stepDelayDays(config, categoryRecall, 0)).toThrow(RangeError);
  });
});

describe('dueDate and dueCutoff', () => {
  it('makes the first category step due windowDays after the purchase, across a leap day', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', '2024-01-01', { category: 'cosmetics' });

    // Act
    const due = dueDate(config, categoryRecall, state);

    // Assess: 31 + 29 + 16 = 76 days after 2024-01-01
    expect(due).toBe('2024-03-17');
  });

  it('counts a previous-step step from the date the previous step ran', () => {
    // Prepare
    const state: JourneyState = { ...startCycle(categoryRecall, 'c1', '2024-01-01', { category: 'cosmetics' }), stepIndex: 1, fromDate: '2024-03-20' };

    // Act
    const due = dueDate(config, categoryRecall, state);

    // Assess
    expect(due).toBe('2024-04-19');
  });

  it('gives the cutoff that the due-index query compares fromDate with', () => {
    // Act
    const cutoff = dueCutoff(config, categoryRecall, 0, RUN, 'cosmetics');

    // Assess
    expect(cutoff).toBe(addDays(RUN, -76));
  });

  it('agrees with dueDate: fromDate <= cutoff exactly when the run date has reached the due date', () => {
    const steps = [
      ...categoryRecall.steps.flatMap((_, index) => config.categories.map((category) => ({ journey: categoryRecall, index, category: category.id }))),
      ...lifecycle.steps.map((_, index) => ({ journey: lifecycle, index, category: undefined })),
      ...ladder.steps.map((_, index) => ({ journey: ladder, index, category: undefined })),
    ];
    const date = fc.integer({ min: 0, max: 3650 }).map((offset) => addDays('2020-01-01', offset));
    fc.assert(
      fc.property(fc.constantFrom(...steps), date, date, ({ journey, index, category }, fromDate, runDate) => {
        // Prepare
        const state: JourneyState = {
          customerId: 'c1',
          journeyId: journey.id,
          ...(category ? { category } : {}),
          cycle: 'cycle',
          anchorDate: fromDate,
          stepIndex: index,
          fromDate,
        };

        // Act
        const inQuery = fromDate <= dueCutoff(config, journey, index, runDate, category);
        const due = runDate >= dueDate(config, journey, state);

        // Assess
        expect(inQuery).toBe(due);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('lateness', () => {
  it('does not call a step stale that fell due exactly graceDays ago', () => {
    // Prepare: month-1 is due 1 day after the order, so this one fell due 14 days ago
    const state = startCycle(ladder, 'c1', daysAgo(config.graceDays + 1), { orderId: 'o-1' });

    // Act
    const late = daysLate(config, ladder, state, RUN);
    const stale = isStale(config, ladder, state, RUN);

    // Assess
    expect(late).toBe(config.graceDays);
    expect(stale).toBe(false);
  });

  it('calls a step stale that fell due graceDays + 1 ago', () => {
    // Prepare
    const state = startCycle(ladder, 'c1', daysAgo(config.graceDays + 2), { orderId: 'o-1' });

    // Act
    const late = daysLate(config, ladder, state, RUN);
    const stale = isStale(config, ladder, state, RUN);

    // Assess
    expect(late).toBe(config.graceDays + 1);
    expect(stale).toBe(true);
  });

  it('counts a step that is not yet due as negative lateness', () => {
    // Prepare
    const state = startCycle(lifecycle, 'c1', daysAgo(10), {});

    // Act
    const late = daysLate(config, lifecycle, state, RUN);

    // Assess
    expect(late).toBe(-80);
  });

  it('counts from the window edit, so an edit that took effect yesterday does not make a long-past due date stale', () => {
    // Prepare: a cosmetics purchase 200 days ago; step 1 fell due 124 days ago with the 76-day window
    const state = startCycle(categoryRecall, 'c1', daysAgo(200), { category: 'cosmetics' });
    const edited = withWindow('cosmetics', 76, daysAgo(1));

    // Act
    const staleBefore = isStale(config, categoryRecall, state, RUN);
    const lateAfter = daysLate(edited, categoryRecall, state, RUN);
    const staleAfter = isStale(edited, categoryRecall, state, RUN);

    // Assess
    expect(staleBefore).toBe(true);
    expect(lateAfter).toBe(1);
    expect(staleAfter).toBe(false);
  });

  it('ignores a window edit older than the due date', () => {
    // Prepare: due 124 days ago, window edited 300 days ago
    const state = startCycle(categoryRecall, 'c1', daysAgo(200), { category: 'cosmetics' });
    const edited = withWindow('cosmetics', 76, daysAgo(300));

    // Act
    const late = daysLate(edited, categoryRecall, state, RUN);

    // Assess
    expect(late).toBe(124);
  });

  it('applies windowSince only to the category it belongs to', () => {
    // Prepare: the skincare window was edited yesterday; this customer bought cosmetics
    const state = startCycle(categoryRecall, 'c1', daysAgo(200), { category: 'cosmetics' });
    const edited = withWindow('skincare', 58, daysAgo(1));

    // Act
    const stale = isStale(edited, categoryRecall, state, RUN);

    // Assess
    expect(stale).toBe(true);
  });
});

describe('advance', () => {
  it('counts a previous-step step from the run date the previous step was decided on', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', '2024-01-01', { category: 'cosmetics' });

    // Act
    const next = advance(categoryRecall, state, RUN);

    // Assess
    expect(next).toEqual({ ...state, stepIndex: 1, fromDate: RUN });
  });

  it('counts an anchor step from the anchor, whatever the run date', () => {
    // Prepare
    const state = startCycle(ladder, 'c1', '2024-05-01', { orderId: 'o-1' });

    // Act
    const next = advance(ladder, state, RUN);

    // Assess
    expect(next.stepIndex).toBe(1);
    expect(next.fromDate).toBe('2024-05-01');
  });

  it('clears the dormant flag', () => {
    // Prepare
    const state: JourneyState = { ...startCycle(lifecycle, 'c1', daysAgo(185), {}), stepIndex: 1, dormant: true };

    // Act
    const next = advance(lifecycle, state, RUN);

    // Assess
    expect(next.stepIndex).toBe(2);
    expect(next).not.toHaveProperty('dormant');
  });

  it('finishes the cycle after the last step', () => {
    // Prepare
    const state: JourneyState = { ...startCycle(lifecycle, 'c1', daysAgo(370), {}), stepIndex: 2 };

    // Act
    const next = advance(lifecycle, state, RUN);

    // Assess
    expect(next.stepIndex).toBe(lifecycle.steps.length);
    expect(isFinished(lifecycle, next)).toBe(true);
    expect(isFinished(lifecycle, state)).toBe(false);
  });
});

describe('afterStale', () => {
  it('ends a category-window cycle dormant', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', daysAgo(200), { category: 'cosmetics' });

    // Act
    const next = afterStale(config, categoryRecall, state, RUN);

    // Assess
    expect(next).toEqual({ ...state, stepIndex: categoryRecall.steps.length, dormant: true });
  });

  it('ends a ladder cycle dormant', () => {
    // Prepare
    const state = startCycle(ladder, 'c1', daysAgo(100), { orderId: 'o-1' });

    // Act
    const next = afterStale(config, ladder, state, RUN);

    // Assess
    expect(next.stepIndex).toBe(ladder.steps.length);
    expect(next.dormant).toBe(true);
  });

  it('keeps a recency customer at the 180 step when it fell due only 5 days ago (within grace)', () => {
    // Prepare: last purchase 185 days ago; the 90 step is stale
    const state = startCycle(lifecycle, 'c1', daysAgo(185), {});

    // Act
    const next = afterStale(config, lifecycle, state, RUN);

    // Assess
    expect(next.stepIndex).toBe(1);
    expect(next.fromDate).toBe(state.anchorDate);
    expect(next.dormant).toBe(true);
    expect(isStale(config, lifecycle, next, RUN)).toBe(false);
  });

  it('moves a recency customer whose last purchase was 200 days ago past the stale 180 step to the 365 step', () => {
    // Prepare
    const state = startCycle(lifecycle, 'c1', daysAgo(200), {});

    // Act
    const next = afterStale(config, lifecycle, state, RUN);

    // Assess
    expect(next.stepIndex).toBe(2);
    expect(lifecycle.steps[next.stepIndex]?.id).toBe('lost');
  });

  it('finishes a recency cycle whose every threshold is stale', () => {
    // Prepare
    const state = startCycle(lifecycle, 'c1', daysAgo(400), {});

    // Act
    const next = afterStale(config, lifecycle, state, RUN);

    // Assess
    expect(isFinished(lifecycle, next)).toBe(true);
    expect(next.dormant).toBe(true);
  });
});

describe('positionOn', () => {
  it('leaves a fresh cycle waiting for its first step', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', RUN, { category: 'cosmetics' });

    // Act
    const positioned = positionOn(config, categoryRecall, state, RUN);

    // Assess
    expect(positioned).toEqual(state);
    expect(positioned).not.toHaveProperty('dormant');
  });

  it('leaves a cycle whose first step is due but within grace untouched', () => {
    // Prepare: sleeping fell due 10 days ago
    const state = startCycle(lifecycle, 'c1', daysAgo(100), {});

    // Act
    const positioned = positionOn(config, lifecycle, state, RUN);

    // Assess
    expect(positioned).toEqual(state);
  });

  it('positions an old imported cycle dormant, past its stale steps', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', daysAgo(300), { category: 'cosmetics' });

    // Act
    const positioned = positionOn(config, categoryRecall, state, RUN);

    // Assess
    expect(positioned.dormant).toBe(true);
    expect(isFinished(categoryRecall, positioned)).toBe(true);
  });
});

describe('latestCrossedStep', () => {
  it('finds the last coupon of a cosmetics cycle 200 days after the purchase (due at 76, 106, 136, 166 days)', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', daysAgo(200), { category: 'cosmetics' });

    // Act
    const crossed = latestCrossedStep(config, categoryRecall, state, RUN);

    // Assess
    expect(crossed.stepIndex).toBe(3);
    expect(categoryRecall.steps[crossed.stepIndex]?.id).toBe('coupon-4');
    expect(crossed.fromDate).toBe(daysAgo(200 - 136));
  });

  it('stops at the step whose successor is not yet due', () => {
    // Prepare: 140 days after the purchase: steps due at 76, 106, 136 have passed; 166 has not
    const state = startCycle(categoryRecall, 'c1', daysAgo(140), { category: 'cosmetics' });

    // Act
    const crossed = latestCrossedStep(config, categoryRecall, state, RUN);

    // Assess
    expect(crossed.stepIndex).toBe(2);
    expect(dueDate(config, categoryRecall, crossed)).toBe(daysAgo(4));
  });

  it('gives a recency customer 400 days after the last purchase the lost step, and 200 days after the pre-lost step', () => {
    // Prepare
    const lapsed = startCycle(lifecycle, 'c1', daysAgo(400), {});
    const preLost = startCycle(lifecycle, 'c2', daysAgo(200), {});

    // Act
    const crossedLapsed = latestCrossedStep(config, lifecycle, lapsed, RUN);
    const crossedPreLost = latestCrossedStep(config, lifecycle, preLost, RUN);

    // Assess
    expect(lifecycle.steps[crossedLapsed.stepIndex]?.id).toBe('lost');
    expect(lifecycle.steps[crossedPreLost.stepIndex]?.id).toBe('pre-lost');
  });

  it('gives a ladder 45 days after the order its second month', () => {
    // Prepare
    const state = startCycle(ladder, 'c1', daysAgo(45), { orderId: 'o-1' });

    // Act
    const crossed = latestCrossedStep(config, ladder, state, RUN);

    // Assess
    expect(ladder.steps[crossed.stepIndex]?.id).toBe('month-2');
    expect(crossed.fromDate).toBe(state.anchorDate);
  });

  it('stays on the first step when only it has been crossed', () => {
    // Prepare
    const state = startCycle(lifecycle, 'c1', daysAgo(120), {});

    // Act
    const crossed = latestCrossedStep(config, lifecycle, state, RUN);

    // Assess
    expect(crossed).toEqual(state);
  });
});

describe('cycleStart', () => {
  it('puts a dormant cycle back at its first step, counted from its anchor, without the dormant flag', () => {
    // Prepare
    const dormant = afterStale(config, categoryRecall, startCycle(categoryRecall, 'c1', daysAgo(200), { category: 'cosmetics' }), RUN);

    // Act
    const start = cycleStart(dormant);

    // Assess
    expect(start).toEqual({
      customerId: 'c1',
      journeyId: 'category-recall',
      category: 'cosmetics',
      cycle: `cosmetics@${daysAgo(200)}`,
      anchorDate: daysAgo(200),
      stepIndex: 0,
      fromDate: daysAgo(200),
    });
  });

  it('resets fromDate from a previous-step date to the anchor', () => {
    // Prepare
    const state: JourneyState = { ...startCycle(categoryRecall, 'c1', '2024-01-01', { category: 'cosmetics' }), stepIndex: 2, fromDate: '2024-04-10' };

    // Act
    const start = cycleStart(state);

    // Assess
    expect(start.stepIndex).toBe(0);
    expect(start.fromDate).toBe('2024-01-01');
  });
});

describe('startCycle and ledgerKey', () => {
  it('names a cycle by category and anchor, by anchor, or by order', () => {
    // Act
    const category = startCycle(categoryRecall, 'c1', '2024-01-01', { category: 'cosmetics' });
    const recency = startCycle(lifecycle, 'c1', '2024-01-01', {});
    const order = startCycle(ladder, 'c1', '2024-01-01', { orderId: 'o-9' });

    // Assess
    expect(category.cycle).toBe('cosmetics@2024-01-01');
    expect(recency.cycle).toBe('2024-01-01');
    expect(order.cycle).toBe('o-9');
    expect(recency).not.toHaveProperty('category');
  });

  it('keys a decided step by customer, journey, cycle and step', () => {
    // Prepare
    const state = startCycle(categoryRecall, 'c1', '2024-01-01', { category: 'cosmetics' });

    // Act
    const key = ledgerKey(state, 'coupon-1');

    // Assess
    expect(key).toBe('c1#category-recall#cosmetics@2024-01-01#coupon-1');
  });

  it('gives different keys to two cycles of the same journey', () => {
    // Prepare
    const first = startCycle(lifecycle, 'c1', '2024-01-01', {});
    const second = startCycle(lifecycle, 'c1', '2024-02-01', {});

    // Act / Assess
    expect(ledgerKey(first, 'sleeping')).not.toBe(ledgerKey(second, 'sleeping'));
  });
});

describe('journeyScope', () => {
  it('scopes a category-window journey per category, recency per customer and a ladder per order', () => {
    // Act
    const category = journeyScope(categoryRecall, 'cosmetics', 'o-1');
    const recency = journeyScope(lifecycle, 'cosmetics', 'o-1');
    const order = journeyScope(ladder, 'cosmetics', 'o-1');

    // Assess
    expect(category).toBe('category-recall#cosmetics');
    expect(recency).toBe('lifecycle');
    expect(order).toBe('spend-200-ladder#o-1');
  });

  it('keeps the scopes of two categories apart', () => {
    // Act / Assess
    expect(journeyScope(categoryRecall, 'cosmetics', undefined)).not.toBe(journeyScope(categoryRecall, 'skincare', undefined));
  });
});

describe('a whole category cycle, run daily', () => {
  it('sends each coupon 30 days after the previous one and then finishes', () => {
    // Prepare
    const anchor = '2024-01-01';
    let state = startCycle(categoryRecall, 'c1', anchor, { category: 'pet-food' });
    const sentOn: CalendarDate[] = [];

    // Act: a daily run that decides every due step on its due day
    for (let day = anchor; !isFinished(categoryRecall, state) && day < '2025-01-01'; day = addDays(day, 1)) {
      if (day >= dueDate(config, categoryRecall, state)) {
        sentOn.push(day);
        state = advance(categoryRecall, state, day);
      }
    }

    // Assess
    expect(sentOn.map((day) => daysBetween(anchor, day))).toEqual([36, 66, 96, 126]);
    expect(isFinished(categoryRecall, state)).toBe(true);
  });
});
