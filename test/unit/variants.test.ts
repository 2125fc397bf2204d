import { describe, expect, it } from 'vitest';
import { isHeldOut, variantOf } from '../../lib/domain/hashing.ts';

/** lib/domain/hashing.ts variantOf: a customer's arm of a tested step (docs/architecture.md#variants). */

const ids = (count: number): string[] => Array.from({ length: count }, (_, n) => `customer-${n}`);
const VARIANTS = [
  { id: 'a', weight: 1 },
  { id: 'b', weight: 2 },
  { id: 'c', weight: 1 },
];

/** Share of each variant id among the picks. */
function shares(picks: readonly ({ id: string } | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pick of picks) if (pick) counts[pick.id] = (counts[pick.id] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([id, count]) => [id, count / picks.length]));
}

describe('variantOf', () => {
  it('gives a customer the same variant on every call', () => {
    // Prepare
    const sample = ids(500);

    // Act
    const first = sample.map((id) => variantOf(id, 'winback', 'coupon-1', VARIANTS)?.id);
    const second = sample.map((id) => variantOf(id, 'winback', 'coupon-1', [...VARIANTS])?.id);

    // Assess
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('splits 20,000 customers by the weights', () => {
    // Act
    const result = shares(ids(20_000).map((id) => variantOf(id, 'winback', 'coupon-1', VARIANTS)));

    // Assess: expected 1/4, 1/2, 1/4. The share's standard error over 20,000 is at most
    // sqrt(0.5 x 0.5 / 20,000) = 0.0035; 0.015 is over 4 of them, so a fair hash never fails here
    // while a biased mapping (e.g. one arm 0.27) does.
    expect(Math.abs((result['a'] ?? 0) - 0.25)).toBeLessThan(0.015);
    expect(Math.abs((result['b'] ?? 0) - 0.5)).toBeLessThan(0.015);
    expect(Math.abs((result['c'] ?? 0) - 0.25)).toBeLessThan(0.015);
  });

  it('depends on the step: another step splits the customers afresh', () => {
    // Act
    const sample = ids(2_000);
    const same = sample.filter((id) => variantOf(id, 'winback', 'coupon-1', VARIANTS)?.id === variantOf(id, 'winback', 'coupon-2', VARIANTS)?.id).length;

    // Assess: independent picks agree with probability 1/16 + 1/4 + 1/16 = 0.375, not 1.
    expect(same / sample.length).toBeGreaterThan(0.3);
    expect(same / sample.length).toBeLessThan(0.45);
  });

  it('is independent of the holdout: each variant holds its share of the control', () => {
    // Prepare
    const sample = ids(20_000);
    const heldOut = sample.filter((id) => isHeldOut(id, 'winback', 10));

    // Act
    const amongHeldOut = shares(heldOut.map((id) => variantOf(id, 'winback', 'coupon-1', VARIANTS)));

    // Assess: about 2,000 held out; the standard error of a share there is at most
    // sqrt(0.25 / 2,000) = 0.011, so 0.045 is 4 of them. Hashing the same input as the holdout
    // would put every held-out customer (hash below 10%) into the first arm.
    expect(heldOut.length / sample.length).toBeGreaterThan(0.09);
    expect(Math.abs((amongHeldOut['a'] ?? 0) - 0.25)).toBeLessThan(0.045);
    expect(Math.abs((amongHeldOut['b'] ?? 0) - 0.5)).toBeLessThan(0.045);
    expect(Math.abs((amongHeldOut['c'] ?? 0) - 0.25)).toBeLessThan(0.045);
  });

  it('needs positive weights and at least one variant', () => {
    expect(variantOf('c1', 'winback', 'coupon-1', [])).toBeUndefined();
    expect(variantOf('c1', 'winback', 'coupon-1', [{ id: 'only', weight: 5 }])?.id).toBe('only');
  });
});
