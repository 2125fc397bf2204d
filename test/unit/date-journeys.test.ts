import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { CampaignConfigSchema, type CampaignConfig, type Journey } from '../../lib/config/schema.ts';
import { BadBirthdayError, birthdayIn, dateReadsOn, parseBirthday } from '../../lib/domain/calendar.ts';
import { zonedInstant } from '../../lib/domain/dates.ts';
import { decideCustomer, type DecideContext } from '../../lib/domain/guardrails.ts';
import { startCycle } from '../../lib/domain/journeys.ts';
import { countMemberOrder } from '../../lib/domain/members.ts';
import type { Profile } from '../../lib/domain/records.ts';

/** The default config's journeys without its own birthday and holiday ones: these tests bring theirs. */
const loaded = await loadDefaultConfig();
const defaults: CampaignConfig = { ...loaded, journeys: loaded.journeys.filter((candidate) => candidate.trigger.type !== 'birthday' && candidate.trigger.type !== 'holiday') };

const smsStep = { id: 'greeting', after: { days: 0, from: 'anchor' as const }, channel: 'sms' as const, template: '【{shop}】{name}，生日快乐！', replyDays: 7 };

function journey(overrides: Partial<Journey> & Pick<Journey, 'id' | 'trigger'>): Journey {
  return { name: overrides.id, enabled: true, priority: 50, exit: 'never', steps: [smsStep], ...overrides };
}

const birthday = journey({ id: 'birthday', trigger: { type: 'birthday', daysBefore: 3, lateDays: 1 } });
const holiday = journey({
  id: 'holidays',
  trigger: { type: 'holiday', dates: [{ date: '2026-06-18', name: '618' }, { date: '2026-11-11', name: '双11' }], daysBefore: 0, lateDays: 0 },
  audience: { lastOrderWithinDays: 365 },
});
const config: CampaignConfig = {
  ...defaults,
  holdoutPercent: 0,
  tiers: [
    { id: 'regular', name: '普通', requires: 'all' },
    { id: 'vip', name: 'VIP', minSpend: 1000, requires: 'all' },
  ],
  journeys: [...defaults.journeys, birthday, holiday],
};

function profile(overrides: Partial<Profile> = {}): Profile {
  return { customerId: 'c-1', phone: '+8613800138000', name: '张三', smsOptIn: true, optedOut: false, recentSends: [], capVersion: 0, ...overrides };
}

const at = (date: string, time = '10:00'): DecideContext => ({ config, runDate: date, now: zonedInstant(date, time, 'Asia/Shanghai'), backfill: false });

describe('birthdays', () => {
  it('reads a birthday as its month-day and refuses what cannot be one, naming the cell', () => {
    expect(parseBirthday('1990-03-07', '2026-11-30')).toBe('03-07');
    expect(parseBirthday('3/7', '2026-11-30')).toBe('03-07');
    expect(parseBirthday('02-29', '2026-11-30')).toBe('02-29');
    expect(parseBirthday('2000-02-29', '2026-11-30')).toBe('02-29');
    expect(() => parseBirthday('1999-02-29', '2026-11-30')).toThrow(BadBirthdayError);
    expect(() => parseBirthday('13-01', '2026-11-30')).toThrow(/"13-01": not a day/);
    expect(() => parseBirthday('2030-01-01', '2026-11-30')).toThrow(/in the future/);
    expect(() => parseBirthday('yesterday', '2026-11-30')).toThrow(/expected MM-DD/);
  });

  it('keeps 29 February on 28 February in other years, and reads both on that day', () => {
    expect(birthdayIn('02-29', 2027)).toBe('2027-02-28');
    expect(birthdayIn('02-29', 2028)).toBe('2028-02-29');
    // daysBefore 3: 28 February 2027 is first due on 25 February.
    const reads2027 = dateReadsOn(config, '2027-02-25').filter((read) => read.kind === 'birthday');
    expect(reads2027).toEqual([expect.objectContaining({ monthDays: ['02-28', '02-29'], anchorDate: '2027-02-28', cycle: '2027' })]);
    // In a leap year the 29th is read on its own day, and the 28th alone.
    expect(dateReadsOn(config, '2028-02-25').find((read) => read.kind === 'birthday')).toMatchObject({ monthDays: ['02-28'] });
    expect(dateReadsOn(config, '2028-02-26').find((read) => read.kind === 'birthday')).toMatchObject({ monthDays: ['02-29'], anchorDate: '2028-02-29' });
  });

  it('makes the birthday year the cycle when daysBefore reaches back across 1 January', () => {
    const read = dateReadsOn(config, '2026-12-30').find((candidate) => candidate.kind === 'birthday');
    expect(read).toMatchObject({ monthDays: ['01-02'], anchorDate: '2027-01-02', cycle: '2027' });
  });

  it('sends from daysBefore until lateDays after the day, then expires it whatever deferred it', () => {
    const state = startCycle(birthday, 'c-1', '2027-01-02', { cycle: '2027' });
    const outcomeOn = (date: string, time?: string) => decideCustomer(profile(), [{ journey: birthday, state }], at(date, time))[0]?.outcome;
    expect(outcomeOn('2026-12-30')).toBe('sent');
    expect(outcomeOn('2027-01-03')).toBe('sent');
    expect(outcomeOn('2027-01-03', '22:00')).toBe('deferred:quiet-hours');
    expect(outcomeOn('2027-01-04')).toBe('skipped:expired');
    // graceDays (14) never keeps it, --backfill never sends it.
    expect(decideCustomer(profile(), [{ journey: birthday, state }], { ...at('2027-01-05'), backfill: true })[0]?.outcome).toBe('skipped:expired');
  });
});

describe('holidays', () => {
  it('is read on each holiday first due day only, through customers who ordered within the audience', () => {
    expect(dateReadsOn(config, '2026-06-17').some((read) => read.kind === 'holiday')).toBe(false);
    const read = dateReadsOn(config, '2026-11-11').find((candidate) => candidate.kind === 'holiday');
    expect(read).toMatchObject({ kind: 'holiday', cycle: '2026-11-11', anchorDate: '2026-11-11', lastOrderFrom: '2025-11-11' });
  });

  it('skips a customer outside the audience on the day, before consent and holdout', () => {
    const state = startCycle(holiday, 'c-1', '2026-11-11', { cycle: '2026-11-11' });
    const member = countMemberOrder(config, undefined, { orderId: 'o-1', orderDate: '2025-11-10', total: 100, categories: ['cosmetics'] });
    const lapsed = profile({ ...(member ? { member } : {}), smsOptIn: false });
    expect(decideCustomer(lapsed, [{ journey: holiday, state }], at('2026-11-11'))[0]?.outcome).toBe('skipped:audience');
    const recent = countMemberOrder(config, member, { orderId: 'o-2', orderDate: '2026-01-05', total: 100, categories: ['cosmetics'] });
    expect(decideCustomer(profile(recent ? { member: recent } : {}), [{ journey: holiday, state }], at('2026-11-11'))[0]?.outcome).toBe('sent');
  });
});

describe('audiences', () => {
  it('follows the tier on the day: a VIP-only journey skips the customer once their spend leaves the period', () => {
    const vipOnly = journey({ id: 'vip-care', trigger: { type: 'recency' }, exit: 'any-purchase', audience: { tiers: ['vip'] } });
    const member = countMemberOrder(config, undefined, { orderId: 'o-1', orderDate: '2026-01-10', total: 1200, categories: ['cosmetics'] });
    const customer = profile(member ? { member } : {});
    // A step due on the day itself: only the audience can keep it.
    const decideOn = (date: string) => decideCustomer(customer, [{ journey: vipOnly, state: startCycle(vipOnly, 'c-1', date, {}) }], at(date))[0]?.outcome;
    expect(decideOn('2027-01-09')).toBe('sent');
    expect(decideOn('2027-01-10')).toBe('skipped:audience');
  });

  it('checks hasPush and categories bought', () => {
    const pushBuyers = journey({ id: 'push-buyers', trigger: { type: 'recency' }, exit: 'any-purchase', audience: { hasPush: true, categories: ['skincare'] } });
    const state = startCycle(pushBuyers, 'c-1', '2026-05-01', {});
    const member = countMemberOrder(config, undefined, { orderId: 'o-1', orderDate: '2026-01-10', total: 10, categories: ['skincare'] });
    const decide = (overrides: Partial<Profile>) => decideCustomer(profile({ ...(member ? { member } : {}), ...overrides }), [{ journey: pushBuyers, state }], at('2026-05-01'))[0]?.outcome;
    expect(decide({})).toBe('skipped:audience');
    expect(decide({ pushEndpoint: 'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/1' })).toBe('sent');
    expect(decide({ pushEndpoint: 'arn:aws:sns:us-east-1:123456789012:endpoint/APNS/app/1', member: undefined })).toBe('skipped:audience');
  });
});

describe('the config refuses', () => {
  // The tier-scaled default journeys left out: only what each test gives is checked.
  const parse = (overrides: Record<string, unknown>) => CampaignConfigSchema.safeParse({ ...defaults, tiers: [], journeys: [birthday], ...overrides });
  const messages = (overrides: Record<string, unknown>) => {
    const result = parse(overrides);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('a holiday journey without lastOrderWithinDays, and a date journey with two steps', () => {
    const { audience: _audience, ...open } = holiday;
    expect(messages({ journeys: [open] })).toEqual([expect.stringMatching(/^journeys\.0\.audience\.lastOrderWithinDays: a holiday journey needs it/)]);
    expect(messages({ journeys: [{ ...birthday, steps: [smsStep, { ...smsStep, id: 'again' }] }] })).toEqual([expect.stringMatching(/^journeys\.0\.steps: a birthday journey sends one message/)]);
  });

  it('tiers that do not ascend, a first tier with a threshold, and unknown tiers', () => {
    expect(messages({ tiers: [{ id: 'a', name: 'A', minSpend: 1 }] })).toEqual([expect.stringMatching(/^tiers\.0: the first tier/)]);
    expect(messages({ tiers: [{ id: 'a', name: 'A' }, { id: 'b', name: 'B', minSpend: 500 }, { id: 'c', name: 'C', minSpend: 100 }] })).toEqual([
      expect.stringMatching(/^tiers\.2: tiers go lowest first/),
    ]);
    expect(messages({ journeys: [{ ...birthday, audience: { tiers: ['gold'] } }] })).toEqual([expect.stringMatching(/^journeys\.0\.audience\.tiers: unknown tier "gold"/)]);
  });

  it('a variant coupon on a step without one, and duplicate variant ids', () => {
    const variants = [
      { id: 'a', weight: 1, coupon: { value: 10, minSpend: 0, validDays: 7 } },
      { id: 'a', weight: 1 },
    ];
    expect(messages({ journeys: [{ ...birthday, steps: [{ ...smsStep, variants }] }] })).toEqual([
      expect.stringMatching(/variants\.0\.coupon: the step has no coupon/),
      expect.stringMatching(/variants\.1\.id: duplicate variant id "a"/),
    ]);
  });
});
