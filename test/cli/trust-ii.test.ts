import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedStore, recall as recallAt } from '../support/cli.ts';
import { personKey, shardOf } from '../../lib/domain/hashing.ts';

/*
 * Issue "Trust II", black-box through the CLI, as the merchant met each finding: one shopper with
 * several accounts got one coupon per account in one run; a number corrected later was never
 * retried; --backfill sent "your last coupon" first; a run killed mid-send left messages nobody saw.
 */

const NOW = '2026-11-22T02:00:00Z';

const recall = (args: string[]) => recallAt(args, NOW);

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
    store = await importedStore(dir, { customers: CUSTOMERS, orders: ORDERS }, '2026-11-22', NOW);
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

/*
 * "Messages nobody sees": kill -9 during `recall run` with many messages in flight. The run is a
 * real child process on an embedded store; it is killed once its outbox shows it well under way.
 */
describe('a run killed with many messages in flight leaves few unconfirmed, and says so', () => {
  const SHOPPERS = 200;
  let dir: string;
  let store: string[];
  const phone = (i: number) => `+86139000${String(100_000 + i).slice(1)}`;
  const outboxOf = async () =>
    (await readFile(join(dir, 'store', 'outbox.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { customerId: string; to: string });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-trust-ii-kill-'));
    store = ['--store', join(dir, 'store')];
    const ids = Array.from({ length: SHOPPERS }, (_, i) => `k-${i}`);
    await writeFile(join(dir, 'customers.csv'), ['customer_id,phone,name,sms_opt_in', ...ids.map((id, i) => `${id},${phone(i)},顾客${i},true`)].join('\n'));
    await writeFile(join(dir, 'orders.csv'), ['order_id,customer_id,ordered_at,category,amount', ...ids.map((id) => `o-${id},${id},2026-09-05 12:00,cosmetics,150`)].join('\n'));
    expect((await recall([...store, 'import', 'customers', join(dir, 'customers.csv'), '--as-of', '2026-11-22'])).code).toBe(0);
    expect((await recall([...store, 'import', 'orders', join(dir, 'orders.csv'), '--as-of', '2026-11-22'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('kill -9 mid-run: at most the in-flight bound unconfirmed; run, report and reconcile show them; marks settle them', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/recall.ts', ...store, 'run', '--as-of', '2026-11-22'], { cwd: process.cwd(), stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Well under way: a tenth of the shop's messages went out.
    while ((await outboxOf()).length < SHOPPERS / 10) {
      if (child.exitCode !== null) throw new Error(`the run ended (${child.exitCode}) before it could be killed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const delivered = await outboxOf();

    const listed = await recall([...store, 'reconcile', '--from', '2026-11-22', '--to', '2026-11-22', '--json']);
    expect(listed.code).toBe(0);
    const { unconfirmed } = JSON.parse(listed.out) as { unconfirmed: { customerId: string; recipient: string }[] };
    // The bound docs/architecture.md#message-states states for a local run (with no bound, one try: 62 unconfirmed after 60 had gone out).
    expect(unconfirmed.length).toBeLessThanOrEqual(10);
    for (const message of unconfirmed) {
      expect(message.recipient).toMatch(/^\+86\*{7}\d{4}$/);
      expect(listed.out).not.toContain(phone(Number(message.customerId.slice(2))));
    }

    // The same day run again finishes the rest; the unconfirmed are never sent again.
    const rerun = await recall([...store, 'run', '--as-of', '2026-11-22', '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.out).unconfirmed).toBe(unconfirmed.length);
    const outbox = await outboxOf();
    const perCustomer = new Map<string, number>();
    for (const line of outbox) perCustomer.set(line.customerId, (perCustomer.get(line.customerId) ?? 0) + 1);
    expect([...perCustomer.values()].every((count) => count === 1)).toBe(true);
    const unconfirmedIds = new Set(unconfirmed.map((message) => message.customerId));
    expect(outbox.filter((line) => unconfirmedIds.has(line.customerId)).length).toBe(delivered.filter((line) => unconfirmedIds.has(line.customerId)).length);
    const text = await recall([...store, 'run', '--as-of', '2026-11-22']);
    expect(text.out).toMatch(new RegExp(`^unconfirmed ${unconfirmed.length}\\b`, 'm'));

    // The report counts every message that went out or may have, and says how many are unconfirmed.
    const report = JSON.parse((await recall([...store, 'report', '--from', '2026-11-22', '--to', '2026-11-22', '--json'])).out);
    const missing = unconfirmed.filter((message) => !outbox.some((line) => line.customerId === message.customerId));
    expect(report.totals.unconfirmed).toBe(unconfirmed.length);
    expect(report.totals.sent).toBe(outbox.length + missing.length);

    // The operator checks the provider's records: one never went out, the rest did.
    const [first, ...rest] = unconfirmed;
    if (first) {
      const notSent = await recall([...store, 'reconcile', '--from', '2026-11-22', '--to', '2026-11-22', '--customer', first.customerId, '--mark', 'not-sent']);
      expect(notSent.out).toContain('Marked 1 as not-sent');
    }
    const sent = await recall([...store, 'reconcile', '--from', '2026-11-22', '--to', '2026-11-22', '--mark', 'sent', '--json']);
    expect(JSON.parse(sent.out).marked).toEqual({ as: 'sent', marked: rest.length, alreadySettled: 0 });
    const after = JSON.parse((await recall([...store, 'report', '--from', '2026-11-22', '--to', '2026-11-22', '--json'])).out);
    expect(after.totals.unconfirmed).toBe(0);
    expect(after.totals.sent).toBe(report.totals.sent - (first ? 1 : 0));
    expect(JSON.parse((await recall([...store, 'reconcile', '--from', '2026-11-22', '--to', '2026-11-22', '--json'])).out).unconfirmed).toEqual([]);
    // Marks are only for unconfirmed messages: nothing left to mark.
    const again = JSON.parse((await recall([...store, 'reconcile', '--from', '2026-11-22', '--to', '2026-11-22', '--mark', 'not-sent', '--json'])).out);
    expect(again.marked).toEqual({ as: 'not-sent', marked: 0, alreadySettled: 0 });
  }, 120_000);

  it('--mark takes sent or not-sent only (exit 2)', async () => {
    const bad = await recall([...store, 'reconcile', '--mark', 'delivered']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--mark: expected sent or not-sent, got "delivered"');
  });
});

describe('a contact fixed later is sent; a backfill starts a ladder at its first step', () => {
  let dir: string;
  let store: string[];
  const outbox = async () =>
    (await readFile(join(dir, 'store', 'outbox.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { customerId: string; journey: string; step: string; to: string; text: string });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-trust-ii-fix-'));
    store = ['--store', join(dir, 'store')];
    // fix-1's number is in an unallocated range; lapsed-1 spent 300 two hundred days ago.
    await writeFile(join(dir, 'customers.csv'), 'customer_id,phone,name,sms_opt_in\nfix-1,+8614012345678,赵敏,true\nlapsed-1,+8613900030002,周芷若,true\n');
    await writeFile(join(dir, 'orders.csv'), 'order_id,customer_id,ordered_at,category,amount\no-fix,fix-1,2026-09-05 12:00,cosmetics,150\no-lapsed,lapsed-1,2026-05-06 12:00,skincare,300\n');
    await recall([...store, 'import', 'customers', join(dir, 'customers.csv'), '--as-of', '2026-11-22']);
    await recall([...store, 'import', 'orders', join(dir, 'orders.csv'), '--as-of', '2026-11-22']);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('an invalid number defers the step; the number corrected the next day is sent on the next run', async () => {
    const before = JSON.parse((await recall([...store, 'run', '--as-of', '2026-11-22', '--json'])).out);
    expect(before.byJourney['category-recall']['coupon-1']).toMatchObject({ sent: 0, deferred: { 'invalid-contact': 1 } });
    expect((await outbox()).filter((line) => line.customerId === 'fix-1')).toEqual([]);

    await writeFile(join(dir, 'fixed.csv'), 'customer_id,phone,name\nfix-1,+8613900030001,\n');
    const fix = await recall([...store, 'import', 'customers', join(dir, 'fixed.csv'), '--as-of', '2026-11-23', '--allow-future']);
    expect(fix.err).toBe('');
    expect(fix.code).toBe(0);
    const after = JSON.parse((await recall([...store, 'run', '--as-of', '2026-11-23', '--allow-future', '--json'])).out);

    expect(after.byJourney['category-recall']['coupon-1']).toMatchObject({ sent: 1 });
    expect((await outbox()).filter((line) => line.customerId === 'fix-1')).toMatchObject([{ journey: 'category-recall', step: 'coupon-1', to: '+8613900030001' }]);
  });

  it('--backfill sends a long-lapsed spender the ladder\'s first coupon, never "your last coupon"', async () => {
    const run = await recall([...store, 'run', '--as-of', '2026-11-23', '--allow-future', '--backfill', '--json']);

    expect(run.code).toBe(0);
    const toLapsed = (await outbox()).filter((line) => line.customerId === 'lapsed-1');
    expect(toLapsed).toMatchObject([{ journey: 'spend-200-ladder', step: 'month-1' }]);
  });
});
