import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/load.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { openLocalRuntime } from '../../lib/runtime/local.ts';
import { STORE_LOCK_FILE, StoreInUseError, lockStore } from '../../lib/runtime/store-lock.ts';
import { TestDynamo } from '../support/store.ts';

const localRuntimeUrl = new URL('../../lib/runtime/local.ts', import.meta.url).href;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The pid of a process that has exited: a lock naming it is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a short-lived process');
  return child.pid;
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

const JOB: SendJob = {
  customerId: 'c1',
  journeyId: 'lifecycle',
  cycle: '2026-01-01',
  stepId: 'sleeping',
  channel: 'sms',
  to: '+8613800138001',
  text: '好久不见 拒收请回复R',
  parts: 1,
};

/** Another process with the store open, as a second `recall` command would have it. */
type Holder = ChildProcessByStdio<Writable, Readable, null>;

async function holdStore(storeDir: string): Promise<Holder> {
  const script = [
    `const { openLocalRuntime } = await import(${JSON.stringify(localRuntimeUrl)});`,
    `const runtime = await openLocalRuntime({ storeDir: ${JSON.stringify(storeDir)} });`,
    `process.stdout.write('open\\n');`,
    `process.stdin.resume();`,
    `process.stdin.on('end', () => runtime.close());`,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('open\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the holding process exited (${code}) before opening the store`)));
  });
  return child;
}

describe('the store lock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-lock-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second holder at once, naming the pid, and is free again after release', async () => {
    // Prepare
    const storeDir = await mkdtemp(join(dir, 'store-'));
    const first = await lockStore(storeDir);

    // Act
    const second = lockStore(storeDir);
    const refused = await second.catch((error: unknown) => error);
    const filesWhileHeld = await readdir(storeDir);
    await first.release();
    const filesAfter = await readdir(storeDir);
    const again = await lockStore(storeDir);
    await again.release();

    // Assess
    expect(refused).toBeInstanceOf(StoreInUseError);
    expect(refused).toMatchObject({ pid: process.pid, retryable: false, message: expect.stringContaining(`store in use (pid ${process.pid})`) });
    expect(filesWhileHeld).toEqual([STORE_LOCK_FILE]);
    expect(filesAfter).toEqual([]);
  });

  it.each([
    ['a process that has exited', () => `${deadPid()}\n`],
    ['no pid at all', () => ''],
  ])('takes over a lock left by %s', async (_, content) => {
    // Prepare
    const storeDir = await mkdtemp(join(dir, 'store-'));
    await writeFile(join(storeDir, STORE_LOCK_FILE), content());

    // Act
    const lock = await lockStore(storeDir);
    const holder = await readFile(join(storeDir, STORE_LOCK_FILE), 'utf8');
    const files = await readdir(storeDir);
    await lock.release();

    // Assess
    expect(holder).toBe(`${process.pid}\n`);
    expect(files).toEqual([STORE_LOCK_FILE]);
  });

  it('gives a stale lock to exactly one of two contenders', async () => {
    const stalePid = deadPid();
    for (let round = 0; round < 20; round++) {
      // Prepare
      const storeDir = await mkdtemp(join(dir, 'store-'));
      await writeFile(join(storeDir, STORE_LOCK_FILE), `${stalePid}\n`);

      // Act
      const outcomes = await Promise.allSettled([lockStore(storeDir), lockStore(storeDir)]);

      // Assess
      const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toEqual([expect.any(StoreInUseError)]);
      expect(await readFile(join(storeDir, STORE_LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    }
  });

  it('leaves a lock that another process holds when released', async () => {
    const storeDir = await mkdtemp(join(dir, 'store-'));
    const lock = await lockStore(storeDir);
    await writeFile(join(storeDir, STORE_LOCK_FILE), '1\n');

    await lock.release();

    expect(await readFile(join(storeDir, STORE_LOCK_FILE), 'utf8')).toBe('1\n');
  });
});

describe('the local runtime on an embedded store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a store another live process has open, and takes it over once that process is killed', async () => {
    // Prepare
    const storeDir = join(dir, 'shared');
    const holder = await holdStore(storeDir);
    const exited = once(holder, 'exit');

    try {
      // Act
      const refused = await openLocalRuntime({ storeDir }).catch((error: unknown) => error);
      holder.kill('SIGKILL');
      await exited;
      const runtime = await openLocalRuntime({ storeDir });
      const lockWhileOpen = await readFile(join(storeDir, STORE_LOCK_FILE), 'utf8');
      await runtime.close();

      // Assess
      expect(refused).toBeInstanceOf(StoreInUseError);
      expect(refused).toMatchObject({ pid: holder.pid, message: expect.stringContaining(`store in use (pid ${holder.pid})`) });
      expect(lockWhileOpen).toBe(`${process.pid}\n`);
      expect(await readdir(storeDir)).not.toContain(STORE_LOCK_FILE);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('makes a new store readable by its owner only: the directory, the data and the outbox', async () => {
    // Prepare
    const storeDir = join(dir, 'new', 'store');

    // Act
    const runtime = await openLocalRuntime({ storeDir });
    try {
      await runtime.outbox.deliver(JOB, new Date('2026-01-01T02:00:00Z'));

      // Assess
      expect(await modeOf(storeDir)).toBe(0o700);
      expect(await modeOf(join(storeDir, 'dynamo'))).toBe(0o700);
      expect(await modeOf(join(storeDir, 'outbox.jsonl'))).toBe(0o600);
      expect(await modeOf(join(storeDir, STORE_LOCK_FILE))).toBe(0o600);
    } finally {
      await runtime.close();
    }
  });

  it('closes the data and the outbox of a store an older version left world-readable', async () => {
    // Prepare
    const storeDir = join(dir, 'older');
    await mkdir(join(storeDir, 'dynamo'), { recursive: true });
    await chmod(join(storeDir, 'dynamo'), 0o755);
    await writeFile(join(storeDir, 'outbox.jsonl'), '');
    await chmod(join(storeDir, 'outbox.jsonl'), 0o644);

    // Act
    const runtime = await openLocalRuntime({ storeDir });
    try {
      await runtime.outbox.deliver(JOB, new Date('2026-01-01T02:00:00Z'));

      // Assess
      expect(await modeOf(join(storeDir, 'dynamo'))).toBe(0o700);
      expect(await modeOf(join(storeDir, 'outbox.jsonl'))).toBe(0o600);
      expect((await readFile(join(storeDir, 'outbox.jsonl'), 'utf8')).split('\n')).toHaveLength(2);
    } finally {
      await runtime.close();
    }
  });

  it('takes no lock for an --endpoint store, which is not embedded', async () => {
    const dynamo = await TestDynamo.start();
    const storeDir = join(dir, 'endpoint');
    try {
      const first = await openLocalRuntime({ storeDir, endpoint: dynamo.endpoint, tableName: 'endpoint-a' });
      const second = await openLocalRuntime({ storeDir, endpoint: dynamo.endpoint, tableName: 'endpoint-b' });
      const files = await readdir(storeDir);
      await first.close();
      await second.close();

      expect(files).not.toContain(STORE_LOCK_FILE);
    } finally {
      await dynamo.stop();
    }
  });

  it.each(['', ' \t'])('refuses RECALL_COUPON_SECRET=%j, naming it, before anything is written', async (secret) => {
    // Prepare
    const storeDir = join(dir, `blank-secret-${secret.length}`);
    process.env.RECALL_COUPON_SECRET = secret;

    try {
      // Act
      const refused = await openLocalRuntime({ storeDir }).catch((error: unknown) => error);

      // Assess
      expect(refused).toBeInstanceOf(ConfigError);
      expect(refused).toMatchObject({ retryable: false, message: expect.stringMatching(/^RECALL_COUPON_SECRET: is set but blank/) });
      await expect(stat(storeDir)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      delete process.env.RECALL_COUPON_SECRET;
    }
  });
});
