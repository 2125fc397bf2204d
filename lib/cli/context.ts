import { existsSync } from 'node:fs';
import { openLocalRuntime, type LocalRuntime } from '../runtime/local.ts';
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
 * Opens the store for a command. Only `demo` and `import` create a store: every other command
 * refuses a `--store` that does not exist instead of silently reading an empty one.
 */
export async function withRuntime<T>(
  globals: GlobalOptions,
  io: CliIo,
  work: (runtime: LocalRuntime) => Promise<T>,
  options: { creates?: boolean; failedDeliveryPercent?: number } = {},
): Promise<T> {
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
