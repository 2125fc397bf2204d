import { performance } from 'node:perf_hooks';
import { DynamoPacer } from '../../lib/adapters/dynamo-pacer.ts';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { createRandom } from '../../lib/demo/random.ts';
import { smsParts } from '../../lib/domain/sms.ts';
import type { Pacer } from '../../lib/ports/messaging.ts';
import type { TestDynamo } from './store.ts';
import { VirtualClock } from './virtual-clock.ts';

/** 1 part (UCS-2, under 70 characters). */
export const SHORT_MESSAGE = '【美妆小铺】张三您好，您常用的面霜快用完了吧？本周回购立减20元，回T退订';
/** 3 parts: long Chinese messages are what make "parts" differ from "messages". */
export const LONG_MESSAGE =
  '【美妆小铺】张三您好！距离您上次购买护肤品已经过去七十八天了，按照您的使用习惯，面霜和精华差不多该补货了。' +
  '我们为您准备了一张满200减50的专属优惠券，券码ABCD1234，三十天内有效，线上线下门店均可使用。' +
  '另外本月会员日全场护肤品第二件半价，还可以免费领取旅行装小样一份，数量有限先到先得，期待您的光临。回T退订';

const LONG_SHARE = 0.3;

export interface SentRecord {
  /** The senders' clock when the fake SNS was called. */
  at: number;
  parts: number;
}

/** What the senders read the time from and wait on. */
export interface SenderClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time, for the bench. */
const realTime: SenderClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SenderRunOptions {
  /** Independent senders (Lambda instances), each with its own pacer and DynamoDB client. */
  senders: number;
  /**
   * Messages each sender has in flight at once (an SQS batch processed concurrently). Enough to
   * keep the budget busy through the SNS and DynamoDB latencies, but every message in flight
   * beyond that only waits on a booked slot, so it also sets how long the run drains.
   */
  inFlight: number;
  /** Each sender starts new messages for this long. */
  seconds: number;
  /** Simulated SNS latency, uniform in [min, max] ms. */
  latencyMs?: [number, number];
  seed?: number;
  clock?: SenderClock;
}

export interface SenderRun {
  sends: SentRecord[];
  startedAt: number;
  seconds: number;
}

/**
 * Senders publishing a mix of 1-part and 3-part messages to a fake SNS that records each call
 * and its parts at call time, then takes a random latency, as a real Publish does.
 */
export async function runSenders(pacers: readonly Pacer[], options: Omit<SenderRunOptions, 'senders'>): Promise<SenderRun> {
  const { inFlight, seconds, latencyMs = [20, 40], seed = 7, clock = realTime } = options;
  const sends: SentRecord[] = [];
  const startedAt = clock.now();
  const deadline = startedAt + seconds * 1000;
  const worker = async (pacer: Pacer, seedOffset: number) => {
    const random = createRandom(seed * 1000 + seedOffset);
    while (clock.now() < deadline) {
      const { parts } = smsParts(random.next() < LONG_SHARE ? LONG_MESSAGE : SHORT_MESSAGE);
      await pacer.reserve(parts);
      sends.push({ at: clock.now(), parts });
      await clock.sleep(random.int(latencyMs[0], latencyMs[1]));
    }
  };
  await Promise.all(pacers.flatMap((pacer, sender) => Array.from({ length: inFlight }, (_, slot) => worker(pacer, sender * inFlight + slot))));
  return { sends, startedAt, seconds };
}

const partsOf = (sends: readonly SentRecord[]) => sends.reduce((sum, { parts }) => sum + parts, 0);

/** The most parts in any window [t, t + windowMs) starting at a recorded send t. */
export function maxPartsInAnyWindow(sends: readonly SentRecord[], windowMs = 1000): number {
  const sorted = [...sends].sort((a, b) => a.at - b.at);
  let max = 0;
  let inWindow = 0;
  let end = 0;
  for (const start of sorted) {
    while (end < sorted.length && sorted[end]!.at < start.at + windowMs) inWindow += sorted[end++]!.parts;
    max = Math.max(max, inWindow);
    inWindow -= start.parts;
  }
  return max;
}

/**
 * Parts sent during the run's own `seconds`, per second. Flattered on short runs: a fresh window
 * lets a full second's budget go at once, so 3 seconds hold 3 full windows of 1025 ms.
 */
export function runPartsPerSecond(run: SenderRun): number {
  const end = run.startedAt + run.seconds * 1000;
  return partsOf(run.sends.filter(({ at }) => at >= run.startedAt && at < end)) / run.seconds;
}

/**
 * The steady rate: the mean of 1-second windows sliding in 5 ms steps over the run after its
 * first second (and before new messages stop), so neither the opening burst nor the drain counts.
 */
export function steadyPartsPerSecond(run: SenderRun): number {
  const from = run.startedAt + 1000;
  const to = run.startedAt + run.seconds * 1000 - 1000;
  if (to < from) throw new RangeError('a steady rate needs a run of at least 2 seconds');
  let total = 0;
  let windows = 0;
  for (let t = from; t <= to; t += 5) {
    total += partsOf(run.sends.filter(({ at }) => at >= t && at < t + 1000));
    windows++;
  }
  return total / windows;
}

export interface PacerMeasurement {
  mps: number;
  /** The steady rate (see `steadyPartsPerSecond`). */
  achievedPartsPerSecond: number;
  shareOfMps: number;
  /** Parts sent during the run over its seconds, as a share of MPS (see `runPartsPerSecond`). */
  runShareOfMps: number;
  maxPartsInAnyWindow: number;
  messages: number;
  parts: number;
  /** DynamoDB cost of pacing, per message sent. */
  readUnitsPerMessage: number;
  writeUnitsPerMessage: number;
  conflictsPerMessage: number;
  /** Booked slots missed (a slow write or timer) and rebooked. */
  lateSlots: number;
}

/** Messages in flight per sender: enough for `mps` through 20-40 ms SNS calls, few enough to drain fast. */
export function inFlightFor(mps: number): number {
  return Math.min(10, Math.max(2, Math.ceil(mps / 20)));
}

/** One run at `mps` on a fresh table: every sender a DynamoPacer with its own client. */
export async function measurePacer(
  dynamo: TestDynamo,
  mps: number,
  options: Omit<SenderRunOptions, 'inFlight'> & { inFlight?: number },
): Promise<PacerMeasurement> {
  const { tableName } = await dynamo.freshStore();
  const clients = Array.from({ length: options.senders }, () => dynamoClient(dynamo.endpoint));
  try {
    const pacers = clients.map((client) => new DynamoPacer(client, tableName, { mps }));
    const run = await runSenders(pacers, { ...options, inFlight: options.inFlight ?? inFlightFor(mps) });
    const achieved = steadyPartsPerSecond(run);
    const messages = run.sends.length;
    const perMessage = (pick: (usage: DynamoPacer['usage']) => number) =>
      pacers.reduce((sum, pacer) => sum + pick(pacer.usage), 0) / messages;
    return {
      mps,
      achievedPartsPerSecond: achieved,
      shareOfMps: achieved / mps,
      runShareOfMps: runPartsPerSecond(run) / mps,
      maxPartsInAnyWindow: maxPartsInAnyWindow(run.sends),
      messages,
      parts: partsOf(run.sends),
      readUnitsPerMessage: perMessage((usage) => usage.readUnits),
      writeUnitsPerMessage: perMessage((usage) => usage.writeUnits),
      conflictsPerMessage: perMessage((usage) => usage.conflicts),
      lateSlots: pacers.reduce((sum, pacer) => sum + pacer.usage.late, 0),
    };
  } finally {
    for (const client of clients) client.destroy();
  }
}

/**
 * The bench's senders on a virtual clock: the pacers, the fake SNS and every DynamoDB call (which
 * takes a seeded `dynamoLatencyMs` of virtual time before it runs) all wait on it. Which sends
 * happen at which instant depends on the seed and on how the real calls to dynalite interleave,
 * never on how fast the machine runs.
 */
export async function simulatePacer(
  dynamo: TestDynamo,
  mps: number,
  options: Omit<SenderRunOptions, 'inFlight' | 'clock'> & { inFlight?: number; dynamoLatencyMs?: [number, number] },
): Promise<SenderRun> {
  const { senders, dynamoLatencyMs = [2, 30], seed = 7 } = options;
  const clock = new VirtualClock();
  const latency = createRandom(seed);
  const { tableName } = await dynamo.freshStore();
  const clients = Array.from({ length: senders }, () => {
    const client = dynamoClient(dynamo.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        await clock.sleep(latency.int(dynamoLatencyMs[0], dynamoLatencyMs[1]));
        return clock.track(next(args));
      },
      { step: 'initialize', name: 'virtualLatency' },
    );
    return client;
  });
  try {
    const pacers = clients.map((client) => new DynamoPacer(client, tableName, { mps, now: clock.now, sleep: clock.sleep }));
    return await clock.run(runSenders(pacers, { ...options, inFlight: options.inFlight ?? inFlightFor(mps), clock }));
  } finally {
    for (const client of clients) client.destroy();
  }
}
