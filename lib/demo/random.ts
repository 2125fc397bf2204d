/*
 * The seeded source of randomness the demo shop, the live demo days and the test harnesses draw
 * from (never Math.random, so a seed always gives the same data), and weighted choice over it.
 */

/** A seeded source of randomness. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number;
  /** A uniformly chosen element; throws on an empty array. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal (mean 0, standard deviation 1). */
  normal(): number;
  /** Log-normal with the given median and sigma of the underlying normal. */
  logNormal(median: number, sigma: number): number;
}

/** mulberry32: 32 bits of state, fast, and good enough for demo data (not for secrets). */
export function createRandom(seed: number): Random {
  let state = Math.trunc(seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`int(${min}, ${max}): expected integers with min <= max`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  const normal = (): number => {
    // Box-Muller; 1 - next() is in (0, 1], so the log is finite.
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new RangeError('pick() from an empty array');
      return item;
    },
    normal,
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
  };
}

/** An item drawn with probability proportional to its weight. */
export function pickWeighted<T>(random: Random, items: readonly T[], weights: readonly number[]): T {
  let total = 0;
  for (const weight of weights) total += weight;
  let target = random.next() * total;
  for (let i = 0; i < items.length; i += 1) {
    target -= weights[i] ?? 0;
    const item = items[i];
    if (target < 0 && item !== undefined) return item;
  }
  return random.pick(items);
}
