import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { addDays, runMoment } from '../domain/dates.ts';
import { liveDays, splitShop } from '../demo/live.ts';
import { reportLanguage } from '../report/i18n.ts';
import { formatHeadline } from '../report/text.ts';
import { maskPhone } from '../domain/phone.ts';
import { generateDemoShop } from '../demo/shop.ts';
import { lockStore } from '../runtime/store-lock.ts';
import { seedCustomers } from '../usecases/seed.ts';
import { OutboxLineSchema, type OutboxLine } from '../adapters/outbox.ts';
import { createProgress } from './progress.ts';
import { UsageError, withRuntime, type CliIo, type GlobalOptions } from './context.ts';
import { reportOn, runAndReport } from './data-commands.ts';

/* `recall demo`: a seeded shop in a store of its own, its last days lived, today run and reported. */

async function sampleOutbox(file: string, count: number): Promise<OutboxLine[]> {
  try {
    const lines = (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean);
    return lines.slice(0, count).map((line) => OutboxLineSchema.parse(JSON.parse(line)));
  } catch {
    return [];
  }
}

/** The share of the demo's SMS its outbox reports as unreachable, so the report shows failures. */
const LOCAL_FAILED_DELIVERY_PERCENT = 2;

/** Marks a store the demo made: the only kind it ever deletes. */
const DEMO_MARKER = '.recall-demo';

/**
 * Empties `dir` for a new demo shop, but only when the demo made it (its marker is there) or it is
 * empty: any other directory may hold a shop's store and its coupon secret.
 */
async function freshDemoStore(dir: string): Promise<void> {
  const entries: string[] = await readdir(dir).catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw new UsageError(`--store ${dir}: the directory is not empty and was not made by recall demo; the demo only replaces its own stores (use a new or empty directory)`);
  }
  if (entries.length > 0) {
    // Never under a command that has it open (StoreInUseError).
    await (await lockStore(dir)).release();
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, DEMO_MARKER), 'made by recall demo: the next demo may replace this directory\n');
}

export function registerDemo(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('seed a fresh demo shop in the embedded store, live its last days, run today and report')
    .option('--customers <n>', 'customers to seed', '20000')
    .option('--seed <n>', 'random seed', '20261122')
    .option('--live-days <n>', 'days before today lived day by day (daily runs, orders, answers to messages)', '14')
    .addHelpText('after', '\nExamples:\n  recall demo\n  recall demo --customers 2000 --live-days 30')
    .action(async (options: { customers: string; seed: string; liveDays: string }, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      const customers = Number(options.customers);
      if (!Number.isInteger(customers) || customers < 1) throw new UsageError(`--customers: expected a positive whole number, got "${options.customers}"`);
      const lived = Number(options.liveDays);
      if (!Number.isInteger(lived) || lived < 0 || lived > 365) throw new UsageError(`--live-days: expected a whole number from 0 to 365, got "${options.liveDays}"`);
      const storeDir = globals.store ?? join('.recall', 'demo');
      if (!globals.endpoint) await freshDemoStore(storeDir);
      await withRuntime({ ...globals, store: storeDir }, io, async (runtime) => {
        const { config } = runtime;
        const moment = runMoment(undefined, config.merchantTimeZone, config.runTime, io.now());
        const firstLiveDay = addDays(moment.runDate, -lived);
        io.out(`Seeding a demo shop: ${customers.toLocaleString('en-US')} customers, two years of orders up to ${firstLiveDay} (store ${storeDir})`);
        const progress = createProgress('seeding customers', { total: customers });
        const shop = splitShop(
          generateDemoShop({ customers, seed: Number(options.seed), today: moment.runDate, categories: config.categories, timeZone: config.merchantTimeZone }),
          firstLiveDay,
          config.merchantTimeZone,
        );
        await seedCustomers(runtime, firstLiveDay, shop.seed, (count) => progress.tick(count));
        progress.done();
        if (lived > 0) {
          io.out(`Living the last ${lived} days (${firstLiveDay} to ${addDays(moment.runDate, -1)}): each day's recall run, then its orders; some messaged customers answer`);
          const days = createProgress('living days', { total: lived });
          const history = await liveDays(runtime, shop.live, firstLiveDay, moment.runDate, Number(options.seed), () => days.tick());
          days.done();
          const sum = (pick: (day: (typeof history)[number]) => number) => history.reduce((total, day) => total + pick(day), 0).toLocaleString('en-US');
          io.out(`  ${sum((day) => day.run.sent)} messages sent, ${sum((day) => day.run.heldOut)} held out, ${sum((day) => day.orders)} orders recorded (${sum((day) => day.answers)} of them answers to messages)`);
          io.out(`  replies: ${sum((day) => day.optOuts)} opt-outs (R), ${sum((day) => day.surveyAnswers)} survey answers; some deliveries failed (the outbox reports ${LOCAL_FAILED_DELIVERY_PERCENT}% as unreachable)`);
        }
        io.out(`\nRunning today's recall (${moment.runDate}, ${config.runTime} ${config.merchantTimeZone})\n`);
        await runAndReport(runtime, io, { asOf: moment.runDate, dryRun: false, backfill: false, json: false, allowFuture: false });
        const samples = await sampleOutbox(runtime.outbox.file, 3);
        if (samples.length > 0) {
          io.out(`\nOutbox: ${runtime.outbox.file} (one JSON line per message; End User Messaging SMS on AWS). A few of the messages:`);
          for (const sample of samples) io.out(`  ${sample.channel === 'sms' ? maskPhone(sample.to) : 'push'}  [${sample.journey}/${sample.step}, ${sample.parts} part(s)]  ${sample.text}`);
        }
        const html = join(storeDir, 'report.html');
        // The lived days and today, at most the last 30 days.
        const period = { from: addDays(moment.runDate, -Math.min(lived, 29)), to: moment.runDate, asOf: moment.runDate };
        const language = reportLanguage(config);
        const { report } = await reportOn(runtime, period, { language, html });
        io.out(`\nReport ${report.period.from} to ${report.period.to}:`);
        for (const line of formatHeadline(report, language)) io.out(`  ${line}`);
        io.out(`  HTML report: ${html}`);
        io.out(`\nNext: npm run recall -- report --store ${storeDir}            (per journey and step; --html FILE, --json)`);
        io.out(`      npm run recall -- windows --store ${storeDir}           (learned windows beside the configured ones)`);
        io.out(`      npm run recall -- run --store ${storeDir} --as-of <date> --allow-future   (a later day; the same day again sends nothing)`);
      }, { creates: true, failedDeliveryPercent: LOCAL_FAILED_DELIVERY_PERCENT });
    });
}
