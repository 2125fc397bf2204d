import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../lib/domain/dates.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { MemoryQueue } from '../../lib/runtime/local-pipeline.ts';
import { deliverMessage } from '../../lib/usecases/deliver.ts';
import { importCustomers } from '../../lib/usecases/import.ts';
import { recordReply, type InboundReply } from '../../lib/usecases/record-reply.ts';
import { runDay } from '../../lib/usecases/run-day.ts';
import { csv, dailyRun } from '../support/fixtures.ts';
import { importedShop, IMPORTED_SHOP_TODAY } from '../support/imported-shop.ts';
import { TestDynamo } from '../support/store.ts';

/**
 * lib/usecases/record-reply.ts on a real DynamoDB-API server: opt-out keywords, survey answers,
 * unknown replies and numbers, on the imported shop (c1 is +8613800138001; `c1-dup` is a second
 * account with that number written the national way).
 */

const TODAY = IMPORTED_SHOP_TODAY;
const C1_PHONE = '+8613800138001';
let inbound = 0;
const reply = (text: string, receivedAt = `${TODAY}T06:00:00Z`, phone = C1_PHONE): InboundReply => ({ phone, text, receivedAt, inboundId: `in-${++inbound}` });

describe('record-reply on a real DynamoDB-API server', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  /** The imported shop with c1's second account, run on TODAY through `queue`. */
  async function shop() {
    const imported = await importedShop(dynamo, 'reply-secret');
    await importCustomers({ store: imported.store }, readCustomerRows(csv('customer_id,phone,name,sms_opt_in\nc1-dup,138 0013 8001,张三,true\n'), 'dup.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), imported.clock.now());
    return imported;
  }

  async function profileOf(store: Awaited<ReturnType<typeof shop>>['store'], id: string) {
    return (await store.getProfiles([id], { consistent: true })).profiles.get(id);
  }

  it.each(['R', 'Ｒ', ' td ', '退订', 'unsubscribe'])('"%s" opts out every customer id with the number, and notes it on the message before it', async (text) => {
    const { store, config, deps } = await shop();
    await runDay(deps, dailyRun(config, TODAY));

    const result = await recordReply({ store, config }, reply(text));

    expect(result).toEqual({ kind: 'opted-out', customers: 2 });
    expect(await profileOf(store, 'c1')).toMatchObject({ optedOut: true, optedOutAt: `${TODAY}T06:00:00Z` });
    expect(await profileOf(store, 'c1-dup')).toMatchObject({ optedOut: true });
    const ledger = await store.getCustomerLedger('c1', TODAY);
    expect(ledger.find((entry) => entry.outcome === 'sent')?.optedOutAt).toBe(`${TODAY}T06:00:00Z`);
    expect((await profileOf(store, 'c4'))?.optedOut).toBeFalsy();
  });

  it('an R while a message to the number is claimed: the message is not sent, and no later run sends to it', async () => {
    const { store, config, deps } = await shop();
    const claimed = new MemoryQueue<SendJob>();
    await runDay({ ...deps, sendQueue: claimed }, dailyRun(config, TODAY));
    const jobs = claimed.take(100).filter((job) => job.to === C1_PHONE);
    expect(jobs.length).toBeGreaterThan(0);

    await recordReply({ store, config }, reply('R'));
    const delivered: SendJob[] = [];
    const transport = { deliver: async (job: SendJob) => void delivered.push(job) };
    const results = await Promise.all(jobs.map((job) => deliverMessage({ store, transport, clock: { now: () => new Date(`${TODAY}T06:01:00Z`) } }, job)));
    const later = new MemoryQueue<SendJob>();
    await runDay({ ...deps, sendQueue: later }, dailyRun(config, addDays(TODAY, 30)));

    expect(results).toEqual(jobs.map(() => 'opted-out'));
    expect(delivered).toEqual([]);
    expect(later.take(100).filter((job) => job.to === C1_PHONE)).toEqual([]);
  });

  it("a survey step's answer is recorded on its message: once per inbound id, the latest wins, never after replyDays", async () => {
    const { store, config } = await shop();
    // c1 got the lifecycle "lost" step (replies 1 price, 2 quality, 3 service, 4 other) today.
    const lost: LedgerEntry = { customerId: 'c1', journeyId: 'lifecycle', cycle: 'recency-2025-11-01', stepId: 'lost', runDate: TODAY, outcome: 'sent', status: 'sent', channel: 'sms', parts: 1 };
    await store.claimLedger(lost);
    const stored = async () => (await store.getCustomerLedger('c1', TODAY)).find((entry) => entry.stepId === 'lost');

    const first = reply('２', `${TODAY}T06:00:00Z`);
    expect(await recordReply({ store, config }, first)).toEqual({ kind: 'answered', reason: 'quality', customers: 2 });
    expect(await recordReply({ store, config }, first)).toMatchObject({ kind: 'answered' });
    expect(await stored()).toMatchObject({ reply: 'quality', replyId: first.inboundId });

    await recordReply({ store, config }, reply(' 3 ', `${TODAY}T07:00:00Z`));
    expect(await stored()).toMatchObject({ reply: 'service', repliedAt: `${TODAY}T07:00:00Z` });

    // Eight days later (replyDays 7): nothing answers it any more.
    expect(await recordReply({ store, config }, reply('1', `${addDays(TODAY, 8)}T06:00:00Z`))).toEqual({ kind: 'unmatched', customers: 2 });
    expect((await stored())?.reply).toBe('service');
  });

  it('a reply that is no keyword and answers no survey is unmatched; a number nobody has is unknown', async () => {
    const { store, config, deps } = await shop();
    await runDay(deps, dailyRun(config, TODAY));

    expect(await recordReply({ store, config }, reply('谢谢，已收到'))).toEqual({ kind: 'unmatched', customers: 2 });
    expect(await recordReply({ store, config }, reply('R', undefined, '+8613800138999'))).toEqual({ kind: 'unknown-number' });
    expect((await profileOf(store, 'c1'))?.optedOut).toBeFalsy();
  });

  it('a number changed since the import no longer finds the customer', async () => {
    const { store, config, clock } = await shop();
    await importCustomers({ store }, readCustomerRows(csv('customer_id,phone,name\nc1-dup,+8613800138077,\n'), 'moved.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), clock.now());

    expect(await recordReply({ store, config }, reply('R'))).toEqual({ kind: 'opted-out', customers: 1 });
    expect((await profileOf(store, 'c1-dup'))?.optedOut).toBeFalsy();
  });
});
