import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkConfig, defaultConfigPath, type ConfigProblem } from '../../lib/config/load.ts';
import type { CampaignConfig, Step } from '../../lib/config/schema.ts';
import { renderStepMessage } from '../../lib/usecases/render.ts';

/**
 * lib/usecases/render.ts renderStepMessage with member tiers and variants
 * (docs/architecture.md#members, #variants), and the SMS length check of lib/config/load.ts over
 * every variant's template and every tier.
 */

const TIERS = [
  { id: 'base', name: '普通', requires: 'all' as const },
  { id: 'vip', name: '至尊VIP', minSpend: 1000, requires: 'all' as const },
];

/** config/default.json with one recency journey of the given steps, and optional changes. */
function rawConfig(steps: unknown[], changes: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(defaultConfigPath, 'utf8')) as Record<string, unknown>;
  const journeys = raw['journeys'];
  const lifecycle: unknown = Array.isArray(journeys) ? journeys[1] : undefined;
  return { ...raw, journeys: [{ ...(lifecycle as object), steps }], ...changes };
}

function configOf(raw: unknown): CampaignConfig {
  const result = checkConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

function problemsOf(raw: unknown): ConfigProblem[] {
  const result = checkConfig(raw);
  return result.ok ? [] : result.problems;
}

const couponStep = {
  id: 'offer',
  after: { days: 90, from: 'anchor' },
  channel: 'sms',
  template: '{tier}{name}：满{minSpend}减{couponValue}，券码{code}。',
  coupon: { value: 20, minSpend: 100, validDays: 30, valueByTier: { vip: 50 }, minSpendByTier: { vip: 80 } },
  variants: [
    { id: 'control-copy', weight: 1 },
    { id: 'bigger', weight: 1, template: '{tier}专享：{couponValue}元券，{code}。', coupon: { value: 30, minSpend: 100, validDays: 14, valueByTier: { vip: 60 } } },
  ],
};

describe('renderStepMessage with tiers and variants', () => {
  const config = configOf(rawConfig([couponStep], { tiers: TIERS }));
  const step = config.journeys[0]?.steps[0] as Step;
  const input = { step, name: '王芳', category: undefined, runDate: '2024-03-01', couponKey: 'c1#lifecycle#1#offer' };

  it("fills {tier} with the tier's name and uses the tier's coupon amounts", () => {
    // Act
    const vip = renderStepMessage(config, 'secret', { ...input, tier: TIERS[1], variant: undefined });
    const base = renderStepMessage(config, 'secret', { ...input, tier: TIERS[0], variant: undefined });

    // Assess
    expect(vip.text).toBe(`至尊VIP王芳：满80减50，券码${vip.couponCode}。拒收请回复R`);
    expect(vip.couponValue).toBe(50);
    expect(base.text).toBe(`普通王芳：满100减20，券码${base.couponCode}。拒收请回复R`);
    expect(base.couponValue).toBe(20);
    expect(vip.couponExpiry).toBe('2024-03-31');
  });

  it("uses the variant's template and coupon; a variant without them sends the step's", () => {
    // Act
    const bigger = renderStepMessage(config, 'secret', { ...input, tier: TIERS[1], variant: step.variants?.[1] });
    const same = renderStepMessage(config, 'secret', { ...input, tier: TIERS[1], variant: step.variants?.[0] });
    const plain = renderStepMessage(config, 'secret', { ...input, tier: TIERS[1], variant: undefined });

    // Assess: the variant's coupon, scaled for the tier, with its own validity; the code is the key's.
    expect(bigger.text).toBe(`至尊VIP专享：60元券，${bigger.couponCode}。拒收请回复R`);
    expect(bigger).toMatchObject({ couponValue: 60, couponExpiry: '2024-03-15', couponCode: plain.couponCode });
    expect(same).toEqual(plain);
  });

  it('renders {tier} empty without tiers', () => {
    // Prepare
    const untiered = configOf(rawConfig([{ ...couponStep, coupon: { value: 20, minSpend: 100, validDays: 30 }, variants: undefined }]));

    // Act
    const message = renderStepMessage(untiered, 'secret', { ...input, step: untiered.journeys[0]?.steps[0] as Step, tier: undefined, variant: undefined });

    // Assess
    expect(message.text).toBe(`王芳：满100减20，券码${message.couponCode}。拒收请回复R`);
  });
});

describe('SMS length check with tiers and variants', () => {
  // One part of UCS-2 is 70 units; the opt-out text 拒收请回复R adds 6 and the closing 。 1.
  const filler = (units: number) => '好'.repeat(units);

  it("counts the longest tier name: 2 + 61 + 7 = 70 fits one part, 至尊VIP's 5 + 61 + 7 = 73 does not", () => {
    // Prepare
    const step = { id: 'only', after: { days: 90, from: 'anchor' }, channel: 'sms', template: `{tier}${filler(61)}。` };

    // Act
    const oneTier = problemsOf(rawConfig([step], { tiers: [TIERS[0]], sms: { maxParts: 1 } }));
    const twoTiers = problemsOf(rawConfig([step], { tiers: TIERS, sms: { maxParts: 1 } }));

    // Assess
    expect(oneTier).toEqual([]);
    expect(twoTiers).toEqual([{ path: 'journeys[0].steps[0].template', message: expect.stringMatching(/2 SMS parts.*tier "至尊VIP".*sms\.maxParts is 1/) }]);
  });

  it("counts a tier's coupon value: 满100减20 is 7 units, 满100减5000 is 9", () => {
    // Prepare: 7 + 56 + 7 = 70 units; with the VIP value 72.
    const step = (valueByTier: Record<string, number>) => ({
      id: 'only',
      after: { days: 90, from: 'anchor' },
      channel: 'sms',
      template: `满{minSpend}减{couponValue}${filler(56)}。`,
      coupon: { value: 20, minSpend: 100, validDays: 30, valueByTier },
    });

    // Act
    const small = problemsOf(rawConfig([step({ vip: 50 })], { tiers: TIERS, sms: { maxParts: 1 } }));
    const large = problemsOf(rawConfig([step({ vip: 5000 })], { tiers: TIERS, sms: { maxParts: 1 } }));

    // Assess
    expect(small).toEqual([]);
    expect(large).toEqual([{ path: 'journeys[0].steps[0].template', message: expect.stringMatching(/2 SMS parts.*tier "至尊VIP"/) }]);
  });

  it("checks every variant's template, and reports it at the variant", () => {
    // Prepare: the step's text is 10 + 7 units; the second variant's 70 - 7 + 1 = 64 + 7 = 71.
    const step = {
      id: 'only',
      after: { days: 90, from: 'anchor' },
      channel: 'sms',
      template: `${filler(10)}。`,
      variants: [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 1, template: `${filler(64)}。` },
        { id: 'c', weight: 1, template: `{oops}。` },
      ],
    };

    // Act
    const problems = problemsOf(rawConfig([step], { sms: { maxParts: 1 } }));

    // Assess
    expect(problems).toEqual([
      { path: 'journeys[0].steps[0].variants[1].template', message: expect.stringMatching(/2 SMS parts/) },
      { path: 'journeys[0].steps[0].variants[2].template', message: expect.stringMatching(/unknown placeholder \{oops\}/) },
    ]);
  });
});
