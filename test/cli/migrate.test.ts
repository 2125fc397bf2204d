import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedStore, recall as recallAt } from '../support/cli.ts';

/* `recall migrate` wired to the CLI (the job itself: test/integration/members.test.ts). */

const NOW = '2026-11-22T02:00:00Z';
const recall = (args: string[]) => recallAt(args, NOW);

const CUSTOMERS = `customer_id,phone,name,sms_opt_in
c1,+8613800138001,张三,true
c2,+8613800138002,李四,true
c3,+8613800138003,王五,true
`;
const ORDERS = `order_id,customer_id,ordered_at,category,amount
o1,c1,2026-09-05 12:00,cosmetics,150
o2,c2,2026-10-05 12:00,cosmetics,250`;

describe('recall migrate', () => {
  let dir: string;
  let store: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-migrate-'));
    store = await importedStore(dir, { customers: CUSTOMERS, orders: ORDERS }, '2026-11-21', NOW);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the profiles an import gave figures already and the one without orders, printing a checkpoint per segment', async () => {
    const migrated = await recall([...store, 'migrate', '--segments', '2']);

    expect(migrated.code).toBe(0);
    expect(migrated.out).toMatch(/^Migrated 0 profiles; 2 had member figures already, 1 have no orders, 0 bad items skipped/);
    const checkpoints = [...migrated.err.matchAll(/^segment (\d): \d+ profiles, done; checkpoint (\S+)$/gm)];
    expect(checkpoints.map((match) => match[1]).sort()).toEqual(['0', '1']);

    // The last checkpoint has every segment done: resuming from it reads nothing.
    const resumed = await recall([...store, 'migrate', '--resume', checkpoints.at(-1)?.[2] ?? '']);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/^Migrated 0 profiles; 0 had member figures already, 0 have no orders/);
  });

  it('refuses a bad segment count or checkpoint with exit code 2', async () => {
    const segments = await recall([...store, 'migrate', '--segments', '0']);
    const resume = await recall([...store, 'migrate', '--resume', 'not-a-checkpoint']);

    expect(segments).toMatchObject({ code: 2 });
    expect(segments.err).toContain('--segments: expected a whole number from 1 to 1000, got "0"');
    expect(resume).toMatchObject({ code: 2 });
    expect(resume.err).toContain('--resume: not a checkpoint printed by recall migrate');
  });
});
