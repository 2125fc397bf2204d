// `npm run report:screenshot [-- --store DIR --customers N]`: PNGs of the demo shop's whole HTML
// report (docs/report.png) and repurchase analysis (docs/analyze.png) for the README, taken with
// headless Chromium (Debian's `chromium` package) and reduced to 256 colours.
// Uses DIR/report.html and DIR/analysis.html when they exist (`npm start` writes the report), else
// runs the demo into DIR first and `recall analyze --html` on it.
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { main } from '../lib/cli/main.ts';
import { CHROMIUM } from '../test/support/chromium.ts';
import { paletteScreenshot } from './palette-png.ts';
import { screenshotWholePage } from './whole-page-screenshot.ts';

const run = promisify(execFile);
const MAX_BYTES = 400 * 1024;

const { values } = parseArgs({ options: { store: { type: 'string', default: join('.recall', 'demo') }, customers: { type: 'string', default: '20000' } } });
const store = values.store ?? join('.recall', 'demo');
const report = resolve(store, 'report.html');
const analysis = resolve(store, 'analysis.html');

const exists = (path: string) => access(path).then(() => true, () => false);

if (!(await exists(CHROMIUM))) {
  console.error(`${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}
const { stdout: fonts } = await run('fc-list', [':lang=zh', 'family']).catch(() => ({ stdout: '' }));
if (fonts.trim() === '') console.warn('No Chinese font found (fc-list :lang=zh): Chinese will show as boxes. apt-get install -y fonts-noto-cjk');

if (!(await exists(report))) {
  console.log(`${report} not found: running the demo into ${store} first`);
  const code = await main(['--store', store, 'demo', '--customers', values.customers ?? '20000']);
  if (code !== 0) process.exit(code);
}
if (!(await exists(analysis))) {
  console.log(`${analysis} not found: running recall analyze --html on ${store}`);
  const code = await main(['--store', store, 'analyze', '--html', analysis]);
  if (code !== 0) process.exit(code);
}

await mkdir('docs', { recursive: true });
let tooLarge = false;
for (const [page, output] of [
  [report, 'docs/report.png'],
  [analysis, 'docs/analyze.png'],
] as const) {
  const taken = await screenshotWholePage(page, output);
  const png = paletteScreenshot(await readFile(output));
  await writeFile(output, png);
  console.log(`${output}: ${(png.length / 1024).toFixed(0)} KB (${(taken / 1024).toFixed(0)} KB as taken) from ${page}`);
  if (png.length > MAX_BYTES) {
    console.error(`${output} is larger than ${MAX_BYTES / 1024} KB`);
    tooLarge = true;
  }
}
if (tooLarge) process.exit(1);
