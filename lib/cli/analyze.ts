import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { localDate } from '../domain/dates.ts';
import { renderAnalysisHtml } from '../report/analysis-html.ts';
import { LANGUAGES } from '../report/i18n.ts';
import { table } from '../report/table.ts';
import { analyzeRepurchase, type RepurchaseAnalysis } from '../usecases/analyze.ts';
import { withOperatorRuntime, type CliIo } from './context.ts';
import { languageOption } from './data-commands.ts';

/* `recall analyze` (docs/architecture.md#repurchase-analysis). */

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const interval = ([low, high]: [number, number]) => `${percent(low)}-${percent(high)}`;
const days = (value: number | null) => (value === null ? '-' : String(value));

export function formatAnalysis(analysis: RepurchaseAnalysis): string {
  const { lifecycle } = analysis;
  return [
    `Repurchase analysis as of ${analysis.asOf}: ${analysis.customers.toLocaleString('en-US')} customers, ${analysis.orders.toLocaleString('en-US')} orders (parallel Scans, ${analysis.readUnits} read units)`,
    '',
    'Chance of a next order by orders placed so far, P(k+1 | k), 95% interval:',
    table(
      ['orders so far', 'customers', 'ordered again', 'chance', '95% interval'],
      analysis.nextOrder.map((step) => [String(step.k), String(step.customers), String(step.placedNext), percent(step.rate), interval(step.interval)]),
    ),
    analysis.magicNumber === null
      ? 'Magic number: none yet (the chance keeps rising, or too few customers to tell)'
      : `Magic number: ${analysis.magicNumber} order${analysis.magicNumber === 1 ? '' : 's'} (after ${analysis.magicNumber}, one more order raises the chance of the next by less than 2 points)`,
    '',
    `Lifecycle: active ${lifecycle.active}, sleeping (90-180 days) ${lifecycle.sleeping}, pre-lost (180-365) ${lifecycle.preLost}, lost (over 365) ${lifecycle.lost}`,
    '',
    'Next-month repurchase by first-purchase month:',
    table(
      ['first month', 'customers', 'next month', 'rate'],
      analysis.cohorts.map((cohort) => [cohort.month, String(cohort.customers), String(cohort.nextMonth), `${percent(cohort.rate)}${cohort.complete ? '' : ' (month not over)'}`]),
    ),
    '',
    'RFM: customers (average spend) by recency (R, 5 = most recent fifth) and orders (F, 5 = most):',
    table(
      ['R \\ F', '1', '2', '3', '4', '5'],
      [5, 4, 3, 2, 1].map((r) => [
        String(r),
        ...[1, 2, 3, 4, 5].map((f) => {
          const cell = analysis.rfm.cells.find((candidate) => candidate.r === r && candidate.f === f);
          return cell ? `${cell.customers} (${Math.round(cell.averageSpend)})` : '-';
        }),
      ]),
    ),
    '',
    'Days to the second purchase in a category: survival (counts those not back yet) beside the windows:',
    table(
      ['category', 'configured', 'learned (repeaters)', 'survival 50%', '95% interval', 'buyers', 'came back'],
      analysis.windows.map((window) => [
        window.category,
        String(window.configuredDays),
        days(window.learnedDays),
        days(window.survival.medianDays),
        window.survival.medianInterval ? `${days(window.survival.medianInterval[0])}-${days(window.survival.medianInterval[1])}` : '-',
        String(window.survival.customers),
        String(window.survival.events),
      ]),
    ),
    analysis.invalidItems ? `\n${analysis.invalidItems} invalid items skipped.` : '',
  ]
    .join('\n')
    .trimEnd();
}

export function registerAnalyze(program: Command, io: CliIo): void {
  program
    .command('analyze')
    .description("repurchase measures from every stored order (a batch job: parallel Scans): P(k+1 | k) and the magic number, cohorts, lifecycle sizes, RFM, windows by survival")
    .option('--json', 'print the analysis as JSON (with the survival curves)', false)
    .option('--html <file>', 'also write it as one self-contained HTML page (charts, no network)')
    .option('--lang <language>', `language of the HTML page: ${LANGUAGES.join(' or ')} (default: the config's language; zh for a shop in China)`)
    .addHelpText('after', '\nExamples:\n  recall analyze\n  recall analyze --html analysis.html --lang en\n  recall --aws analyze --json > analysis.json')
    .action(async (options: { json: boolean; html?: string; lang?: string }, command: Command) => {
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        // A bad --lang fails before the Scans.
        const language = languageOption(runtime.config, options.lang);
        const analysis = await analyzeRepurchase(runtime, localDate(io.now(), runtime.config.merchantTimeZone));
        io.out(options.json ? JSON.stringify(analysis, null, 2) : formatAnalysis(analysis));
        if (options.html) {
          await mkdir(dirname(options.html), { recursive: true });
          await writeFile(options.html, renderAnalysisHtml({ analysis, config: runtime.config, language }));
          if (!options.json) io.out(`\nWrote ${options.html}`);
        }
      });
    });
}
