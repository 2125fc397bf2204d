import type { CampaignConfig } from '../../lib/config/schema.ts';
import type { ReadCostRow } from './read-cost.ts';
import type { ThroughputRow } from './throughput.ts';
import type { PacerBenchRow } from './pacer.ts';

/**
 * On-demand list prices (us-east-1, USD) the model multiplies by. SMS is the assumption that
 * matters most and varies by destination and origination identity: check the SNS SMS pricing
 * page for the target country before trusting the total.
 */
export const PRICES = {
  dynamoReadPerMillion: 0.125,
  dynamoWritePerMillion: 0.625,
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

const money = (value: number) => `$${value.toFixed(2)}`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');

/**
 * Point 5: a 10M-customer shop, 1% due per day, from the per-item figures measured above (read and
 * write units per due customer, messages and SMS parts per due customer, due customers per second
 * on the local store, pacer cost per message). dynalite is slower than DynamoDB, so the Lambda
 * time is an upper bound.
 */
export function scaleModel(results: Record<string, unknown>, config: CampaignConfig) {
  const read = results.readCost as ReadCostRow | undefined;
  const throughput = results.throughput as ThroughputRow | undefined;
  const pacer = (results.pacer as PacerBenchRow[] | undefined)?.at(-1);
  const due = CUSTOMERS * DUE_SHARE;
  const readPerDue = read ? read.runReadUnits / read.dueCustomers : 0.55;
  const writePerDue = read ? read.runWriteUnits / read.dueCustomers : 5;
  const sentPerDue = read ? read.sent / read.dueCustomers : 0.8;
  const partsPerSent = read && read.sent > 0 ? read.smsParts / read.sent : 2;
  const customersPerSecond = throughput?.engineCustomersPerSecond ?? 500;
  const pacerReads = pacer?.readUnitsPerMessage ?? 1;
  const pacerWrites = pacer?.writeUnitsPerMessage ?? 0.5;

  const sent = due * sentPerDue;
  const parts = sent * partsPerSent;
  const shards = Math.max(config.shards, Math.ceil(due / (customersPerSecond * SHARD_JOB_SECONDS)));
  const scanSeconds = due / customersPerSecond;
  const drainSeconds = parts / config.sms.mps;
  const senderConcurrency = Math.max(2, Math.ceil(config.sms.mps / 10));
  const sendGbSeconds = drainSeconds * senderConcurrency * SEND_MEMORY_GB;
  const invocations = 1 + shards + Math.ceil(sent / 10);
  const readUnits = due * readPerDue + sent * pacerReads;
  const writeUnits = due * writePerDue + sent * pacerWrites;
  const gbSeconds = scanSeconds * SCAN_MEMORY_GB + sendGbSeconds;
  const sqsRequests = shards + sent * 3;
  const events = sent * 2 + 2;
  const cost = {
    dynamo: (readUnits / 1e6) * PRICES.dynamoReadPerMillion + (writeUnits / 1e6) * PRICES.dynamoWritePerMillion,
    lambda: gbSeconds * PRICES.lambdaArmGbSecond + (invocations / 1e6) * PRICES.lambdaPerMillionRequests,
    queuesAndEvents: (sqsRequests / 1e6) * PRICES.sqsPerMillionRequests + (events / 1e6) * PRICES.eventBridgePerMillionEvents,
    sms: parts * PRICES.smsPerPart,
  };
  const total = cost.dynamo + cost.lambda + cost.queuesAndEvents + cost.sms;
  const windowSeconds = 12 * 3600;
  return {
    inputs: { customers: CUSTOMERS, dueShare: DUE_SHARE, readPerDue, writePerDue, sentPerDue, partsPerSent, customersPerSecond, pacerReads, pacerWrites, prices: PRICES },
    rows: [
      { quantity: 'due customers / day', value: count(due) },
      { quantity: 'messages sent / SMS parts', value: `${count(sent)} / ${count(parts)}` },
      { quantity: 'shards (each job < 14 min on the measured rate)', value: count(shards) },
      { quantity: 'Lambda invocations (plan + shard jobs + send batches of 10)', value: count(invocations) },
      { quantity: 'Lambda GB-seconds (scan 1 GB + senders 0.5 GB while pacing)', value: count(gbSeconds) },
      { quantity: 'DynamoDB read / write units (run + pacer)', value: `${count(readUnits)} / ${count(writeUnits)}` },
      { quantity: `time to drain the SMS at ${config.sms.mps} MPS`, value: `${(drainSeconds / 3600).toFixed(1)} h` },
      { quantity: 'cost / day: DynamoDB, Lambda, SQS + EventBridge', value: `${money(cost.dynamo)}, ${money(cost.lambda)}, ${money(cost.queuesAndEvents)}` },
      { quantity: `cost / day: SMS (${PRICES.smsPerPart} per part, assumed)`, value: money(cost.sms) },
      { quantity: 'cost / day: total', value: money(total) },
    ],
    firstLimit:
      drainSeconds > windowSeconds
        ? `SMS throughput: ${count(parts)} parts at ${config.sms.mps} MPS take ${(drainSeconds / 3600).toFixed(1)} h, longer than the 12 h send window. Raise the account's SMS throughput (origination identity MPS quota) and sms.mps together; the sender concurrency follows MPS.`
        : `SMS throughput: ${count(parts)} parts at ${config.sms.mps} MPS take ${(drainSeconds / 3600).toFixed(1)} h of the 12 h send window; at ${Math.round(windowSeconds / drainSeconds)}x this volume (or a shorter window) raise the account's SMS throughput (origination identity MPS quota) and sms.mps together. DynamoDB and Lambda stay far from their limits (SMS is ${Math.round((cost.sms / total) * 100)}% of the cost).`,
  };
}
