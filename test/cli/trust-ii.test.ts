import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../lib/cli/context.ts';
import { main } from '../../lib/cli/main.ts';
import { personKey, shardOf } from '../../lib/domain/hashing.ts';

/*
 * Issue "Trust II", black-box through the CLI: a person is capped, not a customer id. The merchant
 * met it as one shopper with several accounts getting one coupon per account in one run.
 */

const NOW = '2026-11-22T02:00:00Z';

async function recall(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (text) => out.push(text), err: (text) => err.push(text), now: () => new Date(NOW) };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// One person, four customer ids, the number written four ways; and one other shopper.
const CUSTOMERS = `customer_id,phone,name,sms_opt_in
dup-1,+8613800138001,王芳,true
dup-2,13800138001,王芳,true
dup-3,138 0013 8001,王芳,true
dup-4,+86 138-0013-8001,王芳,true
solo,+8613800138009,李静,true
`;

// Every id bought cosmetics 78 days ago: its 76-day window passed 2 days ago (within grace).
const ORDERS = ['order_id,customer_id,ordered_at,category,amount', ...['dup-1', 'dup-2', 'dup-3', 'dup-4', 'solo'].map((id) => `o-${id},${id},2026-09-05 12:00,cosmetics,150`)].join('\n');

describe('a person is capped, not an id', () => {
  let dir: string;
  let store: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-trust-ii-'));
    store = ['--store', join(dir, 'store')];
    await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
    await writeFile(join(dir, 'orders.csv'), `${ORDERS}\n`);
    await recall([...store, 'import', 'customers', join(dir, 'customers.csv'), '--as-of', '2026-11-22']);
    await recall([...store, 'import', 'orders', join(dir, 'orders.csv'), '--as-of', '2026-11-22']);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('four ids with one number get one SMS in a run, the others deferred:capped; the rolling cap holds per number the next day', async () => {
    const run = await recall([...store, 'run', '--as-of', '2026-11-22', '--json']);
    const nextDay = await recall([...store, 'run', '--as-of', '2026-11-23', '--json', '--allow-future']);

    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out);
    // `solo` falls in the 10% holdout (a hash of the id and journey); none of the four does.
    expect(summary).toMatchObject({ due: 5, sent: 1, heldOut: 1, deferred: { capped: 3 } });
    const outbox = (await readFile(join(dir, 'store', 'outbox.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    const toDuplicate = outbox.filter((line) => line.to === '+8613800138001');
    expect(toDuplicate).toHaveLength(1);
    expect(JSON.parse(nextDay.out).sent).toBe(0);
    const again = (await readFile(join(dir, 'store', 'outbox.jsonl'), 'utf8')).trim().split('\n');
    expect(again).toHaveLength(outbox.length);
  });

  it('the ids of one person sit in different shards, so the cap held across racing shard jobs', () => {
    const shards = new Set(['dup-1', 'dup-2', 'dup-3', 'dup-4'].map((id) => shardOf(id, 8)));
    expect(shards.size).toBeGreaterThan(1);
  });

  it('a person key is per channel and contact, and holds no number', () => {
    const sms = personKey({ channel: 'sms', to: '+8613800138001' });
    expect(sms).not.toContain('13800138001');
    expect(sms).toBe(personKey({ channel: 'sms', to: '+8613800138001' }));
    expect(sms).not.toBe(personKey({ channel: 'sms', to: '+8613800138002' }));
    expect(personKey({ channel: 'push', to: 'arn:aws:sns:ap-east-1:123456789012:endpoint/GCM/app/1' })).toMatch(/^push:[0-9a-f]{32}$/);
  });
});
