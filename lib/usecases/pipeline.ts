import type { CampaignConfig } from '../config/schema.ts';
import { addDays, localDate, refuseFutureRun, runMoment, type CalendarDate } from '../domain/dates.ts';
import { windowState } from '../domain/send-window.ts';
import type { DomainEvent } from '../events/catalog.ts';
import type { ShardJobMessage } from '../events/schemas.ts';
import type { RunPlans, RunProgress } from '../ports/store.ts';
import type { Clock, EventPublisher, SendJob, SendQueue, WorkQueue } from '../ports/messaging.ts';
import type { RunMeta } from '../domain/records.ts';
import { deliverMessage, rereadProfiles, type DeliverDeps, type DeliveryResult, type ProfileReread } from './deliver.ts';
import { summarize, type RunSummary } from './run-day.ts';
import { runShard, type RunDeps, type ShardCounts } from './run-shard.ts';
import { RunTally } from './run-tally.ts';
import { PermanentError } from '../errors.ts';

/** The daily run as a pipeline (docs/architecture.md#the-daily-run): plan -> one job per shard -> senders. */

export interface PlanDeps {
  store: RunPlans;
  config: CampaignConfig;
  /** The stored version `config` is: the run records it, and every job of the run decides with it. */
  configVersion?: number;
  workQueue: WorkQueue;
  events: EventPublisher;
  clock: Clock;
}

export interface PlanRequest {
  /** Stable per trigger, so a schedule delivered twice plans one run. */
  runId: string;
  asOf?: string;
  journeys?: string[];
  dryRun: boolean;
  /** Lets a real run be dated more than a day ahead of the clock (`refuseFutureRun`). */
  allowFuture?: boolean;
}

export interface PlanResult {
  runId: string;
  runDate: string;
  shards: number;
  /** False when this run id had been planned before (a duplicate delivery): nothing enqueued. */
  planned: boolean;
}

/** Unknown journey ids in a request are bad input, not a silent no-op. */
export class UnknownJourneyError extends PermanentError {
  override name = 'UnknownJourneyError';
}

export function withJourneys(config: CampaignConfig, journeys: readonly string[] | undefined): CampaignConfig {
  if (!journeys) return config;
  const unknown = journeys.filter((id) => !config.journeys.some((journey) => journey.id === id));
  if (unknown.length > 0) throw new UnknownJourneyError(`journeys: unknown journey id(s) ${unknown.join(', ')}`);
  return { ...config, journeys: config.journeys.filter((journey) => journeys.includes(journey.id)) };
}

/**
 * A run's bookkeeping (its META and shard parts) matters while its jobs can still arrive: SQS keeps
 * a message at most 14 days, so 30 days after the run date the table's TTL may delete it.
 */
export const RUN_RETENTION_DAYS = 30;

const runKeptUntil = (runDate: CalendarDate) => addDays(runDate, RUN_RETENTION_DAYS);

export async function planRecall(deps: PlanDeps, request: PlanRequest): Promise<PlanResult> {
  const { config } = deps;
  withJourneys(config, request.journeys);
  const clockNow = deps.clock.now();
  const moment = runMoment(request.asOf, config.merchantTimeZone, config.runTime, clockNow);
  refuseFutureRun(moment.now, clockNow, { dryRun: request.dryRun, allowFuture: request.allowFuture ?? false });
  const version = deps.configVersion === undefined ? {} : { configVersion: deps.configVersion };
  const meta: RunMeta = { runId: request.runId, runDate: moment.runDate, now: moment.now.toISOString(), shards: config.shards, dryRun: request.dryRun, ...version };
  // A run whose jobs were handed over is not planned twice; one whose enqueue failed (the
  // retry of the same trigger) is planned again from its stored moment: shard jobs are idempotent.
  const run = (await deps.store.startRun(meta, runKeptUntil(moment.runDate))) ?? meta;
  if (run.planned) return { runId: run.runId, runDate: run.runDate, shards: run.shards, planned: false };
  const jobs: ShardJobMessage[] = Array.from({ length: run.shards }, (_, shard) => ({
    runId: run.runId,
    runDate: run.runDate,
    now: run.now,
    shard,
    shards: run.shards,
    dryRun: run.dryRun,
    ...(request.journeys ? { journeys: request.journeys } : {}),
    ...(run.configVersion === undefined ? {} : { configVersion: run.configVersion }),
  }));
  await deps.workQueue.enqueue(jobs);
  // Two deliveries of one schedule at once may both enqueue (shard jobs are idempotent); only
  // the one that records the plan announces it.
  if (!(await deps.store.markRunPlanned(run.runId))) return { runId: run.runId, runDate: run.runDate, shards: run.shards, planned: false };
  await deps.events.publish([{ type: 'RunStarted', detail: { runId: run.runId, runDate: run.runDate, shards: run.shards, dryRun: run.dryRun, ...(run.configVersion === undefined ? {} : { configVersion: run.configVersion }) } }]);
  return { runId: run.runId, runDate: run.runDate, shards: run.shards, planned: true };
}

export interface ShardJobDeps extends RunDeps {
  store: RunDeps['store'] & RunProgress;
  workQueue: WorkQueue;
  events: EventPublisher;
}

export interface ShardJobResult {
  shard: number;
  decided: number;
  /** Set when the job handed the rest of its shard to a continuation. */
  continuedAfter?: string;
  /** Set when this job was the last of its run and published RunCompleted. */
  completed?: RunSummary;
}

/**
 * One shard job from the work queue. Near its timeout it enqueues a continuation with its cursor
 * instead of timing out; its counts are stored per (shard, part) after each batch, a delivery after
 * one that died goes on from them (docs/architecture.md#counting-a-run), and the job that finds
 * every shard finished publishes RunCompleted, exactly once.
 */
export async function scanShardJob(deps: ShardJobDeps, job: ShardJobMessage, shouldYield: () => boolean): Promise<ShardJobResult> {
  const runDeps = { ...deps, config: withJourneys(deps.config, job.journeys) };
  const options = { runDate: job.runDate, now: new Date(job.now), dryRun: job.dryRun, backfill: false };
  const part = job.afterCustomer ?? '';
  const resumed = await deps.store.getShardPart(job.runId, job.shard, part);
  const checkpoints = {
    ...(resumed ? { resumed } : {}),
    save: (counts: ShardCounts) => deps.store.putShardPart(job.runId, part, { shard: job.shard, ...counts }, runKeptUntil(job.runDate)),
  };
  const result = await runShard(runDeps, { shard: job.shard, ...(job.afterCustomer !== undefined ? { afterCustomer: job.afterCustomer } : {}) }, options, shouldYield, checkpoints);
  if (result.resumeAfter !== undefined) await deps.workQueue.enqueue([{ ...job, afterCustomer: result.resumeAfter }]);
  const final = result.resumeAfter === undefined;
  const decided = Object.values(result.tally.totals).reduce((sum, count) => sum + count, 0);
  const base = { shard: job.shard, decided, ...(final ? {} : { continuedAfter: result.resumeAfter }) };
  if (!final) return base;

  const run = await deps.store.getRun(job.runId);
  if (!run) return base;
  const finished = new Set(run.parts.filter((part) => part.final).map((part) => part.shard));
  if (finished.size < run.meta.shards || !(await deps.store.completeRun(job.runId))) return base;
  const tally = new RunTally();
  for (const part of run.parts) tally.merge(RunTally.fromSnapshot(part.tally));
  const summary = summarize(tally, { runDate: run.meta.runDate, dryRun: run.meta.dryRun, backfill: false }, run.meta.shards, { readUnits: 0, writeUnits: 0 }, [], 0, run.meta.configVersion ?? null);
  await deps.events.publish([
    {
      type: 'RunCompleted',
      detail: {
        runId: job.runId,
        runDate: summary.asOf,
        dryRun: summary.dryRun,
        evaluated: summary.evaluated,
        due: summary.due,
        sent: summary.sent,
        heldOut: summary.heldOut,
        skipped: summary.skipped,
        deferred: summary.deferred,
        ...(run.meta.configVersion === undefined ? {} : { configVersion: run.meta.configVersion }),
      },
    },
  ]);
  return { ...base, completed: summary };
}

export interface SendDeps extends DeliverDeps {
  config: CampaignConfig;
  events: EventPublisher;
  /** Where a message that must wait for the send window goes back to. */
  sendQueue: SendQueue;
}

/** SQS's longest delay: a message waits for the window in steps of at most this. */
export const MAX_WAIT_SECONDS = 900;

/**
 * One message from the send queue: deliver it (paced, at most once) and tell subscribers. A
 * backlog drained after the customer's send window closed must not send at 21:00: the message goes
 * back to the queue as a fresh message, delayed until the window opens (900 s at a time), so the
 * wait uses up no receives and never leads to the DLQ. Consent is read again at delivery.
 */
export async function sendJob(deps: SendDeps, job: SendJob, reread?: ProfileReread): Promise<DeliveryResult> {
  const window = sendWindow(deps, job);
  if (!window.open) {
    await deps.sendQueue.enqueue([job], { delaySeconds: Math.max(1, Math.min(MAX_WAIT_SECONDS, window.opensInSeconds)) });
    return 'waiting';
  }
  return deliverMessage(deps, job, (sentAt) => deps.events.publish(sentEvents(deps.config, job, sentAt)), reread);
}

/**
 * A sender's batch (SQS hands over up to 10): the profiles of the messages that go now, read again
 * in one strongly consistent request for them all, not one per message; a message that waits for
 * its window needs none.
 */
export async function rereadSendBatch(batch: readonly { deps: SendDeps; job: SendJob }[]): Promise<ProfileReread | undefined> {
  const now = batch.filter(({ deps, job }) => sendWindow(deps, job).open);
  const first = now[0];
  return first ? rereadProfiles(first.deps.store, now.map(({ job }) => job.customerId)) : undefined;
}

function sendWindow(deps: SendDeps, job: SendJob) {
  return windowState(deps.clock.now(), job.timeZone ?? deps.config.merchantTimeZone, deps.config);
}

function sentEvents(config: CampaignConfig, job: SendJob, sentAt: Date): DomainEvent[] {
  const step = config.journeys.find((journey) => journey.id === job.journeyId)?.steps.find((candidate) => candidate.id === job.stepId);
  const sentDate = localDate(sentAt, config.merchantTimeZone);
  return [
    {
      type: 'MessageSent',
      detail: { customerId: job.customerId, journeyId: job.journeyId, stepId: job.stepId, cycle: job.cycle, channel: job.channel, parts: job.parts, sentAt: sentAt.toISOString() },
    },
    ...(job.couponCode && job.couponExpiry && step?.coupon
      ? [
          {
            type: 'CouponIssued' as const,
            detail: {
              couponCode: job.couponCode,
              customerId: job.customerId,
              journeyId: job.journeyId,
              stepId: job.stepId,
              value: step.coupon.value,
              minSpend: step.coupon.minSpend,
              validFrom: sentDate,
              validUntil: job.couponExpiry,
            },
          },
        ]
      : []),
  ];
}
