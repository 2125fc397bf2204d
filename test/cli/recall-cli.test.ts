import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recall as recallAt } from '../support/cli.ts';
import { OutboxLineSchema } from '../../lib/adapters/outbox.ts';
import { OUTCOMES } from '../../lib/domain/guardrails.ts';
import { loadDefaultConfig } from '../../lib/config/load.ts';


const recall = (args: string[], now = '2026-11-22T02:00:00Z') => recallAt(args, now);

const CUSTOMERS = `customer_id,phone,name,sms_opt_in
c1,+8613800138001,张三,true
c2,+8613800138002,李四,false
c3,+8614012345678,王五,true
c4,13800138004,赵六,true
,+8613800138009,无名,true
c6,+8613800138006,孙八,maybe
`;

const ORDERS = `order_id,customer_id,ordered_at,category,amount
o1,c1,2026-09-05 12:00,cosmetics,150
o2,c2,2026-09-05 12:00,cosmetics,150
o3,c3,2026-09-05 12:00,cosmetics,150
o4,c4,2026-10-06 12:00,womens-clothing,250
o5,c4,not-a-date,womens-clothing,250
o6,c1,2026-09-01 12:00,cosmetics,-5
o7,c1,2026-09-01 12:00,garden-gnomes,80
`;

describe('recall CLI', () => {
  let dir: string;
  let store: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-cli-'));
    store = ['--store', join(dir, 'store')];
    await writeFile(join(dir, 'customers.csv'), CUSTOMERS);
    await writeFile(join(dir, 'orders.csv'), ORDERS);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--version prints the version in package.json; --help names every command', async () => {
    const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

    const version = await recall(['--version']);
    const help = await recall(['--help']);

    expect(version).toMatchObject({ code: 0, out: pkg.version });
    expect(help.code).toBe(0);
    for (const command of ['demo', 'import', 'run', 'report', 'reconcile', 'windows', 'invoke', 'config']) expect(help.out).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('imports CSV files, naming each bad row by line and reason, and keeps the rest', async () => {
    const customers = await recall([...store, 'import', 'customers', join(dir, 'customers.csv')]);
    expect(customers.code).toBe(0);
    expect(customers.out).toContain('Imported 4 customers; rejected 2');
    expect(customers.err).toMatch(/customers\.csv:6: missing-customer-id/);
    expect(customers.err).toMatch(/customers\.csv:7: bad-opt-in/);

    const orders = await recall([...store, 'import', 'orders', join(dir, 'orders.csv')]);
    expect(orders.code).toBe(0);
    expect(orders.out).toMatch(/Imported 5 orders; rejected 3/);
    expect(orders.err).toMatch(/orders\.csv:6: bad-date/);
    expect(orders.err).toMatch(/orders\.csv:7: negative-amount/);
    expect(orders.err).toMatch(/orders\.csv:8: unknown-category/);

    const again = await recall([...store, 'import', 'orders', join(dir, 'orders.csv')]);
    expect(again.out).toMatch(/Imported 0 orders, 5 already recorded \(unchanged\)/);
  });

  it('runs a day: the JSON contract, the decisions file, the outbox, and nothing twice', async () => {
    const decisionsFile = join(dir, 'decisions.jsonl');
    const run = await recall([...store, 'run', '--as-of', '2026-11-22', '--json', '--decisions', decisionsFile]);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.out);
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining(['asOf', 'evaluated', 'due', 'sent', 'heldOut', 'skipped', 'deferred', 'byJourney', 'readUnits']),
    );
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
    expect(summary.sent + summary.heldOut + sum(summary.skipped) + sum(summary.deferred)).toBe(summary.due);
    expect(summary.due).toBe(4);
    expect(summary.readUnits).toBeGreaterThan(0);

    const decisions = (await readFile(decisionsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(decisions).toHaveLength(summary.due);
    for (const decision of decisions) {
      expect(Object.keys(decision).sort()).toEqual(['customerId', 'journey', 'outcome', 'step']);
      expect(OUTCOMES).toContain(decision.outcome);
    }

    const outbox = (await readFile(join(dir, 'store', 'outbox.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => OutboxLineSchema.parse(JSON.parse(line)));
    expect(outbox).toHaveLength(summary.sent);
    const recipients = outbox.map((line) => line.customerId);
    expect(recipients).not.toContain('c2');
    expect(recipients).not.toContain('c3');
    expect(new Set(recipients).size).toBe(recipients.length);

    const rerun = await recall([...store, 'run', '--as-of', '2026-11-22', '--json']);
    expect(JSON.parse(rerun.out).sent).toBe(0);
  });

  it('prints a readable summary table by default', async () => {
    const run = await recall([...store, 'run', '--as-of', '2026-12-22', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/Recall run for 2026-12-22 \(dry run: nothing written, nothing sent\)/);
    expect(run.out).toMatch(/journey\s+step\s+due\s+sent\s+held-out\s+skipped\s+deferred/);
    expect(run.out).toMatch(/category-recall\s+coupon-2/);
  });

  it('invokes a handler locally on the embedded store and carries its queued jobs on', async () => {
    const event = join(dir, 'plan.json');
    await writeFile(event, JSON.stringify({ asOf: '2027-01-21', dryRun: false, allowFuture: true }));

    const planned = await recall([...store, 'invoke', 'plan-recall', '--event', event]);

    expect(planned.code).toBe(0);
    expect(planned.out).toMatch(/"planned": true/);
    expect(planned.out).toMatch(/locally carried on: 8 shard jobs/);
    const events = (await readFile(join(dir, 'store', 'events.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line).type);
    expect(events).toContain('RunStarted');
    expect(events.filter((type) => type === 'RunCompleted')).toHaveLength(1);

    const unknown = await recall([...store, 'invoke', 'send-sms']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown function "send-sms"/);
  });

  it('refuses bad arguments and bad configs with exit code 2 and a message naming the problem', async () => {
    const badDate = await recall([...store, 'run', '--as-of', '22/11/2026']);
    expect(badDate.code).toBe(2);
    expect(badDate.err).toContain('--as-of');

    const config = await loadDefaultConfig();
    const broken = {
      ...config,
      merchantTimeZone: 'Mars/Olympus',
      categories: [{ ...config.categories[0], windowDays: -3 }, ...config.categories.slice(1)],
    };
    const file = join(dir, 'broken.json');
    await writeFile(file, JSON.stringify(broken));
    const check = await recall(['config', 'check', file]);
    expect(check.code).toBe(2);
    expect(check.err).toContain(`${file}: merchantTimeZone`);
    expect(check.err).toContain(`${file}: categories[0].windowDays`);

    const run = await recall([...store, '--config', file, 'run']);
    expect(run.code).toBe(2);

    const missing = await recall(['config', 'check', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('nope.json');

    const good = await recall(['config', 'check']);
    expect(good.code).toBe(0);
    expect(good.out).toMatch(/OK \(8 categories, 7 journeys/);
  });

  it('a permanent error that is not bad input (an unknown journey in an invoked event) exits 1 with its message, without a stack', async () => {
    const event = join(dir, 'unknown-journey.json');
    await writeFile(event, JSON.stringify({ journeys: ['winback'], dryRun: true }));

    const failed = await recall([...store, 'invoke', 'plan-recall', '--event', event]);

    expect(failed.code).toBe(1);
    expect(failed.err).toBe('journeys: unknown journey id(s) winback');
  });

  it('runs the demo end to end on a fresh embedded store', async () => {
    const demo = await recall(['--store', join(dir, 'demo'), 'demo', '--customers', '400']);
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/Seeding a demo shop: 400 customers/);
    expect(demo.out).toMatch(/total\s+[\d,]+\s+[\d,]+/);
    const sent = Number(/total\s+[\d,]+\s+([\d,]+)/.exec(demo.out)?.[1]);
    expect(sent).toBeGreaterThan(0);
    expect(demo.out).not.toMatch(/\+86\d{11}/);
  });
});
