import { checkConfig, loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { zonedInstant } from '../../lib/domain/dates.ts';
import { isHeldOut } from '../../lib/domain/hashing.ts';
import type { CustomerInput, OrderInput } from '../../lib/domain/model.ts';
import type { RecallStore } from '../../lib/ports/store.ts';
import type { RunOptions } from '../../lib/usecases/run-shard.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';

/**
 * A small shop whose daily run on TODAY meets every outcome (sent, held-out, each skip and each
 * deferral), so that crashing it at every write walks every path of the run. Kept small (two
 * shards, four categories) so that a run costs little and every write can be a crash point.
 */

export const TODAY = '2026-11-22';
/** 10:00 in Shanghai: the configured run time of TODAY. */
export const RUN_NOW = '2026-11-22T02:00:00.000Z';
/** The coupon HMAC secret of the suite: it must never appear in a log line. */
export const RELIABILITY_SECRET = 'reliability-coupon-secret-5c1d9e07';

export async function reliabilityConfig(overrides: Partial<CampaignConfig> = {}): Promise<CampaignConfig> {
  const base = await loadDefaultConfig();
  const categories = base.categories.filter((category) => ['cosmetics', 'womens-clothing', 'mens-shoes', 'skincare'].includes(category.id));
  const result = checkConfig({ ...base, shards: 2, holdoutPercent: 10, categories, ...overrides });
  if (!result.ok) throw new Error(`the reliability config is invalid: ${JSON.stringify(result.problems)}`);
  return result.config;
}

export function runOn(config: CampaignConfig, date = TODAY, extra: Partial<RunOptions> = {}): RunOptions {
  return { runDate: date, now: zonedInstant(date, config.runTime, config.merchantTimeZone), dryRun: false, backfill: false, ...extra };
}

/** The first id `prefix<n>` that the holdout takes out of `journey` at `percent`. */
function heldOutId(prefix: string, journey: string, percent: number): string {
  for (let n = 1; ; n++) if (isHeldOut(`${prefix}${n}`, journey, percent)) return `${prefix}${n}`;
}
/** The first id `prefix<n>` the holdout keeps in every journey. */
function keptId(prefix: string, percent: number): string {
  for (let n = 1; ; n++) {
    const id = `${prefix}${n}`;
    if (!['category-recall', 'lifecycle', 'spend-200-ladder'].some((journey) => isHeldOut(id, journey, percent))) return id;
  }
}

const phone = (n: number) => `+86138001380${String(n).padStart(2, '0')}`;
const order = (id: string, customerId: string, date: string, category: string, amount: number): OrderInput => ({
  orderId: id,
  customerId,
  orderedAt: `${date}T12:00:00+08:00`,
  lines: [{ category, amount }],
});

export interface ShopCustomer {
  customer: CustomerInput;
  orders: OrderInput[];
}

/** Customer names of the shop: none may appear in a log line. */
export const SHOP_NAMES = ['林黛玉', '贾宝玉', '薛宝钗', '王熙凤', '史湘云', '妙玉', '贾探春', '秦可卿', '贾惜春', '贾迎春', '李纨', '香菱'];

function customer(id: string, index: number, fields: Partial<CustomerInput> = {}): CustomerInput {
  return { customerId: id, phone: phone(index + 1), name: SHOP_NAMES[index] ?? '', smsOptIn: true, ...fields };
}

/** Seeded on TODAY. The comments say what the run of TODAY decides for each. */
export function shopCustomers(): ShopCustomer[] {
  const ids = Array.from({ length: 12 }, (_, index) => (index === 7 ? heldOutId('h', 'category-recall', 10) : keptId(`c${index + 1}-`, 10)));
  const id = (index: number) => ids[index] ?? `c${index}`;
  return [
    // cosmetics (window 76) 78 days ago: category-recall/coupon-1, sent.
    { customer: customer(id(0), 0), orders: [order('o1', id(0), '2026-09-05', 'cosmetics', 150)] },
    // the same, without SMS consent: skipped:no-consent.
    { customer: customer(id(1), 1, { smsOptIn: false }), orders: [order('o2', id(1), '2026-09-05', 'cosmetics', 150)] },
    // a number in a data-only range: skipped:invalid-contact.
    { customer: customer(id(2), 2, { phone: '+8614012345678' }), orders: [order('o3', id(2), '2026-09-05', 'cosmetics', 150)] },
    // womens-clothing (47) for 250 exactly 47 days ago: coupon-1 sent; its ladder went by stale.
    { customer: customer(id(3), 3), orders: [order('o4', id(3), '2026-10-06', 'womens-clothing', 250)] },
    // two journeys due at once: category-recall (priority 20) sent, lifecycle/sleeping deferred:capped.
    { customer: customer(id(4), 4), orders: [order('o5a', id(4), '2026-08-24', 'mens-shoes', 120), order('o5b', id(4), '2026-08-24', 'cosmetics', 80)] },
    // in New York, 21:00 there: deferred:quiet-hours.
    { customer: customer(id(5), 5, { timeZone: 'America/New_York' }), orders: [order('o6', id(5), '2026-09-05', 'cosmetics', 150)] },
    // skincare for 300 yesterday: spend-200-ladder/month-1, sent.
    { customer: customer(id(6), 6), orders: [order('o7', id(6), '2026-11-21', 'skincare', 300)] },
    // held out of category-recall: held-out.
    { customer: customer(id(7), 7), orders: [order('o8', id(7), '2026-09-05', 'cosmetics', 150)] },
    // a Beijing landline: skipped:invalid-contact.
    { customer: customer(id(8), 8, { phone: '+861062345678' }), orders: [order('o9', id(8), '2026-09-05', 'cosmetics', 150)] },
    // mens-shoes for 200 180 days ago: lifecycle/pre-lost with a coupon, sent; the rest went by stale.
    { customer: customer(id(10), 10), orders: [order('o11', id(10), '2026-05-26', 'mens-shoes', 200)] },
    // no phone at all: skipped:invalid-contact.
    { customer: customer(id(11), 11, { phone: undefined }), orders: [order('o12', id(11), '2026-09-05', 'cosmetics', 150)] },
  ];
}

/**
 * Seeded on 2026-10-20 and not run since: on TODAY its cosmetics step is 18 days late
 * (skipped:stale) while lifecycle/sleeping is 4 days late and sent.
 */
export function lateCustomer(): ShopCustomer {
  const id = keptId('c10-', 10);
  return { customer: customer(id, 9), orders: [order('o10', id, '2026-08-20', 'cosmetics', 150)] };
}

export async function seedShop(store: RecallStore, config: CampaignConfig): Promise<void> {
  await seedCustomers({ store, config }, TODAY, shopCustomers());
  await seedCustomers({ store, config }, '2026-10-20', [lateCustomer()]);
}

/** Every phone number of the shop: none may appear in full in a log line. */
export function shopPhones(): string[] {
  return [...shopCustomers(), lateCustomer()].flatMap(({ customer: { phone: number } }) => (number ? [number] : []));
}
