import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { applyWindowChanges, unifiedDiff } from '../config/edit.ts';
import { defaultConfigPath, loadConfigFile, parseConfigText } from '../config/load.ts';
import { CalendarDateSchema, type CampaignConfig } from '../config/schema.ts';
import { addDays, localDate, refuseFutureRun, runMoment } from '../domain/dates.ts';
import { liveDays, splitShop } from '../demo/live.ts';
import { renderReportHtml } from '../report/html.ts';
import { formatHeadline, formatReport, formatWindows } from '../report/text.ts';
import type { Report } from '../domain/report.ts';
import { makeReport } from '../usecases/report.ts';
import { learnStoredWindows } from '../usecases/windows.ts';
import { maskPhone } from '../domain/phone.ts';
import { generateDemoShop } from '../demo/shop.ts';
import { readCustomerRows } from '../import/customers.ts';
import { readOrders } from '../import/orders.ts';
import { openLocalRuntime, type LocalRuntime } from '../runtime/local.ts';
import { lockStore } from '../runtime/store-lock.ts';
import { importCustomers, importOrders, type ImportHooks } from '../usecases/import.ts';
import { runDay, type RunSummary } from '../usecases/run-day.ts';
import { seedCustomers } from '../usecases/seed.ts';
import { OutboxLineSchema, type OutboxLine } from '../adapters/outbox.ts';
import { createProgress } from './progress.ts';
import { functionName, invokeLocally, invokeOnAws, readEvent } from './invoke.ts';
import { FUNCTION_NAMES } from '../store/access.ts';
import { formatImportCounts, formatRunSummary } from './summary.ts';
import { BadInputError, RecallError } from '../errors.ts';

/** Bad arguments: exit code 2, like bad config and bad CSV. */
export class UsageError extends BadInputError {
  override name = 'UsageError';
}

interface GlobalOptions {
  store?: string;
  config?: string;
  endpoint?: string;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => Date;
}

const defaultIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => new Date(),
};

/**
 * Opens the store for a command. Only `demo` and `import` create a store: every other command
 * refuses a `--store` that does not exist instead of silently reading an empty one.
 */
async function withRuntime<T>(globals: GlobalOptions, io: CliIo, work: (runtime: LocalRuntime) => Promise<T>, options: { creates?: boolean } = {}): Promise<T> {
  if (!globals.endpoint && !options.creates) {
    const dir = globals.store ?? '.recall';
    if (!existsSync(dir)) throw new UsageError(`--store ${dir}: no store there. Import customers and orders into it first (recall import ...), or run recall demo`);
  }
  const runtime = await openLocalRuntime({
    ...(globals.store ? { storeDir: globals.store } : {}),
    ...(globals.endpoint ? { endpoint: globals.endpoint } : {}),
    ...(globals.config ? { configFile: globals.config } : {}),
    clock: { now: io.now },
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

async function runAndReport(
  runtime: LocalRuntime,
  io: CliIo,
  options: { asOf?: string; dryRun: boolean; backfill: boolean; json: boolean; decisions?: string; allowFuture: boolean },
): Promise<RunSummary> {
  const { config } = runtime;
  const moment = runMoment(options.asOf, config.merchantTimeZone, config.runTime, io.now());
  refuseFutureRun(moment.now, io.now(), options);
  let decisions: WriteStream | undefined;
  if (options.decisions) decisions = createWriteStream(options.decisions);
  const summary = await runDay(runtime, {
    ...moment,
    dryRun: options.dryRun,
    backfill: options.backfill,
    ...(decisions ? { onDecision: (record) => decisions?.write(`${JSON.stringify(record)}\n`) } : {}),
  });
  if (decisions) await new Promise((resolve) => decisions?.end(resolve));
  io.out(options.json ? JSON.stringify(summary, null, 2) : formatRunSummary(summary));
  for (const warning of summary.warnings) io.err(`warning: ${warning}`);
  return summary;
}

/** The period of `recall report`: `--to` (default today), `--from` (default 29 days before it). */
function reportPeriod(options: { from?: string; to?: string }, config: CampaignConfig, now: Date): { from: string; to: string; asOf: string } {
  const asOf = localDate(now, config.merchantTimeZone);
  for (const [flag, value] of [['--from', options.from], ['--to', options.to]] as const) {
    if (value !== undefined && !CalendarDateSchema.safeParse(value).success) throw new UsageError(`${flag}: expected a date as YYYY-MM-DD, got "${value}"`);
  }
  const to = options.to ?? asOf;
  return { from: options.from ?? addDays(to, -29), to, asOf };
}

/** The report of a period, and with `html` its HTML file (window learning included: a Scan). */
async function reportOn(runtime: LocalRuntime, period: { from: string; to: string; asOf: string }, html: string | undefined): Promise<Report> {
  const report = await makeReport(runtime, { from: period.from, to: period.to }, period.asOf);
  if (html) {
    const learned = await learnStoredWindows(runtime);
    await mkdir(dirname(html), { recursive: true });
    await writeFile(html, renderReportHtml({ report, config: runtime.config, windows: learned.windows }));
  }
  return report;
}

async function sampleOutbox(file: string, count: number): Promise<OutboxLine[]> {
  try {
    const lines = (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean);
    return lines.slice(0, count).map((line) => OutboxLineSchema.parse(JSON.parse(line)));
  } catch {
    return [];
  }
}

interface ImportOptions {
  asOf?: string;
  allowFuture: boolean;
}

/** The moment an import stands for: `--as-of` (a date means the configured run time), or now. */
function importAsOf(options: ImportOptions, config: CampaignConfig, now: Date): Date {
  const moment = runMoment(options.asOf, config.merchantTimeZone, config.runTime, now).now;
  refuseFutureRun(moment, now, { dryRun: false, allowFuture: options.allowFuture });
  return moment;
}

function importHooks(file: string, io: CliIo, progress: { tick: (count: number) => void }): ImportHooks {
  return {
    onProgress: (rows) => progress.tick(rows),
    onRejected: (line, reason, message) => io.err(`${file}:${line}: ${reason}: ${message}`),
    onWarning: (line, reason, message) => io.err(`${file}:${line}: warning: ${reason}: ${message}`),
  };
}

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

export function buildProgram(io: CliIo = defaultIo): Command {
  const program = new Command('recall')
    .description('Scheduled recall campaigns: find customers past their repurchase window and win them back')
    .option('--store <dir>', 'embedded store directory (default .recall/, the demo uses .recall/demo/)')
    .option('--config <file>', 'campaign config JSON (default: the built-in config)')
    .option('--endpoint <url>', 'any DynamoDB-API endpoint instead of the embedded store')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('demo')
    .description('seed a fresh demo shop in the embedded store, live its last days, run today and report')
    .option('--customers <n>', 'customers to seed', '20000')
    .option('--seed <n>', 'random seed', '20261122')
    .option('--live-days <n>', 'days before today lived day by day (daily runs, orders, answers to messages)', '14')
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
        }
        io.out(`\nRunning today's recall (${moment.runDate}, ${config.runTime} ${config.merchantTimeZone})\n`);
        await runAndReport(runtime, io, { asOf: moment.runDate, dryRun: false, backfill: false, json: false, allowFuture: false });
        const samples = await sampleOutbox(runtime.outbox.file, 3);
        if (samples.length > 0) {
          io.out(`\nOutbox: ${runtime.outbox.file} (one JSON line per message; SNS on AWS). A few of the messages:`);
          for (const sample of samples) io.out(`  ${sample.channel === 'sms' ? maskPhone(sample.to) : 'push'}  [${sample.journey}/${sample.step}, ${sample.parts} part(s)]  ${sample.text}`);
        }
        const html = join(storeDir, 'report.html');
        // The lived days and today, at most the last 30 days.
        const period = { from: addDays(moment.runDate, -Math.min(lived, 29)), to: moment.runDate, asOf: moment.runDate };
        const report = await reportOn(runtime, period, html);
        io.out(`\nReport ${report.period.from} to ${report.period.to}:`);
        for (const line of formatHeadline(report)) io.out(`  ${line}`);
        io.out(`  HTML report: ${html}`);
        io.out(`\nNext: npm run recall -- report --store ${storeDir}            (per journey and step; --html FILE, --json)`);
        io.out(`      npm run recall -- windows --store ${storeDir}           (learned windows beside the configured ones)`);
        io.out(`      npm run recall -- run --store ${storeDir} --as-of <date> --allow-future   (a later day; the same day again sends nothing)`);
      }, { creates: true });
    });

  const importCommand = program.command('import').description('import a CSV file into the store');
  importCommand
    .command('customers <file>')
    .description('customer_id,phone,name[,timezone,sms_opt_in,opted_out,opt_in_at,push_endpoint]; an absent column changes nothing')
    .option('--as-of <date>', 'when the import is considered to happen: the time of the opt-outs it records (default now)')
    .option('--allow-future', 'allow an --as-of more than a day after the clock', false)
    .action(async (file: string, options: ImportOptions, command: Command) => {
      await withRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const asOf = importAsOf(options, runtime.config, io.now());
        const progress = createProgress(`importing ${file}`);
        const rows = readCustomerRows(createReadStream(file), file, { timeZone: runtime.config.merchantTimeZone, defaultCountry: runtime.config.defaultCountry });
        const counts = await importCustomers(runtime, rows, asOf, importHooks(file, io, progress));
        progress.done();
        io.out(formatImportCounts('customers', counts));
      }, { creates: true });
    });
  importCommand
    .command('orders <file>')
    .description('order_id,customer_id,ordered_at,category,amount[,coupon_code]; one row per order line')
    .option('--as-of <date>', 'when the import is considered to happen: lateness and the future-date check are judged on it (default now)')
    .option('--allow-future', 'allow an --as-of more than a day after the clock', false)
    .action(async (file: string, options: ImportOptions, command: Command) => {
      await withRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const asOf = importAsOf(options, runtime.config, io.now());
        const progress = createProgress(`importing ${file}`);
        const orders = readOrders(createReadStream(file), file, { timeZone: runtime.config.merchantTimeZone, asOf });
        const counts = await importOrders(runtime, orders, asOf, importHooks(file, io, progress));
        progress.done();
        io.out(formatImportCounts('orders', counts));
      }, { creates: true });
    });

  program
    .command('run')
    .description("run the day's recall: every journey step due on the run date")
    .option('--as-of <date>', 'run date (YYYY-MM-DD, at the configured run time) or an ISO 8601 instant; default now')
    .option('--dry-run', 'decide and report, write nothing, send nothing', false)
    .option('--backfill', 'send long-lapsed customers the latest step they crossed, once', false)
    .option('--json', 'print the run summary as JSON', false)
    .option('--decisions <file>', 'write one JSON line per candidate (the audit trail)')
    .option('--allow-future', 'allow a real run dated more than a day after the clock (time travel on a demo store)', false)
    .action(async (options: { asOf?: string; dryRun: boolean; backfill: boolean; json: boolean; decisions?: string; allowFuture: boolean }, command: Command) => {
      await withRuntime(command.optsWithGlobals(), io, (runtime) => runAndReport(runtime, io, options));
    });

  program
    .command('report')
    .description('what the recalls of a period achieved: sent vs held-out conversion, lift, revenue, coupons, repurchase rates')
    .option('--from <date>', 'first run date of the period (default: 29 days before --to)')
    .option('--to <date>', 'last run date of the period (default: today)')
    .option('--json', 'print the report as JSON', false)
    .option('--html <file>', 'also write the report as one self-contained HTML file (charts; learns the windows: a Scan)')
    .action(async (options: { from?: string; to?: string; json: boolean; html?: string }, command: Command) => {
      await withRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const report = await reportOn(runtime, reportPeriod(options, runtime.config, io.now()), options.html);
        io.out(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
        if (options.html && !options.json) io.out(`\nHTML report: ${options.html}`);
      });
    });

  program
    .command('windows')
    .description("learn each category's window from the stored purchase histories (a parallel Scan: a batch job)")
    .option('--json', 'print the learned windows as JSON', false)
    .option('--apply', 'write the learned windows (and windowSince = today) into the --config file, after printing the diff', false)
    .action(async (options: { json: boolean; apply: boolean }, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      if (options.apply && !globals.config) throw new UsageError('--apply writes into the config file given by --config FILE; none was given (the built-in default is never edited)');
      await withRuntime(globals, io, async (runtime) => {
        const learned = await learnStoredWindows(runtime);
        const windows = learned.windows.map(({ curve: _curve, ...window }) => window);
        io.out(options.json ? JSON.stringify({ ...learned, windows }, null, 2) : formatWindows(learned));
        if (!options.apply || !globals.config) return;
        const file = globals.config;
        const changes = learned.windows.flatMap((window) => (window.learnedDays !== null && window.learnedDays !== window.configuredDays ? [{ category: window.category, windowDays: window.learnedDays }] : []));
        const say = options.json ? io.err : io.out;
        if (changes.length === 0) {
          say(`\nNothing to apply to ${file}: every learned window equals the configured one or is flagged.`);
          return;
        }
        const since = localDate(io.now(), runtime.config.merchantTimeZone);
        const before = await readFile(file, 'utf8');
        const after = applyWindowChanges(before, changes, since);
        // The edited text must still be a valid config before it replaces the file.
        parseConfigText(after, file);
        say(`\n${unifiedDiff(before, after, { before: file, after: `${file} (learned windows, windowSince ${since})` })}`);
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, after);
        await rename(temporary, file);
        say(`\nApplied ${changes.length} learned window${changes.length === 1 ? '' : 's'} to ${file} (windowSince ${since}); nothing else in it changed.`);
      });
    });

  program
    .command('invoke <function>')
    .description(`run a Lambda handler on an event: locally on the embedded store (default), or the deployed one (--aws); functions: ${FUNCTION_NAMES.join(', ')}`)
    .option('--event <file>', 'event JSON (default: its sample in events/)')
    .option('--aws', 'invoke the deployed function (Lambda Invoke) and print its log tail', false)
    .option('--stack <name>', 'the deployed stack whose outputs name the functions', 'RecallCampaigns-dev')
    .option('--function-name <name>', 'the deployed function name, instead of the stack outputs')
    .action(async (name: string, options: { event?: string; aws: boolean; stack: string; functionName?: string }, command: Command) => {
      const fn = functionName(name);
      const event = await readEvent(options.event, fn);
      const outcome = options.aws
        ? await invokeOnAws(fn, event, { stack: options.stack, ...(options.functionName ? { functionName: options.functionName } : {}) })
        : await withRuntime(command.optsWithGlobals(), io, (runtime) => invokeLocally(runtime, fn, event));
      io.out(JSON.stringify(outcome.response, null, 2));
      if (outcome.downstream && (outcome.downstream.shardJobs > 0 || outcome.downstream.sendBatches > 0)) {
        io.out(`(locally carried on: ${outcome.downstream.shardJobs} shard jobs, ${outcome.downstream.sendBatches} send batches; messages in the outbox, events in events.jsonl)`);
      }
      if (outcome.logTail) io.out(`--- log tail ---\n${outcome.logTail}`);
    });

  program
    .command('config')
    .description('campaign config tools')
    .command('check [file]')
    .description('validate a campaign config and print every problem with its path')
    .action(async (file: string | undefined) => {
      const path = file ?? defaultConfigPath;
      const config = await loadConfigFile(path);
      io.out(`${path}: OK (${config.categories.length} categories, ${config.journeys.length} journeys: ${config.journeys.map((journey) => `${journey.id} ${journey.steps.length} steps`).join(', ')})`);
    });

  return program;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 run failed, 2 bad input). */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    // Exit codes by kind (docs/architecture.md#errors): 2 for input only the user can fix (a bad
    // argument, config, CSV or event, a missing file, a store in use), 1 for a run that failed.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const missingFile = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    if (error instanceof BadInputError || missingFile) {
      io.err(error.message);
      return 2;
    }
    // Our own errors name what went wrong; anything else is a bug, worth its stack.
    io.err(error instanceof RecallError ? error.message : `recall failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
