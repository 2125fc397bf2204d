/**
 * Lift of a message over doing nothing: the conversion rate of sent messages against the held-out
 * control, with a 95% confidence interval that stays honest for small groups and zero counts.
 */

const Z95 = 1.959963984540054;

/** Wilson score interval of a proportion x / n (n > 0). */
export function wilsonInterval(x: number, n: number, z = Z95): [number, number] {
  if (n <= 0) throw new RangeError('wilsonInterval needs n > 0');
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface Lift {
  /** Sent rate minus held-out rate (percentage points as a fraction: 0.02 = +2 points). */
  absolute: number;
  /** 95% interval of `absolute`: Newcombe's hybrid score interval (method 10). */
  absoluteInterval: [number, number];
  /** absolute / held-out rate; null when the held-out group never converted. */
  relative: number | null;
  /** 95% interval of `relative` (Katz log interval of the rate ratio); null with a zero count. */
  relativeInterval: [number, number] | null;
  /** False when the interval of `absolute` contains 0: the data cannot tell the lift from chance. */
  significant: boolean;
}

/**
 * Lift of x1/n1 (sent) over x2/n2 (held out). Newcombe (1998), "Interval estimation for the
 * difference between independent proportions", method 10: built from the two Wilson intervals,
 * so it never leaves [-1, 1] and behaves with zero conversions, unlike the Wald interval.
 */
export function lift(x1: number, n1: number, x2: number, n2: number, z = Z95): Lift {
  if (n1 <= 0 || n2 <= 0) throw new RangeError('lift needs both groups non-empty');
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const [l1, u1] = wilsonInterval(x1, n1, z);
  const [l2, u2] = wilsonInterval(x2, n2, z);
  const absolute = p1 - p2;
  const lower = absolute - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2);
  const upper = absolute + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2);
  const relative = p2 > 0 ? absolute / p2 : null;
  let relativeInterval: [number, number] | null = null;
  if (x1 > 0 && x2 > 0) {
    const spread = z * Math.sqrt(1 / x1 - 1 / n1 + 1 / x2 - 1 / n2);
    const ratio = Math.log(p1 / p2);
    relativeInterval = [Math.exp(ratio - spread) - 1, Math.exp(ratio + spread) - 1];
  }
  return { absolute, absoluteInterval: [lower, upper], relative, relativeInterval, significant: lower > 0 || upper < 0 };
}
