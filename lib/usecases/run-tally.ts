import { OUTCOMES, type Outcome } from '../domain/guardrails.ts';

export type OutcomeCounts = Record<Outcome, number>;

export interface TallySnapshot {
  evaluated: number;
  invalidItems: number;
  byJourney: Record<string, Record<string, Partial<OutcomeCounts>>>;
}

const emptyCounts = (): OutcomeCounts => Object.fromEntries(OUTCOMES.map((outcome) => [outcome, 0])) as OutcomeCounts;

/** Counts of one run (or one shard of it); shards add up with `merge`. */
export class RunTally {
  evaluated = 0;
  /** Index items that failed validation or no longer match the config: counted, not acted on. */
  invalidItems = 0;
  readonly totals = emptyCounts();
  readonly byJourney = new Map<string, Map<string, OutcomeCounts>>();

  add(journey: string, step: string, outcome: Outcome, count = 1): void {
    this.totals[outcome] += count;
    const steps = this.byJourney.get(journey) ?? new Map<string, OutcomeCounts>();
    const counts = steps.get(step) ?? emptyCounts();
    counts[outcome] += count;
    steps.set(step, counts);
    this.byJourney.set(journey, steps);
  }

  /** A plain-JSON copy, to store a shard's counts until the whole run is in. */
  snapshot(): TallySnapshot {
    const byJourney: TallySnapshot['byJourney'] = {};
    for (const [journey, steps] of this.byJourney) byJourney[journey] = Object.fromEntries(steps);
    return { evaluated: this.evaluated, invalidItems: this.invalidItems, byJourney };
  }

  static fromSnapshot(snapshot: TallySnapshot): RunTally {
    const tally = new RunTally();
    tally.evaluated = snapshot.evaluated;
    tally.invalidItems = snapshot.invalidItems;
    for (const [journey, steps] of Object.entries(snapshot.byJourney)) {
      for (const [step, counts] of Object.entries(steps)) {
        for (const outcome of OUTCOMES) {
          const count = counts[outcome] ?? 0;
          if (count > 0) tally.add(journey, step, outcome, count);
        }
      }
    }
    return tally;
  }

  merge(other: RunTally): void {
    this.evaluated += other.evaluated;
    this.invalidItems += other.invalidItems;
    for (const [journey, steps] of other.byJourney) {
      for (const [step, counts] of steps) {
        for (const outcome of OUTCOMES) if (counts[outcome] > 0) this.add(journey, step, outcome, counts[outcome]);
      }
    }
  }
}
