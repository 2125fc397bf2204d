import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { functionName, invokeLocally, invokeOnAws, readEvent } from './invoke.ts';
import { FUNCTION_NAMES } from '../store/access.ts';
import { defaultIo, withRuntime, type CliIo, type GlobalOptions } from './context.ts';
import { registerDataCommands } from './data-commands.ts';
import { registerImportCommands } from './import-commands.ts';
import { registerDemo } from './demo.ts';
import { registerReconcile } from './reconcile.ts';
import { registerConfigCommands } from './config-commands.ts';
import { registerAnalyze } from './analyze.ts';
import { registerForecast } from './forecast.ts';
import { registerSimulate } from './simulate.ts';
import { registerMigrate } from './migrate.ts';
import { BadInputError, RecallError } from '../errors.ts';

/** The version in package.json, the one place it is written. */
function packageVersion(): string {
  const parsed: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string' ? parsed.version : 'unknown';
}

export function buildProgram(io: CliIo = defaultIo): Command {
  const program = new Command('recall')
    .description('Scheduled recall campaigns: find customers past their repurchase window and win them back')
    .version(packageVersion(), '--version', 'print the version')
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err(text.trimEnd()) })
    .option('--store <dir>', 'embedded store directory (default .recall/, the demo uses .recall/demo/)')
    .option('--config <file>', 'campaign config JSON (default: the built-in config)')
    .option('--endpoint <url>', 'any DynamoDB-API endpoint instead of the embedded store (with --aws: the stack\'s table on this endpoint)')
    .option('--aws', "work on the deployed stack's table with your AWS credentials (import, report, windows, reconcile, config; invoke)", false)
    .option('--stack <name>', 'the deployed stack whose outputs name its table, secret, bus and functions', 'RecallCampaigns-dev')
    .option('--region <region>', "the stack's region (default: your AWS profile's)")
    .showHelpAfterError()
    .exitOverride();

  registerDemo(program, io);
  registerImportCommands(program, io);
  registerDataCommands(program, io);
  registerReconcile(program, io);
  registerConfigCommands(program, io);
  registerAnalyze(program, io);
  registerForecast(program, io);
  registerSimulate(program, io);
  registerMigrate(program, io);

  program
    .command('invoke <function>')
    .description(`run a Lambda handler on an event: locally on the embedded store (default), or the deployed function (--aws: Lambda Invoke, with its log tail); functions: ${FUNCTION_NAMES.join(', ')}`)
    .option('--event <file>', 'event JSON (default: its sample in events/)')
    .option('--function-name <name>', 'the deployed function name (with --aws), instead of the stack outputs')
    .addHelpText('after', '\nExamples:\n  recall invoke plan-recall --event events/plan-recall.manual.json\n  recall --aws --stack RecallCampaigns-prod invoke plan-recall')
    .action(async (name: string, options: { event?: string; functionName?: string }, command: Command) => {
      const globals: GlobalOptions = command.optsWithGlobals();
      const fn = functionName(name);
      const event = await readEvent(options.event, fn);
      const outcome = globals.aws
        ? await invokeOnAws(fn, event, { stack: globals.stack, ...(globals.region ? { region: globals.region } : {}), ...(options.functionName ? { functionName: options.functionName } : {}) })
        : await withRuntime(globals, io, (runtime) => invokeLocally(runtime, fn, event));
      io.out(JSON.stringify(outcome.response, null, 2));
      if (outcome.downstream && (outcome.downstream.shardJobs > 0 || outcome.downstream.sendBatches > 0)) {
        io.out(`(locally carried on: ${outcome.downstream.shardJobs} shard jobs, ${outcome.downstream.sendBatches} send batches; messages in the outbox, events in events.jsonl)`);
      }
      if (outcome.logTail) io.out(`--- log tail ---\n${outcome.logTail}`);
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
