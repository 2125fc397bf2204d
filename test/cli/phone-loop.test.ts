import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedStore, recall as recallAt } from '../support/cli.ts';

/*
 * Issue "The loop with the customer's phone", black-box through the CLI: a provider's replies and
 * opt-out export come in with `recall import replies|opt-outs`, and no run sends to a number that
 * said R again.
 */

const NOW = '2026-12-30T02:00:00Z';

const recall = (args: string[]) => recallAt(args, NOW);

// Two accounts of one shopper (one number written two ways) and two other shoppers; all bought
// cosmetics 78 days before 2026-11-22, so coupon-1 goes out then and coupon-2 thirty days later.
const CUSTOMERS = `customer_id,phone,name,sms_opt_in
a1,+8613800138001,王芳,true
a2,138 0013 8001,王芳,true
b1,+8613800138002,李静,true
c1,+8613800138003,赵敏,true
`;
const ORDERS = ['order_id,customer_id,ordered_at,category,amount', ...['a1', 'a2', 'b1', 'c1'].map((id) => `o-${id},${id},2026-09-05 12:00,cosmetics,150`)].join('\n');

describe('replies and opt-outs from the provider, through the CLI', () => {
  let dir: string;
  let store: string[];
  const outbox = async () =>
    (await readFile(join(dir, 'store', 'outbox.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { customerId: string; to: string; step: string; sentAt: string });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-phone-loop-'));
    store = await importedStore(dir, { customers: CUSTOMERS, orders: ORDERS }, '2026-11-22', NOW);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('after `import replies` with an R (and `import opt-outs` with another number), no run sends to those numbers again', async () => {
    const first = JSON.parse((await recall([...store, 'run', '--as-of', '2026-11-22', '--json'])).out);
    expect(first.sent).toBeGreaterThanOrEqual(2);
    const before = await outbox();
    expect(before.filter((line) => line.to === '+8613800138001')).toHaveLength(1);

    await writeFile(join(dir, 'replies.csv'), 'phone,text,received_at\n13800138001,Ｒ,2026-11-22 15:30\n+8613800138009,hello,2026-11-22 15:31\n13800,R,2026-11-22 15:32\n');
    await writeFile(join(dir, 'opt-outs.csv'), 'phone,opted_out_at\n+8613800138002,2026-11-23 09:00\n');
    const replies = await recall([...store, 'import', 'replies', join(dir, 'replies.csv'), '--as-of', '2026-11-23']);
    const optOuts = await recall([...store, 'import', 'opt-outs', join(dir, 'opt-outs.csv'), '--as-of', '2026-11-23']);
    const again = await recall([...store, 'import', 'replies', join(dir, 'replies.csv'), '--as-of', '2026-11-23']);
    const later = JSON.parse((await recall([...store, 'run', '--as-of', '2026-12-22', '--json'])).out);

    expect(replies.code).toBe(0);
    expect(replies.out).toBe('Recorded 2 replies (opted-out 1, unknown-number 1); rejected 1 (bad-phone 1)');
    expect(replies.err).toContain('replies.csv:4: bad-phone: phone *3800 is not a mobile number (default country CN)');
    expect(optOuts.out).toBe('Recorded 1 opt-outs (opted-out 1); rejected 0');
    expect(again.code).toBe(0);
    const after = (await outbox()).slice(before.length);
    expect(after.map((line) => line.customerId)).toEqual(['c1']);
    expect(later.byJourney['category-recall']['coupon-2']).toMatchObject({ sent: 1, skipped: { 'no-consent': 2 } });
    // a2's first coupon, claimed on day one and deferred (a1 had the number's slot), is settled as
    // the skip it now is (a month late: stale): never counted as sent, never left claimed.
    expect(later.byJourney['category-recall']['coupon-1']).toMatchObject({ sent: 0, skipped: { stale: 1 } });
    const report = JSON.parse((await recall([...store, 'report', '--from', '2026-11-22', '--to', '2026-12-22', '--json'])).out);
    expect(report.totals.notDelivered).toBe(0);
  });
});
