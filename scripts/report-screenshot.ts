// `npm run report:screenshot [-- --store DIR --customers N]`: a PNG of the demo shop's whole HTML
// report for the README (docs/report.png), taken with headless Chromium (Debian's `chromium` package).
// Uses DIR/report.html when it exists (`npm start` writes .recall/demo/report.html), else runs
// the demo into DIR first.
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { main } from '../lib/cli/main.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/support/chromium.ts';

const run = promisify(execFile);
const OUTPUT = 'docs/report.png';
const MAX_BYTES = 1024 * 1024;

const { values } = parseArgs({ options: { store: { type: 'string', default: join('.recall', 'demo') }, customers: { type: 'string', default: '20000' } } });
const store = values.store ?? join('.recall', 'demo');
const report = resolve(store, 'report.html');

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

await mkdir('docs', { recursive: true });
const WIDTH = 1280;
const profile = await mkdtemp(join(tmpdir(), 'chromium-screenshot-'));
try {
  // The whole page: its height measured first, on a copy whose one script (the report has none,
  // and its policy forbids them) writes the height into the title.
  const probe = join(profile, 'measure.html');
  const html = await readFile(report, 'utf8');
  await writeFile(probe, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', '<script>document.title = "height:" + document.documentElement.scrollHeight;</script></body>'));
  const { stdout: dom } = await run(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--force-device-scale-factor=1', `--window-size=${WIDTH},1000`, '--dump-dom', `file://${probe}`], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  const height = Number(/<title>height:(\d+)<\/title>/.exec(dom)?.[1] ?? 'NaN');
  if (!Number.isFinite(height)) throw new Error(`could not measure the height of ${report}`);
  await run(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--force-device-scale-factor=1', `--window-size=${WIDTH},${height}`, `--screenshot=${resolve(OUTPUT)}`, `file://${report}`], { timeout: 120_000 });
} finally {
  await rm(profile, { recursive: true, force: true });
}
const { size } = await stat(OUTPUT);
console.log(`${OUTPUT}: ${(size / 1024).toFixed(0)} KB from ${report}`);
if (size > MAX_BYTES) {
  console.error(`${OUTPUT} is larger than ${MAX_BYTES / 1024} KB`);
  process.exit(1);
}
