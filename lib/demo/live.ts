import type { CampaignConfig } from '../config/schema.ts';
import { addDays, localDate, zonedInstant, type CalendarDate } from '../domain/dates.ts';
import type { OrderInput } from '../domain/model.ts';
import type { OrderHistory, Replies } from '../ports/store.ts';
import type { RunDayDeps } from '../usecases/run-day.ts';
import type { SendJob, SendQueue } from '../ports/messaging.ts';
import { recordOrder } from '../usecases/record-order.ts';
import { recordReply } from '../usecases/record-reply.ts';
import { runDay, type RunSummary } from '../usecases/run-day.ts';
import { createRandom } from './random.ts';
import type { DemoCustomer } from './shop.ts';

/**
 * The demo shop's last weeks, lived day by day instead of seeded at once: each morning the daily
 * run, each day the shop's orders through record-order. Some messaged customers answer with an
 * order (a few with the coupon code); held-out customers only buy as they would have anyway, so
 * the report has real conversions, redemptions and a lift to measure.
 */

/** Chance that a customer answers a message with an order within the attribution window. */
const ANSWER_RATE = { coupon: 0.07, plain: 0.03 } as const;
/** Of the answers to a coupon message, the share that use the code. */
const USES_CODE = 0.6;
const ORDER_CONCURRENCY = 16;
/** Chance that an SMS recipient replies with the opt-out keyword the afternoon after. */
const OPT_OUT_RATE = 0.004;
/** Chance that the recipient of a survey step answers it. */
const SURVEY_ANSWER_RATE = 0.25;

export interface LiveDeps {
  store: RunDayDeps['store'] & OrderHistory & Replies;
  config: CampaignConfig;
  sendQueue: SendQueue;
  couponSecret: string;
}

export interface LiveShop {
  /** Each customer with only the orders before the first lived day: what gets seeded. */
  seed: Iterable<DemoCustomer>;
  /** Calls `live.add` with the rest as the seed is consumed. */
  live: LiveOrders;
}

/** Orders of the lived days, by merchant date. */
export class LiveOrders {
  readonly byDate = new Map<CalendarDate, OrderInput[]>();
  /** Each customer's latest category before the lived days: what an answer to a message buys. */
  readonly category = new Map<string, string>();

  add(date: CalendarDate, order: OrderInput): void {
    const list = this.byDate.get(date) ?? [];
    list.push(order);
    this.byDate.set(date, list);
  }
}

/** Splits a generated shop at `firstLiveDay`: history before it is seeded, the rest is lived. */
export function splitShop(shop: Iterable<DemoCustomer>, firstLiveDay: CalendarDate, timeZone: string): LiveShop {
  const live = new LiveOrders();
  // An order before the start of the day ahead of the first lived day is seeded without its
  // merchant date (zoned dates are most of the split's work, and nearly every order is that old).
  const surelyBefore = zonedInstant(addDays(firstLiveDay, -1), '00:00', timeZone).getTime();
  function* seed(): Generator<DemoCustomer> {
    for (const { customer, orders } of shop) {
      const before: OrderInput[] = [];
      let category = orders[0]?.lines[0]?.category;
      for (const order of orders) {
        const at = Date.parse(order.orderedAt);
        const date = at < surelyBefore ? undefined : localDate(new Date(at), timeZone);
        if (date !== undefined && date >= firstLiveDay) {
          live.add(date, order);
          continue;
        }
        before.push(order);
        category = order.lines[0]?.category ?? category;
      }
      if (category) live.category.set(customer.customerId, category);
      yield { customer, orders: before };
    }
  }
  return { seed: seed(), live };
}

/** Wraps the send queue to see what was delivered (the customers who may answer). */
class WatchedQueue implements SendQueue {
  delivered: SendJob[] = [];
  constructor(private readonly inner: SendQueue) {}
  async enqueue(jobs: readonly SendJob[]): Promise<void> {
    await this.inner.enqueue(jobs);
    this.delivered.push(...jobs);
  }
}

export interface LivedDay {
  date: CalendarDate;
  run: RunSummary;
  orders: number;
  answers: number;
  /** Replies: opt-out keywords and survey answers. */
  optOuts: number;
  surveyAnswers: number;
}

/**
 * Lives the days from `from` to the day before `today`: the daily run, then the day's orders
 * (the shop's own and the answers to messages) through record-order, in time order.
 */
export async function liveDays(deps: LiveDeps, live: LiveOrders, from: CalendarDate, today: CalendarDate, seed: number, onDay: (day: LivedDay) => void = () => {}): Promise<LivedDay[]> {
  const { config } = deps;
  const random = createRandom(seed ^ 0x5eed);
  // Replies draw from their own sequence, so the orders stay those of a shop without them.
  const replies = createRandom(seed ^ 0x4e91);
  const days: LivedDay[] = [];
  let answerCount = 0;
  for (let date = from; date < today; date = addDays(date, 1)) {
    const queue = new WatchedQueue(deps.sendQueue);
    const run = await runDay({ ...deps, sendQueue: queue }, { runDate: date, now: zonedInstant(date, config.runTime, config.merchantTimeZone), dryRun: false, backfill: false });
    let answers = 0;
    for (const job of queue.delivered) {
      const step = config.journeys.find((journey) => journey.id === job.journeyId)?.steps.find((candidate) => candidate.id === job.stepId);
      if (random.next() >= (step?.coupon ? ANSWER_RATE.coupon : ANSWER_RATE.plain)) continue;
      // An answer comes within the attribution window, after the morning's message.
      const day = addDays(date, random.int(0, Math.max(0, config.attributionDays - 1)));
      if (day >= today) continue;
      const usesCode = step?.coupon !== undefined && job.couponCode !== undefined && random.next() < USES_CODE;
      const amount = Math.max(usesCode ? (step?.coupon?.minSpend ?? 0) + 9 : 49, Math.round(random.logNormal(179, 0.4) / 10) * 10 - 1);
      const hour = String(random.int(12, 22)).padStart(2, '0');
      const minute = String(random.int(0, 59)).padStart(2, '0');
      live.add(day, {
        orderId: `a${++answerCount}-${job.customerId}`,
        customerId: job.customerId,
        orderedAt: zonedInstant(day, `${hour}:${minute}`, config.merchantTimeZone).toISOString(),
        lines: [{ category: live.category.get(job.customerId) ?? config.categories[0]?.id ?? 'unknown', amount }],
        ...(usesCode ? { couponCode: job.couponCode } : {}),
      });
      answers++;
    }
    const replied = await reply(deps, queue.delivered, date, replies);
    const orders = [...(live.byDate.get(date) ?? [])].sort((a, b) => Date.parse(a.orderedAt) - Date.parse(b.orderedAt));
    const clock = { now: () => zonedInstant(date, '23:59', config.merchantTimeZone) };
    // Customers in parallel, each customer's orders in time order (as the import does).
    const byCustomer = new Map<string, OrderInput[]>();
    for (const order of orders) byCustomer.set(order.customerId, [...(byCustomer.get(order.customerId) ?? []), order]);
    const queues = [...byCustomer.values()];
    await Promise.all(
      Array.from({ length: Math.min(ORDER_CONCURRENCY, queues.length) }, async () => {
        for (let next = queues.pop(); next; next = queues.pop()) for (const order of next) await recordOrder({ ...deps, clock }, order);
      }),
    );
    const day = { date, run, orders: orders.length, answers, ...replied };
    days.push(day);
    onDay(day);
  }
  return days;
}

/** The afternoon's replies to the morning's SMS: a few opt-outs, and answers to survey steps. */
async function reply(deps: LiveDeps, delivered: readonly SendJob[], date: CalendarDate, random: ReturnType<typeof createRandom>): Promise<{ optOuts: number; surveyAnswers: number }> {
  const { config } = deps;
  let optOuts = 0;
  let surveyAnswers = 0;
  const receivedAt = zonedInstant(date, '15:00', config.merchantTimeZone).toISOString();
  for (const job of delivered) {
    if (job.channel !== 'sms') continue;
    const keys = Object.keys(config.journeys.find((journey) => journey.id === job.journeyId)?.steps.find((step) => step.id === job.stepId)?.replies ?? {});
    const inboundId = `demo-${date}-${job.customerId}-${job.stepId}`;
    if (random.next() < OPT_OUT_RATE) {
      await recordReply(deps, { phone: job.to, text: config.sms.optOutKeywords[0] ?? 'R', receivedAt, inboundId });
      optOuts++;
    } else if (keys.length > 0 && random.next() < SURVEY_ANSWER_RATE) {
      await recordReply(deps, { phone: job.to, text: keys[random.int(0, keys.length - 1)] ?? '', receivedAt, inboundId });
      surveyAnswers++;
    }
  }
  return { optOuts, surveyAnswers };
}
