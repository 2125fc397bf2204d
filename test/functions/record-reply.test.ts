import { PutOptedOutNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/record-reply.ts';
import type { LedgerEntry } from '../../lib/domain/records.ts';
import { signCallback } from '../../lib/events/signed-callback.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { importCustomers } from '../../lib/usecases/import.ts';
import { mockAws } from '../support/aws-mocks.ts';
import { csv } from '../support/fixtures.ts';
import { changedKeys, type HandlerTable, ledgerItem, profileItem, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { loadEventObject } from '../support/sample-events.ts';

/**
 * record-reply as deployed, on dynalite: the two-way topic's SNS delivery
 * (events/record-reply.two-way.json) and another provider's signed callback to the function URL
 * (events/record-reply.callback.json, signed here with the key the Secrets Manager mock holds).
 */

const REPLY_CALLBACK_SECRET_ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:recall/reply-callback-XyZ789';
const CALLBACK_KEY = 'handler-test-reply-callback-key';

type UrlRequest = { headers: Record<string, string>; body: string; isBase64Encoded: boolean } & Record<string, unknown>;

describe('record-reply (the deployed handler on dynalite)', () => {
  const aws = mockAws();
  let table: HandlerTable;
  let callbackSample: UrlRequest;
  beforeAll(async () => {
    table = await startHandlerTable();
    process.env.REPLY_CALLBACK_SECRET_ARN = REPLY_CALLBACK_SECRET_ARN;
    process.env.SMS_OPT_OUT_LIST_NAME = 'recall-test';
    // Two accounts of one shopper: the samples' number, written two ways; and someone else.
    const rows = 'customer_id,phone,name,sms_opt_in\nw1,+8613800138001,王芳,true\nw2,138 0013 8001,王芳,true\nother,+8613800138002,李静,true\n';
    await importCustomers({ store: table.store }, readCustomerRows(csv(rows), 'customers.csv', { timeZone: 'Asia/Shanghai', defaultCountry: 'CN' }), new Date('2026-11-20T02:00:00Z'));
    callbackSample = (await loadEventObject('record-reply.callback.json')) as UrlRequest;
  });
  beforeEach(() => {
    aws.reset();
    aws.secrets.on(GetSecretValueCommand, { SecretId: REPLY_CALLBACK_SECRET_ARN }).resolves({ ARN: REPLY_CALLBACK_SECRET_ARN, SecretString: CALLBACK_KEY });
  });
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  /** The callback sample with `body`, signed now with `key` (or a given timestamp). */
  function signed(body: Record<string, unknown>, key = CALLBACK_KEY, timestamp = Math.floor(Date.now() / 1000)): UrlRequest {
    const text = JSON.stringify(body);
    return { ...callbackSample, body: text, headers: { ...callbackSample.headers, 'x-recall-timestamp': String(timestamp), 'x-recall-signature': signCallback(key, timestamp, text) } };
  }

  it("a signed callback with a survey answer is recorded on the message it answers (the sample's body)", async () => {
    const lost: LedgerEntry = { customerId: 'w1', journeyId: 'lifecycle', cycle: 'recency-2025-11-01', stepId: 'lost', runDate: '2026-11-22', outcome: 'sent', status: 'delivered', channel: 'sms', parts: 1 };
    await table.store.claimLedger(lost);

    const answer = await handler(signed(JSON.parse(callbackSample.body) as Record<string, unknown>), lambdaContext('record-reply'));

    expect(answer).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 'answered' }) });
    // An answer is no opt-out: the opt-out list is left alone.
    expect(aws.smsVoice.commandCalls(PutOptedOutNumberCommand)).toEqual([]);
    expect(await ledgerItem(table.store, lost)).toMatchObject({ reply: 'quality', replyId: 'mo-20261122-000123' });
  });

  it('a callback with a bad signature, a stale timestamp or no signature is refused (401) and writes nothing', async () => {
    const body = { phone: '+8613800138002', text: 'R', receivedAt: '2026-11-22T11:12:41+08:00', id: 'mo-forged' };
    const before = await tableItems(table.store);

    const answers = [
      await handler(signed(body, 'not-the-key'), lambdaContext('record-reply')),
      await handler(signed(body, CALLBACK_KEY, Math.floor(Date.now() / 1000) - 3600), lambdaContext('record-reply')),
      await handler({ ...callbackSample, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, lambdaContext('record-reply')),
    ];

    expect(answers.map((answer) => (answer as { statusCode: number }).statusCode)).toEqual([401, 401, 401]);
    expect(answers.map((answer) => JSON.parse((answer as { body: string }).body).error)).toEqual(['signature mismatch', 'signature stale', 'signature missing']);
    expect(changedKeys(before, await tableItems(table.store))).toEqual([]);
  });

  it('a signed callback whose body is not a reply is a 400 naming the field', async () => {
    const answer = await handler(signed({ phone: '+8613800138002', text: 'R' }), lambdaContext('record-reply'));

    expect((answer as { statusCode: number }).statusCode).toBe(400);
    expect(JSON.parse((answer as { body: string }).body).error).toMatch(/receivedAt/);
  });

  it('the two-way sample (an R): every customer id with the number is opted out, the other is not; no number or text logged', async () => {
    const sample = await loadEventObject('record-reply.two-way.json');
    const since = capturedLogLines().length;

    const result = await handler(sample, lambdaContext('record-reply'));

    expect(result).toEqual({ results: ['opted-out'] });
    // On the provider's opt-out list too, so End User Messaging itself refuses the number from now on.
    expect(aws.smsVoice.commandCalls(PutOptedOutNumberCommand).map((call) => call.args[0].input)).toEqual([{ OptOutListName: 'recall-test', OptedOutNumber: '+8613800138001' }]);
    expect(await profileItem(table.store, 'w1')).toMatchObject({ optedOut: true, optedOutAt: '2026-11-22T03:12:41.000Z' });
    expect(await profileItem(table.store, 'w2')).toMatchObject({ optedOut: true });
    expect((await profileItem(table.store, 'other'))?.optedOut).toBeFalsy();
    const logged = capturedLogLines().slice(since).join('\n');
    expect(logged).toContain('reply handled');
    expect(logged).not.toContain('13800138001');
  });
});
