import { createReadStream } from 'node:fs';
import { Option, type Command } from 'commander';
import type { CampaignConfig } from '../config/schema.ts';
import { refuseFutureRun, runMoment } from '../domain/dates.ts';
import { readCustomerRows } from '../import/customers.ts';
import { readExportCustomers, readExportOrders, type ExportReadOptions } from '../import/exports.ts';
import { loadExportMap, namesCustomers, type ExportMap } from '../import/mapping.ts';
import { readOrders } from '../import/orders.ts';
import { PRESET_NAMES, PRESETS, type PresetName } from '../import/presets.ts';
import { loadProductCategories, productCategories } from '../import/product-categories.ts';
import { readOptOutRows, readReplyRows } from '../import/replies.ts';
import { importCustomers, importOrders, importReplies, type ImportHooks } from '../usecases/import.ts';
import { createProgress } from './progress.ts';
import { formatImportCounts, formatReplyCounts } from './summary.ts';
import { UsageError, withOperatorRuntime, type CliIo } from './context.ts';

/* `recall import customers|orders|replies|opt-outs` (docs/architecture.md#contracts). */

interface ImportOptions {
  asOf?: string;
  allowFuture: boolean;
}

interface OrderImportOptions extends ImportOptions {
  preset?: PresetName;
  map?: string;
  categories?: string;
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
    onSkipped: (line, reason, message) => io.err(`${file}:${line}: skipped: ${reason}: ${message}`),
    onWarning: (line, reason, message) => io.err(`${file}:${line}: warning: ${reason}: ${message}`),
  };
}

/** The column map of `--preset` or `--map`, or undefined for a file in our own columns. */
async function exportMapOf(options: OrderImportOptions): Promise<{ map: ExportMap; name: string } | undefined> {
  if (options.preset !== undefined) return { map: PRESETS[options.preset], name: `preset ${options.preset}` };
  if (options.map !== undefined) return { map: await loadExportMap(options.map), name: options.map };
  if (options.categories !== undefined) throw new UsageError('--categories needs --preset or --map: a file in our own columns has a category column');
  return undefined;
}

/**
 * A shop export: its customers first (so its orders find them), then its orders, each a pass over
 * the file with its own summary line.
 */
async function importExport(
  runtime: Parameters<typeof importCustomers>[0] & Parameters<typeof importOrders>[0] & { config: CampaignConfig },
  file: string, source: { map: ExportMap; name: string }, categoriesFile: string | undefined, asOf: Date, io: CliIo): Promise<void> {
  const { config } = runtime;
  const read: ExportReadOptions = {
    map: source.map,
    mapName: source.name,
    timeZone: config.merchantTimeZone,
    asOf,
    defaultCountry: config.defaultCountry,
    categories: config.categories,
    products: categoriesFile === undefined ? productCategories(config.categories) : await loadProductCategories(categoriesFile, config.categories),
    onIgnoredColumns: ignored(file, io),
  };
  if (namesCustomers(source.map)) {
    const progress = createProgress(`importing the customers of ${file}`);
    const counts = await importCustomers(runtime, readExportCustomers(createReadStream(file), file, read), asOf, importHooks(file, io, progress));
    progress.done();
    io.out(formatImportCounts('customers', counts));
    // The ignored columns were named by the first pass.
    delete read.onIgnoredColumns;
  }
  const progress = createProgress(`importing the orders of ${file}`);
  const counts = await importOrders(runtime, readExportOrders(createReadStream(file), file, read), asOf, importHooks(file, io, progress));
  progress.done();
  io.out(formatImportCounts('orders', counts));
}

/** `recall import customers|orders|replies|opt-outs`. */
export function registerImportCommands(program: Command, io: CliIo): void {
  const importCommand = program.command('import').description('import a CSV file into the store');
  importCommand
    .command('customers <file>')
    .description('customer_id,phone,name[,timezone,sms_opt_in,opted_out,opt_in_at,push_endpoint,birthday]; an absent column changes nothing')
    .option('--as-of <date>', 'when the import is considered to happen: the time of the opt-outs it records (default now)')
    .option('--allow-future', 'allow an --as-of more than a day after the clock', false)
    .addHelpText('after', '\nExample:\n  recall import customers customers.csv --as-of 2026-11-20')
    .action(async (file: string, options: ImportOptions, command: Command) => {
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const asOf = importAsOf(options, runtime.config, io.now());
        const progress = createProgress(`importing ${file}`);
        const rows = readCustomerRows(createReadStream(file), file, { timeZone: runtime.config.merchantTimeZone, defaultCountry: runtime.config.defaultCountry, asOf, onIgnoredColumns: ignored(file, io) });
        const counts = await importCustomers(runtime, rows, asOf, importHooks(file, io, progress));
        progress.done();
        io.out(formatImportCounts('customers', counts));
      }, { creates: true });
    });
  importCommand
    .command('orders <file>')
    .description('order_id,customer_id,ordered_at,category,amount[,coupon_code]; one row per order line. A shop export: --preset or --map')
    .option('--as-of <date>', 'when the import is considered to happen: lateness and the future-date check are judged on it (default now)')
    .option('--allow-future', 'allow an --as-of more than a day after the clock', false)
    .addOption(
      new Option('--preset <name>', "a shop platform's order export, read with a built-in column map; its customers are imported too, unpaid and closed orders skipped")
        .choices(PRESET_NAMES)
        .conflicts('map'),
    )
    .option('--map <file>', 'a column map (JSON) for any other export: {"order_id": "<its header>", "customer_id": ..., "ordered_at": ..., "amount": ..., "category": ...} (docs/architecture.md#shop-exports)')
    .option('--categories <file>', 'with --preset or --map, which category a product is in (JSON): {"products": {"<product id>": "<category>"}, "keywords": [{"keyword": "口红", "category": "彩妆"}]}')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  recall import orders orders.csv --as-of 2026-11-20',
        '  recall import orders ExportOrderList.csv --preset taobao --categories categories.json',
        '  recall import orders youzan-orders.csv --preset youzan',
        '  recall import orders erp-orders.csv --map erp-map.json',
      ].join('\n'),
    )
    .action(async (file: string, options: OrderImportOptions, command: Command) => {
      const source = await exportMapOf(options);
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const asOf = importAsOf(options, runtime.config, io.now());
        if (source) {
          await importExport(runtime, file, source, options.categories, asOf, io);
          return;
        }
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
      .addHelpText('after', kind === 'replies' ? '\nExample:\n  recall import replies inbound-sms.csv' : '\nExample:\n  recall import opt-outs opted-out-numbers.csv --as-of 2026-11-20')
      .action(async (file: string, options: ImportOptions, command: Command) => {
        await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
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
