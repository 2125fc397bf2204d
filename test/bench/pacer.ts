import { DynamoPacer } from '../../lib/adapters/dynamo-pacer.ts';
import { dynamoClient } from '../../lib/adapters/dynamo-client.ts';
import { inFlightFor, maxPartsInAnyWindow, runPartsPerSecond, runSenders, steadyPartsPerSecond } from '../support/pacer-harness.ts';
import { TestDynamo } from '../support/store.ts';
import { BilledUnits, billedWriteUnits } from './billed-units.ts';

export interface PacerBenchOptions {
  mps: number[];
  senders: number;
  seconds: number;
  /** Messages in flight per sender; by default enough for the MPS (see `inFlightFor`). */
  inFlight?: number;
}

export interface PacerBenchRow {
  mps: number;
  /** The steady rate (see `steadyPartsPerSecond`). */
  achievedPartsPerSecond: number;
  shareOfMps: number;
  /** Parts sent during the run over its seconds, as a share of MPS (see `runPartsPerSecond`). */
  runShareOfMps: number;
  maxPartsInAnyWindow: number;
  messages: number;
  parts: number;
  /** Requests on the pacer's item per message sent: its reads, and its writes (failed ones too). */
  readsPerMessage: number;
  writesPerMessage: number;
  /** Writes that lost the optimistic lock, per message: billed like the others. */
  conflictsPerMessage: number;
  billedReadUnitsPerMessage: number;
  billedWriteUnitsPerMessage: number;
  /** The pacer item's size as written and read (it holds the grants of the last second). */
  itemMeanBytes: number;
  itemMaxBytes: number;
  /** Booked slots missed (a slow write or timer) and rebooked. */
  lateSlots: number;
}

/** One run at `mps` on a fresh table: every sender a DynamoPacer with its own client, all metered. */
async function measurePacer(dynamo: TestDynamo, mps: number, options: Omit<PacerBenchOptions, 'mps'>): Promise<PacerBenchRow> {
  const { tableName } = await dynamo.freshStore();
  // The item is only ever written whole by these clients: its last-seen version is the one a write
  // replaces, so the meter adds no request between a pacer's read and its conditional write.
  const meter = new BilledUnits('last-seen');
  const clients = Array.from({ length: options.senders }, () => dynamoClient(dynamo.endpoint));
  for (const client of clients) meter.attach(client);
  try {
    const pacers = clients.map((client) => new DynamoPacer(client, tableName, { mps }));
    const run = await runSenders(pacers, { seconds: options.seconds, inFlight: options.inFlight ?? inFlightFor(mps) });
    const messages = run.sends.length;
    const achieved = steadyPartsPerSecond(run);
    const lines = meter.breakdown();
    const reads = lines.filter((line) => line.request.startsWith('GetItem'));
    const writes = lines.filter((line) => line.request.startsWith('PutItem'));
    const sum = (of: typeof lines, pick: (line: (typeof lines)[number]) => number) => of.reduce((total, line) => total + pick(line), 0);
    const size = meter.itemSize('pacer');
    return {
      mps,
      achievedPartsPerSecond: achieved,
      shareOfMps: achieved / mps,
      runShareOfMps: runPartsPerSecond(run) / mps,
      maxPartsInAnyWindow: maxPartsInAnyWindow(run.sends),
      messages,
      parts: run.sends.reduce((total, { parts }) => total + parts, 0),
      readsPerMessage: sum(reads, (line) => line.requests) / messages,
      writesPerMessage: sum(writes, (line) => line.requests) / messages,
      conflictsPerMessage: sum(writes, (line) => line.failedConditions) / messages,
      billedReadUnitsPerMessage: sum(reads, (line) => line.readUnits) / messages,
      billedWriteUnitsPerMessage: sum(writes, billedWriteUnits) / messages,
      itemMeanBytes: Math.round(size?.meanBytes ?? 0),
      itemMaxBytes: size?.maxBytes ?? 0,
      lateSlots: pacers.reduce((total, pacer) => total + pacer.usage.late, 0),
    };
  } finally {
    for (const client of clients) client.destroy();
  }
}

/**
 * Pacer accuracy (issue 7, point 3): senders sharing one DynamoPacer budget against dynalite,
 * publishing 1-part and 3-part messages to a fake SNS with 20-40 ms latency. One run per MPS,
 * in turn, so runs never compete for the CPU.
 */
export async function benchPacer(options: PacerBenchOptions): Promise<PacerBenchRow[]> {
  const dynamo = await TestDynamo.start();
  try {
    const rows: PacerBenchRow[] = [];
    for (const mps of options.mps) rows.push(await measurePacer(dynamo, mps, options));
    return rows;
  } finally {
    await dynamo.stop();
  }
}

/** DynamoDB's throughput limits per partition; one item never spreads over more than one. */
export const PARTITION_LIMITS = { writeUnitsPerSecond: 1000, readUnitsPerSecond: 3000 };

export interface PacerHotItem {
  /** The measured run the per-message figures come from (the highest MPS). */
  fromMps: number;
  partsPerMessage: number;
  readsPerMessage: number;
  writesPerMessage: number;
  /** The item's mean size as a line over MPS, fitted to the measured runs: bytes = atZero + perMps x MPS. */
  itemBytesAtZero: number;
  itemBytesPerMps: number;
  /** The MPS at which the item's writes (or reads) reach the partition limit. */
  limitMps: number;
  limitBoundBy: 'writes' | 'reads';
  limitItemBytes: number;
}

/** The pacer item's load at `mps`: requests and billed units per second. */
export function pacerLoad(hot: Omit<PacerHotItem, 'limitMps' | 'limitBoundBy' | 'limitItemBytes'>, mps: number) {
  const messagesPerSecond = mps / hot.partsPerMessage;
  const itemBytes = hot.itemBytesAtZero + hot.itemBytesPerMps * mps;
  const writesPerSecond = messagesPerSecond * hot.writesPerMessage;
  const readsPerSecond = messagesPerSecond * hot.readsPerMessage;
  return {
    messagesPerSecond,
    itemBytes,
    writesPerSecond,
    readsPerSecond,
    writeUnitsPerSecond: writesPerSecond * Math.max(1, Math.ceil(itemBytes / 1024)),
    // Strongly consistent reads: 1 unit per started 4 KB.
    readUnitsPerSecond: readsPerSecond * Math.max(1, Math.ceil(itemBytes / 4096)),
  };
}

/**
 * Where the pacer's one item limits MPS. Computed, not measured: dynalite has no partition limits
 * and two cores cannot drive the 16 senders such an MPS needs. Requests per message are those of
 * the highest measured MPS (4 senders; more senders conflict more, and each instance books all its
 * waiting messages in one write, so both move); the item's size grows with MPS (the grants of the
 * last second), fitted as a line through the measured runs.
 */
export function pacerHotItem(rows: readonly Pick<PacerBenchRow, 'mps' | 'messages' | 'parts' | 'readsPerMessage' | 'writesPerMessage' | 'itemMeanBytes'>[]): PacerHotItem | undefined {
  const top = [...rows].sort((a, b) => b.mps - a.mps)[0];
  if (!top || top.messages === 0) return undefined;
  const n = rows.length;
  const meanX = rows.reduce((sum, row) => sum + row.mps, 0) / n;
  const meanY = rows.reduce((sum, row) => sum + row.itemMeanBytes, 0) / n;
  const spread = rows.reduce((sum, row) => sum + (row.mps - meanX) ** 2, 0);
  const perMps = spread > 0 ? rows.reduce((sum, row) => sum + (row.mps - meanX) * (row.itemMeanBytes - meanY), 0) / spread : 0;
  const base = {
    fromMps: top.mps,
    partsPerMessage: top.parts / top.messages,
    readsPerMessage: top.readsPerMessage,
    writesPerMessage: top.writesPerMessage,
    itemBytesAtZero: meanY - perMps * meanX,
    itemBytesPerMps: perMps,
  };
  for (let mps = 1; mps <= 1_000_000; mps++) {
    const load = pacerLoad(base, mps);
    const writesBind = load.writeUnitsPerSecond >= PARTITION_LIMITS.writeUnitsPerSecond;
    if (writesBind || load.readUnitsPerSecond >= PARTITION_LIMITS.readUnitsPerSecond) {
      return { ...base, limitMps: mps, limitBoundBy: writesBind ? 'writes' : 'reads', limitItemBytes: Math.round(load.itemBytes) };
    }
  }
  return undefined;
}
