import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/record-delivery.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { mockAws } from '../support/aws-mocks.ts';
import { changedKeys, type HandlerTable, ledgerItem, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { contextOf, messageIn } from '../support/messages.ts';
import { loadEventObject } from '../support/sample-events.ts';

/**
 * record-delivery as deployed, on dynalite, with the SNS deliveries of events/record-delivery.*.json
 * (End User Messaging SMS events from the configuration set's event destination).
 */

type SnsSample = { Records: { Sns: { Message: string; MessageId: string } & Record<string, unknown> }[] } & Record<string, unknown>;

const sample = async (name: string): Promise<SnsSample> => (await loadEventObject(`record-delivery.${name}.json`)) as SnsSample;

/** The sample with its SMS event changed (the SNS envelope as delivered). */
function withMessage(event: SnsSample, change: (message: Record<string, unknown>) => Record<string, unknown>): SnsSample {
  return { ...event, Records: event.Records.map((record) => ({ ...record, Sns: { ...record.Sns, Message: JSON.stringify(change(JSON.parse(record.Sns.Message) as Record<string, unknown>)) } })) };
}

describe('record-delivery (the deployed handler on dynalite)', () => {
  const aws = mockAws();
  let table: HandlerTable;
  let next = 0;
  beforeAll(async () => {
    table = await startHandlerTable();
  });
  beforeEach(() => aws.reset());
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  /** A sent message of a new customer, and the sample re-addressed to it by its context. */
  async function sentMessage(name: string): Promise<{ entry: LedgerEntry; event: SnsSample }> {
    const entry = await messageIn(table.store, 'sent', `r-${++next}`);
    return { entry, event: withMessage(await sample(name), (message) => ({ ...message, context: contextOf(entry) })) };
  }

  it('the delivered sample: its message is delivered, with the price and parts End User Messaging charged', async () => {
    const { entry, event } = await sentMessage('delivered');

    const result = await handler(event, lambdaContext('record-delivery'));

    expect(result).toEqual({ results: ['recorded'] });
    expect(await ledgerItem(table.store, entry)).toMatchObject({ status: 'delivered', markedBy: 'provider', priceUsd: 0.03366, billedParts: 1, settledAt: '2026-11-22T02:00:15.000Z' });
  });

  it('duplicated and reordered: the same event twice, then the blocked one after it, change nothing', async () => {
    const { entry, event } = await sentMessage('delivered');
    const blocked = withMessage(event, (message) => ({ ...message, eventType: 'TEXT_BLOCKED', messageStatus: 'BLOCKED' }));

    await handler(event, lambdaContext('record-delivery'));
    const before = await tableItems(table.store);
    const again = await handler(event, lambdaContext('record-delivery'));
    const late = await handler(blocked, lambdaContext('record-delivery'));

    expect([again, late]).toEqual([{ results: ['unchanged'] }, { results: ['unchanged'] }]);
    expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    expect((await ledgerItem(table.store, entry))?.status).toBe('delivered');
  });

  it('the blocked sample fails the message with the reason; the unknown sample (no final word in 72 h) leaves it', async () => {
    const blocked = await sentMessage('blocked');
    const unknown = await sentMessage('unknown');

    expect(await handler(blocked.event, lambdaContext('record-delivery'))).toEqual({ results: ['recorded'] });
    expect(await handler(unknown.event, lambdaContext('record-delivery'))).toEqual({ results: ['unknown-status'] });

    expect(await ledgerItem(table.store, blocked.entry)).toMatchObject({ status: 'failed', failureReason: 'BLOCKED' });
    expect((await ledgerItem(table.store, unknown.entry))?.status).toBe('sent');
  });

  it('a message that is not a valid SMS event, and one about no message of ours, are counted; nothing is written and no number is logged', async () => {
    const { event } = await sentMessage('delivered');
    const broken = withMessage(event, (message) => ({ ...message, eventType: 42 }));
    const foreign = withMessage(event, (message) => ({ ...message, context: { campaign: 'another-app' } }));
    const before = await tableItems(table.store);
    const since = capturedLogLines().length;

    const results = [await handler(broken, lambdaContext('record-delivery')), await handler(foreign, lambdaContext('record-delivery'))];

    expect(results).toEqual([{ results: ['invalid'] }, { results: ['unknown-context'] }]);
    expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
    const logged = capturedLogLines().slice(since).join('\n');
    expect(logged).toContain('delivery event refused');
    expect(logged).not.toContain('13800138001');
  });
});
