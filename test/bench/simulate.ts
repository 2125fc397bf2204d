// Issue 17 point 1: `recall simulate` replaying a year of a generated shop, the rate it reaches,
// and the time a year of a 20,000-customer shop takes at that rate (target: under 10 minutes).
import { MemoryStore } from '../../lib/adapters/memory/store.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { simulate } from '../../lib/usecases/simulate.ts';
import { round } from './read-cost.ts';

export interface SimulateBenchRow {
  customers: number;
  days: number;
  orders: number;
  messages: number;
  seconds: number;
  /** Simulated customer-days per second: what the scale of a replay is measured in. */
  customerDaysPerSecond: number;
  /** A year of 20,000 customers at that rate. */
  yearOf20kMinutes: number;
}

/** Replays the last `days` days of a generated shop of `customers` (two years of history) in an in-memory scratch store. */
export async function measureSimulate(config: CampaignConfig, today: string, customers: number, days: number, onDay?: (day: string) => void): Promise<SimulateBenchRow> {
  const shop = [...generateDemoShop({ customers, seed: 17, today, categories: config.categories, timeZone: config.merchantTimeZone })];
  const scratch = new MemoryStore();
  await scratch.putSnapshots(shop.map(({ customer }) => ({ customer, categories: [], journeys: [], orders: [] })));
  const orders = shop.flatMap((customer) => customer.orders);
  const started = performance.now();
  const simulation = await simulate({ scratch, config, couponSecret: 'bench', orders, from: addDays(today, -days), to: addDays(today, -1), ...(onDay ? { onDay } : {}) });
  const seconds = (performance.now() - started) / 1000;
  const rate = (customers * days) / seconds;
  return {
    customers,
    days,
    orders: simulation.ordersReplayed,
    messages: simulation.totals.messages,
    seconds: round(seconds),
    customerDaysPerSecond: round(rate),
    yearOf20kMinutes: round((20_000 * 365) / rate / 60),
  };
}
