import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig, Journey } from '../../lib/config/schema.ts';
import { addDays, zonedInstant, type CalendarDate } from '../../lib/domain/dates.ts';
import { OUTCOMES, decideCustomer, type Candidate, type DecideContext, type Decision } from '../../lib/domain/guardrails.ts';
import { isHeldOut } from '../../lib/domain/hashing.ts';
import { advance, afterStale, dueDate, ledgerKey, startCycle } from '../../lib/domain/journeys.ts';
import type { JourneyState, Profile, RecentSend } from '../../lib/domain/records.ts';

const config = await loadDefaultConfig();
const RUN: CalendarDate = '2024-06-15';
const SHANGHAI = 'Asia/Shanghai';
const VALID_PHONE = '+8613800138000';

function journeyById(source: CampaignConfig, id: string): Journey {
  const journey = source.journeys.find((candidate) => candidate.id === id);
  if (!journey) throw new Error(`no journey ${id} in the default config`);
  return journey;
}

const categoryRecall = journeyById(config, 'category-recall');
const lifecycle = journeyById(config, 'lifecycle');
const ladder = journeyById(config, 'spend-200-ladder');
/** The ladder with push steps (same id, so the same holdout bucket). */
const pushLadder: Journey = { ...ladder, steps: ladder.steps.map((step) => ({ ...step, channel: 'push' as const })) };

/** The first customer id `c-N` that satisfies `test`. */
function findCustomerId(test: (id: string) => boolean): string {
  for (let n = 0; n < 100_000; n++) {
    const id = `c-${n}`;
    if (test(id)) return id;
  }
  throw new Error('no such customer id in 100,000 tries');
}

/** Held out of no journey of the default config, so every other guardrail can be seen. */
const CUSTOMER = findCustomerId((id) => config.journeys.every((journey) => !isHeldOut(id, journey.id, config.holdoutPercent)));

const daysAgo = (days: number): CalendarDate => addDays(RUN, -days);

function profileOf(overrides: Partial<Profile> = {}): Profile {
  return {
    customerId: CUSTOMER,
    phone: VALID_PHONE,
    name: '张三',
    smsOptIn: true,
    optedOut: false,
    recentSends: [],
    capVersion: 0,
    ...overrides,
  };
}

function contextAt(localTime = '10:00', overrides: Partial<DecideContext> = {}): DecideContext {
  return { config, runDate: RUN, now: zonedInstant(RUN, localTime, SHANGHAI), backfill: false, ...overrides };
}

/** Candidates whose step falls due on the run date. */
function dueLadder(customerId = CUSTOMER): Candidate {
  return { journey: ladder, state: startCycle(ladder, customerId, daysAgo(1), { orderId: 'o-1' }) };
}
function dueCategory(customerId = CUSTOMER): Candidate {
  return { journey: categoryRecall, state: startCycle(categoryRecall, customerId, daysAgo(76), { category: 'cosmetics' }) };
}
function dueRecency(customerId = CUSTOMER): Candidate {
  return { journey: lifecycle, state: startCycle(lifecycle, customerId, daysAgo(90), {}) };
}

function onlyDecision(decisions: Decision[]): Decision {
  expect(decisions).toHaveLength(1);
  const [decision] = decisions;
  if (!decision) throw new Error('no decision');
  return decision;
}

function outcomeOf(decisions: Decision[], journeyId: string): string | undefined {
  return decisions.find((decision) => decision.journey.id === journeyId)?.outcome;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

describe('decideCustomer: one test per outcome', () => {
  it('sends a due step to a consenting customer with a valid mobile number', () => {
    // Act
    const decision = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt()));

    // Assess
    expect(decision.outcome).toBe('sent');
    expect(decision.contact).toEqual({ channel: 'sms', to: VALID_PHONE });
    expect(decision.step.id).toBe('month-1');
  });

  it('skips a step that fell due more than graceDays ago as stale', () => {
    // Prepare: the cosmetics step fell due 124 days ago
    const candidate: Candidate = { journey: categoryRecall, state: startCycle(categoryRecall, CUSTOMER, daysAgo(200), { category: 'cosmetics' }) };

    // Act
    const decision = onlyDecision(decideCustomer(profileOf(), [candidate], contextAt()));

    // Assess
    expect(decision.outcome).toBe('skipped:stale');
    expect(decision.state).toBe(candidate.state);
    expect(decision.contact).toBeUndefined();
  });

  it('skips a stale step before looking at consent', () => {
    // Prepare
    const candidate: Candidate = { journey: categoryRecall, state: startCycle(categoryRecall, CUSTOMER, daysAgo(200), { category: 'cosmetics' }) };

    // Act
    const decision = onlyDecision(decideCustomer(profileOf({ smsOptIn: false }), [candidate], contextAt()));

    // Assess
    expect(decision.outcome).toBe('skipped:stale');
  });

  it.each<[string, Profile | undefined]>([
    ['no SMS opt-in', profileOf({ smsOptIn: false })],
    ['opted out (reply R), even though opted in', profileOf({ smsOptIn: true, optedOut: true })],
    ['no profile at all', undefined],
  ])('skips a customer with %s as no-consent', (_label, profile) => {
    // Act
    const decision = onlyDecision(decideCustomer(profile, [dueLadder()], contextAt()));

    // Assess
    expect(decision.outcome).toBe('skipped:no-consent');
    expect(decision.contact).toBeUndefined();
  });

  it('does not need an SMS opt-in for a push step, but honours an opt-out', () => {
    // Prepare
    const candidate: Candidate = { journey: pushLadder, state: startCycle(pushLadder, CUSTOMER, daysAgo(1), { orderId: 'o-1' }) };

    // Act
    const noSmsOptIn = onlyDecision(decideCustomer(profileOf({ smsOptIn: false, pushEndpoint: 'arn:endpoint/1' }), [candidate], contextAt()));
    const optedOut = onlyDecision(decideCustomer(profileOf({ optedOut: true, pushEndpoint: 'arn:endpoint/1' }), [candidate], contextAt()));

    // Assess
    expect(noSmsOptIn.outcome).toBe('sent');
    expect(noSmsOptIn.contact).toEqual({ channel: 'push', to: 'arn:endpoint/1' });
    expect(optedOut.outcome).toBe('skipped:no-consent');
  });

  it.each<[string, Partial<Profile>]>([
    ['an unallocated number that looks right (+8614012345678)', { phone: '+8614012345678' }],
    ['no phone number', { phone: undefined }],
    ['a landline', { phone: '+861062345678' }],
  ])('defers an SMS step to a customer with %s as invalid-contact while the step is fresh (a fixed number is sent later)', (_label, overrides) => {
    // Act
    const decision = onlyDecision(decideCustomer(profileOf(overrides), [dueLadder()], contextAt()));

    // Assess
    expect(decision.outcome).toBe('deferred:invalid-contact');
  });

  it('ends a step that waited out its grace for a usable contact as skipped:invalid-contact; without consent it is stale', () => {
    // Prepare: the skincare window passed ~140 days ago, far beyond graceDays
    const late: Candidate = { journey: categoryRecall, state: startCycle(categoryRecall, CUSTOMER, daysAgo(200), { category: 'skincare' }) };

    // Act
    const invalid = onlyDecision(decideCustomer(profileOf({ phone: '+861062345678' }), [late], contextAt()));
    const noConsent = onlyDecision(decideCustomer(profileOf({ phone: '+861062345678', smsOptIn: false }), [late], contextAt()));
    const valid = onlyDecision(decideCustomer(profileOf(), [late], contextAt()));

    // Assess
    expect(invalid.outcome).toBe('skipped:invalid-contact');
    expect(noConsent.outcome).toBe('skipped:stale');
    expect(valid.outcome).toBe('skipped:stale');
  });

  it('defers a push step to a customer without a push endpoint as invalid-contact, whatever the phone', () => {
    // Prepare
    const candidate: Candidate = { journey: pushLadder, state: startCycle(pushLadder, CUSTOMER, daysAgo(1), { orderId: 'o-1' }) };

    // Act
    const decision = onlyDecision(decideCustomer(profileOf(), [candidate], contextAt()));

    // Assess
    expect(decision.outcome).toBe('deferred:invalid-contact');
  });

  it('normalises a national number to E.164 for the send', () => {
    // Act
    const decision = onlyDecision(decideCustomer(profileOf({ phone: '138 0013 8000' }), [dueLadder()], contextAt()));

    // Assess
    expect(decision.contact).toEqual({ channel: 'sms', to: VALID_PHONE });
  });

  it('records a customer in the holdout as held-out and sends to one who is not', () => {
    // Prepare
    const held = findCustomerId((id) => isHeldOut(id, ladder.id, config.holdoutPercent));

    // Act
    const heldDecision = onlyDecision(decideCustomer(profileOf({ customerId: held }), [dueLadder(held)], contextAt()));
    const sentDecision = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt()));

    // Assess
    expect(heldDecision.outcome).toBe('held-out');
    expect(heldDecision.contact).toBeUndefined();
    expect(sentDecision.outcome).toBe('sent');
  });

  it('holds nobody out when holdoutPercent is 0', () => {
    // Prepare
    const held = findCustomerId((id) => isHeldOut(id, ladder.id, config.holdoutPercent));
    const noHoldout: CampaignConfig = { ...config, holdoutPercent: 0 };

    // Act
    const decision = onlyDecision(decideCustomer(profileOf({ customerId: held }), [dueLadder(held)], contextAt('10:00', { config: noHoldout })));

    // Assess
    expect(decision.outcome).toBe('sent');
  });

  it.each<[number, string]>([
    [3, 'deferred:capped'],
    [6, 'deferred:capped'],
    [7, 'sent'],
    [10, 'sent'],
  ])('with a cap of 1 per 7 days, a send %i days ago gives %s', (days, expected) => {
    // Prepare
    const recentSends: RecentSend[] = [{ date: daysAgo(days), key: `${CUSTOMER}#lifecycle#2023-01-01#sleeping` }];

    // Act
    const decision = onlyDecision(decideCustomer(profileOf({ recentSends }), [dueLadder()], contextAt()));

    // Assess
    expect(decision.outcome).toBe(expected);
  });

  it('lets the highest priority win, whatever the input order: ladder 30 > category 20 > recency 10', () => {
    for (const candidates of permutations([dueRecency(), dueLadder(), dueCategory()])) {
      // Act
      const decisions = decideCustomer(profileOf(), candidates, contextAt());

      // Assess
      expect(decisions).toHaveLength(3);
      expect(decisions.filter((decision) => decision.outcome === 'sent').map((decision) => decision.journey.id)).toEqual([ladder.id]);
      expect(outcomeOf(decisions, categoryRecall.id)).toBe('deferred:capped');
      expect(outcomeOf(decisions, lifecycle.id)).toBe('deferred:capped');
    }
  });

  it('gives the slot to the next priority when the highest one cannot be sent', () => {
    // Prepare: the ladder step is stale, so category (20) beats recency (10)
    const staleLadder: Candidate = { journey: ladder, state: startCycle(ladder, CUSTOMER, daysAgo(30), { orderId: 'o-1' }) };

    // Act
    const decisions = decideCustomer(profileOf(), [dueRecency(), staleLadder, dueCategory()], contextAt());

    // Assess
    expect(outcomeOf(decisions, ladder.id)).toBe('skipped:stale');
    expect(outcomeOf(decisions, categoryRecall.id)).toBe('sent');
    expect(outcomeOf(decisions, lifecycle.id)).toBe('deferred:capped');
  });

  it('defers a send at 22:00 in Shanghai to a later run (quiet hours)', () => {
    // Act
    const decision = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt('22:00')));

    // Assess
    expect(decision.outcome).toBe('deferred:quiet-hours');
    expect(decision.contact).toBeUndefined();
  });

  it('sends at the start of the window and defers at its end (08:00 inclusive, 20:00 exclusive)', () => {
    // Act
    const atStart = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt('08:00')));
    const beforeStart = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt('07:59')));
    const atEnd = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt('20:00')));

    // Assess
    expect(atStart.outcome).toBe('sent');
    expect(beforeStart.outcome).toBe('deferred:quiet-hours');
    expect(atEnd.outcome).toBe('deferred:quiet-hours');
  });

  it("judges quiet hours in the customer's own time zone", () => {
    // Prepare: 15:00 in Shanghai is 00:00 (PDT) in Los Angeles; 23:30 in Shanghai is 08:30 there.
    // (10:00 in Shanghai would be 19:00 the evening before in Los Angeles: inside the window.)
    const losAngeles = profileOf({ timeZone: 'America/Los_Angeles' });

    // Act
    const afternoonInShanghai = onlyDecision(decideCustomer(losAngeles, [dueLadder()], contextAt('15:00')));
    const nightInShanghai = onlyDecision(decideCustomer(losAngeles, [dueLadder()], contextAt('23:30')));
    const shanghaiCustomer = onlyDecision(decideCustomer(profileOf(), [dueLadder()], contextAt('15:00')));
    const atTenInShanghai = onlyDecision(decideCustomer(losAngeles, [dueLadder()], contextAt('10:00')));

    // Assess
    expect(afternoonInShanghai.outcome).toBe('deferred:quiet-hours');
    expect(nightInShanghai.outcome).toBe('sent');
    expect(shanghaiCustomer.outcome).toBe('sent');
    expect(atTenInShanghai.outcome).toBe('sent');
  });

  it('keeps the run slot for the quiet-hours message, so lower priorities are capped, not sent', () => {
    // Act
    const decisions = decideCustomer(profileOf(), [dueRecency(), dueLadder()], contextAt('22:00'));

    // Assess
    expect(outcomeOf(decisions, ladder.id)).toBe('deferred:quiet-hours');
    expect(outcomeOf(decisions, lifecycle.id)).toBe('deferred:capped');
  });

  it('does not cap a resumed send by the slot it already holds', () => {
    // Prepare: a crashed run claimed this very step today
    const candidate = dueLadder();
    const recentSends: RecentSend[] = [{ date: RUN, key: ledgerKey(candidate.state, 'month-1') }];

    // Act
    const resumed = onlyDecision(decideCustomer(profileOf({ recentSends }), [candidate], contextAt()));
    const other = onlyDecision(
      decideCustomer(profileOf({ recentSends }), [{ journey: ladder, state: startCycle(ladder, CUSTOMER, daysAgo(1), { orderId: 'o-2' }) }], contextAt()),
    );

    // Assess
    expect(resumed.outcome).toBe('sent');
    expect(other.outcome).toBe('deferred:capped');
  });

  it('sends a resumed lower-priority step and caps the higher one, which has no slot left', () => {
    // Prepare
    const recency = dueRecency();
    const recentSends: RecentSend[] = [{ date: daysAgo(1), key: ledgerKey(recency.state, 'sleeping') }];

    // Act
    const decisions = decideCustomer(profileOf({ recentSends }), [dueLadder(), recency], contextAt());

    // Assess
    expect(outcomeOf(decisions, lifecycle.id)).toBe('sent');
    expect(outcomeOf(decisions, ladder.id)).toBe('deferred:capped');
  });

  // A resumed send skips the rolling cap (it holds its slot) but not the run's one slot, even
  // when its claim is older than the cap period.
  it('sends at most one message per run when a resumed claim is older than the cap period', () => {
    // Prepare: the recency step was claimed 8 days ago and never finished
    const recency = dueRecency();
    const recentSends: RecentSend[] = [{ date: daysAgo(8), key: ledgerKey(recency.state, 'sleeping') }];

    // Act
    const decisions = decideCustomer(profileOf({ recentSends }), [dueLadder(), recency], contextAt());

    // Assess
    expect(decisions.filter((decision) => decision.outcome === 'sent')).toHaveLength(1);
  });

  it('gives every candidate exactly one outcome', () => {
    // Prepare: one candidate per kind of outcome that can coexist for one customer
    const stale: Candidate = { journey: categoryRecall, state: startCycle(categoryRecall, CUSTOMER, daysAgo(200), { category: 'skincare' }) };
    const push: Candidate = { journey: pushLadder, state: startCycle(pushLadder, CUSTOMER, daysAgo(1), { orderId: 'o-push' }) };
    const candidates = [dueRecency(), stale, dueLadder(), push, dueCategory()];

    // Act
    const decisions = decideCustomer(profileOf(), candidates, contextAt());

    // Assess
    expect(decisions).toHaveLength(candidates.length);
    for (const candidate of candidates) {
      expect(decisions.filter((decision) => decision.stored === candidate.state)).toHaveLength(1);
    }
    expect(decisions.map((decision) => decision.outcome).sort()).toEqual(
      ['deferred:capped', 'deferred:capped', 'sent', 'deferred:invalid-contact', 'skipped:stale'].sort(),
    );
  });
});

describe('decideCustomer with --backfill', () => {
  it('enters a dormant staged ladder at its first step, re-anchored so it is due today and the rest keep their spacing', () => {
    // Prepare: imported 200 days after a cosmetics purchase, the cycle was ended dormant
    const dormant = afterStale(config, categoryRecall, startCycle(categoryRecall, CUSTOMER, daysAgo(200), { category: 'cosmetics' }), RUN);
    const candidate: Candidate = { journey: categoryRecall, state: dormant };

    // Act
    const decision = onlyDecision(decideCustomer(profileOf(), [candidate], contextAt('10:00', { backfill: true })));

    // Assess: coupon-1, never "your last coupon" to someone who got none
    expect(decision.outcome).toBe('sent');
    expect(decision.step.id).toBe('coupon-1');
    expect(decision.state).toMatchObject({ stepIndex: 0, cycle: dormant.cycle });
    expect(dueDate(config, categoryRecall, decision.state)).toBe(RUN);
    // The default ladder: at the window, then every 30 days.
    expect(dueDate(config, categoryRecall, advance(categoryRecall, decision.state, RUN))).toBe(addDays(RUN, 30));
    expect(decision.stored).toBe(dormant);
  });

  it('enters the spend-200 ladder (steps counted from the anchor: day 1, 30, 60, 90) at day 1, the rest 29 / 59 / 89 days on', () => {
    const ladder = config.journeys.find((journey) => journey.trigger.type === 'purchase');
    if (!ladder) throw new Error('the default config has a purchase ladder');
    const dormant = afterStale(config, ladder, startCycle(ladder, CUSTOMER, daysAgo(300), { orderId: 'o-old' }), RUN);

    const decision = onlyDecision(decideCustomer(profileOf(), [{ journey: ladder, state: dormant }], contextAt('10:00', { backfill: true })));

    expect(decision.step.id).toBe(ladder.steps[0]?.id);
    let state = decision.state;
    const dues = [dueDate(config, ladder, state)];
    for (let step = 1; step < ladder.steps.length; step++) {
      state = advance(ladder, state, dues[dues.length - 1] ?? RUN);
      dues.push(dueDate(config, ladder, state));
    }
    expect(dues).toEqual(ladder.steps.map((step) => addDays(RUN, step.after.days - (ladder.steps[0]?.after.days ?? 0))));
  });

  it('a journey may say backfillFrom: latest (a staged ladder then gets its latest crossed step)', () => {
    const latest = { ...categoryRecall, backfillFrom: 'latest' as const };
    const dormant = afterStale(config, latest, startCycle(latest, CUSTOMER, daysAgo(200), { category: 'cosmetics' }), RUN);

    const decision = onlyDecision(decideCustomer(profileOf(), [{ journey: latest, state: dormant }], contextAt('10:00', { backfill: true })));

    expect(decision.step.id).toBe('coupon-4');
  });

  it('moves a stale step to the latest crossed step, where a normal run marks it stale', () => {
    // Prepare
    const candidate: Candidate = { journey: lifecycle, state: startCycle(lifecycle, CUSTOMER, daysAgo(200), {}) };

    // Act
    const normal = onlyDecision(decideCustomer(profileOf(), [candidate], contextAt()));
    const backfill = onlyDecision(decideCustomer(profileOf(), [candidate], contextAt('10:00', { backfill: true })));

    // Assess
    expect(normal.outcome).toBe('skipped:stale');
    expect(normal.step.id).toBe('sleeping');
    expect(backfill.outcome).toBe('sent');
    expect(backfill.step.id).toBe('pre-lost');
  });

  it('still runs every guardrail on a backfilled step', () => {
    // Prepare
    const dormant = afterStale(config, categoryRecall, startCycle(categoryRecall, CUSTOMER, daysAgo(200), { category: 'cosmetics' }), RUN);

    // Act
    const decision = onlyDecision(decideCustomer(profileOf({ smsOptIn: false }), [{ journey: categoryRecall, state: dormant }], contextAt('10:00', { backfill: true })));

    // Assess
    expect(decision.outcome).toBe('skipped:no-consent');
    expect(decision.step.id).toBe('coupon-1');
  });

  it('leaves a due, fresh step where it is', () => {
    // Prepare
    const candidate = dueCategory();

    // Act
    const decision = onlyDecision(decideCustomer(profileOf(), [candidate], contextAt('10:00', { backfill: true })));

    // Assess
    expect(decision.state).toBe(candidate.state);
    expect(decision.outcome).toBe('sent');
  });
});

describe('decideCustomer: the accounting invariant', () => {
  const journeys = config.journeys;
  const categories = config.categories.map((category) => category.id);

  const stateArb = (customerId: string): fc.Arbitrary<Candidate> =>
    fc
      .record({
        journey: fc.constantFrom(...journeys),
        category: fc.constantFrom(...categories),
        anchorDaysAgo: fc.integer({ min: 0, max: 500 }),
        stepPick: fc.nat(),
        fromOffset: fc.nat({ max: 500 }),
        dormant: fc.boolean(),
      })
      .map(({ journey, category, anchorDaysAgo, stepPick, fromOffset, dormant }): Candidate => {
        const anchorDate = daysAgo(anchorDaysAgo);
        const scope = journey.trigger.type === 'category-window' ? { category } : journey.trigger.type === 'purchase' ? { orderId: `o-${anchorDaysAgo}` } : {};
        const started = startCycle(journey, customerId, anchorDate, scope);
        const stepIndex = stepPick % journey.steps.length;
        const step = journey.steps[stepIndex];
        const fromDate = step?.after.from === 'previous-step' ? addDays(anchorDate, Math.min(fromOffset, anchorDaysAgo)) : anchorDate;
        const state: JourneyState = { ...started, stepIndex, fromDate, ...(dormant ? { dormant: true as const } : {}) };
        return { journey, state };
      });

  const phoneArb = fc.constantFrom(VALID_PHONE, '+8614012345678', '+861062345678', '138 0013 8000', '+1 201-555-0123', undefined);

  const scenarioArb = fc.constantFrom('c-1', 'c-2', 'c-3', CUSTOMER).chain((customerId) =>
    fc.record({
      customerId: fc.constant(customerId),
      hasProfile: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
      smsOptIn: fc.boolean(),
      optedOut: fc.boolean(),
      phone: phoneArb,
      timeZone: fc.constantFrom(undefined, SHANGHAI, 'America/Los_Angeles', 'Europe/London'),
      pushEndpoint: fc.constantFrom(undefined, 'arn:endpoint/1'),
      foreignSends: fc.array(fc.record({ daysAgo: fc.integer({ min: 0, max: 10 }), n: fc.nat({ max: 99 }) }), { maxLength: 3 }),
      // One candidate per cycle, as the due index and the backfill scan give them.
      candidates: fc.uniqueArray(stateArb(customerId), { maxLength: 6, selector: ({ journey, state }) => `${journey.id}#${state.cycle}` }),
      resumedPick: fc.option(fc.record({ index: fc.nat(), daysAgo: fc.integer({ min: 0, max: config.frequencyCap.perDays - 1 }) })),
      minutes: fc.integer({ min: 0, max: 24 * 60 - 1 }),
      backfill: fc.boolean(),
    }),
  );

  it('returns exactly one decision per candidate, at most one sent, each outcome one of OUTCOMES', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        // Prepare
        const { customerId, candidates, backfill } = scenario;
        const recentSends: RecentSend[] = scenario.foreignSends.map((send) => ({
          date: daysAgo(send.daysAgo),
          key: `${customerId}#other-journey#cycle-${send.n}#step`,
        }));
        // At most one claim of this run's candidates, within the cap period: what a crash leaves.
        const resumed = scenario.resumedPick && candidates.length > 0 ? candidates[scenario.resumedPick.index % candidates.length] : undefined;
        if (resumed && scenario.resumedPick) {
          const step = resumed.journey.steps[resumed.state.stepIndex];
          if (step) recentSends.push({ date: daysAgo(scenario.resumedPick.daysAgo), key: ledgerKey(resumed.state, step.id) });
        }
        const profile: Profile | undefined = scenario.hasProfile
          ? {
              customerId,
              name: '李四',
              smsOptIn: scenario.smsOptIn,
              optedOut: scenario.optedOut,
              recentSends,
              capVersion: 0,
              ...(scenario.phone === undefined ? {} : { phone: scenario.phone }),
              ...(scenario.timeZone === undefined ? {} : { timeZone: scenario.timeZone }),
              ...(scenario.pushEndpoint === undefined ? {} : { pushEndpoint: scenario.pushEndpoint }),
            }
          : undefined;
        const now = new Date(zonedInstant(RUN, '00:00', SHANGHAI).getTime() + scenario.minutes * 60_000);

        // Act
        const decisions = decideCustomer(profile, candidates, { config, runDate: RUN, now, backfill });

        // Assess
        expect(decisions).toHaveLength(candidates.length);
        for (const candidate of candidates) {
          expect(decisions.filter((decision) => decision.stored === candidate.state)).toHaveLength(1);
        }
        expect(decisions.filter((decision) => decision.outcome === 'sent').length).toBeLessThanOrEqual(1);
        for (const decision of decisions) {
          expect(OUTCOMES).toContain(decision.outcome);
          expect(decision.contact !== undefined).toBe(decision.outcome === 'sent');
          expect(decision.journey.steps[decision.state.stepIndex]).toBe(decision.step);
        }
      }),
      { numRuns: 500 },
    );
  });
});
