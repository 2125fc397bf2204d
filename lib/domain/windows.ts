/**
 * Window learning (docs/architecture.md#window-learning): for each category, among customers who bought in it twice, the
 * number of days within which half of the second purchases happened, with the sample size. Read
 * from the first and second purchase dates record-order keeps per customer and category, so no
 * order log is needed. Pure: the rows come in one at a time (a parallel Scan streams them).
 */
import type { CampaignConfig } from '../config/schema.ts';
import { daysBetween, type CalendarDate } from './dates.ts';

/** Fewer second purchases than this and a median is noise: the category is flagged, not guessed. */
export const MIN_REPEATERS = 30;

/** What window learning reads of a category history. */
export interface PurchasePair {
  category: string;
  firstDate: CalendarDate;
  secondDate?: CalendarDate;
}

export interface WindowLearning {
  category: string;
  name: string;
  /** The window in the config now. */
  configuredDays: number;
  /** Customers who bought in the category. */
  buyers: number;
  /** Of those, customers who bought in it a second time: the sample size. */
  repeaters: number;
  /** repeaters / buyers: the share who ever came back. */
  cameBack: number | null;
  /** Days within which 50% of second purchases happened; null when flagged. */
  learnedDays: number | null;
  /** (learned - configured) / configured; null when flagged. */
  change: number | null;
  /** Set when there are fewer than MIN_REPEATERS repeaters: no suggestion is made. */
  flag: 'too-few-repeaters' | null;
  /**
   * Cumulative share of second purchases by day since the first purchase (`share` of the
   * repeaters came back within `day` days), from day 0 to where 97.5% are in (at least past both
   * windows): the curve the HTML report draws.
   */
  curve: { day: number; share: number }[];
}

/** The smallest whole number of days within which at least half of the intervals fall. */
export function medianDays(histogram: ReadonlyMap<number, number>): number | null {
  return quantileDays(histogram, 0.5);
}

function quantileDays(histogram: ReadonlyMap<number, number>, share: number): number | null {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return null;
  let seen = 0;
  for (const day of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(day) ?? 0;
    if (seen >= share * total) return day;
  }
  return null;
}

/** Accumulates category histories (in any order, from any number of scan segments). */
export class WindowLearner {
  private readonly buyers = new Map<string, number>();
  private readonly intervals = new Map<string, Map<number, number>>();
  /** Histories of categories the config does not have. */
  unknownCategories = 0;

  constructor(private readonly config: CampaignConfig) {}

  add(pair: PurchasePair): void {
    if (!this.config.categories.some((category) => category.id === pair.category)) {
      this.unknownCategories++;
      return;
    }
    this.buyers.set(pair.category, (this.buyers.get(pair.category) ?? 0) + 1);
    if (pair.secondDate === undefined) return;
    const days = daysBetween(pair.firstDate, pair.secondDate);
    const histogram = this.intervals.get(pair.category) ?? new Map<number, number>();
    histogram.set(days, (histogram.get(days) ?? 0) + 1);
    this.intervals.set(pair.category, histogram);
  }

  result(minRepeaters = MIN_REPEATERS): WindowLearning[] {
    return this.config.categories.map((category) => {
      const buyers = this.buyers.get(category.id) ?? 0;
      const histogram = this.intervals.get(category.id) ?? new Map<number, number>();
      let repeaters = 0;
      for (const count of histogram.values()) repeaters += count;
      const flagged = repeaters < minRepeaters;
      const learnedDays = flagged ? null : medianDays(histogram);
      return {
        category: category.id,
        name: category.name,
        configuredDays: category.windowDays,
        buyers,
        repeaters,
        cameBack: buyers > 0 ? repeaters / buyers : null,
        learnedDays,
        change: learnedDays === null ? null : (learnedDays - category.windowDays) / category.windowDays,
        flag: flagged ? 'too-few-repeaters' : null,
        curve: cumulativeCurve(histogram, Math.max(category.windowDays, learnedDays ?? 0)),
      };
    });
  }
}

function cumulativeCurve(histogram: ReadonlyMap<number, number>, atLeast: number): { day: number; share: number }[] {
  let total = 0;
  for (const count of histogram.values()) total += count;
  if (total === 0) return [];
  const last = Math.max(Math.ceil(atLeast * 1.25), quantileDays(histogram, 0.975) ?? 0);
  const curve: { day: number; share: number }[] = [];
  let seen = 0;
  for (let day = 0; day <= last; day++) {
    seen += histogram.get(day) ?? 0;
    curve.push({ day, share: seen / total });
  }
  return curve;
}

/** Learns the windows of a config from category histories (a convenience over WindowLearner). */
export function learnWindows(config: CampaignConfig, pairs: Iterable<PurchasePair>, minRepeaters = MIN_REPEATERS): WindowLearning[] {
  const learner = new WindowLearner(config);
  for (const pair of pairs) learner.add(pair);
  return learner.result(minRepeaters);
}
