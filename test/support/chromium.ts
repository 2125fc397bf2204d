import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Headless Chromium for the HTML report test: Debian's `chromium` package, installed by the test
 * setup when it is missing (as root, `apt-get update && apt-get install -y chromium`).
 */
const run = promisify(execFile);

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** No background connections: this machine's network is closed, and the report must not need one. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
] as const;

export type ChromiumAvailability = { ok: true; path: string } | { ok: false; reason: string };

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Chromium, installed from Debian's packages when missing; the reason it cannot be, otherwise. */
export async function ensureChromium(): Promise<ChromiumAvailability> {
  if (await exists(CHROMIUM)) return { ok: true, path: CHROMIUM };
  if (process.env.CHROMIUM_PATH) return { ok: false, reason: `CHROMIUM_PATH=${CHROMIUM} does not exist` };
  try {
    await run('sh', ['-c', 'apt-get update && apt-get install -y chromium'], { timeout: 540_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n').slice(-3).join(' ') : String(error);
    return { ok: false, reason: `${CHROMIUM} is missing and 'apt-get install -y chromium' failed: ${message}` };
  }
  return (await exists(CHROMIUM)) ? { ok: true, path: CHROMIUM } : { ok: false, reason: `'apt-get install -y chromium' ran but ${CHROMIUM} is still missing` };
}

export interface RenderedPage {
  /** The DOM after the page's scripts ran (`--dump-dom`). */
  dom: string;
  /** Every console message the page produced (errors, warnings, logs, CSP violations, uncaught exceptions). */
  console: string[];
}

/** Opens a local file in headless Chromium with a fresh profile; returns its DOM and console. */
export async function renderInChromium(path: string, file: string): Promise<RenderedPage> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  try {
    const { stdout, stderr } = await run(path, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`], {
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    // Chromium logs every console message of the page as `INFO:CONSOLE(line)] "text", source: ...`.
    const console = stderr.split('\n').filter((line) => /:CONSOLE[:(]/.test(line));
    return { dom: stdout, console };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Each `<figure data-chart="...">` of a DOM (a chart's inline SVG), in order, with its other data attributes. */
export function charts(dom: string): { chart: string; attributes: Record<string, string>; markup: string }[] {
  return [...dom.matchAll(/<figure\b([^>]*)\bdata-chart="([^"]+)"([^>]*)>([\s\S]*?)<\/figure>/g)].map((match) => ({
    chart: match[2] ?? '',
    attributes: Object.fromEntries([...`${match[1] ?? ''} ${match[3] ?? ''}`.matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((attribute) => [attribute[1] ?? '', attribute[2] ?? ''])),
    markup: match[4] ?? '',
  }));
}

/** The texts an SVG draws (axis labels, legend entries, bar labels), in order. */
export function svgTexts(markup: string): string[] {
  return [...markup.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((match) => (match[1] ?? '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
}

/** How many shapes an SVG fills (or strokes) with a colour: a series' bars or line. */
export function shapesColoured(markup: string, colour: string, attribute: 'fill' | 'stroke' = 'fill'): number {
  return [...markup.matchAll(new RegExp(`<path\\b[^>]*\\b${attribute}="${colour}"`, 'gi'))].length;
}
