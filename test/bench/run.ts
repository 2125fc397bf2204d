// `npm run bench [-- OPTIONS]` (`-- --help` lists them): every figure of the Performance section,
// measured side by side in one run; printed as tables and written to bench-results.json.
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { table } from '../../lib/report/table.ts';
import { createProgress } from '../../lib/cli/progress.ts';
import { TestDynamo } from '../support/store.ts';
import { testConfig } from '../support/fixtures.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { benchPacer } from './pacer.ts';
import { measureColdStart } from './cold-start.ts';
import { measureCurvePoint, measureReadCost, seedShop } from './read-cost.ts';
import { scaleModel } from './scale-model.ts';
import { measureThroughput } from './throughput.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SECTIONS = ['read', 'curve', 'throughput', 'pacer', 'cold'] as const;

const USAGE = `npm run bench [-- OPTIONS]: every figure of the Performance section, side by side in one run,
printed as tables and written to bench-results.json (sections not run keep their earlier figures).

  --only LIST          sections to run, comma-separated (default ${SECTIONS.join(',')}):
                         read        read units per due customer vs the floor (seeds --customers)
                         curve       read cost per run at the --curve table sizes
                         throughput  due customers per second: the daily run vs the bare store floor
                         pacer       achieved SMS parts per second vs MPS (4 senders)
                         cold        cold start of every bundled function vs a hello
  --customers N        customers seeded for "read" (default 100000)
  --curve N,N,...      table sizes for "curve" (default 10000,100000,1000000)
  --throughput N       customers seeded for "throughput" (default 20000)
  -h, --help           this text`;

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      customers: { type: 'string', default: '100000' },
      curve: { type: 'string', default: '10000,100000,1000000' },
      throughput: { type: 'string', default: '20000' },
      only: { type: 'string', default: SECTIONS.join(',') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  usageError(error instanceof Error ? error.message : String(error));
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = new Set(values.only.split(',').map((section) => section.trim()));
const unknownSections = [...only].filter((section) => !(SECTIONS as readonly string[]).includes(section));
if (unknownSections.length > 0) usageError(`--only: unknown section ${unknownSections.map((section) => `"${section}"`).join(', ')}`);
for (const [flag, text] of [['--customers', values.customers], ['--throughput', values.throughput], ...values.curve.split(',').map((size) => ['--curve', size])] as const) {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) usageError(`${flag}: expected a positive whole number, got "${text}"`);
}
const TODAY = '2026-11-22';
// Sections measured in an earlier run (`--only` skips them) are kept, each with its own date.
const measuredAt = new Date().toISOString();
const previous: Record<string, unknown> = await readFile('bench-results.json', 'utf8').then((text) => JSON.parse(text), () => ({}));
const results: Record<string, unknown> = { ...previous, node: process.version };
const measured = (results.measuredAt = typeof previous.measuredAt === 'object' && previous.measuredAt !== null ? { ...previous.measuredAt } : {}) as Record<string, string>;
const print = (title: string, rows: Record<string, unknown>[]) => {
  const header = Object.keys(rows[0] ?? {});
  console.log(`\n${title}\n${table(header, rows.map((row) => header.map((key) => (typeof row[key] === 'object' ? JSON.stringify(row[key]) : String(row[key])))))}`);
};

const dynamo = await TestDynamo.start();
try {
  // The default config, holdout included, as a merchant runs it.
  const config = await loadDefaultConfig();

  if (only.has('read')) {
    const customers = Number(values.customers);
    const store = await dynamo.freshStore();
    const progress = createProgress(`seeding ${customers} customers with a year of ledger`, { total: customers });
    await seedShop(store, config, customers, TODAY, 20261122, (count) => progress.tick(count));
    progress.done();
    const row = await measureReadCost(store, config, customers, TODAY);
    measured.readCost = measuredAt;
    results.readCost = row;
    print('1. Read cost of an ordinary day vs the floor (0.5 unit per due customer) and a full Scan', [{ ...row }]);
  }

  if (only.has('curve')) {
    const rows = [];
    for (const customers of values.curve.split(',').map(Number)) {
      const store = await dynamo.freshStore();
      const progress = createProgress(`curve: seeding ${customers} customers`, { total: customers });
      rows.push(await measureCurvePoint(store, config, customers, 1000, addDays(TODAY, 1), (count) => progress.tick(count)));
      progress.done();
    }
    const first = rows[0];
    measured.curve = measuredAt;
    results.curve = rows.map((row) => ({ ...row, runVsSmallest: first ? Math.round((row.runReadUnits / first.runReadUnits) * 100) / 100 : 1 }));
    print('1b. Fixed ~1,000 due customers, growing table: run read units stay flat, the Scan grows', results.curve as Record<string, unknown>[]);
  }

  if (only.has('throughput')) {
    const customers = Number(values.throughput);
    const throughputConfig = await testConfig({ holdoutPercent: config.holdoutPercent });
    const engineStore = await dynamo.freshStore();
    const floorStore = await dynamo.freshStore();
    await seedShop(engineStore, throughputConfig, customers, TODAY, 7);
    await seedShop(floorStore, throughputConfig, customers, TODAY, 7);
    const row = await measureThroughput(engineStore, floorStore, throughputConfig, TODAY);
    measured.throughput = measuredAt;
    results.throughput = row;
    print('2. Due customers per second: the daily run vs the bare store floor (same data)', [{ ...row }]);
  }

  if (only.has('pacer')) {
    const rows = await benchPacer({ mps: [10, 50, 200], senders: 4, seconds: 6 });
    measured.pacer = measuredAt;
    results.pacer = rows;
    print('3. Pacer: 4 concurrent senders, 1- and 3-part messages, 20-40 ms SNS latency', rows.map((row) => ({ ...row })));
  }

  if (only.has('cold')) {
    const rows = await measureColdStart('dist/bench');
    measured.coldStart = measuredAt;
    results.coldStart = rows;
    print('4. Cold start: bundle size (minified, AWS SDK included) and module init in a fresh Node process', rows.map((row) => ({ ...row })));
  }

  const model = scaleModel(results, config);
  results.scaleModel = model;
  print('5. Scale model: 10M customers, 1% due per day', model.rows);
  console.log(`\nFirst limit that binds: ${model.firstLimit}`);
} finally {
  await dynamo.stop();
}

await writeFile('bench-results.json', `${JSON.stringify(results, null, 2)}\n`);
console.log('\nwrote bench-results.json');
