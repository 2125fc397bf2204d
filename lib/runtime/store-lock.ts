import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError } from '../errors.ts';

/** The file in an embedded store directory that names the process using the store. */
export const STORE_LOCK_FILE = 'lock';

/** Another live process has the embedded store open: permanent for this command (exit 2), not worth a retry. */
export class StoreInUseError extends BadInputError {
  override name = 'StoreInUseError';

  constructor(
    readonly storeDir: string,
    readonly pid: number,
  ) {
    super(
      `store in use (pid ${pid}): ${storeDir} is open in another recall command; ` +
        `wait for it to finish (if process ${pid} is not a recall command, delete ${join(storeDir, STORE_LOCK_FILE)})`,
    );
  }
}

export interface StoreLock {
  /** Removes the lock if it is still ours; safe to call more than once. */
  release(): Promise<void>;
}

function errorCode(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}

/** EPERM: the process exists but belongs to someone else, so it is alive. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
    if (errorCode(error) === 'EPERM') return true;
    throw error;
  }
}

/** The pid a lock's text names; undefined for text no lock of ours holds (0 or less would signal a process group). */
function pidIn(text: string): number | undefined {
  const trimmed = text.trim();
  return /^[1-9]\d*$/.test(trimmed) ? Number(trimmed) : undefined;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** `link` creates the lock only if none exists, with its content already whole: no reader sees an empty lock. */
async function linkOnce(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Moves a dead process's lock aside. The rename is atomic, so of two processes taking over the
 * same stale lock, the late one either finds nothing to move or moves the winner's fresh lock,
 * sees that it is not the stale one and puts it back.
 */
async function setAside(file: string, staleText: string, aside: string): Promise<void> {
  try {
    await rename(file, aside);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if ((await readText(aside)) !== staleText) await linkOnce(aside, file);
  await unlink(aside);
}

/**
 * Locks an embedded store directory for this process: a second process gets StoreInUseError
 * at once instead of a half-opened database; a lock left by a process that died is taken over.
 */
export async function lockStore(storeDir: string): Promise<StoreLock> {
  const file = join(storeDir, STORE_LOCK_FILE);
  const own = `${process.pid}\n`;
  const draft = join(storeDir, `${STORE_LOCK_FILE}.${process.pid}.${randomUUID()}`);
  await writeFile(draft, own, { mode: 0o600 });
  try {
    // First try, then at most two take-overs: a lock that is stale again after that is not ours to fight over.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await linkOnce(draft, file)) return { release: () => releaseLock(file, own) };
      const text = await readText(file);
      if (text === undefined) continue;
      const pid = pidIn(text);
      if (pid !== undefined && isAlive(pid)) throw new StoreInUseError(storeDir, pid);
      await setAside(file, text, `${draft}.stale`);
    }
    throw new Error(`${storeDir}: cannot lock the store: ${file} keeps changing; is another recall command starting?`);
  } finally {
    await unlink(draft);
  }
}

async function releaseLock(file: string, own: string): Promise<void> {
  if ((await readText(file)) === own) await unlink(file);
}
