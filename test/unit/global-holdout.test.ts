import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig, Journey } from '../../lib/config/schema.ts';
import { addDays, zonedInstant, type CalendarDate } from '../../lib/domain/dates.ts';
import { decideCustomer, type Candidate } from '../../lib/domain/guardrails.ts';
import { isHeldOut, isHeldOutOf } from '../../lib/domain/hashing.ts';
import { startCycle } from '../../lib/domain/journeys.ts';
import type { Profile } from '../../lib/domain/records.ts';

/**
 * `holdout.scope: global` (docs/architecture.md#holdout-scope) in decideCustomer
 * (lib/domain/guardrails.ts): a customer of the global control is held out of every journey.
 */

const base = await loadDefaultConfig();
const RUN: CalendarDate = '2024-06-15';
const global: CampaignConfig = { ...base, holdoutPercent: 10, holdout: { scope: 'global' } };
const perJourney: CampaignConfig = { ...base, holdoutPercent: 10, holdout: { scope: 'journey' } };

function journey(id: string): Journey {
  const found = base.journeys.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no journey ${id}`);
  return found;
}

/** One due candidate in each of three journeys. */
function dueEverywhere(customerId: string): Candidate[] {
  const ladder = journey('spend-200-ladder');
  const category = journey('category-recall');
  const lifecycle = journey('lifecycle');
  return [
    { journey: ladder, state: startCycle(ladder, customerId, addDays(RUN, -1), { orderId: 'o-1' }) },
    { journey: category, state: startCycle(category, customerId, addDays(RUN, -76), { category: 'cosmetics' }) },
    { journey: lifecycle, state: startCycle(lifecycle, customerId, addDays(RUN, -90), {}) },
  ];
}

const profileOf = (customerId: string): Profile => ({ customerId, phone: '+8613800138000', name: '张三', smsOptIn: true, optedOut: false, recentSends: [], capVersion: 0 });

/** The first `c-N` that passes `test`. */
function customerWhere(test: (id: string) => boolean): string {
  for (let n = 0; n < 100_000; n++) if (test(`c-${n}`)) return `c-${n}`;
  throw new Error('no such customer');
}

const journeyIds = ['spend-200-ladder', 'category-recall', 'lifecycle'];

describe('decideCustomer with holdout.scope global', () => {
  it('holds a customer of the global control out of every journey, one a per-journey holdout would have messaged', () => {
    // Prepare: in the global control, and held out of none of the three journeys per journey.
    const customerId = customerWhere((id) => isHeldOutOf(global, id, 'any') && journeyIds.every((journeyId) => !isHeldOut(id, journeyId, 10)));
    const ctx = { runDate: RUN, now: zonedInstant(RUN, '10:00', 'Asia/Shanghai'), backfill: false };

    // Act
    const globally = decideCustomer(profileOf(customerId), dueEverywhere(customerId), { ...ctx, config: global });
    const byJourney = decideCustomer(profileOf(customerId), dueEverywhere(customerId), { ...ctx, config: perJourney });

    // Assess
    expect(globally.map((decision) => [decision.journey.id, decision.outcome])).toEqual(expect.arrayContaining(journeyIds.map((id) => [id, 'held-out'])));
    expect(globally).toHaveLength(3);
    expect(byJourney.map((decision) => decision.outcome)).not.toContain('held-out');
    expect(byJourney.map((decision) => decision.outcome)).toContain('sent');
  });

  it('holds out no journey of a customer outside the global control, even one a per-journey holdout would', () => {
    // Prepare: outside the global control, but held out of the ladder per journey.
    const customerId = customerWhere((id) => !isHeldOutOf(global, id, 'any') && isHeldOut(id, 'spend-200-ladder', 10));
    const ctx = { runDate: RUN, now: zonedInstant(RUN, '10:00', 'Asia/Shanghai'), backfill: false };

    // Act
    const decisions = decideCustomer(profileOf(customerId), dueEverywhere(customerId), { ...ctx, config: global });

    // Assess: one message (the run's one slot), the others wait; none held out.
    expect(decisions.map((decision) => decision.outcome)).not.toContain('held-out');
    expect(decisions.filter((decision) => decision.outcome === 'sent')).toHaveLength(1);
  });

  it('draws about holdoutPercent of customers into the global control', () => {
    const ids = Array.from({ length: 20_000 }, (_, n) => `c-${n}`);
    const share = ids.filter((id) => isHeldOutOf(global, id, 'lifecycle')).length / ids.length;
    // Standard error sqrt(0.1 x 0.9 / 20,000) = 0.0021; 0.01 is almost 5 of them.
    expect(Math.abs(share - 0.1)).toBeLessThan(0.01);
  });
});
