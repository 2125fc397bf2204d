import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { STARTING_ENV } from './quiet.ts';
import { round } from './read-cost.ts';
import { median } from './throughput.ts';

const run = promisify(execFile);

/** The demo the current one is held against (issue 16, point 6): the features added since count against it. */
export const DEMO_BASE = '4695b50';

export interface DemoPair {
  /** Which tree ran first in this pair (the order alternates from pair to pair). */
  first: 'base' | 'current';
  baseSeconds: number;
  currentSeconds: number;
  ratio: number;
}

export interface DemoRow {
  base: string;
  args: string[];
  /** How the base tree got its dependencies: this repo's node_modules when the pins agree, else `npm ci`. */
  dependencies: 'shared' | 'npm ci';
  pairs: DemoPair[];
  /** Medians over the pairs; the ratio is the median of each pair's own ratio. */
  baseSeconds: number;
  currentSeconds: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

const PackageSchema = z.object({ version: z.string().optional(), dependencies: z.record(z.string(), z.string()).optional(), devDependencies: z.record(z.string(), z.string()).optional() });

/** Whether every package the base pins is installed here at that exact version. */
async function pinsAgree(repo: string, base: string): Promise<boolean> {
  const { stdout } = await run('git', ['show', `${base}:package.json`], { cwd: repo });
  const pinned = PackageSchema.parse(JSON.parse(stdout));
  for (const [name, version] of Object.entries({ ...pinned.dependencies, ...pinned.devDependencies })) {
    const installed = await readFile(join(repo, 'node_modules', name, 'package.json'), 'utf8').then(
      (text) => PackageSchema.parse(JSON.parse(text)).version,
      () => undefined,
    );
    if (installed !== version) return false;
  }
  return true;
}

/**
 * The base commit checked out in a worktree under the temporary directory, kept between bench runs:
 * its node_modules a link to this repo's when every pin agrees, else its own `npm ci`, run once.
 */
async function baseTree(repo: string, base: string): Promise<{ dir: string; dependencies: DemoRow['dependencies'] }> {
  const dir = join(tmpdir(), `recall-demo-${base}`);
  if (!existsSync(join(dir, 'package.json'))) {
    await rm(dir, { recursive: true, force: true });
    await run('git', ['worktree', 'prune'], { cwd: repo });
    await run('git', ['worktree', 'add', '--detach', dir, base], { cwd: repo });
  }
  const modules = join(dir, 'node_modules');
  if (await pinsAgree(repo, base)) {
    if (!existsSync(modules)) await symlink(join(repo, 'node_modules'), modules, 'dir');
    return { dir, dependencies: 'shared' };
  }
  const linked = await lstat(modules).then((stats) => stats.isSymbolicLink(), () => false);
  if (linked || !existsSync(join(modules, '.package-lock.json'))) {
    await rm(modules, { recursive: true, force: true });
    await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  }
  return { dir, dependencies: 'npm ci' };
}

/** One `npm start` equivalent (`tsx bin/recall.ts demo ARGS`) in `dir`, on a fresh store: its wall time. */
async function demoSeconds(dir: string, tsx: string, args: readonly string[]): Promise<number> {
  const scratch = await mkdtemp(join(tmpdir(), 'recall-bench-demo-'));
  try {
    const started = performance.now();
    const { stdout } = await run(process.execPath, [tsx, 'bin/recall.ts', '--store', join(scratch, 'store'), 'demo', ...args], {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
      // Not the bench's own settings (quiet.ts): each tree's demo as npm start runs it from the same shell.
      env: { ...STARTING_ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    const seconds = (performance.now() - started) / 1000;
    if (!stdout.includes('HTML report:')) throw new Error(`the demo in ${dir} printed no report:\n${stdout.slice(-2000)}`);
    return seconds;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Point 6: the current demo's wall time against the base commit's, both started the way `npm start`
 * starts them, with the same arguments, in interleaved pairs whose order alternates.
 */
export async function measureDemo(options: { customers: number; liveDays: number; pairs: number; onPair?: (pair: DemoPair) => void }): Promise<DemoRow> {
  const repo = resolve('.');
  const { dir, dependencies } = await baseTree(repo, DEMO_BASE);
  const tsx = join(repo, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const args = ['--customers', String(options.customers), '--live-days', String(options.liveDays)];
  const pairs: DemoPair[] = [];
  for (let i = 0; i < options.pairs; i++) {
    const first = i % 2 === 0 ? 'base' : 'current';
    const times: Record<'base' | 'current', number> = { base: 0, current: 0 };
    for (const side of first === 'base' ? (['base', 'current'] as const) : (['current', 'base'] as const)) {
      times[side] = await demoSeconds(side === 'base' ? dir : repo, tsx, args);
    }
    const pair = { first, baseSeconds: round(times.base, 1), currentSeconds: round(times.current, 1), ratio: round(times.current / times.base) } as const;
    pairs.push(pair);
    options.onPair?.(pair);
  }
  const ratios = pairs.map((pair) => pair.ratio);
  return {
    base: DEMO_BASE,
    args,
    dependencies,
    pairs,
    baseSeconds: round(median(pairs.map((pair) => pair.baseSeconds)), 1),
    currentSeconds: round(median(pairs.map((pair) => pair.currentSeconds)), 1),
    ratio: round(median(ratios)),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  };
}
