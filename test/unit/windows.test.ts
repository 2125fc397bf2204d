import { describe, expect, it } from 'vitest';
import { addDays } from '../../lib/domain/dates.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { learnWindows, medianDays, MIN_REPEATERS, WindowLearner } from '../../lib/domain/windows.ts';
import { customerSnapshot } from '../../lib/usecases/seed.ts';
import { testConfig } from '../support/fixtures.ts';

const FIRST = '2026-01-01';
const pair = (category: string, days?: number) => ({ category, firstDate: FIRST, ...(days === undefined ? {} : { secondDate: addDays(FIRST, days) }) });

describe('the learned window', () => {
  it('is the smallest number of days within which half of the second purchases happened (hand-computed)', () => {
    // 4 repeaters at 10, 20, 30, 40 days: 2 of 4 (50%) within 20 days.
    expect(medianDays(new Map([[10, 1], [20, 1], [30, 1], [40, 1]]))).toBe(20);
    // 5 at 10, 20, 30, 40, 50: 3 of 5 within 30 days (2 of 5 within 20 is 40%).
    expect(medianDays(new Map([[10, 1], [20, 1], [30, 1], [40, 1], [50, 1]]))).toBe(30);
    // Ties count together: 60 at 7 days, 40 at 90 days -> 60% within 7 days.
    expect(medianDays(new Map([[7, 60], [90, 40]]))).toBe(7);
    expect(medianDays(new Map())).toBeNull();
  });

  it('per category: sample size, the share who came back, the configured window beside it; too few repeaters flagged, not guessed', async () => {
    // Prepare: cosmetics: 40 buyers, 30 of them back after 1..30 days (median: 15); 10 never back.
    // pet-food: 20 buyers, 29 would be needed... 12 back: flagged.
    const config = await testConfig();
    const rows = [
      ...Array.from({ length: 30 }, (_, index) => pair('cosmetics', index + 1)),
      ...Array.from({ length: 10 }, () => pair('cosmetics')),
      ...Array.from({ length: 12 }, (_, index) => pair('pet-food', 30 + index)),
      ...Array.from({ length: 8 }, () => pair('pet-food')),
      pair('garden-gnomes', 3),
    ];

    // Act
    const learner = new WindowLearner(config);
    for (const row of rows) learner.add(row);
    const windows = learner.result();

    // Assess
    const cosmetics = windows.find((window) => window.category === 'cosmetics');
    expect(cosmetics).toMatchObject({ configuredDays: 76, buyers: 40, repeaters: 30, cameBack: 0.75, learnedDays: 15, flag: null });
    expect(cosmetics?.change).toBeCloseTo((15 - 76) / 76, 10);
    expect(cosmetics?.curve.find((point) => point.day === 15)?.share).toBe(0.5);
    expect(cosmetics?.curve.at(-1)?.day).toBeGreaterThanOrEqual(76);
    const petFood = windows.find((window) => window.category === 'pet-food');
    expect(petFood).toMatchObject({ repeaters: 12, buyers: 20, learnedDays: null, change: null, flag: 'too-few-repeaters' });
    expect(MIN_REPEATERS).toBe(30);
    expect(windows.find((window) => window.category === 'skincare')).toMatchObject({ buyers: 0, repeaters: 0, cameBack: null, curve: [] });
    expect(learner.unknownCategories).toBe(1);
    expect(windows.map((window) => window.category)).toEqual(config.categories.map((category) => category.id));
  });

  it('on the demo shop (20,000 customers) lands within 10% of the windows the demo drew its intervals around', async () => {
    const config = await testConfig();
    const today = '2026-11-22';
    const histories = function* () {
      for (const { customer, orders } of generateDemoShop({ customers: 20_000, seed: 20261122, today, categories: config.categories, timeZone: config.merchantTimeZone })) {
        yield* customerSnapshot(config, customer, orders, today).categories;
      }
    };

    const windows = learnWindows(config, histories());

    for (const window of windows) {
      expect(window.flag, window.category).toBeNull();
      expect(Math.abs(window.change ?? 1), `${window.category}: learned ${window.learnedDays}, configured ${window.configuredDays}`).toBeLessThanOrEqual(0.1);
      expect(window.repeaters).toBeGreaterThan(500);
    }
  });
});
