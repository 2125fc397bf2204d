/**
 * `npm run test:load` (not part of `npm test`): one daily run over 200,000 customers on the
 * embedded store (dynalite), with DynamoDB and SNS faults at RELIABILITY_FAULT_RATE (20% by
 * default). It must complete, every candidate must have exactly one outcome
 * (sent + heldOut + skipped + deferred = due, in total and per step), no message may go out
 * twice, and memory must stay bounded: the peak RSS of this process (sampled) is reported, with
 * the store's, which runs in a child process so that the two are told apart.
 *
 * LOAD_CUSTOMERS (default 200000), LOAD_SEED, RELIABILITY_FAULT_RATE, RELIABILITY_SEED.
 * The run's DynamoDB client retries with the SDK's standard strategy (12 attempts, exponential
 * full-jitter backoff from 20 ms) and a retry quota that does not run dry (test/support/store.ts); the faults come from the
 * DynamoDB fault proxy (test/support/dynamo-faults.ts), in this process, between the run and the store.
 * Writes nothing but to stdout: the store lives in memory and goes with its process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { zonedInstant } from '../../lib/domain/dates.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import type { SendJob, Transport } from '../../lib/ports/messaging.ts';
import { RetryableDeliveryError } from '../../lib/ports/messaging.ts';
import { deliverMessage, type DeliveryResult } from '../../lib/usecases/deliver.ts';
import { runDay, type RunSummary } from '../../lib/usecases/run-day.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { DynamoFaults } from '../support/dynamo-faults.ts';
import { FAULT_RATE, faultRandom } from '../support/fault-rate.ts';
import { testDynamoClient } from '../support/store.ts';

const CUSTOMERS = Number(process.env.LOAD_CUSTOMERS ?? 200_000);
const SEED = Number(process.env.LOAD_SEED ?? 20261122);
const TODAY = '2026-11-22';
const SECRET = 'load-test-coupon-secret';
const MAX_ATTEMPTS = 12;
const BACKOFF_BASE_MS = 20;

/** dynalite in a child process: its memory is the store's, not the run's. */
async function startStore(): Promise<{ endpoint: string; child: ChildProcess }> {
  const script = `
    const dynalite = require('dynalite');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString('utf8'));
      if (match) resolve(Number(match[1]));
    });
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

/** Peak resident set of another process (Linux), in MB. */
async function peakRssOf(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);

/** Every candidate has exactly one outcome: in total and for every journey step. */
function accountingProblems(summary: RunSummary): string[] {
  const problems: string[] = [];
  const check = (where: string, counts: { due: number; sent: number; heldOut: number; skipped: Record<string, number>; deferred: Record<string, number> }) => {
    const accounted = counts.sent + counts.heldOut + sum(counts.skipped) + sum(counts.deferred);
    if (accounted !== counts.due) problems.push(`${where}: sent + heldOut + skipped + deferred = ${accounted}, due = ${counts.due}`);
  };
  check('total', summary);
  for (const [journey, steps] of Object.entries(summary.byJourney)) for (const [step, counts] of Object.entries(steps)) check(`${journey}/${step}`, counts);
  return problems;
}

async function main(): Promise<number> {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const sampler = setInterval(sample, 250);
  sampler.unref();

  const { endpoint, child } = await startStore();
  try {
    const config = { ...(await loadDefaultConfig()), holdoutPercent: 10 };
    console.log(`load: ${CUSTOMERS.toLocaleString('en-US')} customers, ${config.shards} shards, fault rate ${FAULT_RATE} (DynamoDB and SNS), store ${endpoint} (pid ${child.pid})`);

    // Seeding is not what is measured: it goes without faults.
    const seedClient = testDynamoClient(endpoint, 8);
    const seedStore = new DynamoStore(seedClient, 'recall-load');
    await seedStore.ensureTable();
    const seedStarted = performance.now();
    let seeded = 0;
    let lastReport = seedStarted;
    await seedCustomers({ store: seedStore, config }, TODAY, generateDemoShop({ customers: CUSTOMERS, seed: SEED, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }), (count) => {
      seeded += count;
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        console.log(`load: seeded ${seeded.toLocaleString('en-US')} customers (${Math.round(seeded / ((lastReport - seedStarted) / 1000))}/s), rss ${mb(process.memoryUsage().rss)} MB`);
      }
    });
    const seedMs = performance.now() - seedStarted;
    seedClient.destroy();
    console.log(`load: seeded ${seeded.toLocaleString('en-US')} customers in ${seconds(seedMs)}`);

    // The run: its own client, through the fault proxy (faults before every request), and the SDK's retries.
    const proxy = await DynamoFaults.start(endpoint);
    proxy.failAtRate(FAULT_RATE, { random: faultRandom() });
    const faults = proxy.stats;
    const client = testDynamoClient(proxy.endpoint, MAX_ATTEMPTS, BACKOFF_BASE_MS, { bottomlessQuota: true });
    const store = new DynamoStore(client, 'recall-load');
    const snsRandom = faultRandom(11);
    const delivered = new Map<string, number>();
    let snsThrottled = 0;
    const transport: Transport = {
      async deliver(job: SendJob) {
        // SNS refuses a share of publishes (throttled): nothing went out, the sender may retry.
        if (snsRandom() < FAULT_RATE) {
          snsThrottled++;
          throw new RetryableDeliveryError('ThrottledException: Rate exceeded');
        }
        const key = ledgerKey(job, job.stepId);
        delivered.set(key, (delivered.get(key) ?? 0) + 1);
      },
    };
    const results: Record<DeliveryResult | 'redelivered', number> = { sent: 0, duplicate: 0, failed: 0, 'opted-out': 0, waiting: 0, 'bad-record': 0, redelivered: 0 };
    const clock = { now: () => new Date('2026-11-22T02:00:00Z') };
    // The send queue, inline: a throttled message is delivered again (as SQS would), after a pause.
    const sendQueue = {
      async enqueue(jobs: readonly SendJob[]) {
        for (const job of jobs) {
          for (let attempt = 1; ; attempt++) {
            try {
              results[await deliverMessage({ store, transport, clock }, job)]++;
              break;
            } catch (error) {
              if (!(error instanceof RetryableDeliveryError) || attempt >= 20) throw error;
              results.redelivered++;
              await new Promise((resolve) => setTimeout(resolve, 5 * attempt));
            }
          }
        }
      },
    };

    const runStarted = performance.now();
    const summary = await runDay({ store, config, sendQueue, couponSecret: SECRET }, { runDate: TODAY, now: zonedInstant(TODAY, config.runTime, config.merchantTimeZone), dryRun: false, backfill: false });
    const runMs = performance.now() - runStarted;
    client.destroy();
    await proxy.close();
    sample();
    clearInterval(sampler);

    const problems = accountingProblems(summary);
    const duplicates = [...delivered.values()].reduce((total, count) => total + count - 1, 0);
    if (duplicates > 0) problems.push(`${duplicates} messages delivered more than once`);
    if (delivered.size !== summary.sent) problems.push(`the channel got ${delivered.size} messages, the run says ${summary.sent} sent`);
    const storeRss = await peakRssOf(child.pid);

    const report = {
      customers: CUSTOMERS,
      faultRate: FAULT_RATE,
      seedSeconds: Math.round(seedMs / 100) / 10,
      runSeconds: Math.round(runMs / 100) / 10,
      evaluated: summary.evaluated,
      due: summary.due,
      sent: summary.sent,
      heldOut: summary.heldOut,
      skipped: summary.skipped,
      deferred: summary.deferred,
      invalidIndexItems: summary.invalidIndexItems,
      accountingHolds: accountingProblems(summary).length === 0,
      duplicates,
      deliveries: results,
      snsThrottled,
      dynamo: faults,
      peakRssMb: mb(peakRss),
      peakHeapMb: mb(peakHeap),
      storePeakRssMb: storeRss,
    };
    console.log('');
    console.log(`Load run over ${CUSTOMERS.toLocaleString('en-US')} customers at fault rate ${FAULT_RATE}: ${problems.length === 0 ? 'OK' : 'FAILED'}`);
    console.log(`  seeding ${seconds(seedMs)}, run ${seconds(runMs)}`);
    console.log(`  evaluated ${summary.evaluated}, due ${summary.due}: sent ${summary.sent}, held out ${summary.heldOut}, skipped ${JSON.stringify(summary.skipped)}, deferred ${JSON.stringify(summary.deferred)}`);
    console.log(`  accounting sent + heldOut + skipped + deferred = due: ${report.accountingHolds ? 'holds' : 'BROKEN'} (total and every step); duplicates ${duplicates}`);
    console.log(`  DynamoDB: ${faults.requests} requests, injected ${JSON.stringify(faults.injected)}, ${faults.retried} retried (max ${faults.maxAttempts} attempts, ${Math.round(faults.totalRetryDelay / 1000)} s of backoff), ${faults.failed} failed after retries`);
    console.log(`  SNS: ${snsThrottled} publishes throttled, ${results.redelivered} redeliveries; deliveries ${JSON.stringify(results)}`);
    console.log(`  peak RSS ${mb(peakRss)} MB (heap ${mb(peakHeap)} MB); the store (dynalite, in memory, separate process) peaked at ${storeRss ?? '?'} MB`);
    for (const problem of problems) console.log(`  PROBLEM: ${problem}`);
    console.log(`load-report ${JSON.stringify(report)}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    child.kill();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('load: the run failed:', error);
    process.exit(1);
  },
);
