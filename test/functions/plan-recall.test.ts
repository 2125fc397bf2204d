import { RequestThrottled, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/plan-recall.ts';
import { ShardJobMessageSchema } from '../../lib/events/schemas.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { awsError, mockAws, putEvents, sendMessageBatches } from '../support/aws-mocks.ts';
import { EVENT_BUS_NAME, WORK_QUEUE_URL } from '../support/handler-env.ts';
import { changedKeys, type HandlerTable, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { loadEvent, loadEventObject } from '../support/sample-events.ts';

/** The default config: 8 shards, merchant time Asia/Shanghai. */
const SHARDS = 8;

describe('plan-recall (the deployed handler on dynalite, SQS and EventBridge mocked)', () => {
  const aws = mockAws();
  let table: HandlerTable;

  beforeAll(async () => {
    table = await startHandlerTable();
  });
  beforeEach(() => {
    aws.reset();
  });
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  const workJobs = () => sendMessageBatches(aws, WORK_QUEUE_URL).flat().map((body) => ShardJobMessageSchema.parse(body));

  describe('the scheduled sample', () => {
    it('enqueues one job per shard onto the work queue and publishes RunStarted', async () => {
      const event = await loadEvent('plan-recall.scheduled.json');

      const result = await handler(event, lambdaContext('plan-recall'));

      // 02:00Z is 10:00 in Shanghai on the 22nd: the daily run of that merchant day.
      expect(result).toEqual({ runId: 'daily-2026-11-22', runDate: '2026-11-22', shards: SHARDS, planned: true });
      expect(sendMessageBatches(aws, WORK_QUEUE_URL).map((batch) => batch.length)).toEqual([SHARDS]);
      expect(workJobs()).toEqual(
        Array.from({ length: SHARDS }, (_, shard) => ({
          runId: 'daily-2026-11-22',
          runDate: '2026-11-22',
          now: '2026-11-22T02:00:00.000Z',
          shard,
          shards: SHARDS,
          dryRun: false,
        })),
      );
      expect(putEvents(aws)).toEqual([
        { type: 'RunStarted', source: 'recall.campaigns', bus: EVENT_BUS_NAME, detail: { runId: 'daily-2026-11-22', runDate: '2026-11-22', shards: SHARDS, dryRun: false } },
      ]);
    });

    it('delivered again (a Scheduler retry of the same schedule) plans nothing and writes nothing', async () => {
      const event = await loadEvent('plan-recall.scheduled.json');
      const retry = { ...(await loadEventObject('plan-recall.scheduled.json')), attemptNumber: '2' };
      const before = await tableItems(table.store);

      const again = await handler(event, lambdaContext('plan-recall'));
      const retried = await handler(retry, lambdaContext('plan-recall'));

      expect(again).toEqual({ runId: 'daily-2026-11-22', runDate: '2026-11-22', shards: SHARDS, planned: false });
      expect(retried).toEqual(again);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });
  });

  describe('the manual sample', () => {
    it('plans a dry run of its own, keyed by the request id', async () => {
      const event = await loadEvent('plan-recall.manual.json');
      const context = lambdaContext('plan-recall');

      const result = await handler(event, context);

      const runId = `manual-${context.awsRequestId}`;
      expect(result).toEqual({ runId, runDate: '2026-11-22', shards: SHARDS, planned: true });
      const jobs = workJobs();
      expect(jobs.map((job) => job.shard)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // asOf as a date: the configured run time (10:00) in the merchant zone.
      expect(jobs.every((job) => job.runId === runId && job.dryRun && job.runDate === '2026-11-22' && job.now === '2026-11-22T02:00:00.000Z')).toBe(true);
      expect(putEvents(aws)).toMatchObject([{ type: 'RunStarted', detail: { runId, runDate: '2026-11-22', shards: SHARDS, dryRun: true } }]);
    });

    it('retried by Lambda with the same request id, plans nothing more', async () => {
      const event = await loadEvent('plan-recall.manual.json');
      const context = lambdaContext('plan-recall');
      await handler(event, context);
      aws.reset();

      const retried = await handler(event, context);

      expect(retried).toMatchObject({ runId: `manual-${context.awsRequestId}`, planned: false });
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    });
  });

  describe('a malformed event', () => {
    it.each([
      ['asOf that is no date', { asOf: 'next tuesday', dryRun: true }, /plan-recall: not a schedule invocation nor \{ asOf\?, journeys\?, dryRun\? \}: .*asOf/],
      ['dryRun as a string', { dryRun: 'yes' }, /dryRun: .*boolean/],
      ['an empty journeys list', { journeys: [] }, /journeys: /],
      ['an unknown key', { asof: '2026-11-22' }, /asof/],
      ['a string', 'run it', /plan-recall: not a schedule invocation/],
    ])('%s: a clear InvalidEventError, nothing enqueued, published or written', async (_name, event, message) => {
      const before = await tableItems(table.store);

      const planned = handler(event, lambdaContext('plan-recall'));

      await expect(planned).rejects.toMatchObject({ name: 'InvalidEventError', retryable: false });
      await expect(planned).rejects.toThrow(message);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });

    it('a schedule invocation without its scheduledTime: a clear error, nothing written', async () => {
      const { scheduledTime: _dropped, ...event } = await loadEventObject('plan-recall.scheduled.json');
      const before = await tableItems(table.store);

      const planned = handler(event, lambdaContext('plan-recall'));

      await expect(planned).rejects.toMatchObject({ name: 'InvalidEventError' });
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });

    // A schedule-shaped event is judged by the schedule schema, not the manual one, so the error
    // names the missing field rather than listing the scheduler's keys as unrecognized.
    it('a schedule invocation without its scheduledTime: the error names scheduledTime', async () => {
      const { scheduledTime: _dropped, ...event } = await loadEventObject('plan-recall.scheduled.json');

      await expect(handler(event, lambdaContext('plan-recall'))).rejects.toThrow(/scheduledTime/);
    });

    it('an unknown journey id: UnknownJourneyError naming it, nothing written', async () => {
      const before = await tableItems(table.store);

      const planned = handler({ asOf: '2026-11-22', journeys: ['category-recall', 'winback'] }, lambdaContext('plan-recall'));

      await expect(planned).rejects.toMatchObject({ name: 'UnknownJourneyError', retryable: false });
      await expect(planned).rejects.toThrow(/unknown journey id\(s\) winback/);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    });

    it('a real run dated years ahead of the clock: FutureRunError, nothing written; a dry run or allowFuture may', async () => {
      const before = await tableItems(table.store);

      const planned = handler({ asOf: '2036-12-30' }, lambdaContext('plan-recall'));

      await expect(planned).rejects.toMatchObject({ name: 'FutureRunError', retryable: false });
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
      await expect(handler({ asOf: '2036-12-30', dryRun: true }, lambdaContext('plan-recall'))).resolves.toMatchObject({ planned: true, runDate: '2036-12-30' });
      await expect(handler({ asOf: '2036-12-31', allowFuture: true }, lambdaContext('plan-recall'))).resolves.toMatchObject({ planned: true, runDate: '2036-12-31' });
    });
  });

  describe('throttling', () => {
    it('a throttled SendMessageBatch and a throttled PutEvents are retried: every shard enqueued once, RunStarted once', async () => {
      aws.sendMessageBatch.rejectsOnce(new RequestThrottled({ message: 'Request is throttled.', $metadata: { httpStatusCode: 400 } }));
      aws.putEvents.rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'));

      const result = await handler({ asOf: '2026-11-23', dryRun: true }, lambdaContext('plan-recall'));

      expect(result).toMatchObject({ runDate: '2026-11-23', planned: true });
      const [throttled, retried] = sendMessageBatches(aws, WORK_QUEUE_URL);
      expect(throttled).toHaveLength(SHARDS);
      expect(retried).toEqual(throttled);
      expect(aws.sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
      expect(putEvents(aws).map((event) => event.type)).toEqual(['RunStarted', 'RunStarted']);
      expect(aws.eventBridge.commandCalls(PutEventsCommand)).toHaveLength(2);
    });

    // The run is recorded before its jobs are enqueued; when SQS keeps refusing, the Scheduler's
    // retry of the same event must plan it again rather than find the run and do nothing.
    it('a schedule whose jobs could not be enqueued is planned again on its retry, not lost', async () => {
      aws.sendMessageBatch.rejects(new RequestThrottled({ message: 'Request is throttled.', $metadata: { httpStatusCode: 400 } }));
      const event = { ...(await loadEventObject('plan-recall.scheduled.json')), scheduledTime: '2026-11-24T02:00:00Z' };

      await expect(handler(event, lambdaContext('plan-recall'))).rejects.toMatchObject({ name: 'QueueSendError', retryable: true });
      aws.reset();
      const retried = await handler({ ...event, attemptNumber: '2' }, lambdaContext('plan-recall'));

      expect(retried).toMatchObject({ runId: 'daily-2026-11-24', planned: true });
      expect(workJobs()).toHaveLength(SHARDS);
    });
  });
});
