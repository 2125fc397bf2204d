import type { Category } from '../config/schema.ts';
import { localToInstant } from '../domain/dates.ts';
import type { CustomerInput, OrderInput } from '../domain/model.ts';
import { createRandom, pickWeighted, type Random } from './random.ts';

/**
 * A seeded demo shop (docs/architecture.md#the-embedded-runtime): customers with Chinese names and phones, and two years of
 * orders whose first-to-second purchase interval in each category has its median at the
 * category's window, so window learning recovers the configured windows.
 * Pure: no I/O, no clock, no Math.random; the same options always give the same shop.
 */

export interface DemoShopOptions {
  customers: number;
  seed: number;
  /** The merchant's calendar date, `YYYY-MM-DD`; every order is before it. */
  today: string;
  /** Length of the order history, ending yesterday. Default 2. */
  years?: number;
  categories: readonly Category[];
  /** The merchant's IANA time zone; order times are shop hours there. */
  timeZone: string;
}

export interface DemoCustomer {
  customer: CustomerInput;
  /** This customer's orders, oldest first. */
  orders: OrderInput[];
}

/** Share of customers who buy again in their first category (before today). */
const RETURN_RATE = 0.55;
/** After a repeat purchase, the chance of yet another one in the same category. */
const CONTINUE_RATE = 0.45;
/** Share of customers who also shop in a second category. */
const CROSS_SELL_RATE = 0.2;
/** Spread of purchase intervals around the window (sigma of the log). */
const INTERVAL_SIGMA = 0.5;

const INVALID_PHONE_RATE = 0.02;
const MISSING_PHONE_RATE = 0.01;
const OPT_OUT_RATE = 0.03;
const ABROAD_RATE = 0.005;
/** Share of customers whose birthday the shop knows (the birthday journey's audience). */
const BIRTHDAY_RATE = 0.8;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const DAY_MS = 86_400_000;

/** Relative popularity of the seed categories; a category the demo does not know gets 0.1. */
const POPULARITY: Record<string, number> = {
  cosmetics: 0.2,
  'womens-clothing': 0.2,
  'womens-shoes': 0.15,
  'mens-shoes': 0.13,
  skincare: 0.1,
  'mens-clothing': 0.1,
  'baby-care': 0.06,
  'pet-food': 0.06,
};
const DEFAULT_POPULARITY = 0.1;

/** Median basket in yuan per category; tuned so that about 30% of orders reach 200. */
const MEDIAN_AMOUNT: Record<string, number> = {
  cosmetics: 139,
  'womens-clothing': 159,
  'womens-shoes': 199,
  'mens-shoes': 229,
  skincare: 149,
  'mens-clothing': 169,
  'baby-care': 99,
  'pet-food': 109,
};
const DEFAULT_MEDIAN_AMOUNT = 149;
const AMOUNT_SIGMA = 0.45;
const MIN_AMOUNT = 49;
const MAX_AMOUNT = 899;

/** Orders by local hour, 08:00 to 23:59, peaking in the evening as online shops do. */
const SHOP_HOURS = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23] as const;
const HOUR_WEIGHTS = [2, 3, 4, 4, 5, 4, 4, 4, 4, 5, 6, 7, 9, 11, 10, 6] as const;

const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周',
  '徐', '孙', '马', '朱', '胡', '郭', '何', '林', '罗', '高',
  '郑', '梁', '谢', '宋', '唐', '韩', '冯', '邓', '曹', '许',
] as const;
const GIVEN_NAMES = [
  '伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '洋', '艳',
  '勇', '军', '杰', '娟', '涛', '明', '超', '秀英', '霞', '平',
  '刚', '桂英', '婷', '雪', '慧', '晨', '欣怡', '子涵', '浩然', '宇轩',
  '梓涵', '一诺', '思远', '佳琪', '雨桐', '俊杰', '晓燕', '建华', '丹', '琳',
] as const;
/** Prefixes libphonenumber-js/max accepts as CN mobile ranges. */
const MOBILE_PREFIXES = [
  '130', '131', '132', '135', '136', '137', '138', '139', '150', '151',
  '152', '155', '156', '157', '158', '159', '180', '182', '183', '185',
  '186', '187', '188', '189', '191', '198', '199',
] as const;
const ABROAD_TIME_ZONES = ['America/Los_Angeles', 'America/Los_Angeles', 'Europe/London'] as const;

/**
 * Yields one customer at a time with that customer's orders, so a large shop never has to be
 * held in memory.
 */
export function* generateDemoShop(options: DemoShopOptions): Generator<DemoCustomer> {
  const { customers, seed, today, categories, timeZone } = options;
  const years = options.years ?? 2;
  if (!Number.isInteger(customers) || customers < 0) {
    throw new RangeError(`customers must be a non-negative integer, got ${customers}`);
  }
  if (!(years > 0)) throw new RangeError(`years must be positive, got ${years}`);
  if (categories.length === 0) throw new RangeError('at least one category is needed');

  const random = createRandom(seed);
  // Birthdays draw from a stream of their own, so the shop's customers and orders stay as they were.
  const birthdays = createRandom(seed ^ 0xb1a7d0);
  const todayDay = dayNumber(today);
  // History ends yesterday: an order "today" could lie after the moment the demo runs.
  const lastDay = todayDay - 1;
  const firstDay = todayDay - Math.max(1, Math.round(years * 365));
  const clock = createLocalClock(timeZone);
  const popularity = categories.map((category) => POPULARITY[category.id] ?? DEFAULT_POPULARITY);
  const width = Math.max(6, String(customers).length);

  for (let index = 1; index <= customers; index += 1) {
    const number = String(index).padStart(width, '0');
    const customerId = `c${number}`;
    const customer = demoCustomer(random, customerId);
    const birthday = demoBirthday(birthdays);
    if (birthday !== undefined) customer.birthday = birthday;

    const primary = pickWeighted(random, categories, popularity);
    const purchases = categoryPurchases(random, primary, firstDay, lastDay);
    if (categories.length > 1 && random.next() < CROSS_SELL_RATE) {
      let second = pickWeighted(random, categories, popularity);
      while (second.id === primary.id) second = pickWeighted(random, categories, popularity);
      purchases.push(...categoryPurchases(random, second, firstDay, lastDay));
    }

    for (const purchase of purchases) {
      purchase.secondOfDay = randomSecondOfDay(random);
      purchase.at = clock.instant(purchase.day, purchase.secondOfDay);
    }
    purchases.sort((a, b) => a.at - b.at);
    const orders = purchases.map(
      (purchase, n): OrderInput => ({
        orderId: `o${number}-${n + 1}`,
        customerId,
        orderedAt: clock.render(purchase.day, purchase.secondOfDay),
        lines: [{ category: purchase.category.id, amount: orderAmount(random, purchase.category.id) }],
      }),
    );
    yield { customer, orders };
  }
}

interface Purchase {
  category: Category;
  /** Calendar day in the merchant's zone (days since 1970-01-01). */
  day: number;
  /** Local wall-clock time of day, and the instant it stands for (epoch ms); set once drawn. */
  secondOfDay: number;
  at: number;
}

/**
 * One customer's purchases in one category. For a customer who returns, the interval is drawn
 * first and the first purchase placed uniformly where the second still falls before today:
 * placing the first purchase first would censor long intervals at the end of the history and
 * pull the observed median below the window.
 */
function categoryPurchases(random: Random, category: Category, firstDay: number, lastDay: number): Purchase[] {
  const interval = purchaseInterval(random, category);
  const returns = random.next() < RETURN_RATE && firstDay + interval <= lastDay;
  if (!returns) return [purchaseOn(category, random.int(firstDay, lastDay))];

  let day = random.int(firstDay, lastDay - interval);
  const purchases = [purchaseOn(category, day), purchaseOn(category, day + interval)];
  day += interval;
  while (random.next() < CONTINUE_RATE) {
    day += purchaseInterval(random, category);
    if (day > lastDay) break;
    purchases.push(purchaseOn(category, day));
  }
  return purchases;
}

function purchaseOn(category: Category, day: number): Purchase {
  return { category, day, secondOfDay: 0, at: 0 };
}

/** Whole days to the next purchase in the same category; the median is the category's window. */
function purchaseInterval(random: Random, category: Category): number {
  return Math.max(1, Math.round(random.logNormal(category.windowDays, INTERVAL_SIGMA)));
}

function demoCustomer(random: Random, customerId: string): CustomerInput {
  const name = random.pick(SURNAMES) + random.pick(GIVEN_NAMES);
  const phoneDraw = random.next();
  const phone =
    phoneDraw < MISSING_PHONE_RATE
      ? undefined
      : phoneDraw < MISSING_PHONE_RATE + INVALID_PHONE_RATE
        ? invalidPhone(random)
        : `+86${random.pick(MOBILE_PREFIXES)}${digits(random, 8)}`;
  const customer: CustomerInput = { customerId, name, smsOptIn: random.next() >= OPT_OUT_RATE };
  if (phone !== undefined) customer.phone = phone;
  if (random.next() < ABROAD_RATE) customer.timeZone = random.pick(ABROAD_TIME_ZONES);
  return customer;
}

/** Numbers a naive pattern accepts but real validation rejects: an unassigned 140 range, or too short. */
/** `MM-DD`, 29 February as often as a real calendar has it (a quarter of the other days' share). */
function demoBirthday(random: Random): string | undefined {
  if (random.next() >= BIRTHDAY_RATE) return undefined;
  for (;;) {
    const month = random.int(1, 12);
    const day = random.int(1, DAYS_IN_MONTH[month - 1] ?? 31);
    if (month === 2 && day === 29 && random.next() >= 0.25) continue;
    return `${pad2(month)}-${pad2(day)}`;
  }
}

function invalidPhone(random: Random): string {
  return random.next() < 0.5 ? `+86140${digits(random, 8)}` : `+86${random.pick(MOBILE_PREFIXES)}${digits(random, 5)}`;
}

function digits(random: Random, count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) text += String(random.int(0, 9));
  return text;
}

/** A shop price in whole yuan ending in 9 (49, 129, 899, ...). */
function orderAmount(random: Random, categoryId: string): number {
  const raw = random.logNormal(MEDIAN_AMOUNT[categoryId] ?? DEFAULT_MEDIAN_AMOUNT, AMOUNT_SIGMA);
  const price = Math.round(raw / 10) * 10 - 1;
  return Math.min(MAX_AMOUNT, Math.max(MIN_AMOUNT, price));
}

function randomSecondOfDay(random: Random): number {
  const hour = pickWeighted(random, SHOP_HOURS, HOUR_WEIGHTS);
  return hour * 3600 + random.int(0, 3599);
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` calendar date. */
function dayNumber(date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const millis = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(millis) || new Date(millis).toISOString().slice(0, 10) !== date) {
    throw new RangeError(`today must be a calendar date as YYYY-MM-DD, got "${date}"`);
  }
  return millis / DAY_MS;
}

interface LocalClock {
  /** The instant (epoch ms) of a local wall-clock time on a calendar day in the zone. */
  instant(day: number, secondOfDay: number): number;
  /** ISO 8601 in local time with the zone's offset, e.g. `2026-03-01T21:05:09+08:00`. */
  render(day: number, secondOfDay: number): string;
}

/**
 * Wall-clock time -> instant in one IANA zone (localToInstant, as the CSV import reads order
 * times), rendered with the offset in force then.
 */
function createLocalClock(timeZone: string): LocalClock {
  const at = (day: number, secondOfDay: number) => localToInstant(day * DAY_MS + secondOfDay * 1000, timeZone);
  return {
    instant: (day, secondOfDay) => at(day, secondOfDay).instant,
    render(day, secondOfDay) {
      const { instant, offsetMinutes } = at(day, secondOfDay);
      const abs = Math.abs(offsetMinutes);
      const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 19);
      return `${local}${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
    },
  };
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
