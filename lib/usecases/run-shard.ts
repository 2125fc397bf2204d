import type { CampaignConfig, Journey } from '../config/schema.ts';
import { addDays, type CalendarDate } from '../domain/dates.ts';
import { decideCustomer, type Candidate, type Decision, type Outcome } from '../domain/guardrails.ts';
import { personKey, variantOf } from '../domain/hashing.ts';
import { memberOn } from '../domain/members.ts';
import { MESSAGE_MOVES } from '../domain/message-state.ts';
import { advance, afterStale, dueCutoff, isFinished, ledgerKey, startCycle } from '../domain/journeys.ts';
import { dateReadsOn } from '../domain/calendar.ts';
import type { CalendarReads, Cursor, Decisions, DueIndex } from '../ports/store.ts';
import type { SendJob, SendQueue } from '../ports/messaging.ts';
import { CorruptItemError } from '../domain/records.ts';
import { dateReadCustomers } from './calendar-reads.ts';
import { duePartitions, dueSlot, scopeOf } from './due-index.ts';
import { renderStepMessage } from './render.ts';
import { RunTally } from './run-tally.ts';
import type { JourneyState, Profile, ShardPart } from '../domain/records.ts';

export interface RunDeps {
  store: DueIndex & CalendarReads & Decisions;
  sendQueue: SendQueue;
  config: CampaignConfig;
  /** The stored version `config` is (docs/architecture.md#config-versions); absent for a config file: an experiment. */
  configVersion?: number;
  couponSecret: string;
}

export interface RunOptions {
  runDate: CalendarDate;
  /** The instant messages would go out (quiet hours are judged on it). */
  now: Date;
  dryRun: boolean;
  backfill: boolean;
  /** Called with every decision (the `--decisions` audit trail). */
  onDecision?: (record: DecisionRecord) => void;
}

export interface DecisionRecord {
  customerId: string;
  journey: string;
  step: string;
  outcome: Outcome;
}

export interface ShardJob {
  shard: number;
  /** Resume after this customer id (a job that re-enqueued itself before its timeout). */
  afterCustomer?: string;
  /** `--backfill`: this shard's dormant cycles, found by the backfill scan. */
  dormant?: readonly JourneyState[];
}

/** A shard job's counts as stored after a batch: the part without its shard. */
export type ShardCounts = Omit<ShardPart, 'shard'>;

/**
 * Where a shard job keeps its counts as it goes (docs/architecture.md#counting-a-run): stored after
 * each batch is decided and handed to the sender, before its steps move on, so a delivery of the
 * job after one that died finds every decision either still due or in the stored counts.
 */
export interface ShardCheckpoints {
  /** The counts an earlier delivery of this job stored: the decisions through `countedThrough` are in them. */
  resumed?: ShardCounts;
  save(counts: ShardCounts): Promise<void>;
}

export interface ShardResult {
  tally: RunTally;
  /** Set when the job stopped early: enqueue a continuation from this customer. */
  resumeAfter?: string;
}

const PROFILE_BATCH = 100;

/**
 * One job of the daily run: every due partition of one shard, so all candidates of a customer
 * meet here and priority and the one-per-run cap need no coordination with other jobs.
 */
export async function runShard(
  deps: RunDeps,
  job: ShardJob,
  options: RunOptions,
  shouldYield: () => boolean = () => false,
  checkpoints?: ShardCheckpoints,
): Promise<ShardResult> {
  const { store, config } = deps;
  const resumed = checkpoints?.resumed;
  const tally = resumed ? RunTally.fromSnapshot(resumed.tally) : new RunTally();
  // The index's invalid items are in resumed counts already; so is every decision through `countedThrough`.
  const countsIndex = resumed === undefined;
  let countedThrough = resumed?.countedThrough ?? '';
  let batches = resumed?.batches ?? 0;
  let countedAny = false;
  const saveCounts = async (final: boolean) => {
    // A delivery after one that stored the shard's end, with nothing new to count, writes nothing.
    if (resumed?.final && !countedAny) return;
    batches += 1;
    await checkpoints?.save({ final, tally: tally.snapshot(), batches, countedThrough });
  };
  const byCustomer = new Map<string, Candidate[]>();
  for (const partition of duePartitions(config, job.shard)) {
    const cutoff = dueCutoff(config, partition.journey, partition.stepIndex, options.runDate, partition.category);
    let cursor: Cursor | undefined;
    do {
      const page = await store.queryDue(partition.partition, cutoff, cursor);
      if (countsIndex) tally.invalidItems += page.invalid;
      for (const state of page.items) {
        if (state.journeyId !== partition.journey.id || state.stepIndex !== partition.stepIndex) {
          if (countsIndex) tally.invalidItems++;
          continue;
        }
        if (job.afterCustomer !== undefined && state.customerId <= job.afterCustomer) continue;
        const list = byCustomer.get(state.customerId) ?? [];
        list.push({ journey: partition.journey, state });
        byCustomer.set(state.customerId, list);
      }
      cursor = page.next;
    } while (cursor);
  }

  for (const state of job.dormant ?? []) {
    const journey = config.journeys.find((candidate) => candidate.id === state.journeyId);
    if (!journey || (job.afterCustomer !== undefined && state.customerId <= job.afterCustomer)) continue;
    const list = byCustomer.get(state.customerId) ?? [];
    // A dormant recency cycle may also be waiting, due, in the index: one candidate per cycle.
    if (list.some((candidate) => candidate.journey.id === journey.id && candidate.state.cycle === state.cycle)) continue;
    list.push({ journey, state });
    byCustomer.set(state.customerId, list);
  }

  // Birthday and holiday messages first due today: new cycles, found through the calendar index.
  const fresh = new Set<JourneyState>();
  for (const read of dateReadsOn(config, options.runDate)) {
    for (const customerId of await dateReadCustomers(store, read, job.shard, options.runDate)) {
      if (job.afterCustomer !== undefined && customerId <= job.afterCustomer) continue;
      const list = byCustomer.get(customerId) ?? [];
      // Deferred on an earlier run today, it waits in the due index already: one candidate per cycle.
      if (list.some((candidate) => candidate.journey.id === read.journey.id && candidate.state.cycle === read.cycle)) continue;
      const state = startCycle(read.journey, customerId, read.anchorDate, { cycle: read.cycle });
      fresh.add(state);
      list.push({ journey: read.journey, state });
      byCustomer.set(customerId, list);
    }
  }

  const customerIds = [...byCustomer.keys()].sort();
  for (let i = 0; i < customerIds.length; i += PROFILE_BATCH) {
    const batch = customerIds.slice(i, i + PROFILE_BATCH);
    const { profiles, invalid } = await store.getProfiles(batch);
    const handOff = new HandOff(checkpoints !== undefined);
    await Promise.all(
      batch.map(async (customerId) => {
        const candidates = byCustomer.get(customerId) ?? [];
        // Decided again after a delivery that died, and counted already: applied, not counted.
        const counts = customerId > countedThrough;
        if (counts) {
          tally.evaluated++;
          countedAny = true;
        }
        if (invalid.has(customerId)) {
          for (const { journey, state } of candidates) {
            if (counts) record(tally, options, customerId, journey, journey.steps[state.stepIndex]?.id ?? '?', 'skipped:bad-record');
          }
          return;
        }
        const profile = profiles.get(customerId);
        const decisions = decideCustomer(profile, candidates, { config, runDate: options.runDate, now: options.now, backfill: options.backfill });
        for (const decision of decisions) {
          const outcome = options.dryRun ? decision.outcome : await applyDecision(deps, options, profile, decision, handOff, fresh.has(decision.stored)).catch(badRecord);
          // A birthday or holiday message an earlier run of the day decided is found again: not counted twice.
          if (counts && outcome !== DECIDED_BEFORE) record(tally, options, customerId, decision.journey, decision.step.id, outcome);
        }
      }),
    );
    const last = batch[batch.length - 1] ?? countedThrough;
    if (last > countedThrough) countedThrough = last;
    const more = i + PROFILE_BATCH < customerIds.length;
    const yields = more && shouldYield();
    await handOff.complete(deps.sendQueue, () => saveCounts(!more));
    if (yields) return { tally, resumeAfter: last };
  }
  if (customerIds.length === 0) await saveCounts(true);
  return { tally };
}

/**
 * The messages of one batch of customers, handed to the send queue together (SQS takes 10 a
 * request; locally the inline sender still delivers at most LOCAL_DELIVERIES_IN_FLIGHT at once),
 * then the batch's counts stored, and only then every decision's move to the next step: a crash
 * before the enqueue leaves cap slots held for messages that the next run finds due and hands over
 * again, and a crash before the counts leaves every decision of the batch due, to be decided (and
 * counted) again. A local run stores no counts (its summary is its own), so its decisions not to
 * send move on at once, beside the batch's other writes.
 */
class HandOff {
  private readonly jobs: SendJob[] = [];
  private readonly moves: (() => Promise<void>)[] = [];

  /** `movesWaitForCounts`: the job stores counts (a shard job); a local run has none to wait for. */
  constructor(private readonly movesWaitForCounts: boolean) {}

  /** A message for the sender, and its step's move once it is handed over. */
  add(job: SendJob, move: () => Promise<void>): void {
    this.jobs.push(job);
    this.moves.push(move);
  }

  /** A decision not to send: its step moves on with the batch's when the counts come first, else at once. */
  async moveAfterCounts(move: () => Promise<void>): Promise<void> {
    if (this.movesWaitForCounts) this.moves.push(move);
    else await move();
  }

  async complete(queue: SendQueue, storeCounts: () => Promise<void>): Promise<void> {
    if (this.jobs.length > 0) await queue.enqueue(this.jobs);
    await storeCounts();
    await Promise.all(this.moves.map((move) => move()));
  }
}

/** One customer's corrupt item (a ledger entry that does not parse) is a counted skip. */
function badRecord(error: unknown): Outcome {
  if (error instanceof CorruptItemError) return 'skipped:bad-record';
  throw error;
}

function record(tally: RunTally, options: RunOptions, customerId: string, journey: Journey, step: string, outcome: Outcome): void {
  tally.add(journey.id, step, outcome);
  options.onDecision?.({ customerId, journey: journey.id, step, outcome });
}

/** A fresh birthday or holiday cycle whose claim an earlier run of the day already made: nothing to count. */
const DECIDED_BEFORE = 'decided-before';

/**
 * Records one decision, each write conditional so that a re-run, a redelivered job or a racing
 * job changes nothing. A decision not to send is claimed in the ledger (one item per customer,
 * journey, cycle and step), then the step moves on. A message takes the customer's and the
 * person's cap slots (the customer's names it: its claim), goes to the sender with the batch's
 * others, and last the step moves on; the sender writes its ledger item.
 */
async function applyDecision(
  deps: RunDeps,
  options: RunOptions,
  profile: Profile | undefined,
  decision: Decision,
  handOff: HandOff,
  fresh: boolean,
): Promise<Outcome | typeof DECIDED_BEFORE> {
  const { store, config } = deps;
  const { journey, state, step } = decision;
  // The tier on the run's date and the arm go on every claim, held-out ones too: each variant's control.
  const tier = memberOn(config, profile?.member, options.runDate).tier;
  const variant = step.variants ? variantOf(state.customerId, journey.id, step.id, step.variants) : undefined;
  const base = {
    customerId: state.customerId,
    journeyId: journey.id,
    cycle: state.cycle,
    stepId: step.id,
    runDate: options.runDate,
    ...(tier ? { tier: tier.id } : {}),
    ...(variant ? { variant: variant.id } : {}),
    ...versionOf(deps),
  };
  // The table's TTL deletes the decision once nothing can need it (docs/architecture.md#retention).
  const keepsUntil = addDays(options.runDate, config.retentionDays);

  if (decision.outcome.startsWith('deferred:')) return waitInDueIndex(deps, decision, fresh, decision.outcome);
  if (decision.outcome === 'skipped:bad-record') return decision.outcome;

  if (decision.outcome !== 'sent' || !decision.contact || !profile) {
    const existing = await store.claimLedger({ ...base, outcome: decision.outcome }, keepsUntil);
    const next = decision.outcome === 'skipped:stale' || decision.outcome === 'skipped:expired' ? afterStale(config, journey, state, options.runDate) : advance(journey, state, options.runDate);
    // A message an earlier run claimed and no sender took (it was deferred after its claim), now
    // refused: it is settled as this skip, never left `claimed` and counted as sent.
    const withdrawn =
      existing?.outcome === 'sent' &&
      existing.status === 'claimed' &&
      decision.outcome.startsWith('skipped:') &&
      (await store.moveLedgerStatus(base.customerId, base, MESSAGE_MOVES.withdrawn, { outcome: decision.outcome, error: 'refused by a later run before it was sent' }));
    await handOff.moveAfterCounts(() => saveNext(deps, decision, next, fresh));
    if (existing && fresh && !withdrawn) return DECIDED_BEFORE;
    return existing && !withdrawn ? existing.outcome : decision.outcome;
  }

  const key = ledgerKey(state, step.id);
  const { text, parts, couponCode: code, couponValue, couponExpiry: expiry } = renderStepMessage(config, deps.couponSecret, {
    step,
    tier,
    variant,
    name: profile.name,
    category: state.category,
    runDate: options.runDate,
    couponKey: key,
  });
  const send = { date: options.runDate, key };
  const keepAfter = addDays(options.runDate, -config.frequencyCap.perDays);
  // The customer's cap slot names the message: it is the message's claim (docs/architecture.md#sending).
  // A slot held already is a message an earlier run (or a racing job) decided: handed over again,
  // since that run may have stopped before it did; the sender writes it once.
  const holdsSlot = profile.recentSends.some((entry) => entry.key === key);
  const person = personKey(decision.contact);
  // The customer's slot and the person's (every id with this number or endpoint), taken at once.
  const [customer, personal] = await Promise.all([
    holdsSlot || store.takeCapSlot(profile, send, keepAfter),
    store.takePersonSlot(person, send, keepAfter, config.frequencyCap.maxMessages),
  ]);
  if (!customer || personal === 'capped') {
    // Give back only what this call took: a slot this message held already stays its own, and so
    // does the person's slot when a racing job claimed this very message (and hands it over).
    if (customer && !holdsSlot) await store.releaseCapSlot(profile, send, keepAfter);
    if (personal === 'taken' && (customer || !(await claimedElsewhere(store, profile.customerId, key)))) {
      await store.releasePersonSlot(person, send, config.frequencyCap.maxMessages);
    }
    // Another job took a slot first (perhaps for this very message, which it then hands over); a
    // later run finds the step due again.
    return waitInDueIndex(deps, decision, fresh, 'deferred:capped');
  }
  const job: SendJob = {
    customerId: base.customerId,
    journeyId: base.journeyId,
    cycle: base.cycle,
    stepId: base.stepId,
    channel: decision.contact.channel,
    to: decision.contact.to,
    text,
    parts,
    ...(code ? { couponCode: code, ...(couponValue === undefined ? {} : { couponValue }) } : {}),
    ...(expiry ? { couponExpiry: expiry } : {}),
    timeZone: profile.timeZone ?? config.merchantTimeZone,
    ...versionOf(deps),
    runDate: options.runDate,
    ...(tier ? { tier: tier.id } : {}),
    ...(variant ? { variant: variant.id } : {}),
    keepUntil: keepsUntil,
  };
  handOff.add(job, () => saveNext(deps, decision, advance(journey, state, options.runDate), fresh));
  // A fresh birthday or holiday message whose slot an earlier run of the day took: counted by that run.
  return fresh && holdsSlot ? DECIDED_BEFORE : 'sent';
}

/** Whether the customer's cap slots, read again (strongly consistent), name `key`: another job claimed the message. */
async function claimedElsewhere(store: RunDeps['store'], customerId: string, key: string): Promise<boolean> {
  const { profiles } = await store.getProfiles([customerId], { consistent: true });
  return profiles.get(customerId)?.recentSends.some((entry) => entry.key === key) ?? false;
}

function versionOf(deps: RunDeps): { configVersion?: number } {
  return deps.configVersion === undefined ? {} : { configVersion: deps.configVersion };
}

/**
 * Writes the state after a decision, conditional on the stored one being `decision.stored`; a
 * fresh birthday or holiday cycle (nothing stored yet) only if no newer cycle is stored.
 */
async function saveNext(deps: RunDeps, decision: Decision, next: JourneyState, fresh: boolean): Promise<void> {
  const waitsFor = isFinished(decision.journey, next) ? undefined : dueSlot(deps.config, decision.journey, next);
  // A false return means another job already moved this state on: nothing left to do.
  await deps.store.saveJourneyState(scopeOf(decision.journey, decision.stored), next, waitsFor, fresh ? undefined : decision.stored);
}

/**
 * A deferred message waits where it is. A fresh birthday or holiday cycle is stored in the due
 * index now, so the runs after today find it there until it is sent or expires.
 */
async function waitInDueIndex(deps: RunDeps, decision: Decision, fresh: boolean, outcome: Outcome): Promise<Outcome> {
  if (fresh) await deps.store.saveJourneyState(scopeOf(decision.journey, decision.stored), decision.stored, dueSlot(deps.config, decision.journey, decision.stored));
  return outcome;
}
