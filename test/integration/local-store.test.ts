import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/load.ts';
import { openLocalRuntime } from '../../lib/runtime/local.ts';

describe('the local runtime on an embedded store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
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
