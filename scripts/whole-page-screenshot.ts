// A PNG of a whole self-contained HTML page (the report, the analysis) for the README, taken with
// headless Chromium (Debian's `chromium` package) at 1280 px wide and the page's own height.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/support/chromium.ts';

const run = promisify(execFile);
const WIDTH = 1280;

/** Writes `output` from `page`; returns its size in bytes. */
export async function screenshotWholePage(page: string, output: string): Promise<number> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-screenshot-'));
  try {
    // The height measured first, on a copy whose one script (the pages have none, and their policy
    // forbids them) writes the height into the title.
    const probe = join(profile, 'measure.html');
    const html = await readFile(page, 'utf8');
    await writeFile(probe, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '').replace('</body>', '<script>document.title = "height:" + document.documentElement.scrollHeight;</script></body>'));
    const flags = [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--force-device-scale-factor=1'];
    const { stdout: dom } = await run(CHROMIUM, [...flags, `--window-size=${WIDTH},1000`, '--dump-dom', `file://${probe}`], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
    const height = Number(/<title>height:(\d+)<\/title>/.exec(dom)?.[1] ?? 'NaN');
    if (!Number.isFinite(height)) throw new Error(`could not measure the height of ${page}`);
    await run(CHROMIUM, [...flags, `--window-size=${WIDTH},${height}`, `--screenshot=${resolve(output)}`, `file://${resolve(page)}`], { timeout: 120_000 });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
  return (await stat(output)).size;
}
