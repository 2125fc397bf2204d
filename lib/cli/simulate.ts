import { createReadStream } from 'node:fs';
import { Option, type Command } from 'commander';
import { MemoryStore } from '../adapters/memory/store.ts';
import { shardOf } from '../domain/hashing.ts';
import { loadConfigFile } from '../config/load.ts';
import { CalendarDateSchema, type CampaignConfig } from '../config/schema.ts';
import { wentOut } from '../domain/message-state.ts';
import { addDays, localDate, type CalendarDate } from '../domain/dates.ts';
import type { CustomerUpdate, OrderInput } from '../domain/model.ts';
import { readCustomerRows } from '../import/customers.ts';
import { readExportCustomers, readExportOrders, type ExportReadOptions } from '../import/exports.ts';
import { loadExportMap, namesCustomers } from '../import/mapping.ts';
import { readOrders } from '../import/orders.ts';
import { PRESET_NAMES, PRESETS, type PresetName } from '../import/presets.ts';
import { loadProductCategories, productCategories } from '../import/product-categories.ts';
import type { CustomerSnapshot } from '../ports/store.ts';
import { scanAll } from '../usecases/scan.ts';
import { table } from '../report/table.ts';
import type { OperatorRuntime } from '../runtime/operator.ts';
import { importCustomers, type ImportRow } from '../usecases/import.ts';
import { simulate, type Simulation } from '../usecases/simulate.ts';
import { createProgress } from './progress.ts';
import { UsageError, withOperatorRuntime, type CliIo } from './context.ts';

/* `recall simulate` (docs/architecture.md#simulation). */

interface SimulateOptions {
  orders: string[];
  customers?: string;
  preset?: PresetName;
  map?: string;
  categories?: string;
  from?: string;
  to?: string;
  compare?: string;
  json: boolean;
}

/** The order files as `import orders` reads them (our columns, a preset or a map), and the customers an export names. */
async function readHistory(files: readonly string[], options: SimulateOptions, config: CampaignConfig, now: Date, io: CliIo): Promise<{ orders: OrderInput[]; customers: ImportRow<CustomerUpdate>[] }> {
  const orders: OrderInput[] = [];
  const customers: ImportRow<CustomerUpdate>[] = [];
  const map = options.preset ? PRESETS[options.preset] : options.map ? await loadExportMap(options.map) : undefined;
  for (const file of files) {
    const rejected: Record<string, number> = {};
    if (map) {
      const read: ExportReadOptions = {
        map,
        mapName: options.preset ? `preset ${options.preset}` : (options.map ?? ''),
        timeZone: config.merchantTimeZone,
        asOf: now,
        defaultCountry: config.defaultCountry,
        categories: config.categories,
        products: options.categories ? await loadProductCategories(options.categories, config.categories) : productCategories(config.categories),
      };
      if (namesCustomers(map)) for await (const row of readExportCustomers(createReadStream(file), file, read)) if (row.ok) customers.push(row);
      for await (const row of readExportOrders(createReadStream(file), file, read)) {
        if (row.ok) orders.push(row.value);
        else rejected[row.reason] = (rejected[row.reason] ?? 0) + 1;
      }
    } else {
      for await (const row of readOrders(createReadStream(file), file, { timeZone: config.merchantTimeZone, asOf: now, categories: config.categories })) {
        if (row.ok) orders.push(row.value);
        else rejected[row.reason] = (rejected[row.reason] ?? 0) + 1;
      }
    }
    const left = Object.entries(rejected);
    if (left.length > 0) io.err(`${file}: left out of the replay: ${left.map(([reason, count]) => `${reason} ${count}`).join(', ')} (recall import orders ${file} names each line)`);
  }
  return { orders, customers };
}

/** The days the real store sent each customer a message, from its ledger (date-index queries). */
async function realMessages(runtime: OperatorRuntime, from: CalendarDate, to: CalendarDate): Promise<Map<string, CalendarDate[]>> {
  const byCustomer = new Map<string, CalendarDate[]>();
  for (let day = from; day <= to; day = addDays(day, 1)) {
    for (const entry of (await runtime.store.ledgerOfDay(day)).items) {
      if (entry.outcome !== 'sent' || !wentOut(entry.status)) continue;
      byCustomer.set(entry.customerId, [...(byCustomer.get(entry.customerId) ?? []), day]);
    }
  }
  return byCustomer;
}

/** A scratch store in memory (the ports a replay uses) with the customers: from a file, the export, or the real store's (opted-out ones left out). */
async function scratchStore(runtime: OperatorRuntime, config: CampaignConfig, customersFile: string | undefined, fromExport: ImportRow<CustomerUpdate>[], asOf: Date): Promise<MemoryStore> {
  const scratch = new MemoryStore();
  if (customersFile) {
    await importCustomers({ store: scratch, config }, readCustomerRows(createReadStream(customersFile), customersFile, { timeZone: config.merchantTimeZone, defaultCountry: config.defaultCountry }), asOf);
  } else if (fromExport.length > 0) {
    await importCustomers({ store: scratch, config }, (async function* () { yield* fromExport; })(), asOf);
  } else {
    const snapshots: CustomerSnapshot[] = [];
    await scanAll(
      (segment, total, cursor) => runtime.store.scanProfiles(segment, total, cursor),
      (profile) => {
        if (profile.optedOut) return;
        const customer = {
          customerId: profile.customerId,
          name: profile.name,
          smsOptIn: profile.smsOptIn,
          ...(profile.phone ? { phone: profile.phone } : {}),
          ...(profile.timeZone ? { timeZone: profile.timeZone } : {}),
          ...(profile.pushEndpoint ? { pushEndpoint: profile.pushEndpoint } : {}),
        };
        // Birthdays come along (the birthday journeys); member figures do not: the replayed orders count them.
        const birthday = profile.birthday ? { birthday: { monthDay: profile.birthday, shard: shardOf(profile.customerId, config.shards) } } : {};
        snapshots.push({ customer, ...birthday, categories: [], journeys: [], orders: [] });
      },
    );
    await scratch.putSnapshots(snapshots);
  }
  return scratch;
}

async function simulateWith(runtime: OperatorRuntime, config: CampaignConfig, history: { orders: OrderInput[]; customers: ImportRow<CustomerUpdate>[] }, options: SimulateOptions, range: { from: string; to: string }, real: Map<string, CalendarDate[]>, io: CliIo): Promise<Simulation> {
  const scratch = await scratchStore(runtime, config, options.customers, history.customers, io.now());
  const progress = createProgress(`simulating ${range.from} to ${range.to}`);
  try {
    return await simulate({
      scratch,
      config,
      couponSecret: 'simulation',
      orders: history.orders,
      ...range,
      reallyMessaged: (customerId, from, to) => (real.get(customerId) ?? []).some((day) => day >= from && day <= to),
      onDay: () => progress.tick(1),
    });
  } finally {
    progress.done();
  }
}

const money = (value: number) => value.toFixed(2);

export function formatSimulation(simulation: Simulation, seconds: number, compared?: Simulation): string {
  const rows = (result: Simulation) =>
    result.steps.map((step) => [
      `${step.journeyId}/${step.stepId}`,
      String(step.messages),
      String(step.smsParts),
      money(step.smsCost),
      String(step.coupons),
      money(step.couponValue),
      step.messages ? `${((step.boughtAnyway / step.messages) * 100).toFixed(1)}%` : '-',
      String(step.reallyMessaged),
    ]);
  const header = ['step', 'messages', 'SMS parts', `SMS ${simulation.currency}`, 'coupons', `face value ${simulation.currency}`, 'bought anyway', 'really messaged'];
  const headline = (result: Simulation, label: string) =>
    `${label}: ${result.totals.messages} messages, SMS ${result.currency} ${money(result.totals.smsCost)}, ${result.totals.coupons} coupons (${result.currency} ${money(result.totals.couponValue)} face value); ` +
    `${result.totals.messages ? ((result.totals.boughtAnyway / result.totals.messages) * 100).toFixed(1) : '0'}% of the messaged bought within the attribution days anyway`;
  return [
    `Simulation ${simulation.from} to ${simulation.to} on the shop's own orders (${simulation.ordersReplayed} orders, ${simulation.days} daily runs in ${seconds.toFixed(1)} s: ${(simulation.days / Math.max(seconds, 0.001)).toFixed(1)} days/s); nothing sent`,
    headline(simulation, 'config'),
    '',
    table(header, [...rows(simulation), ['total', String(simulation.totals.messages), String(simulation.totals.smsParts), money(simulation.totals.smsCost), String(simulation.totals.coupons), money(simulation.totals.couponValue), '', String(simulation.totals.reallyMessaged)]]),
    ...(compared ? ['', headline(compared, 'compared config'), '', table(header, rows(compared))] : []),
  ].join('\n');
}

export function registerSimulate(program: Command, io: CliIo): void {
  program
    .command('simulate')
    .description("replay the shop's order history day by day through the real runs in a scratch store (nothing sent): messages, SMS and coupon cost, and who bought anyway")
    .requiredOption('--orders <files...>', 'order files, as `import orders` reads them')
    .option('--customers <file>', 'customers (as `import customers` reads them); default: the store\'s customers, opted-out ones left out')
    .addOption(new Option('--preset <name>', 'the order files are a platform export (as import orders --preset)').choices(PRESET_NAMES).conflicts('map'))
    .option('--map <file>', 'a column map for the order files (as import orders --map)')
    .option('--categories <file>', 'which category a product is in (as import orders --categories)')
    .option('--from <date>', 'first simulated run (default: the day after the first order)')
    .option('--to <date>', 'last simulated run (default: the day of the last order)')
    .option('--compare <file>', 'a second campaign config, simulated on the same history and shown beside')
    .option('--json', 'print the simulation as JSON (with every simulated message)', false)
    .addHelpText('after', '\nExamples:\n  recall --config shop.json simulate --orders orders-2025.csv --customers customers.csv\n  recall simulate --orders ExportOrderList.csv --preset taobao --from 2026-01-01 --to 2026-06-30 --compare shop-v2.json')
    .action(async (options: SimulateOptions, command: Command) => {
      for (const [flag, value] of [['--from', options.from], ['--to', options.to]] as const) {
        if (value !== undefined && !CalendarDateSchema.safeParse(value).success) throw new UsageError(`${flag}: expected a date as YYYY-MM-DD, got "${value}"`);
      }
      const compareConfig = options.compare ? await loadConfigFile(options.compare) : undefined;
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const { config } = runtime;
        const history = await readHistory(options.orders, options, config, io.now(), io);
        const days = history.orders.map((order) => localDate(new Date(order.orderedAt), config.merchantTimeZone)).sort();
        const [first, last] = [days[0], days.at(-1)];
        if (!first || !last) throw new UsageError(`--orders: no order to replay in ${options.orders.join(', ')}`);
        const range = { from: options.from ?? addDays(first, 1), to: options.to ?? last };
        if (range.from > range.to) throw new UsageError(`--from ${range.from} is after --to ${range.to}`);
        const real = await realMessages(runtime, addDays(range.from, -config.attributionDays), addDays(range.to, config.attributionDays));
        const started = performance.now();
        const simulation = await simulateWith(runtime, config, history, options, range, real, io);
        const seconds = (performance.now() - started) / 1000;
        const compared = compareConfig ? await simulateWith(runtime, compareConfig, history, options, range, real, io) : undefined;
        io.out(options.json ? JSON.stringify({ ...simulation, seconds, ...(compared ? { compared } : {}) }, null, 2) : formatSimulation(simulation, seconds, compared));
      });
    });
}
