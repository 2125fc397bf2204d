import { describe, expect, it } from 'vitest';
import { lift, wilsonInterval } from '../../lib/domain/stats.ts';

describe('lift and its 95% interval', () => {
  it("matches Newcombe's (1998) published intervals for the difference of two proportions (method 10)", () => {
    // Prepare / Act
    const a = lift(56, 70, 48, 80);
    const b = lift(5, 56, 0, 29);

    // Assess: Newcombe, Statistics in Medicine 17:873-890, table II, examples (a) and (c)
    expect(a.absolute).toBeCloseTo(0.2, 10);
    expect(a.absoluteInterval[0]).toBeCloseTo(0.0524, 4);
    expect(a.absoluteInterval[1]).toBeCloseTo(0.3339, 4);
    expect(a.significant).toBe(true);
    expect(b.absoluteInterval[0]).toBeCloseTo(-0.0381, 4);
    expect(b.absoluteInterval[1]).toBeCloseTo(0.1926, 4);
    expect(b.significant).toBe(false);
    expect(b.relative).toBeNull();
  });

  it('the relative lift is the rate ratio minus 1, with the Katz log interval', () => {
    const result = lift(40, 400, 20, 400);
    expect(result.relative).toBeCloseTo(1, 10);
    // ln(2) +- 1.96 * sqrt(1/40 - 1/400 + 1/20 - 1/400)
    const spread = 1.959963984540054 * Math.sqrt(1 / 40 - 1 / 400 + 1 / 20 - 1 / 400);
    expect(result.relativeInterval?.[0]).toBeCloseTo(2 * Math.exp(-spread) - 1, 10);
    expect(result.relativeInterval?.[1]).toBeCloseTo(2 * Math.exp(spread) - 1, 10);
  });

  it('the Wilson interval stays inside [0, 1] with zero or all successes', () => {
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(10, 10)[1]).toBeCloseTo(1, 12);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 4);
  });
});
