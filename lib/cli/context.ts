import { existsSync } from 'node:fs';
import { openLocalRuntime, type LocalRuntime } from '../runtime/local.ts';
import { openAwsRuntime, type OperatorRuntime } from '../runtime/operator.ts';
import { BadInputError } from '../errors.ts';

/* What every command shares: the terminal, the global options, the store it opens. */

/** Bad arguments: exit code 2, like bad config and bad CSV. */
export class UsageError extends BadInputError {
  override name = 'UsageError';
}

export interface GlobalOptions {
  store?: string;
  config?: string;
  endpoint?: string;
  /** Work on a deployed stack's table (its outputs name it) with the caller's credentials. */
  aws?: boolean;
  stack: string;
  region?: string;
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => Date;
}

export const defaultIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  now: () => new Date(),
};

/**
 * Opens the store of a data command (import, report, windows, reconcile, config): a deployed
 * stack's with `--aws`, else the embedded one (or `--endpoint`'s), through the same use cases.
 */
export async function withOperatorRuntime<T>(globals: GlobalOptions, io: CliIo, work: (runtime: OperatorRuntime) => Promise<T>, options: { creates?: boolean } = {}): Promise<T> {
  if (!globals.aws) return withRuntime(globals, io, work, options);
  const runtime = await openAwsRuntime({
    stack: globals.stack,
    ...(globals.region ? { region: globals.region } : {}),
    ...(globals.endpoint ? { endpoint: globals.endpoint } : {}),
    ...(globals.config ? { configFile: globals.config } : {}),
    clock: { now: io.now },
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * Opens the local store for a command. Only `demo` and `import` create a store: every other command
 * refuses a `--store` that does not exist instead of silently reading an empty one. The daily run
 * and `invoke` run here only: on AWS they are the deployed functions (`recall invoke --aws`).
 */
export async function withRuntime<T>(
  globals: GlobalOptions,
  io: CliIo,
  work: (runtime: LocalRuntime) => Promise<T>,
  options: { creates?: boolean; failedDeliveryPercent?: number } = {},
): Promise<T> {
  if (globals.aws) throw new UsageError('--aws: this command runs on the embedded store only; on AWS the daily run is the deployed schedule (recall --aws invoke plan-recall runs it now)');
  if (!globals.endpoint && !options.creates) {
    const dir = globals.store ?? '.recall';
    if (!existsSync(dir)) throw new UsageError(`--store ${dir}: no store there. Import customers and orders into it first (recall import ...), or run recall demo`);
  }
  const runtime = await openLocalRuntime({
    ...(globals.store ? { storeDir: globals.store } : {}),
    ...(globals.endpoint ? { endpoint: globals.endpoint } : {}),
    ...(globals.config ? { configFile: globals.config } : {}),
    clock: { now: io.now },
    ...(options.failedDeliveryPercent !== undefined ? { failedDeliveryPercent: options.failedDeliveryPercent } : {}),
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}
