import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  PinpointSMSVoiceV2Client,
  ResourceNotFoundException,
  SendTextMessageCommand,
  ServiceQuotaExceededException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Channels } from '../../lib/adapters/channels.ts';
import { maxPrice, SmsVoiceTransport } from '../../lib/adapters/sms-voice-transport.ts';
import { SnsPushTransport } from '../../lib/adapters/sns-transport.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { OptedOutError, PermanentDeliveryError, RetryableDeliveryError, type SendJob } from '../../lib/ports/messaging.ts';
import { testConfig } from '../support/fixtures.ts';

const config: CampaignConfig = await testConfig(); // Asia/Shanghai, sendWindow 08:00-20:00, Promotional
const RESOURCES = { configurationSetName: 'recall-dev-messages', poolId: 'pool-2f7c9a0e4b8d4c1e9a6f3b2d1c0e9f8a' };
const PHONE = '+8613800138001';
/** 10:00 in Shanghai: 10 hours before the window closes. */
const TEN_AM_SHANGHAI = new Date('2026-11-22T02:00:00.000Z');
const metadata = { httpStatusCode: 400, requestId: 'r-1' };

const job: SendJob = {
  customerId: 'c000731',
  journeyId: 'category-recall',
  cycle: 'cosmetics@2026-09-07',
  stepId: 'coupon-1',
  channel: 'sms',
  to: PHONE,
  text: '【优选小店】李静，您上次买的彩妆该补货啦。拒收请回复R',
  parts: 1,
};

// One mock per client class for the file: a second mockClient of the same class would be undone by the first's restore.
const smsVoice = mockClient(PinpointSMSVoiceV2Client);
const sns = mockClient(SNSClient);
afterAll(() => {
  smsVoice.restore();
  sns.restore();
});

describe('SmsVoiceTransport (SendTextMessage on a mocked End User Messaging client)', () => {
  const client = new PinpointSMSVoiceV2Client({ region: 'ap-southeast-1', maxAttempts: 1 });
  const transport = (overrides: Partial<CampaignConfig> = {}, resources: { configurationSetName: string; poolId?: string } = RESOURCES) =>
    new SmsVoiceTransport(client, { ...config, ...overrides }, resources);
  const sent = () => smsVoice.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input);

  beforeEach(() => {
    smsVoice.reset();
    smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'msg-1' });
  });

  it('sends one SendTextMessage: the number, the text, the SMS type, the configuration set, the pool, a TTL to the window end, the ledger key as Context', async () => {
    await transport().deliver(job, TEN_AM_SHANGHAI);

    expect(sent()).toEqual([
      {
        DestinationPhoneNumber: PHONE,
        MessageBody: job.text,
        MessageType: 'PROMOTIONAL',
        ConfigurationSetName: 'recall-dev-messages',
        OriginationIdentity: 'pool-2f7c9a0e4b8d4c1e9a6f3b2d1c0e9f8a',
        TimeToLive: 10 * 3600,
        Context: { customerId: 'c000731', journeyId: 'category-recall', cycle: 'cosmetics@2026-09-07', stepId: 'coupon-1' },
      },
    ]);
  });

  it('MaxPrice (USD per part, as a string) when the config sets one; TRANSACTIONAL when the config says so', async () => {
    await transport({ sms: { ...config.sms, maxPriceUsd: 0.05, smsType: 'Transactional' } }).deliver(job, TEN_AM_SHANGHAI);

    expect(sent()[0]).toMatchObject({ MaxPrice: '0.05', MessageType: 'TRANSACTIONAL' });
    expect([0.05, 1, 0.00645, 12.5].map(maxPrice)).toEqual(['0.05', '1.0', '0.00645', '12.5']);
  });

  it('no OriginationIdentity without a pool (synth without identities: the account default route)', async () => {
    await transport({}, { configurationSetName: 'recall-dev-messages' }).deliver(job, TEN_AM_SHANGHAI);

    expect(sent()[0]).not.toHaveProperty('OriginationIdentity');
    expect(sent()[0]).toMatchObject({ ConfigurationSetName: 'recall-dev-messages' });
  });

  it("the TTL follows the customer's own time zone when the job carries one", async () => {
    // 02:00Z is 21:00 the day before in New York: closed there.
    await expect(transport().deliver({ ...job, timeZone: 'America/New_York' }, TEN_AM_SHANGHAI)).rejects.toBeInstanceOf(RetryableDeliveryError);
    // 15:00Z is 10:00 in New York (EST): 10 hours left.
    await transport().deliver({ ...job, timeZone: 'America/New_York' }, new Date('2026-11-22T15:00:00.000Z'));

    expect(sent()).toHaveLength(1);
    expect(sent()[0]?.TimeToLive).toBe(10 * 3600);
  });

  it('a message that cannot leave before the window closes is not sent: retryable, the API never called', async () => {
    const closed = [new Date('2026-11-22T12:00:00.000Z'), new Date('2026-11-22T23:30:00.000Z'), new Date('2026-11-22T11:59:57.000Z')];
    for (const at of closed) {
      const error = await transport().deliver(job, at).catch((thrown: unknown) => thrown);
      expect(error, at.toISOString()).toBeInstanceOf(RetryableDeliveryError);
      expect(String(error)).not.toContain('138001');
    }
    expect(sent()).toEqual([]);
    // 19:59:55 in Shanghai: 5 s, the API's shortest TTL, still goes.
    await transport().deliver(job, new Date('2026-11-22T11:59:55.000Z'));
    expect(sent()[0]?.TimeToLive).toBe(5);
  });

  it('refuses a push job (SMS only)', async () => {
    await expect(transport().deliver({ ...job, channel: 'push', to: 'arn:aws:sns:ap-southeast-1:123456789012:endpoint/GCM/app/1' }, TEN_AM_SHANGHAI)).rejects.toBeInstanceOf(
      PermanentDeliveryError,
    );
    expect(sent()).toEqual([]);
  });

  describe('errors, as the service returns them', () => {
    const refuse = async (error: Error) => {
      smsVoice.on(SendTextMessageCommand).rejects(error);
      return transport()
        .deliver(job, TEN_AM_SHANGHAI)
        .then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
    };

    it('ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT: opted out (the real opt-out signal)', async () => {
      const error = await refuse(
        new ConflictException({ message: 'The destination phone number is opted out.', Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT', ResourceType: 'opt-out-list', ResourceId: 'recall-dev', $metadata: metadata }),
      );
      expect(error).toBeInstanceOf(OptedOutError);
      expect(String((error as Error).message)).toBe('ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT on opt-out-list');
    });

    it.each([
      ['ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata })],
      ['the monthly spend limit', new ServiceQuotaExceededException({ message: 'Monthly spend limit reached', Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT', $metadata: metadata })],
    ])('%s: refused before sending, retryable', async (_name, error) => {
      expect(await refuse(error)).toBeInstanceOf(RetryableDeliveryError);
    });

    it.each([
      ['an invalid number', new ValidationException({ message: `Invalid destination phone number ${PHONE}`, Reason: 'INVALID_PARAMETER', $metadata: metadata }), 'ValidationException INVALID_PARAMETER'],
      ['over MaxPrice', new ValidationException({ message: 'Price over threshold', Reason: 'PRICE_OVER_THRESHOLD', $metadata: metadata }), 'ValidationException PRICE_OVER_THRESHOLD'],
      ['a missing pool', new ResourceNotFoundException({ message: 'Pool not found', ResourceType: 'pool', ResourceId: 'pool-x', $metadata: metadata }), 'ResourceNotFoundException on pool'],
      ['a disabled account', new AccessDeniedException({ message: 'Account disabled', Reason: 'ACCOUNT_DISABLED', $metadata: metadata }), 'AccessDeniedException ACCOUNT_DISABLED'],
      [
        'another conflict (an unverified number in the sandbox)',
        new ConflictException({ message: `Destination ${PHONE} is not verified`, Reason: 'DESTINATION_PHONE_NUMBER_NOT_VERIFIED', ResourceType: 'verified-destination-number', ResourceId: PHONE, $metadata: metadata }),
        'ConflictException DESTINATION_PHONE_NUMBER_NOT_VERIFIED on verified-destination-number',
      ],
    ])('%s: permanent, the message naming the reason, never the number', async (_name, error, message) => {
      const sortedError = await refuse(error);
      expect(sortedError).toBeInstanceOf(PermanentDeliveryError);
      expect((sortedError as Error).message).toBe(message);
      expect((sortedError as Error).message).not.toContain('138001');
    });

    it('anything else (a 500, a timeout) is rethrown as it is: the outcome is unknown', async () => {
      const internal = new InternalServerException({ message: 'Internal error', $metadata: { httpStatusCode: 500 } });
      expect(await refuse(internal)).toBe(internal);
      const timeout = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      expect(await refuse(timeout)).toBe(timeout);
    });
  });
});

describe('Channels: SMS through End User Messaging, push through SNS', () => {
  it('routes each job to its channel', async () => {
    smsVoice.reset();
    smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'msg-1' });
    sns.on(PublishCommand).resolves({ MessageId: 'push-1' });
    const channels = new Channels({
      sms: new SmsVoiceTransport(new PinpointSMSVoiceV2Client({ region: 'ap-southeast-1', maxAttempts: 1 }), config, RESOURCES),
      push: new SnsPushTransport(new SNSClient({ region: 'ap-southeast-1', maxAttempts: 1 })),
    });
    const endpoint = 'arn:aws:sns:ap-southeast-1:123456789012:endpoint/GCM/recall-shop-app/5e3e9847';

    await channels.deliver(job, TEN_AM_SHANGHAI);
    await channels.deliver({ ...job, channel: 'push', to: endpoint, text: 'push text' }, TEN_AM_SHANGHAI);

    expect(smsVoice.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input.DestinationPhoneNumber)).toEqual([PHONE]);
    expect(sns.commandCalls(PublishCommand).map((call) => call.args[0].input)).toEqual([{ TargetArn: endpoint, Message: 'push text' }]);
  });

  it('SNS push refuses an SMS job: SNS no longer sends SMS', async () => {
    const push = new SnsPushTransport(new SNSClient({ region: 'ap-southeast-1', maxAttempts: 1 }));
    await expect(push.deliver(job)).rejects.toBeInstanceOf(PermanentDeliveryError);
  });
});
