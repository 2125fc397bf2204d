// `npm run report:screenshot [-- --store DIR --customers N]`: a PNG of the demo shop's HTML report
// for the README (docs/report.png), taken with headless Chromium (Debian's `chromium` package).
// Uses DIR/report.html when it exists (`npm start` writes .recall/demo/report.html), else runs
// the demo into DIR first.
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { main } from '../lib/cli/main.ts';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/support/chromium.ts';

const run = promisify(execFile);
const OUTPUT = 'docs/report.png';
const MAX_BYTES = 500 * 1024;

const { values } = parseArgs({ options: { store: { type: 'string', default: join('.recall', 'demo') }, customers: { type: 'string', default: '20000' } } });
const store = values.store ?? join('.recall', 'demo');
const report = resolve(store, 'report.html');

const exists = (path: string) => access(path).then(() => true, () => false);

if (!(await exists(CHROMIUM))) {
  console.error(`${CHROMIUM} not found: install Debian's Chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  process.exit(1);
}
const { stdout: fonts } = await run('fc-list', [':lang=zh', 'family']).catch(() => ({ stdout: '' }));
if (fonts.trim() === '') console.warn('No Chinese font found (fc-list :lang=zh): names will show as boxes. apt-get install -y fonts-wqy-microhei');

if (!(await exists(report))) {
  console.log(`${report} not found: running the demo into ${store} first`);
  const code = await main(['--store', store, 'demo', '--customers', values.customers ?? '20000']);
  if (code !== 0) process.exit(code);
}

await mkdir('docs', { recursive: true });
const profile = await mkdtemp(join(tmpdir(), 'chromium-screenshot-'));
try {
  await run(CHROMIUM, [
    ...CHROMIUM_FLAGS,
    `--user-data-dir=${profile}`,
    '--force-device-scale-factor=1',
    // The headline, the three charts and the start of the table.
    '--window-size=1280,1760',
    `--screenshot=${resolve(OUTPUT)}`,
    `file://${report}`,
  ], { timeout: 120_000 });
} finally {
  await rm(profile, { recursive: true, force: true });
}
const { size } = await stat(OUTPUT);
console.log(`${OUTPUT}: ${(size / 1024).toFixed(0)} KB from ${report}`);
if (size > MAX_BYTES) {
  console.error(`${OUTPUT} is larger than ${MAX_BYTES / 1024} KB`);
  process.exit(1);
}
