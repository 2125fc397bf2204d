import type { Command } from 'commander';
import { table } from '../report/table.ts';
import { reconcile, type OperatorMark, type ReconcileResult } from '../usecases/reconcile.ts';
import { reportPeriod } from './data-commands.ts';
import { UsageError, withOperatorRuntime, type CliIo } from './context.ts';

/* `recall reconcile`: the unconfirmed messages of a period, listed and marked (docs/architecture.md#message-states). */

interface ReconcileOptions {
  from?: string;
  to?: string;
  customer?: string;
  journey?: string;
  step?: string;
  mark?: string;
  json: boolean;
}

const MARKS: readonly OperatorMark[] = ['sent', 'not-sent'];

function markOf(value: string | undefined): OperatorMark | undefined {
  if (value === undefined) return undefined;
  if (!(MARKS as readonly string[]).includes(value)) throw new UsageError(`--mark: expected sent or not-sent, got "${value}"`);
  return value as OperatorMark;
}

export function formatReconcile(result: ReconcileResult): string {
  const { unconfirmed, marked } = result;
  const lines = [`Unconfirmed messages decided ${result.from} to ${result.to}: ${unconfirmed.length}`];
  if (unconfirmed.length > 0) {
    lines.push(
      '',
      table(
        ['run date', 'customer', 'journey', 'step', 'cycle', 'channel', 'recipient'],
        unconfirmed.map((message) => [message.runDate, message.customerId, message.journeyId, message.stepId, message.cycle, message.channel ?? '-', message.recipient ?? '-']),
      ),
    );
  }
  if (marked) {
    lines.push('', `Marked ${marked.marked} as ${marked.as}${marked.alreadySettled ? `; ${marked.alreadySettled} had been settled meanwhile and were left as they are` : ''}.`);
  } else if (unconfirmed.length > 0) {
    lines.push(
      '',
      'Each may or may not have reached the customer, and none is sent again. Look them up in the provider\'s delivery records,',
      'then mark them: --mark sent or --mark not-sent (narrow with --customer, --journey, --step, --from, --to).',
      'A delivery event from the provider later overrides a mark.',
    );
  }
  if (result.invalidItems) lines.push(`${result.invalidItems} invalid index items skipped.`);
  return lines.join('\n');
}

export function registerReconcile(program: Command, io: CliIo): void {
  program
    .command('reconcile')
    .description('list the messages still unconfirmed (sending) in a period, with masked numbers, and mark them sent or not-sent')
    .option('--from <date>', 'first run date (default: 29 days before --to)')
    .option('--to <date>', 'last run date (default: today)')
    .option('--customer <id>', 'only this customer')
    .option('--journey <id>', 'only this journey')
    .option('--step <id>', 'only this step')
    .option('--mark <how>', 'mark every listed message: sent | not-sent')
    .option('--json', 'print the result as JSON', false)
    .addHelpText('after', '\nExamples:\n  recall reconcile --from 2026-11-01\n  recall --aws reconcile --customer C1042 --mark not-sent')
    .action(async (options: ReconcileOptions, command: Command) => {
      const mark = markOf(options.mark);
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const period = reportPeriod(options, runtime.config, io.now());
        const filter = {
          from: period.from,
          to: period.to,
          ...(options.customer ? { customerId: options.customer } : {}),
          ...(options.journey ? { journeyId: options.journey } : {}),
          ...(options.step ? { stepId: options.step } : {}),
        };
        const result = await reconcile(runtime, filter, mark ? { as: mark, at: io.now() } : undefined);
        io.out(options.json ? JSON.stringify(result, null, 2) : formatReconcile(result));
      });
    });
}
