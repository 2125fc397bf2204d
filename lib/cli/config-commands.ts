import type { Command } from 'commander';
import { unifiedDiff } from '../config/edit.ts';
import { defaultConfigPath, loadConfigFile } from '../config/load.ts';
import type { CampaignConfig } from '../config/schema.ts';
import { configText } from '../config/versions.ts';
import type { StoredConfig } from '../ports/store.ts';
import { table } from '../report/table.ts';
import type { OperatorRuntime } from '../runtime/operator.ts';
import { planPush, refuseDeploySettings, rollbackTo, storeVersion, UnknownConfigVersionError, type PushPlan } from '../usecases/config-versions.ts';
import { UsageError, withOperatorRuntime, type CliIo, type GlobalOptions } from './context.ts';
import { forecastFrom, nextRunDate } from './forecast.ts';

/* `recall config check|show|history|push|rollback` (docs/architecture.md#config-versions). */

function describe(stored: StoredConfig): string {
  return `version ${stored.version} (${stored.source}${stored.storedAt ? `, ${stored.storedAt}` : ''})`;
}

function stepList(steps: readonly { journeyId: string; stepId: string }[]): string {
  return steps.map((step) => `${step.journeyId}/${step.stepId}`).join(', ');
}

/** What a push shows before it stores: the diff, and each warning on its own line. */
export function formatPushPlan(plan: PushPlan, label: string): string[] {
  const before = plan.current ? configText(plan.current.config) : '';
  const diff = unifiedDiff(before, configText(plan.next), { before: plan.current ? describe(plan.current) : '(no version yet)', after: label });
  const lines = [diff];
  for (const revert of plan.reverts) {
    lines.push(`warning: reverts ${revert.path} ${revert.current ?? '(unset)'} -> ${revert.restored ?? '(unset)'}: set by version ${revert.version} (${revert.source}${revert.storedAt ? `, ${revert.storedAt}` : ''})`);
  }
  if (plan.templates.length > 0) {
    lines.push(`warning: ${plan.templates.length} template${plan.templates.length === 1 ? '' : 's'} new or changed (${stepList(plan.templates)}): in China each must be registered with the carriers again before it sends`);
  }
  for (const step of plan.removed) {
    lines.push(`warning: removes step ${step.journeyId}/${step.stepId}: ${step.waiting} customer${step.waiting === 1 ? '' : 's'} wait${step.waiting === 1 ? 's' : ''} there and will get nothing from it`);
  }
  return lines;
}

/**
 * Checks `next` against the current version, shows what it changes, and (unless `dryRun`) stores
 * it as the next version. Deploy-time settings are refused before anything is stored.
 */
export async function pushVersion(runtime: OperatorRuntime, io: CliIo, next: CampaignConfig, source: string, options: { dryRun: boolean; say?: (text: string) => void }): Promise<StoredConfig | undefined> {
  const say = options.say ?? io.out;
  const plan = await planPush(runtime.store, next);
  refuseDeploySettings(plan);
  if (plan.current && configText(plan.current.config) === configText(next)) {
    say(`Nothing to store: ${source} has the content of the current ${describe(plan.current)}.`);
    return undefined;
  }
  for (const line of formatPushPlan(plan, source)) say(line);
  if (plan.current) say(await forecastChange(runtime, plan.current.config, next, io.now()));
  if (options.dryRun) {
    say(`\n--dry-run: nothing stored in ${runtime.where}.`);
    return undefined;
  }
  const stored = await storeVersion(runtime.store, next, source, plan.current?.version ?? 0, runtime.clock);
  say(`\nStored ${describe(stored)} in ${runtime.where}: runs use it from their next start (functions within a minute).`);
  return stored;
}

/** How the push moves the next 30 days' forecast (docs/architecture.md#forecast). */
async function forecastChange(runtime: OperatorRuntime, current: CampaignConfig, next: CampaignConfig, now: Date): Promise<string> {
  const from = nextRunDate({ config: current }, now);
  const [before, after] = [await forecastFrom({ ...runtime, config: current }, from, 30), await forecastFrom({ ...runtime, config: next }, from, 30)];
  const change = (label: string, a: number, b: number, digits = 0) => `${label} ${a.toFixed(digits)} -> ${b.toFixed(digits)}`;
  return (
    `forecast, ${before.from} to ${before.to}: ` +
    [
      change('messages', before.totals.expectedMessages, after.totals.expectedMessages),
      change(`SMS ${after.currency}`, before.totals.smsCost, after.totals.smsCost, 2),
      change(`coupons ${after.currency}`, before.totals.couponValue, after.totals.couponValue, 2),
    ].join(', ')
  );
}

function versionNumber(text: string): number {
  const version = Number(text);
  if (!Number.isInteger(version) || version < 1) throw new UsageError(`expected a version number (1, 2, ...), got "${text}"`);
  return version;
}

export function registerConfigCommands(program: Command, io: CliIo): void {
  const config = program
    .command('config')
    .description('the campaign config: check a file; show, push and roll back the versions runs use (no deploy needed)');

  config
    .command('check [file]')
    .description('validate a campaign config and print every problem with its path')
    .addHelpText('after', '\nExample:\n  recall config check config/shop.json')
    .action(async (file: string | undefined) => {
      const path = file ?? defaultConfigPath;
      const checked = await loadConfigFile(path);
      io.out(`${path}: OK (${checked.categories.length} categories, ${checked.journeys.length} journeys: ${checked.journeys.map((journey) => `${journey.id} ${journey.steps.length} steps`).join(', ')})`);
    });

  config
    .command('show [version]')
    .description('print the current version (or VERSION) as JSON')
    .addHelpText('after', '\nExamples:\n  recall config show > shop.json\n  recall --aws --stack RecallCampaigns-prod config show 3')
    .action(async (version: string | undefined, _options: unknown, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      await withOperatorRuntime({ ...globals, config: undefined }, io, async (runtime) => {
        const stored = version === undefined ? await runtime.store.currentConfig() : await runtime.store.configVersion(versionNumber(version));
        if (!stored) throw new UnknownConfigVersionError(`${runtime.where} holds no config version${version === undefined ? '' : ` ${version}`}: \`recall config history\` lists them`);
        io.err(`# ${describe(stored)}`);
        io.out(configText(stored.config).trimEnd());
      });
    });

  config
    .command('history')
    .description('every stored version: when, what made it, how many values it changed')
    .option('--json', 'print the versions as JSON', false)
    .addHelpText('after', '\nExample:\n  recall --aws config history')
    .action(async (options: { json: boolean }, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      await withOperatorRuntime({ ...globals, config: undefined }, io, async (runtime) => {
        const history = await runtime.store.configHistory();
        if (options.json) {
          io.out(JSON.stringify(history.map(({ config: _config, ...stored }) => stored), null, 2));
          return;
        }
        io.out(`Config versions in ${runtime.where}: ${history.length}`);
        if (history.length > 0) io.out(table(['version', 'stored at', 'made by'], history.map((stored) => [String(stored.version), stored.storedAt || '(at deploy)', stored.source])));
      });
    });

  config
    .command('push <file>')
    .description('validate FILE, show its diff against the current version (reverts, changed templates, customers at removed steps), then store it as the next version')
    .option('--dry-run', 'show what the push would change, store nothing', false)
    .addHelpText('after', '\nExamples:\n  recall config push shop.json --dry-run\n  recall --aws --stack RecallCampaigns-prod config push shop.json')
    .action(async (file: string, options: { dryRun: boolean }, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      if (globals.config) throw new UsageError('config push FILE: the file to push is the argument; --config is for a local experiment with a file');
      const next = await loadConfigFile(file);
      await withOperatorRuntime(globals, io, (runtime) => pushVersion(runtime, io, next, `push ${file}`, options));
    });

  config
    .command('rollback <version>')
    .description("store a new version with VERSION's content (the current deploy-time settings kept)")
    .addHelpText('after', '\nExample:\n  recall --aws config rollback 3')
    .action(async (version: string, _options: unknown, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      await withOperatorRuntime({ ...globals, config: undefined }, io, async (runtime) => {
        const { from, to } = await rollbackTo(runtime.store, versionNumber(version), runtime.clock);
        io.out(unifiedDiff(configText(from.config), configText(to.config), { before: describe(from), after: describe(to) }) || `version ${version} has the same content as ${describe(from)}`);
        io.out(`\nStored ${describe(to)} in ${runtime.where}.`);
      });
    });
}
