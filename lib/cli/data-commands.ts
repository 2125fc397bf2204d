import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { applyWindowChanges, unifiedDiff, type WindowChange } from '../config/edit.ts';
import { withWindows } from '../config/versions.ts';
import { NoStoredConfigError, type OperatorRuntime } from '../runtime/operator.ts';
import { pushVersion } from './config-commands.ts';
import { parseConfigText } from '../config/load.ts';
import { CalendarDateSchema, type CampaignConfig } from '../config/schema.ts';
import { addDays, localDate, refuseFutureRun, runMoment } from '../domain/dates.ts';
import { renderReportHtml } from '../report/html.ts';
import { LANGUAGES, reportLanguage, type Language } from '../report/i18n.ts';
import { reportTables, tableCsv } from '../report/tables.ts';
import { formatReport, formatWindows } from '../report/text.ts';
import type { Report } from '../domain/report.ts';
import { makeReport } from '../usecases/report.ts';
import { learnStoredWindows } from '../usecases/windows.ts';
import { categorySurvival } from '../usecases/analyze.ts';
import { MIN_REPEATERS } from '../domain/windows.ts';
import { type LocalRuntime } from '../runtime/local.ts';
import { runDay, type RunSummary } from '../usecases/run-day.ts';
import { formatRunSummary } from './summary.ts';
import { UsageError, withOperatorRuntime, withRuntime, type CliIo, type GlobalOptions } from './context.ts';

/* The data commands: import, run, report, windows (docs/architecture.md#contracts). */

export async function runAndReport(
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

/** The period of `recall report` and `recall reconcile`: `--to` (default today), `--from` (default 29 days before it). */
export function reportPeriod(options: { from?: string; to?: string }, config: CampaignConfig, now: Date): { from: string; to: string; asOf: string } {
  const asOf = localDate(now, config.merchantTimeZone);
  for (const [flag, value] of [['--from', options.from], ['--to', options.to]] as const) {
    if (value !== undefined && !CalendarDateSchema.safeParse(value).success) throw new UsageError(`${flag}: expected a date as YYYY-MM-DD, got "${value}"`);
  }
  const to = options.to ?? asOf;
  return { from: options.from ?? addDays(to, -29), to, asOf };
}

/** `--lang`, else the config's language; a bad value is bad input. */
export function languageOption(config: CampaignConfig, requested: string | undefined): Language {
  if (requested !== undefined && !LANGUAGES.some((language) => language === requested)) throw new UsageError(`--lang: expected ${LANGUAGES.join(' or ')}, got "${requested}"`);
  return reportLanguage(config, requested);
}

/**
 * The report of a period; with `html` its HTML file (window learning included: a Scan); with `csv`
 * every table of it as DIR/<table>.csv. Returns the CSV files written.
 */
export async function reportOn(
  runtime: OperatorRuntime,
  period: { from: string; to: string; asOf: string },
  output: { language: Language; html?: string | undefined; csv?: string | undefined },
): Promise<{ report: Report; csvFiles: string[] }> {
  const report = await makeReport(runtime, { from: period.from, to: period.to }, period.asOf);
  if (output.html) {
    const learned = await learnStoredWindows(runtime);
    await mkdir(dirname(output.html), { recursive: true });
    await writeFile(output.html, renderReportHtml({ report, config: runtime.config, language: output.language, windows: learned.windows }));
  }
  const csvFiles: string[] = [];
  if (output.csv) {
    await mkdir(output.csv, { recursive: true });
    for (const table of reportTables(report, output.language)) {
      const file = join(output.csv, `${table.id}.csv`);
      await writeFile(file, tableCsv(table));
      csvFiles.push(file);
    }
  }
  return { report, csvFiles };
}

/** `recall run`, `recall report`, `recall windows`. */
export function registerDataCommands(program: Command, io: CliIo): void {
  program
    .command('run')
    .description("run the day's recall: every journey step due on the run date")
    .option('--as-of <date>', 'run date (YYYY-MM-DD, at the configured run time) or an ISO 8601 instant; default now')
    .option('--dry-run', 'decide and report, write nothing, send nothing', false)
    .option('--backfill', 'send long-lapsed customers the latest step they crossed, once', false)
    .option('--json', 'print the run summary as JSON', false)
    .option('--decisions <file>', 'write one JSON line per candidate (the audit trail)')
    .option('--allow-future', 'allow a real run dated more than a day after the clock (time travel on a demo store)', false)
    .addHelpText('after', '\nExamples:\n  recall run --dry-run\n  recall run --as-of 2026-11-22 --decisions decisions.jsonl\n  recall --config experiment.json run --dry-run   (an experiment: the file, not the stored version)')
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
    .option('--lang <language>', `language of the text and HTML report: ${LANGUAGES.join(' or ')} (default: the config's language; zh for a shop in China)`)
    .option('--csv <dir>', 'also write every table as DIR/<table>.csv (UTF-8 with a BOM, for Excel)')
    .addHelpText('after', '\nExamples:\n  recall report --html report.html --lang en\n  recall report --csv report-csv\n  recall --aws --stack RecallCampaigns-prod report --from 2026-11-01 --to 2026-11-30 --json')
    .action(async (options: { from?: string; to?: string; json: boolean; html?: string; lang?: string; csv?: string }, command: Command) => {
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const language = languageOption(runtime.config, options.lang);
        const { report, csvFiles } = await reportOn(runtime, reportPeriod(options, runtime.config, io.now()), { language, html: options.html, csv: options.csv });
        io.out(options.json ? JSON.stringify(report, null, 2) : formatReport(report, language));
        const say = options.json ? io.err : io.out;
        if (options.html) say(`\nHTML report: ${options.html}`);
        if (csvFiles.length) say(`CSV: ${csvFiles.join(', ')}`);
      });
    });

  program
    .command('windows')
    .description("learn each category's window from the stored purchase histories (a parallel Scan: a batch job)")
    .option('--json', 'print the learned windows as JSON', false)
    .option('--apply', 'store the learned windows (windowSince = today) as a new config version after printing the diff; with --config FILE, write them into FILE too', false)
    .option('--method <how>', 'what --apply takes as the window: repeaters (the median of those who came back) or survival (the Kaplan-Meier 50% point, counting those not back yet)', 'repeaters')
    .addHelpText('after', '\nExamples:\n  recall windows\n  recall windows --apply\n  recall --aws windows --apply --method survival')
    .action(async (options: { json: boolean; apply: boolean; method: string }, command: Command) => {
      if (options.method !== 'repeaters' && options.method !== 'survival') throw new UsageError(`--method: expected repeaters or survival, got "${options.method}"`);
      const globals: GlobalOptions = command.optsWithGlobals();
      await withOperatorRuntime(globals, io, async (runtime) => {
        const learned = await learnStoredWindows(runtime);
        const windows = learned.windows.map(({ curve: _curve, ...window }) => window);
        const survival = options.method === 'survival' ? (await categorySurvival(runtime, localDate(io.now(), runtime.config.merchantTimeZone))).curves : undefined;
        // Like the repeaters' median, a survival window needs MIN_REPEATERS second purchases behind it.
        const survivalDays = survival && Object.fromEntries([...survival].map(([category, curve]) => [category, curve.events >= MIN_REPEATERS ? curve.medianDays : null]));
        io.out(options.json ? JSON.stringify({ ...learned, windows, ...(survivalDays ? { survivalDays } : {}) }, null, 2) : formatWindows(learned));
        if (survivalDays && !options.json) io.out(`\nBy survival (the 50% point of days to the second purchase, counting those not back yet): ${Object.entries(survivalDays).map(([category, days]) => `${category} ${days ?? '-'}`).join(', ')}`);
        if (!options.apply) return;
        const chosen = learned.windows.map((window) => ({ window, days: survivalDays ? (survivalDays[window.category] ?? null) : window.learnedDays }));
        const changes = chosen.flatMap(({ window, days }) => (days !== null && days > 0 && days !== window.configuredDays ? [{ category: window.category, windowDays: days }] : []));
        const say = options.json ? io.err : io.out;
        if (changes.length === 0) {
          say('\nNothing to apply: every learned window equals the configured one or is flagged.');
          return;
        }
        const since = localDate(io.now(), runtime.config.merchantTimeZone);
        if (globals.config) await applyToFile(globals.config, changes, since, say);
        const current = await runtime.store.currentConfig();
        if (!current) throw new NoStoredConfigError(`${runtime.where} holds no config version to apply the windows to`);
        await pushVersion(runtime, io, withWindows(current.config, changes, since), survivalDays ? 'windows --apply --method survival' : 'windows --apply', { dryRun: false, say });
      });
    });
}

/** Writes learned windows into a config file, keeping every other byte of it. */
async function applyToFile(file: string, changes: readonly WindowChange[], since: string, say: (text: string) => void): Promise<void> {
  const before = await readFile(file, 'utf8');
  const after = applyWindowChanges(before, changes, since);
  // The edited text must still be a valid config before it replaces the file.
  parseConfigText(after, file);
  say(`\n${unifiedDiff(before, after, { before: file, after: `${file} (learned windows, windowSince ${since})` })}`);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, after);
  await rename(temporary, file);
  say(`\nApplied ${changes.length} learned window${changes.length === 1 ? '' : 's'} to ${file} (windowSince ${since}); nothing else in it changed.\n`);
}
