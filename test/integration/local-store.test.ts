import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/load.ts';
import type { SendJob } from '../../lib/ports.ts';
import { openLocalRuntime } from '../../lib/runtime/local.ts';

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

describe('the local runtime on an embedded store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
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
