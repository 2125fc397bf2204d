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
