import type { CampaignConfig } from '../config/schema.ts';
import { addDays, localDate, zonedInstant, type CalendarDate } from '../domain/dates.ts';
import type { OrderInput } from '../domain/model.ts';
import type { SendJob, SendQueue, Transport } from '../ports/messaging.ts';
import type { CustomerImport } from '../ports/store.ts';
import { deliverMessage, type DeliverDeps } from './deliver.ts';
import { importOrders, type ImportOrdersDeps, type ImportRow } from './import.ts';
import { runDay, type RunDayDeps } from './run-day.ts';

/*
 * `recall simulate` (docs/architecture.md#simulation): the shop's own order history replayed day by
 * day through the real record-order and daily-run use cases, in a scratch store that starts with
 * the customers only. Nothing is sent: messages are recorded.
 */

/**
 * The ports a replay uses, exactly: the import's, the daily run's and the sender's, and the
 * customer import that fills the scratch store first (lib/adapters/memory/store.ts holds them in memory).
 */
export type SimulationStore = ImportOrdersDeps['store'] & RunDayDeps['store'] & DeliverDeps['store'] & CustomerImport;

export interface SimulatedMessage {
  runDate: CalendarDate;
  customerId: string;
  journeyId: string;
  stepId: string;
  channel: 'sms' | 'push';
  parts: number;
  couponValue: number;
}

export interface StepSimulation {
  journeyId: string;
  stepId: string;
  messages: number;
  smsParts: number;
  /** In the shop's currency. */
  smsCost: number;
  coupons: number;
  couponValue: number;
  /**
   * Of the messaged customers, those who ordered within `attributionDays` after the message in the
   * real history anyway (the config's message would have cost money for an order that came).
   */
  boughtAnyway: number;
  /** Messaged customers whom the shop really messaged in that time: their orders are counted apart. */
  reallyMessaged: number;
}

export interface Simulation {
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  ordersReplayed: number;
  currency: string;
  steps: StepSimulation[];
  totals: Omit<StepSimulation, 'journeyId' | 'stepId'>;
  messages: SimulatedMessage[];
}

export interface SimulationInput {
  /** A fresh store holding the customers and nothing else: the replay's scratch store, never the real one. */
  scratch: SimulationStore;
  config: CampaignConfig;
  couponSecret: string;
  /** Every accepted order of the history, any order. */
  orders: readonly OrderInput[];
  from: CalendarDate;
  to: CalendarDate;
  /** True when the shop really messaged the customer on a day from `from` to `to` (its real store's ledger). */
  reallyMessaged?: (customerId: string, from: CalendarDate, to: CalendarDate) => boolean;
  onDay?: (day: CalendarDate) => void;
}

/** Records each message instead of sending it. */
class RecordingTransport implements Transport {
  readonly jobs: SendJob[] = [];

  deliver(job: SendJob): Promise<void> {
    this.jobs.push(job);
    return Promise.resolve();
  }
}

/** Delivers each claimed message on the spot, through the sender's own use case, to the recording transport. */
function deliveringQueue(store: SimulationStore, transport: RecordingTransport, moment: Date): SendQueue {
  return {
    async enqueue(jobs) {
      for (const job of jobs) await deliverMessage({ store, transport, clock: { now: () => moment } }, job);
    },
  };
}

/**
 * Replays `orders` from `from` to `to`: each day, the orders placed before that day's run time are
 * recorded as a daily import would (as of the run), then the day's run decides and "sends".
 */
export async function simulate(input: SimulationInput): Promise<Simulation> {
  const { config, scratch } = input;
  const sorted = [...input.orders].sort((a, b) => Date.parse(a.orderedAt) - Date.parse(b.orderedAt));
  const messages: SimulatedMessage[] = [];
  let next = 0;
  let days = 0;
  for (let day = input.from; day <= input.to; day = addDays(day, 1)) {
    const moment = zonedInstant(day, config.runTime, config.merchantTimeZone);
    const start = next;
    while (next < sorted.length && Date.parse(sorted[next]?.orderedAt ?? '') < moment.getTime()) next++;
    if (next > start) await importOrders({ store: scratch, config, couponSecret: input.couponSecret, clock: { now: () => moment } }, rowsOf(sorted.slice(start, next)), moment);
    const transport = new RecordingTransport();
    await runDay({ store: scratch, config, sendQueue: deliveringQueue(scratch, transport, moment), couponSecret: input.couponSecret }, { runDate: day, now: moment, dryRun: false, backfill: false });
    for (const job of transport.jobs) messages.push(messageOf(config, day, job));
    days++;
    input.onDay?.(day);
  }
  return summarizeSimulation(config, input, messages, days, next);
}

async function* rowsOf(orders: readonly OrderInput[]): AsyncGenerator<ImportRow<OrderInput>> {
  for (const [index, order] of orders.entries()) yield { ok: true, line: index + 1, value: order };
}

function messageOf(config: CampaignConfig, runDate: CalendarDate, job: SendJob): SimulatedMessage {
  const step = config.journeys.find((journey) => journey.id === job.journeyId)?.steps.find((candidate) => candidate.id === job.stepId);
  return { runDate, customerId: job.customerId, journeyId: job.journeyId, stepId: job.stepId, channel: job.channel, parts: job.parts, couponValue: job.couponCode ? (step?.coupon?.value ?? 0) : 0 };
}

function summarizeSimulation(config: CampaignConfig, input: SimulationInput, messages: SimulatedMessage[], days: number, ordersReplayed: number): Simulation {
  const orderDays = new Map<string, CalendarDate[]>();
  for (const order of input.orders) {
    const list = orderDays.get(order.customerId) ?? [];
    list.push(localDate(new Date(order.orderedAt), config.merchantTimeZone));
    orderDays.set(order.customerId, list);
  }
  const perPart = config.sms.pricePerPartUsd * config.currency.perUsd;
  const steps = new Map<string, StepSimulation>();
  for (const message of messages) {
    const key = `${message.journeyId}\u0000${message.stepId}`;
    const step = steps.get(key) ?? { journeyId: message.journeyId, stepId: message.stepId, messages: 0, smsParts: 0, smsCost: 0, coupons: 0, couponValue: 0, boughtAnyway: 0, reallyMessaged: 0 };
    step.messages++;
    if (message.channel === 'sms') step.smsParts += message.parts;
    if (message.couponValue > 0) {
      step.coupons++;
      step.couponValue += message.couponValue;
    }
    const until = addDays(message.runDate, config.attributionDays);
    const bought = (orderDays.get(message.customerId) ?? []).some((date) => date > message.runDate && date <= until);
    if (bought) {
      if (input.reallyMessaged?.(message.customerId, addDays(message.runDate, -config.attributionDays), until)) step.reallyMessaged++;
      else step.boughtAnyway++;
    }
    steps.set(key, step);
  }
  const list = [...steps.values()].map((step) => ({ ...step, smsCost: Math.round(step.smsParts * perPart * 100) / 100 }));
  const sum = (pick: (step: StepSimulation) => number) => list.reduce((total, step) => total + pick(step), 0);
  return {
    from: input.from,
    to: input.to,
    days,
    ordersReplayed,
    currency: config.currency.code,
    steps: list.sort((a, b) => a.journeyId.localeCompare(b.journeyId) || a.stepId.localeCompare(b.stepId)),
    totals: {
      messages: sum((step) => step.messages),
      smsParts: sum((step) => step.smsParts),
      smsCost: Math.round(sum((step) => step.smsCost) * 100) / 100,
      coupons: sum((step) => step.coupons),
      couponValue: sum((step) => step.couponValue),
      boughtAnyway: sum((step) => step.boughtAnyway),
      reallyMessaged: sum((step) => step.reallyMessaged),
    },
    messages,
  };
}
