import { createRandom } from '../../lib/demo/random.ts';

/** The reliability suite's fault settings, from the environment, so a failing run can be repeated. */

/** The fault rate of the reliability suite (RELIABILITY_FAULT_RATE, 20% by default, as in CI). */
export const FAULT_RATE = faultRate(process.env.RELIABILITY_FAULT_RATE);

function faultRate(text: string | undefined): number {
  if (text === undefined || text === '') return 0.2;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 0 || rate >= 1) throw new RangeError(`RELIABILITY_FAULT_RATE must be in [0, 1), got "${text}"`);
  return rate;
}

/** A seeded source of faults, so a failing run can be repeated (RELIABILITY_SEED). */
export function faultRandom(seed = Number(process.env.RELIABILITY_SEED ?? 20261122)): () => number {
  const random = createRandom(seed);
  return () => random.next();
}
