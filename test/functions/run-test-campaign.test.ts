import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/run-test-campaign.ts';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { localDate } from '../../lib/domain/dates.ts';
import { OUTCOMES } from '../../lib/domain/guardrails.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { RecipientNotAllowedError } from '../../lib/usecases/test-campaign.ts';
import { zoneAtHour } from '../support/aws-mocks.ts';
import { capturedLogLines } from '../support/log-guard.ts';
import { testConfig } from '../support/fixtures.ts';
import { EVENTS_DIR } from '../support/sample-events.ts';
import { SMS_RESOURCES } from '../support/sms-channel.ts';
import { TestDynamo } from '../support/store.ts';
import { tableSnapshot } from '../support/table-state.ts';

/**
 * The deployed run-test-campaign handler on dynalite, Secrets Manager and End User Messaging SMS
 * mocked. The use case itself (lib/usecases/test-campaign.ts) and its input schema:
 * test/integration/test-campaign.test.ts.
 *
 * The handler sends on the wall clock, and End User Messaging refuses outside the send window in
 * the merchant zone: the config's merchant zone is one where it is 10:00 when the file starts, so
 * the window is open for hours whenever the test runs.
 */

const SECRET = 'test-secret';
/** On the default config's testAllowlist. */
const TESTER = '+8613800138000';


describe('run-test-campaign', () => {
  let dynamo: TestDynamo;
  beforeAll(async () => {
    dynamo = await TestDynamo.start();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  describe('the handler', () => {
    const secrets = mockClient(SecretsManagerClient);
    const smsVoice = mockClient(PinpointSMSVoiceV2Client);
    const event = (file: string): unknown => JSON.parse(readFileSync(join(EVENTS_DIR, file), 'utf8'));
    let store: DynamoStore;

    beforeAll(async () => {
      store = await dynamo.freshStore();
      const config = await testConfig({ merchantTimeZone: zoneAtHour(10) });
      // The handler runs on the system clock: the shop's history ends yesterday in the merchant zone.
      const today = localDate(new Date(), config.merchantTimeZone);
      await seedCustomers({ store, config }, today, generateDemoShop({ customers: 120, seed: 3, today, categories: config.categories, timeZone: config.merchantTimeZone }));
      process.env.TABLE_NAME = store.tableName;
      process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
      process.env.COUPON_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:coupon-secret';
      process.env.SMS_CONFIGURATION_SET_NAME = SMS_RESOURCES.configurationSetName;
      process.env.RECALL_CONFIG_JSON = JSON.stringify(config);
    });
    afterEach(() => {
      smsVoice.reset();
    });
    afterAll(() => {
      secrets.restore();
      smsVoice.restore();
      delete process.env.TABLE_NAME;
      delete process.env.DYNAMODB_ENDPOINT;
      delete process.env.COUPON_SECRET_ARN;
      delete process.env.SMS_CONFIGURATION_SET_NAME;
      delete process.env.RECALL_CONFIG_JSON;
    });

    it('refuses a malformed event with a clear error, before reading the secret or the store', async () => {
      const readsBefore = store.usage.readUnits;

      const malformed = handler({ journey: 'category-recall', step: 'coupon-1', sample: 2, customers: ['c000001'], recipients: ['not-a-number'] }, lambdaContext('run-test-campaign'));

      await expect(malformed).rejects.toMatchObject({ name: 'InvalidEventError', retryable: false });
      await expect(malformed).rejects.toThrow(/run-test-campaign: expected \{ journey, step, customers \| sample, recipients, dryRun\? \}: recipients\.0: expected an E\.164 number/);
      await expect(handler('not an object', lambdaContext('run-test-campaign'))).rejects.toThrow(/InvalidEventError|expected object/);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
      expect(store.usage.readUnits).toBe(readsBefore);
    });

    it('runs the dry-run sample: rendered messages and outcomes, nothing published, numbers masked in the logs', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
      const before = await tableSnapshot(store);

      const result: unknown = await handler(event('run-test-campaign.dry-run.json'), lambdaContext('run-test-campaign'));

      expect(result).toMatchObject({ dryRun: true });
      const messages = (result as { messages: { customerId: string; outcome: string; text: string; parts: number; channel: string }[] }).messages;
      expect(messages).toHaveLength(3);
      for (const message of messages) {
        expect(Object.keys(message).sort()).toEqual(['channel', 'customerId', 'outcome', 'parts', 'text']);
        expect(OUTCOMES).toContain(message.outcome);
        expect(message.text).toMatch(/券码[0-9A-Z]{10}/);
      }
      expect(smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(0);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(await tableSnapshot(store)).toEqual(before);
      const done = capturedLogLines().find((line) => line.includes('test campaign done'));
      expect(done).toContain('+86*******8000');
      expect(done).not.toContain(TESTER);
    });

    it('runs the customers sample for real: End User Messaging SMS to the test recipient only, the ledger untouched', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
      smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'm-1' });
      const customerItems = async () => (await tableSnapshot(store)).filter((item) => String(item.pk).startsWith('C#'));
      const before = await customerItems();

      const result = await handler(event('run-test-campaign.customers.json'), lambdaContext('run-test-campaign'));

      expect(result).toMatchObject({ dryRun: false, delivered: 2, recipients: ['+86*******8000'] });
      const sent = smsVoice.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input);
      expect(sent).toHaveLength(2);
      expect(sent.map((input) => input.DestinationPhoneNumber)).toEqual([TESTER, TESTER]);
      for (const input of sent) {
        // The default config's smsType, the stack's configuration set, and a test cycle in Context:
        // its delivery events never match a real ledger item.
        expect(input).toMatchObject({ MessageType: 'PROMOTIONAL', ConfigurationSetName: SMS_RESOURCES.configurationSetName, Context: { journeyId: 'lifecycle', cycle: 'TEST', stepId: 'pre-lost' } });
        expect(input.MessageBody).toMatch(/拒收请回复R/);
        // It is about 10:00 in the merchant zone: the message expires when the window closes at 20:00.
        expect(input.TimeToLive).toBeGreaterThan(0);
        expect(input.TimeToLive).toBeLessThanOrEqual(10 * 3600);
      }
      expect(sent.map((input) => input.Context?.customerId)).toEqual(['c000001', 'c000002']);
      // Only the pacer's own item may change: no customer item (ledger, cap, journey state) does.
      expect(await customerItems()).toEqual(before);
    });

    it('refuses a non-allowlisted recipient: nothing published, the table unchanged, the refusal logged masked', async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
      const before = await tableSnapshot(store);
      // Powertools writes warnings to stderr, which the stdout log guard does not see.
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

      const refused = handler({ journey: 'lifecycle', step: 'pre-lost', customers: ['c000001'], recipients: ['+8613800138007'], dryRun: false }, lambdaContext('run-test-campaign'));

      await expect(refused).rejects.toThrow(RecipientNotAllowedError);
      const warnings = stderr.mock.calls.map(([chunk]) => String(chunk));
      stderr.mockRestore();
      expect(smsVoice.commandCalls(SendTextMessageCommand)).toHaveLength(0);
      expect(await tableSnapshot(store)).toEqual(before);
      const warning = warnings.find((line) => line.includes('test campaign refused'));
      expect(warning).toContain('+86*******8007');
      expect(warning).not.toContain('13800138007');
    });
  });
});
