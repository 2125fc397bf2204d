import { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as planRecall } from '../../functions/plan-recall.ts';
import { handler as recordOrder } from '../../functions/record-order.ts';
import { handler as scanShard } from '../../functions/scan-shard.ts';
import { handler as sendMessage } from '../../functions/send-message.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { SendJobMessageSchema, ShardJobMessageSchema, type ShardJobMessage } from '../../lib/events/schemas.ts';
import type { SendJob } from '../../lib/ports/messaging.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { keys } from '../../lib/store/tables.ts';
import { channelSends, middayZone, mockAws, putEvents, sendMessageBatches } from '../support/aws-mocks.ts';
import { COUPON_SECRET, SEND_QUEUE_URL, WORK_QUEUE_URL } from '../support/handler-env.ts';
import { getItem, type HandlerTable, startHandlerTable } from '../support/handler-table.ts';
import { loadEventObject, loadSqsEvent, redelivered, withBodies } from '../support/sample-events.ts';
import { guardLogLeaks } from '../support/leak-guard.ts';
import { reliabilityConfig, seedShop, SHOP_NAMES, shopCustomers, shopPhones, TODAY } from '../support/reliability-shop.ts';
import { claimsAdded, scanTable, changedKeys } from '../support/table-state.ts';

/**
 * Duplicates and replays (issue 6, point 2), through the deployed handlers on dynalite (End User
 * Messaging SMS, SNS, SQS, EventBridge and Secrets Manager mocked at the SDK). At-least-once is the rule of every trigger
 * here: EventBridge Scheduler, SQS and the shop's bus all may deliver the same event again, late
 * or at the same time as the first copy. None of that may send a second message, count an order
 * twice or issue a second coupon. The tests run in order on one table, as one day of the shop.
 *
 * send-message checks the customer's send window on the wall clock: the send jobs go in the zone
 * where it is noon now (`atNoon`), so the window is open whenever the test runs.
 */

type Bodies = unknown[];

describe('duplicates and replays through the handlers', () => {
  const aws = mockAws();
  let table: HandlerTable;
  let config: CampaignConfig;
  let sqsSample: SQSEvent;
  /** Every message handed to a channel (SMS or push) and every domain event of the file, across mock resets. */
  const published: { to: string; message: string }[] = [];
  const events: { type: string; detail: Record<string, unknown> }[] = [];

  guardLogLeaks({ phones: shopPhones(), secrets: [COUPON_SECRET], names: SHOP_NAMES, couponCodes: () => events.flatMap((event) => (event.type === 'CouponIssued' ? [String(event.detail.couponCode)] : [])) });

  /** Moves what the mocks recorded into the file's totals and clears them. */
  function collect(): { work: ShardJobMessage[]; send: SendJob[] } {
    const work = sendMessageBatches(aws, WORK_QUEUE_URL).flat().map((body) => ShardJobMessageSchema.parse(body));
    const send = sendMessageBatches(aws, SEND_QUEUE_URL).flat().map((body) => SendJobMessageSchema.parse(body));
    published.push(...channelSends(aws).map(({ to, text }) => ({ to, message: text })));
    events.push(...putEvents(aws).map(({ type, detail }) => ({ type, detail })));
    aws.reset();
    return { work, send };
  }
  const sqs = (bodies: Bodies) => withBodies(sqsSample, bodies);
  /** Send jobs as a customer where it is noon now: inside the send window whenever the test runs. */
  const atNoon = (jobs: SendJob[]): SendJob[] => jobs.map((job) => ({ ...job, timeZone: middayZone() }));
  const publishesPerNumber = () => {
    const counts = new Map<string, number>();
    for (const { to } of published) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  };
  const eventsOf = (type: string) => events.filter((event) => event.type === type);

  beforeAll(async () => {
    table = await startHandlerTable();
    config = await reliabilityConfig();
    // The config the stack bakes into the bundles (read at cold start).
    process.env.RECALL_CONFIG_JSON = JSON.stringify(config);
    await seedShop(table.store, config);
    sqsSample = await loadSqsEvent('scan-shard.sqs-batch.json');
  });
  afterAll(async () => {
    delete process.env.RECALL_CONFIG_JSON;
    aws.restore();
    await table.stop();
  });

  let workJobs: ShardJobMessage[] = [];
  let sendJobs: SendJob[] = [];

  /**
   * Two deliveries of one schedule that overlap: the second finds the run item before the first
   * has recorded its plan, so both enqueue the shard jobs (idempotent: no SMS goes out twice, shown
   * below), but only the one that records the plan says `planned` and announces RunStarted.
   * Here the first delivery's markRunPlanned is held on the wire until the second has read the run.
   */
  it('a schedule delivered twice at once (the first one slow to record that it planned) plans the day once', async () => {
    const schedule = await loadEventObject('plan-recall.scheduled.json');
    const marking = table.faults.hold('UpdateItem', (request) => JSON.stringify(request).includes('"#planned"'));

    const first = planRecall(schedule, lambdaContext('plan-recall'));
    while (marking.held < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const second = planRecall({ ...schedule, attemptNumber: '2' }, lambdaContext('plan-recall'));
    while (marking.held < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    marking.release();
    const results = await Promise.all([first, second]);
    const { work } = collect();
    workJobs = work;

    expect(results.filter((result) => result.planned)).toHaveLength(1);
    expect(new Set(work.map((job) => job.shard)).size).toBe(config.shards);
    expect(eventsOf('RunStarted')).toHaveLength(1);
  });

  it('the same schedule delivered twice more, at once, later: plans nothing more, sends no job, publishes nothing', async () => {
    const schedule = await loadEventObject('plan-recall.scheduled.json');
    const before = await scanTable(table.store);

    const results = await Promise.all([planRecall({ ...schedule, attemptNumber: '3' }, lambdaContext('plan-recall')), planRecall({ ...schedule, attemptNumber: '4' }, lambdaContext('plan-recall'))]);
    const { work } = collect();

    expect(results).toEqual([
      { runId: `daily-${TODAY}`, runDate: TODAY, shards: config.shards, planned: false },
      { runId: `daily-${TODAY}`, runDate: TODAY, shards: config.shards, planned: false },
    ]);
    expect(work).toEqual([]);
    expect(changedKeys(before, await scanTable(table.store))).toEqual([]);
    // Each shard's job reached the queue (twice, with the race above).
    expect([...new Set(workJobs.map((job) => job.shard))].sort()).toEqual([0, 1]);
  });

  it('every shard job delivered twice, the second copy racing the first, and once more late, claims each message once', async () => {
    const before = await scanTable(table.store);

    for (const job of workJobs) {
      const event = sqs([job]);
      const racing = await Promise.all([scanShard(event, lambdaContext('scan-shard')), scanShard(redelivered(event), lambdaContext('scan-shard'))]);
      const late = await scanShard(redelivered(redelivered(event)), lambdaContext('scan-shard'));
      for (const result of [...racing, late]) expect(result).toEqual({ batchItemFailures: [] });
    }
    const { send } = collect();

    sendJobs = send;
    const after = await scanTable(table.store);
    // The shop's day: 6 messages (see test/support/reliability-shop.ts), each claimed by one cap slot naming it.
    expect(claimsAdded(before, after)).toHaveLength(6);
    expect(changedKeys(before, after).filter((key) => key.includes('|L#') && after.get(key)?.outcome === 'sent')).toEqual([]);
    // A racing copy may hand a claimed message to the send queue too; the sender's conditional
    // first write lets only one of them out (next test).
    expect(new Set(send.map((job) => `${job.customerId}#${job.journeyId}#${job.cycle}#${job.stepId}`)).size).toBe(6);
    expect(eventsOf('RunCompleted')).toHaveLength(1);
  });

  it('every send batch delivered three times, two of them at once: one SMS per message, one MessageSent, one CouponIssued per code', async () => {
    for (let start = 0; start < sendJobs.length; start += 10) {
      const event = sqs(atNoon(sendJobs.slice(start, start + 10)));
      const racing = await Promise.all([sendMessage(event, lambdaContext('send-message')), sendMessage(redelivered(event), lambdaContext('send-message'))]);
      const late = await sendMessage(redelivered(redelivered(event)), lambdaContext('send-message'));
      for (const result of [...racing, late]) expect(result).toEqual({ batchItemFailures: [] });
    }
    collect();

    expect(published).toHaveLength(6);
    expect(Math.max(...publishesPerNumber().values())).toBe(1);
    const sent = eventsOf('MessageSent').map((event) => `${String(event.detail.customerId)}#${String(event.detail.stepId)}`);
    expect(sent).toHaveLength(6);
    expect(new Set(sent).size).toBe(6);
    const coupons = eventsOf('CouponIssued').map((event) => String(event.detail.couponCode));
    expect(coupons.length).toBeGreaterThan(0);
    expect(new Set(coupons).size).toBe(coupons.length);
    // Each SMS carries the code of its ledger key, once.
    for (const code of coupons) expect(published.filter(({ message }) => message.includes(code))).toHaveLength(1);
  });

  it('the same OrderPlaced delivered three times, two of them at once, is counted once', async () => {
    const customerId = shopCustomers()[0]?.customer.customerId ?? '?';
    const sample = await loadEventObject('record-order.order-placed.json');
    const event = {
      ...sample,
      time: '2026-11-22T03:05:01Z',
      detail: { orderId: 'TB-replayed-1', customerId, orderedAt: '2026-11-22T11:05:00+08:00', lines: [{ category: 'cosmetics', amount: 120 }, { category: 'skincare', amount: 90 }] },
    };
    const before = await getItem(table.store, keys.customer(customerId), keys.category('cosmetics'));

    const racing = await Promise.all([recordOrder(event, lambdaContext('record-order')), recordOrder(event, lambdaContext('record-order'))]);
    const late = await recordOrder(event, lambdaContext('record-order'));

    expect(late).toMatchObject({ status: 'duplicate' });
    expect(racing.map((result) => result.status)).toContain('recorded');
    expect(before).toMatchObject({ orderCount: 1 });
    expect(await getItem(table.store, keys.customer(customerId), keys.category('cosmetics'))).toMatchObject({ orderCount: 2, lastDate: '2026-11-22', secondOrderId: 'TB-replayed-1' });
    expect(await getItem(table.store, keys.customer(customerId), keys.category('skincare'))).toMatchObject({ orderCount: 1, recentOrderIds: ['TB-replayed-1'] });
    expect(await getItem(table.store, keys.customer(customerId), keys.order('TB-replayed-1'))).toMatchObject({ applied: true });
    // The journeys restarted once, from this order.
    expect(await getItem(table.store, keys.customer(customerId), keys.journey('category-recall#cosmetics'))).toMatchObject({ anchorDate: '2026-11-22', stepIndex: 0, cycle: 'cosmetics@2026-11-22' });
    expect(await getItem(table.store, keys.customer(customerId), keys.journey('spend-200-ladder#TB-replayed-1'))).toMatchObject({ anchorDate: '2026-11-22', stepIndex: 0 });
  });

  it('the same day re-run after a partial run (a shard job that died half way, then a manual run of the day) sends nothing twice and no second coupon', async () => {
    const day = '2026-12-22';
    // A partial run: every shard job dies after its first claim (the cap slot writes fail beyond the SDK's retries).
    const plan = await planRecall({ asOf: day, dryRun: false, allowFuture: true }, lambdaContext('plan-recall'));
    const { work } = collect();
    expect(plan).toMatchObject({ planned: true, runDate: day });
    let claims = 0;
    const isLaterClaim = (request: Record<string, unknown>) => String(request.UpdateExpression).includes('#sends') && ++claims > 1;
    table.faults.fail('UpdateItem', 'InternalServerError', { times: 1000, when: isLaterClaim });
    const died: SQSEvent[] = [];
    for (const job of work) {
      const event = sqs([job]);
      // A batch whose only record failed fails as a whole: SQS delivers it again.
      const failed = await scanShard(event, lambdaContext('scan-shard')).then(
        () => false,
        (error: unknown) => error instanceof FullBatchFailureError,
      );
      if (failed) died.push(event);
    }
    table.faults.clear();
    const partial = collect();
    expect(died.length).toBeGreaterThan(0);
    expect(table.faults.injected.length).toBeGreaterThan(0);

    // SQS redelivers the jobs that died; then someone runs the same day again by hand.
    for (const event of died) expect(await scanShard(redelivered(event), lambdaContext('scan-shard'))).toEqual({ batchItemFailures: [] });
    const first = collect().send;
    await planRecall({ asOf: day, dryRun: false, allowFuture: true }, lambdaContext('plan-recall'));
    for (const job of collect().work) await scanShard(sqs([job]), lambdaContext('scan-shard'));
    const second = collect().send;
    for (const jobs of [partial.send, first, second]) if (jobs.length > 0) await sendMessage(sqs(atNoon(jobs)), lambdaContext('send-message'));
    collect();

    expect(first.length).toBeGreaterThan(0);
    expect(second).toEqual([]);
    expect(Math.max(...publishesPerNumber().values())).toBeLessThanOrEqual(2);
    // Over both days of the file, each ledger key went out once and each coupon was issued once.
    const sentKeys = eventsOf('MessageSent').map((event) => [event.detail.customerId, event.detail.journeyId, event.detail.cycle, event.detail.stepId].map(String).join('#'));
    expect(new Set(sentKeys).size).toBe(sentKeys.length);
    expect(published).toHaveLength(sentKeys.length);
    const coupons = eventsOf('CouponIssued').map((event) => String(event.detail.couponCode));
    expect(new Set(coupons).size).toBe(coupons.length);
  });
});
