import * as z from 'zod/mini';
import { isDateTriggered, type CampaignConfig, type Journey } from '../config/schema.ts';
import { addDays, localDate, type CalendarDate } from '../domain/dates.ts';
import { NonEmptyStringSchema } from '../domain/fields.ts';
import { decideCustomer, type Outcome } from '../domain/guardrails.ts';
import { variantOf } from '../domain/hashing.ts';
import { startCycle } from '../domain/journeys.ts';
import { memberOn } from '../domain/members.ts';
import { maskPhone, mobileNumber } from '../domain/phone.ts';
import { smsParts } from '../domain/sms.ts';
import type { CalendarReads, Cursor, CustomerReads, DueIndex, Page } from '../ports/store.ts';
import type { Clock, Pacer, SendJob, Transport } from '../ports/messaging.ts';
import { duePartitions } from './due-index.ts';
import { UnknownJourneyError } from './pipeline.ts';
import { renderStepMessage } from './render.ts';
import type { JourneyState } from '../domain/records.ts';
import { PermanentError } from '../errors.ts';

/**
 * The ad-hoc test campaign (docs/architecture.md#the-test-campaign): real customers' messages for one journey step, rendered
 * as the daily run would render them, shown (dry run) or delivered to test recipients on the
 * config's allowlist, never to the customers. It only reads the store: no ledger item, no cap
 * slot, no journey state moves, and its coupon codes are derived from a test key the shop will
 * never honour for a real send.
 */

const MAX_CUSTOMERS = 50;
const MAX_RECIPIENTS = 10;

/** A number a test message can go to: E.164 and a real mobile range (libphonenumber, not a regex). */
const RecipientSchema = z.string().check(
  z.regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number such as +8613800138000'),
  // ZZ: libphonenumber's unknown region, since the + prefix already carries the country.
  z.refine((value) => mobileNumber(value, 'ZZ').ok, 'not a valid mobile number'),
);

export const TestCampaignInputSchema = z
  .strictObject({
    journey: NonEmptyStringSchema,
    step: NonEmptyStringSchema,
    customers: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.minLength(1), z.maxLength(MAX_CUSTOMERS))),
    sample: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_CUSTOMERS))),
    recipients: z.array(RecipientSchema).check(z.minLength(1), z.maxLength(MAX_RECIPIENTS)),
    dryRun: z._default(z.boolean(), true),
  })
  .check(
    z.refine((input) => (input.customers === undefined) !== (input.sample === undefined), {
      message: 'give exactly one of customers (a list of ids) or sample (a count)',
      path: ['customers'],
    }),
  );
export type TestCampaignInput = z.infer<typeof TestCampaignInputSchema>;

/** A recipient that is not on `testAllowlist`; the message names them masked. */
export class RecipientNotAllowedError extends PermanentError {
  override name = 'RecipientNotAllowedError';

  constructor(readonly refused: readonly string[]) {
    super(`recipients not on the config's testAllowlist: ${refused.join(', ')}; nothing was read or sent`);
  }
}

export class UnknownStepError extends PermanentError {
  override name = 'UnknownStepError';
}

/** Named customers the store does not have, or no customer at all waiting in the journey. */
export class TestCustomersNotFoundError extends PermanentError {
  override name = 'TestCustomersNotFoundError';
}

export interface TestCampaignDeps {
  store: DueIndex & CalendarReads & CustomerReads;
  config: CampaignConfig;
  transport: Transport;
  /** Test messages are real SMS: they count against the same MPS budget. */
  pacer?: Pacer;
  couponSecret: string;
  clock: Clock;
}

/** One customer's message. No phone number: the response goes back to whoever invoked. */
export interface TestMessage {
  customerId: string;
  /** What the daily run would decide for this customer at this step today; never acted on. */
  outcome: Outcome;
  text: string;
  parts: number;
  /** The step's channel, as the customer would get it. */
  channel: 'sms' | 'push';
}

export type TestCampaignResult =
  | { dryRun: true; messages: TestMessage[] }
  | { dryRun: false; delivered: number; messages: TestMessage[]; recipients: string[] };

/** The key test coupon codes derive from: never a ledger key, so the shop never honours one. */
export function testCouponKey(journeyId: string, stepId: string, customerId: string): string {
  return `TEST#${journeyId}#${stepId}#${customerId}`;
}

export async function runTestCampaign(deps: TestCampaignDeps, input: TestCampaignInput): Promise<TestCampaignResult> {
  const { store, config, clock } = deps;
  const recipients = allowedRecipients(config, input.recipients);
  const journey = config.journeys.find((candidate) => candidate.id === input.journey);
  if (!journey) throw new UnknownJourneyError(`journey: unknown journey id ${input.journey} (known: ${config.journeys.map((known) => known.id).join(', ')})`);
  const stepIndex = journey.steps.findIndex((candidate) => candidate.id === input.step);
  const step = journey.steps[stepIndex];
  if (!step) throw new UnknownStepError(`step: journey ${journey.id} has no step ${input.step} (steps: ${journey.steps.map((known) => known.id).join(', ')})`);

  const now = clock.now();
  const today = localDate(now, config.merchantTimeZone);
  const hints = input.customers
    ? new Map<string, JourneyState | undefined>([...new Set(input.customers)].map((id) => [id, undefined]))
    : await sampleCustomers(store, config, journey, stepIndex, input.sample ?? 1, today);
  const customerIds = [...hints.keys()];

  const { profiles, invalid } = await store.getProfiles(customerIds);
  const missing = customerIds.filter((id) => invalid.has(id) || !profiles.has(id));
  if (missing.length > 0) throw new TestCustomersNotFoundError(`customers: no readable profile for ${missing.join(', ')}`);

  const rendered: (TestMessage & { couponCode?: string; couponExpiry?: CalendarDate })[] = [];
  for (const customerId of customerIds) {
    const profile = profiles.get(customerId);
    if (!profile) continue;
    const { journeys } = await store.getCustomerHistory(customerId);
    // A birthday or holiday message is always a new cycle's, as if first due today (an earlier one has expired).
    const stored =
      (isDateTriggered(journey.trigger) ? dateCycleDueOn(journey, customerId, today) : storedState(journeys, journey, stepIndex, hints.get(customerId))) ??
      startCycle(journey, customerId, today, journey.trigger.type === 'category-window' ? { category: config.categories[0]?.id } : {});
    const state = atStep(journey, stored, stepIndex, today);
    const [decision] = decideCustomer(profile, [{ journey, state }], { config, runDate: today, now, backfill: false });
    const message = renderStepMessage(config, deps.couponSecret, {
      step,
      // As the daily run would pick them today: the same tier and the same arm.
      tier: memberOn(config, profile.member, today).tier,
      variant: step.variants ? variantOf(customerId, journey.id, step.id, step.variants) : undefined,
      name: profile.name,
      category: state.category,
      runDate: today,
      couponKey: testCouponKey(journey.id, step.id, customerId),
    });
    rendered.push({ customerId, outcome: decision?.outcome ?? 'skipped:bad-record', channel: step.channel, ...message });
  }
  const messages = rendered.map(({ customerId, outcome, text, parts, channel }): TestMessage => ({ customerId, outcome, text, parts, channel }));
  if (input.dryRun) return { dryRun: true, messages };

  let delivered = 0;
  for (const message of rendered) {
    for (const to of recipients) {
      // Always an SMS to the tester, whatever the step's channel: recipients are phone numbers.
      const job: SendJob = {
        customerId: message.customerId,
        journeyId: journey.id,
        cycle: 'TEST',
        stepId: step.id,
        channel: 'sms',
        to,
        text: message.text,
        parts: smsParts(message.text).parts,
        ...(message.couponCode ? { couponCode: message.couponCode } : {}),
        ...(message.couponExpiry ? { couponExpiry: message.couponExpiry } : {}),
      };
      await deps.pacer?.reserve(job.parts);
      await deps.transport.deliver(job, clock.now());
      delivered++;
    }
  }
  return { dryRun: false, delivered, messages, recipients: recipients.map(maskPhone) };
}

/** The recipients in E.164, each on the allowlist; otherwise refuses them all before any read. */
function allowedRecipients(config: CampaignConfig, recipients: readonly string[]): string[] {
  const e164 = (raw: string) => {
    const parsed = mobileNumber(raw, config.defaultCountry);
    return parsed.ok ? parsed.e164 : undefined;
  };
  const allowed = new Set(config.testAllowlist.map(e164).filter((number) => number !== undefined));
  const refused = recipients.filter((recipient) => !allowed.has(e164(recipient) ?? ''));
  if (refused.length > 0) throw new RecipientNotAllowedError(refused.map(maskPhone));
  return [...new Set(recipients.map((recipient) => e164(recipient) ?? recipient))];
}

/**
 * Up to `count` customers waiting at the step, found through the due index shard by shard with no
 * date cutoff; when nobody waits there, customers waiting at the journey's first step.
 */
async function sampleCustomers(
  store: DueIndex & CalendarReads & CustomerReads,
  config: CampaignConfig,
  journey: Journey,
  stepIndex: number,
  count: number,
  today: CalendarDate,
): Promise<Map<string, JourneyState | undefined>> {
  const waiting = await waitingAt(store, config, journey, stepIndex, count);
  if (waiting.size > 0) return waiting;
  if (isDateTriggered(journey.trigger)) {
    const found = await calendarSample(store, config, journey, count, today);
    if (found.size > 0) return found;
  }
  if (stepIndex > 0) {
    const atFirst = await waitingAt(store, config, journey, 0, count);
    if (atFirst.size > 0) return atFirst;
  }
  const first = journey.steps[0]?.id ?? '?';
  throw new TestCustomersNotFoundError(
    `sample: no customer is waiting at ${journey.id}/${journey.steps[stepIndex]?.id ?? '?'}${stepIndex === 0 ? '' : ` nor at its first step ${first}`}; name customers instead`,
  );
}

/** Customers waiting for the step, due or not: every partition of the step, with no cutoff. */
async function waitingAt(store: DueIndex, config: CampaignConfig, journey: Journey, stepIndex: number, count: number): Promise<Map<string, JourneyState>> {
  const found = new Map<string, JourneyState>();
  for (let shard = 0; shard < config.shards; shard++) {
    const partitions = duePartitions(config, shard).filter((candidate) => candidate.journey.id === journey.id && candidate.stepIndex === stepIndex);
    for (const { partition } of partitions) {
      let cursor: Cursor | undefined;
      do {
        const page = await store.queryDue(partition, NO_CUTOFF, cursor);
        for (const state of page.items) {
          if (state.journeyId !== journey.id || state.stepIndex !== stepIndex || found.has(state.customerId)) continue;
          found.set(state.customerId, state);
          if (found.size >= count) return found;
        }
        cursor = page.next;
      } while (cursor);
    }
  }
  return found;
}

/** Days ahead a birthday sample looks for customers with a birthday (a month of them). */
const BIRTHDAY_SAMPLE_DAYS = 31;

/**
 * For a birthday or holiday journey with nobody waiting: customers the run would read, through
 * the calendar index: birthdays from the one due today on (up to a month ahead), or the customers
 * who ordered within the holiday journey's `lastOrderWithinDays` of today.
 */
async function calendarSample(store: CalendarReads, config: CampaignConfig, journey: Journey, count: number, today: CalendarDate): Promise<Map<string, undefined>> {
  const found = new Map<string, undefined>();
  const take = async (query: (cursor?: Cursor) => Promise<Page<string>>) => {
    let cursor: Cursor | undefined;
    do {
      const page = await query(cursor);
      for (const customerId of page.items) if (found.size < count) found.set(customerId, undefined);
      cursor = found.size < count ? page.next : undefined;
    } while (cursor);
  };
  const { trigger } = journey;
  for (let shard = 0; shard < config.shards && found.size < count; shard++) {
    if (trigger.type === 'holiday') {
      await take((cursor) => store.orderedSince(addDays(today, -(journey.audience?.lastOrderWithinDays ?? 0)), today, shard, cursor));
    } else if (trigger.type === 'birthday') {
      for (let day = 0; day < BIRTHDAY_SAMPLE_DAYS && found.size < count; day++) {
        await take((cursor) => store.birthdaysOn(addDays(today, trigger.daysBefore + day).slice(5), shard, cursor));
      }
    }
  }
  return found;
}

/** A birthday or holiday cycle whose message is first due on `today`. */
function dateCycleDueOn(journey: Journey, customerId: string, today: CalendarDate): JourneyState | undefined {
  if (!isDateTriggered(journey.trigger)) return undefined;
  const anchor = addDays(today, journey.trigger.daysBefore);
  return startCycle(journey, customerId, anchor, { cycle: journey.trigger.type === 'birthday' ? anchor.slice(0, 4) : anchor });
}

/** Later than any date a state can wait from. */
const NO_CUTOFF = '9999-12-31';

/**
 * The customer's state in the journey: the sampled cycle as stored now, else the cycle waiting at
 * the step, else one still waiting for a step, else the latest one.
 */
function storedState(
  journeys: ReadonlyMap<string, JourneyState>,
  journey: Journey,
  stepIndex: number,
  sampled: JourneyState | undefined,
): JourneyState | undefined {
  const states = [...journeys.values()].filter((state) => state.journeyId === journey.id);
  if (sampled) return states.find((state) => state.cycle === sampled.cycle) ?? sampled;
  const rank = (state: JourneyState) => (state.stepIndex === stepIndex ? 2 : state.stepIndex < journey.steps.length ? 1 : 0);
  return states.sort((a, b) => rank(b) - rank(a) || b.anchorDate.localeCompare(a.anchorDate) || a.cycle.localeCompare(b.cycle))[0];
}

/** The state as if it had reached the step today: what the guardrails would judge. */
function atStep(journey: Journey, state: JourneyState, stepIndex: number, today: CalendarDate): JourneyState {
  if (state.stepIndex === stepIndex) return state;
  const { dormant: _dormant, ...rest } = state;
  const fromDate = journey.steps[stepIndex]?.after.from === 'previous-step' ? today : state.anchorDate;
  return { ...rest, stepIndex, fromDate };
}
