import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIo } from '../../lib/cli/context.ts';
import { main } from '../../lib/cli/main.ts';

/** What one `recall` command printed and returned. */
export interface Captured {
  code: number;
  out: string;
  err: string;
}

/** Runs `recall ARGS` in-process with the clock at `now`, capturing stdout and stderr. */
export async function recall(args: string[], now: string): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), now: () => new Date(now) };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * A store in `dir/store` holding `customers` and `orders` (CSV texts), imported through the CLI as
 * of `asOf`; returns the `--store` arguments.
 */
export async function importedStore(dir: string, files: { customers: string; orders: string }, asOf: string, now: string): Promise<string[]> {
  const store = ['--store', join(dir, 'store')];
  await writeFile(join(dir, 'customers.csv'), files.customers);
  await writeFile(join(dir, 'orders.csv'), `${files.orders}\n`);
  await recall([...store, 'import', 'customers', join(dir, 'customers.csv'), '--as-of', asOf], now);
  await recall([...store, 'import', 'orders', join(dir, 'orders.csv'), '--as-of', asOf], now);
  return store;
}
