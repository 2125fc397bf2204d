import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import type { CampaignConfig } from '../config/schema.ts';
import { refuseFutureRun, runMoment } from '../domain/dates.ts';
import { readCustomerRows } from '../import/customers.ts';
import { readOrders } from '../import/orders.ts';
import { readOptOutRows, readReplyRows } from '../import/replies.ts';
import { importCustomers, importOrders, importReplies, type ImportHooks } from '../usecases/import.ts';
import { createProgress } from './progress.ts';
import { formatImportCounts, formatReplyCounts } from './summary.ts';
import { withRuntime, type CliIo } from './context.ts';

/* `recall import customers|orders|replies|opt-outs` (docs/architecture.md#contracts). */

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

/** Says once which columns of the file's header recall does not read. */
function ignored(file: string, io: CliIo): (columns: readonly string[]) => void {
  return (columns) => io.err(`${file}:1: warning: ignored column${columns.length > 1 ? 's' : ''} ${columns.join(', ')} (not read by recall)`);
}

function importHooks(file: string, io: CliIo, progress: { tick: (count: number) => void }): ImportHooks {
  return {
    onProgress: (rows) => progress.tick(rows),
    onRejected: (line, reason, message) => io.err(`${file}:${line}: ${reason}: ${message}`),
    onWarning: (line, reason, message) => io.err(`${file}:${line}: warning: ${reason}: ${message}`),
  };
}

/** `recall import customers|orders|replies|opt-outs`. */
export function registerImportCommands(program: Command, io: CliIo): void {
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
        const rows = readCustomerRows(createReadStream(file), file, { timeZone: runtime.config.merchantTimeZone, defaultCountry: runtime.config.defaultCountry, onIgnoredColumns: ignored(file, io) });
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
        const orders = readOrders(createReadStream(file), file, { timeZone: runtime.config.merchantTimeZone, asOf, categories: runtime.config.categories, onIgnoredColumns: ignored(file, io) });
        const counts = await importOrders(runtime, orders, asOf, importHooks(file, io, progress));
        progress.done();
        io.out(formatImportCounts('orders', counts));
      }, { creates: true });
    });

  for (const kind of ['replies', 'opt-outs'] as const) {
    importCommand
      .command(`${kind} <file>`)
      .description(
        kind === 'replies'
          ? "phone,text,received_at[,id]: a provider's inbound messages, recorded as record-reply does (opt-out keywords, survey answers)"
          : "phone[,opted_out_at]: a provider's opt-out list; every customer id with a listed number is opted out",
      )
      .option('--as-of <date>', 'when the import is considered to happen: the time of an opt-out without one (default now)')
      .option('--allow-future', 'allow an --as-of more than a day after the clock', false)
      .action(async (file: string, options: ImportOptions, command: Command) => {
        await withRuntime(command.optsWithGlobals(), io, async (runtime) => {
          const asOf = importAsOf(options, runtime.config, io.now());
          const progress = createProgress(`importing ${file}`);
          const read = { timeZone: runtime.config.merchantTimeZone, defaultCountry: runtime.config.defaultCountry, asOf, onIgnoredColumns: ignored(file, io) };
          const rows = kind === 'replies' ? readReplyRows(createReadStream(file), file, read) : readOptOutRows(createReadStream(file), file, read);
          const counts = await importReplies(runtime, rows, importHooks(file, io, progress));
          progress.done();
          io.out(formatReplyCounts(kind, counts));
        });
      });
  }

}
