import * as z from 'zod';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { PARTITION_LIMITS, pacerHotItem, pacerLoad } from './pacer.ts';

/**
 * Public list prices the model multiplies by: us-east-1, USD, on-demand throughput as cut on
 * 2024-11-01, Standard table class, storage and PITR per GB-month (free tiers left out). SMS is
 * the assumption that matters most and varies by destination and origination identity: check
 * End User Messaging's price for the target country before trusting the total.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2024-11-01',
  dynamoReadPerMillion: 0.125,
  dynamoWritePerMillion: 0.625,
  dynamoStoragePerGbMonth: 0.25,
  /** Continuous backups: on the table's size (base table and local indexes, not global ones). */
  dynamoPitrPerGbMonth: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
  eventBridgePerMillionEvents: 1.0,
  smsPerPart: 0.0207,
};

const CUSTOMERS = 10_000_000;
const DUE_SHARE = 0.01;
const SCAN_MEMORY_GB = 1;
const SEND_MEMORY_GB = 0.5;
/** What a shard job may use of its 15-minute timeout before it hands over to a continuation. */
const SHARD_JOB_SECONDS = 840;
const SEND_WINDOW_SECONDS = 12 * 3600;
const GB = 2 ** 30;
const DAYS_PER_MONTH = 30;

/** The pacer section's figures the model and the hot-item limit need. */
export const PacerFiguresSchema = z
  .array(
    z.object({
      mps: z.number(),
      messages: z.number(),
      parts: z.number(),
      readsPerMessage: z.number(),
      writesPerMessage: z.number(),
      billedReadUnitsPerMessage: z.number(),
      billedWriteUnitsPerMessage: z.number(),
      itemMeanBytes: z.number(),
    }),
  )
  .min(1);

/** The measured figures the model needs, as bench-results.json holds them (an older file may lack some). */
const InputsSchema = z.object({
  readCost: z.object({
    customers: z.number(),
    dueCustomers: z.number().positive(),
    sent: z.number(),
    smsParts: z.number(),
    runReadUnits: z.number(),
    fixedFloor: z.number(),
    billedWriteUnits: z.number(),
    storage: z.object({ bytesPerCustomer: z.number(), tableBytes: z.number() }),
  }),
  sendPath: z.object({ senderWriteUnitsPerSent: z.number(), senderReadUnitsPerSent: z.number(), queueRequestsPerSent: z.number(), eventEntriesPerSent: z.number() }),
  throughput: z.object({ engineCustomersPerSecond: z.number().positive() }),
  pacer: PacerFiguresSchema,
});

const money = (value: number) => `$${value.toFixed(2)}`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const gb = (bytes: number) => `${(bytes / GB).toFixed(1)} GB`;

export type ScaleModel = ReturnType<typeof modelFrom>;

/**
 * Point 5: a 10M-customer shop, 1% due per day, from the per-item figures measured above: the
 * run's reads (the fixed index pages, then per due customer) and billed writes per due customer,
 * the sender's per sent message, the pacer's per message at the configured MPS, messages and SMS
 * parts per due customer, storage per customer, due customers per second on the local store.
 * dynalite is slower than DynamoDB, so the Lambda time is an upper bound. Undefined, with the
 * sections to run, while bench-results.json lacks a figure.
 */
export function scaleModel(results: Record<string, unknown>, config: CampaignConfig): { model?: ScaleModel; missing: string[] } {
  const parsed = InputsSchema.safeParse(results);
  if (!parsed.success) return { missing: [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))] };
  return { model: modelFrom(parsed.data, config), missing: [] };
}

function modelFrom(inputs: z.infer<typeof InputsSchema>, config: CampaignConfig) {
  const { readCost: read, sendPath, throughput, pacer: pacerRows } = inputs;
  const mps = config.sms.mps;
  const pacerRow = [...pacerRows].sort((a, b) => Math.abs(a.mps - mps) - Math.abs(b.mps - mps))[0] ?? pacerRows[0];
  const hot = pacerHotItem(pacerRows);

  const due = CUSTOMERS * DUE_SHARE;
  const sentPerDue = read.sent / read.dueCustomers;
  const partsPerSent = read.sent > 0 ? read.smsParts / read.sent : 0;
  const sent = due * sentPerDue;
  const parts = sent * partsPerSent;

  const runReads = read.fixedFloor + ((read.runReadUnits - read.fixedFloor) / read.dueCustomers) * due;
  const runWrites = (read.billedWriteUnits / read.dueCustomers) * due;
  const senderReads = sent * sendPath.senderReadUnitsPerSent;
  const senderWrites = sent * sendPath.senderWriteUnitsPerSent;
  const pacerReads = sent * (pacerRow?.billedReadUnitsPerMessage ?? 0);
  const pacerWrites = sent * (pacerRow?.billedWriteUnitsPerMessage ?? 0);
  const readUnits = runReads + senderReads + pacerReads;
  const writeUnits = runWrites + senderWrites + pacerWrites;

  const storedBytes = CUSTOMERS * read.storage.bytesPerCustomer;
  const tableBytes = CUSTOMERS * (read.storage.tableBytes / read.customers);

  const customersPerSecond = throughput.engineCustomersPerSecond;
  const shards = Math.max(config.shards, Math.ceil(due / (customersPerSecond * SHARD_JOB_SECONDS)));
  const scanSeconds = due / customersPerSecond;
  const drainSeconds = parts / mps;
  const senderConcurrency = Math.max(2, Math.ceil(mps / 10));
  const gbSeconds = scanSeconds * SCAN_MEMORY_GB + drainSeconds * senderConcurrency * SEND_MEMORY_GB;
  const invocations = 1 + shards + Math.ceil(sent / 10);
  // Sends onto the queues, and the Lambda pollers' receive and delete per batch of 10.
  const sqsRequests = shards * 3 + sent * sendPath.queueRequestsPerSent + Math.ceil(sent / 10) * 2;
  const events = sent * sendPath.eventEntriesPerSent + 2;

  const cost = {
    throughput: (readUnits / 1e6) * PRICES.dynamoReadPerMillion + (writeUnits / 1e6) * PRICES.dynamoWritePerMillion,
    storage: ((storedBytes / GB) * PRICES.dynamoStoragePerGbMonth) / DAYS_PER_MONTH,
    pitr: ((tableBytes / GB) * PRICES.dynamoPitrPerGbMonth) / DAYS_PER_MONTH,
    lambda: gbSeconds * PRICES.lambdaArmGbSecond + (invocations / 1e6) * PRICES.lambdaPerMillionRequests,
    queuesAndEvents: (sqsRequests / 1e6) * PRICES.sqsPerMillionRequests + (events / 1e6) * PRICES.eventBridgePerMillionEvents,
    sms: parts * PRICES.smsPerPart,
  };
  const total = Object.values(cost).reduce((sum, value) => sum + value, 0);
  // At the configured MPS, the requests per message of the measured MPS nearest to it.
  const pacerNow = hot && pacerRow ? pacerLoad({ ...hot, partsPerMessage: pacerRow.parts / pacerRow.messages, readsPerMessage: pacerRow.readsPerMessage, writesPerMessage: pacerRow.writesPerMessage }, mps) : undefined;

  const rows = [
    { quantity: 'due customers / day', value: count(due) },
    { quantity: 'messages sent / SMS parts', value: `${count(sent)} / ${count(parts)}` },
    { quantity: 'shards (each job < 14 min on the measured rate)', value: count(shards) },
    { quantity: 'Lambda invocations (plan + shard jobs + send batches of 10)', value: count(invocations) },
    { quantity: 'Lambda GB-seconds (scan 1 GB + senders 0.5 GB while pacing)', value: count(gbSeconds) },
    { quantity: 'DynamoDB read units: run / sender / pacer', value: `${count(runReads)} / ${count(senderReads)} / ${count(pacerReads)}` },
    { quantity: 'DynamoDB write units, billed (index writes and failed conditions in): run / sender / pacer', value: `${count(runWrites)} / ${count(senderWrites)} / ${count(pacerWrites)}` },
    { quantity: 'storage: table + indexes / PITR (table)', value: `${gb(storedBytes)} / ${gb(tableBytes)}` },
    {
      quantity: `pacer item at ${mps} MPS (one item, one partition)`,
      value: pacerNow
        ? `${pacerNow.writesPerSecond.toFixed(1)} writes/s, ${pacerNow.writeUnitsPerSecond.toFixed(1)} WCU/s (${((pacerNow.writeUnitsPerSecond / PARTITION_LIMITS.writeUnitsPerSecond) * 100).toFixed(1)}% of ${PARTITION_LIMITS.writeUnitsPerSecond})`
        : 'n/a',
    },
    { quantity: "MPS where the pacer's item reaches a partition's limit (computed)", value: hot ? `${count(hot.limitMps)} (${hot.limitBoundBy})` : 'n/a' },
    { quantity: `time to drain the SMS at ${mps} MPS`, value: `${(drainSeconds / 3600).toFixed(1)} h` },
    { quantity: 'cost / day: DynamoDB throughput, storage, PITR', value: `${money(cost.throughput)}, ${money(cost.storage)}, ${money(cost.pitr)}` },
    { quantity: 'cost / day: Lambda, SQS + EventBridge', value: `${money(cost.lambda)}, ${money(cost.queuesAndEvents)}` },
    { quantity: `cost / day: SMS (${PRICES.smsPerPart} per part, assumed)`, value: money(cost.sms) },
    { quantity: 'cost / day: total', value: money(total) },
  ];
  const smsShare = `SMS is ${((cost.sms / total) * 100).toFixed(1)}% of the cost`;
  const pacerLimit = hot ? ` The next limit is the pacer's single item: at about ${count(hot.limitMps)} MPS its ${hot.limitBoundBy} reach one partition's ${hot.limitBoundBy === 'writes' ? `${PARTITION_LIMITS.writeUnitsPerSecond} WCU/s` : `${PARTITION_LIMITS.readUnitsPerSecond} RCU/s`} (computed, see section 3b).` : '';
  return {
    inputs: { customers: CUSTOMERS, dueShare: DUE_SHARE, sentPerDue, partsPerSent, customersPerSecond, pacerFromMps: pacerRow?.mps, prices: PRICES },
    perDay: { readUnits, writeUnits, runReads, runWrites, senderReads, senderWrites, pacerReads, pacerWrites, storedBytes, tableBytes, cost, total },
    pacerHotItem: hot,
    pacerAtConfiguredMps: pacerNow ? { mps, ...pacerNow } : undefined,
    rows,
    firstLimit:
      drainSeconds > SEND_WINDOW_SECONDS
        ? `SMS throughput: ${count(parts)} parts at ${mps} MPS take ${(drainSeconds / 3600).toFixed(1)} h, longer than the 12 h send window. Raise the account's SMS throughput (origination identity MPS quota) and sms.mps together.${pacerLimit}`
        : `SMS throughput: ${count(parts)} parts at ${mps} MPS take ${(drainSeconds / 3600).toFixed(1)} h of the 12 h send window; at ${Math.floor(SEND_WINDOW_SECONDS / drainSeconds)}x this volume (or a shorter window) raise the account's SMS throughput (origination identity MPS quota) and sms.mps together.${pacerLimit} DynamoDB and Lambda are far from their other limits; ${smsShare}.`,
  };
}
