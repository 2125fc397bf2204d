import type { CampaignConfig, Journey, Step } from '../config/schema.ts';
import { dateReadsOn } from '../domain/calendar.ts';
import { addDays, laterDate, type CalendarDate } from '../domain/dates.ts';
import { advance, afterStale, dueCutoff, dueDate, isFinished, isStale } from '../domain/journeys.ts';
import type { JourneyState } from '../domain/records.ts';
import type { Report } from '../domain/report.ts';
import type { CalendarReads, Cursor, DueIndex } from '../ports/store.ts';
import { dateReadCustomers } from './calendar-reads.ts';
import { duePartitions } from './due-index.ts';
import { renderStepMessage } from './render.ts';

/*
 * `recall forecast` (docs/architecture.md#forecast): what the coming days' runs will decide, read
 * from the due index and, for birthday and holiday messages first due on a day, the calendar
 * index (queries up to the horizon, never a Scan), and rated by what recent runs did.
 */

export interface StepForecast {
  day: CalendarDate;
  journeyId: string;
  stepId: string;
  /** Customers due that day at this step (the first day also holds the backlog), birthday and holiday messages first due that day included. */
  candidates: number;
  /** candidates x the step's recent share of candidates sent (skips and the holdout taken out). */
  expectedMessages: number;
  smsParts: number;
  /** In the shop's currency. */
  smsCost: number;
  /** Face value of the coupons the expected messages carry. */
  couponValue: number;
}

export interface Forecast {
  from: CalendarDate;
  to: CalendarDate;
  currency: string;
  /** Per step: the share of candidates sent and the parts per message it is rated with, and where each came from. */
  rates: { journeyId: string; stepId: string; sendRate: number; partsPerMessage: number; basis: 'recent runs' | 'config' }[];
  days: StepForecast[];
  totals: { candidates: number; expectedMessages: number; smsParts: number; smsCost: number; couponValue: number };
}

/** Below this many recent candidates a step is rated from the config (the holdout alone). */
const MIN_RECENT_CANDIDATES = 20;

/** Every waiting state the index holds due up to `to`, by the partitions `config` reads. */
async function waitingStates(store: DueIndex, config: CampaignConfig, to: CalendarDate): Promise<{ journey: Journey; state: JourneyState }[]> {
  const found: { journey: Journey; state: JourneyState }[] = [];
  for (let shard = 0; shard < config.shards; shard++) {
    for (const { journey, stepIndex, category, partition } of duePartitions(config, shard)) {
      const cutoff = dueCutoff(config, journey, stepIndex, to, category);
      let cursor: Cursor | undefined;
      do {
        const page = await store.queryDue(partition, cutoff, cursor);
        for (const state of page.items) found.push({ journey, state });
        cursor = page.next;
      } while (cursor);
    }
  }
  return found;
}

/**
 * The coming runs from `from` to `to`: each waiting state is walked through its steps as the runs
 * would (due on its date, the backlog on the first day, a stale step ending or skipping as it
 * would), with no new orders, and each candidate rated by its step's recent send rate.
 */
export async function forecastRuns(deps: { store: DueIndex & CalendarReads; config: CampaignConfig }, recent: Report | undefined, from: CalendarDate, to: CalendarDate): Promise<Forecast> {
  const { config } = deps;
  const rates = rateSteps(config, recent, from);
  const cells = new Map<string, StepForecast>();
  const cell = (day: CalendarDate, journeyId: string, stepId: string) => {
    const key = `${day}\u0000${journeyId}\u0000${stepId}`;
    let found = cells.get(key);
    if (!found) {
      found = { day, journeyId, stepId, candidates: 0, expectedMessages: 0, smsParts: 0, smsCost: 0, couponValue: 0 };
      cells.set(key, found);
    }
    return found;
  };
  /** One candidate the run of `day` decides at `step`, rated by the step's recent send rate. */
  const rateCandidate = (day: CalendarDate, journey: Journey, step: Step) => {
    const rate = rates.get(`${journey.id}\u0000${step.id}`);
    const forecast = cell(day, journey.id, step.id);
    forecast.candidates++;
    const messages = rate?.sendRate ?? 0;
    forecast.expectedMessages += messages;
    if (step.channel === 'sms') forecast.smsParts += messages * (rate?.partsPerMessage ?? 1);
    if (step.coupon) forecast.couponValue += messages * step.coupon.value;
  };
  // The cycles waiting in the due index: a birthday or holiday cycle deferred earlier is not found fresh again.
  const waitingCycles = new Set<string>();
  for (const { journey, state: waiting } of await waitingStates(deps.store, config, to)) {
    waitingCycles.add(cycleKey(waiting.customerId, journey.id, waiting.cycle));
    let state = waiting;
    while (!isFinished(journey, state) && dueDate(config, journey, state) <= to) {
      const runDate = laterDate(dueDate(config, journey, state), from);
      const step = journey.steps[state.stepIndex];
      if (!step) break;
      if (isStale(config, journey, state, runDate)) {
        cell(runDate, journey.id, step.id).candidates++;
        state = afterStale(config, journey, state, runDate);
        continue;
      }
      rateCandidate(runDate, journey, step);
      state = advance(journey, state, runDate);
    }
  }
  // Birthday and holiday messages first due on each day: found by the run of that day through the
  // calendar index, not in the due index (docs/architecture.md#birthdays-and-holidays). For a future
  // day a holiday's audience is read from today's last orders: the set if nobody orders before then
  // (the forecast's assumption), missing a customer whose order in between would bring them in.
  for (let day = from; day <= to; day = addDays(day, 1)) {
    for (const read of dateReadsOn(config, day)) {
      const step = read.journey.steps[0];
      if (!step) continue;
      for (let shard = 0; shard < config.shards; shard++) {
        for (const customerId of await dateReadCustomers(deps.store, read, shard, day)) {
          if (waitingCycles.has(cycleKey(customerId, read.journey.id, read.cycle))) continue;
          rateCandidate(day, read.journey, step);
        }
      }
    }
  }
  const perPart = config.sms.pricePerPartUsd * config.currency.perUsd;
  const days = [...cells.values()]
    .map((forecast) => ({ ...forecast, expectedMessages: round(forecast.expectedMessages), smsParts: round(forecast.smsParts), smsCost: round(forecast.smsParts * perPart), couponValue: round(forecast.couponValue) }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.journeyId.localeCompare(b.journeyId) || a.stepId.localeCompare(b.stepId));
  const sum = (pick: (forecast: StepForecast) => number) => round(days.reduce((total, forecast) => total + pick(forecast), 0));
  return {
    from,
    to,
    currency: config.currency.code,
    rates: [...rates.values()],
    days,
    totals: { candidates: sum((f) => f.candidates), expectedMessages: sum((f) => f.expectedMessages), smsParts: sum((f) => f.smsParts), smsCost: sum((f) => f.smsCost), couponValue: sum((f) => f.couponValue) },
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

const cycleKey = (customerId: string, journeyId: string, cycle: string) => `${customerId}\u0000${journeyId}\u0000${cycle}`;

/**
 * Each enabled step's share of candidates sent and parts per message: from the recent report when
 * the step had enough candidates, else the config's (everyone but the holdout, the rendered
 * template's parts with the longest category name).
 */
function rateSteps(config: CampaignConfig, recent: Report | undefined, day: CalendarDate): Map<string, Forecast['rates'][number]> {
  const rates = new Map<string, Forecast['rates'][number]>();
  const longestCategory = [...config.categories].sort((a, b) => b.name.length - a.name.length)[0]?.id;
  for (const journey of config.journeys) {
    if (!journey.enabled) continue;
    for (const step of journey.steps) {
      const seen = recent?.byJourney[journey.id]?.steps[step.id];
      const rendered = renderStepMessage(config, 'forecast', { step, tier: config.tiers[0], variant: undefined, name: '', category: journey.trigger.type === 'category-window' ? longestCategory : undefined, runDate: day, couponKey: 'forecast' }).parts;
      const fromRecent = seen !== undefined && seen.candidates >= MIN_RECENT_CANDIDATES;
      rates.set(`${journey.id}\u0000${step.id}`, {
        journeyId: journey.id,
        stepId: step.id,
        sendRate: fromRecent ? seen.sent / seen.candidates : 1 - config.holdoutPercent / 100,
        partsPerMessage: fromRecent && seen.sent > 0 && seen.smsParts > 0 ? seen.smsParts / seen.sent : rendered,
        basis: fromRecent ? 'recent runs' : 'config',
      });
    }
  }
  return rates;
}
