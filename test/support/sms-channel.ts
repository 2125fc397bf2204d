import { randomUUID } from 'node:crypto';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, ThrottlingException, type SendTextMessageCommandInput } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { Channels } from '../../lib/adapters/channels.ts';
import { SmsVoiceTransport } from '../../lib/adapters/sms-voice-transport.ts';
import { SnsPushTransport } from '../../lib/adapters/sns-transport.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import type { SendJob, Transport } from '../../lib/ports/messaging.ts';
import { SimulatedCrash, type CrashPlan } from './crash.ts';
import { faultRandom } from './fault-rate.ts';

/** The stack's End User Messaging resources, as the handler tests name them. */
export const SMS_RESOURCES = { configurationSetName: 'recall-test-messages', poolId: 'pool-0123456789abcdef0123456789abcdef' } as const;

/**
 * The channels as the customers see them: aws-sdk-client-mock answers every SendTextMessage (SMS,
 * End User Messaging) and Publish (push, SNS), and this records each one that got through.
 * aws-sdk-client-mock replaces `send`, so the SDK's middleware never runs: the crash plan and the
 * throttling are applied here, in the mocked answer.
 */
export class SmsChannel {
  readonly smsVoice = mockClient(PinpointSMSVoiceV2Client);
  readonly sns = mockClient(SNSClient);
  /** Every SendTextMessage that reached End User Messaging, in order: each is an SMS a customer got. */
  readonly sent: SendTextMessageCommandInput[] = [];
  /** Every push Publish that reached SNS, in order. */
  readonly pushed: PublishCommandInput[] = [];
  /** The job of every message that reached a channel, in order (ledger keys, texts, coupons). */
  readonly delivered: SendJob[] = [];
  /** Sends refused with ThrottlingException. */
  throttled = 0;
  plan: CrashPlan | undefined;
  throttleRate = 0;
  private readonly random = faultRandom(7);

  constructor() {
    this.answer();
  }

  private answer(): void {
    this.smsVoice.on(SendTextMessageCommand).callsFake(async (input: SendTextMessageCommandInput) => {
      this.plan?.ensureAlive('SendTextMessage');
      if (this.throttleRate > 0 && this.random() < this.throttleRate) {
        this.throttled++;
        throw new ThrottlingException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
      }
      this.sent.push(input);
      this.plan?.completed('SendTextMessage');
      return { MessageId: randomUUID() };
    });
    this.sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
      this.plan?.ensureAlive('Publish');
      this.pushed.push(input);
      this.plan?.completed('Publish');
      return { MessageId: randomUUID() };
    });
  }

  /** The production transports (no SDK retries) on the mocked clients, observed. */
  transport(config: CampaignConfig): Transport {
    const channels = new Channels({
      sms: new SmsVoiceTransport(new PinpointSMSVoiceV2Client({ region: 'us-east-1', maxAttempts: 1 }), config, SMS_RESOURCES),
      push: new SnsPushTransport(new SNSClient({ region: 'us-east-1', maxAttempts: 1 })),
    });
    return {
      deliver: async (job, sentAt) => {
        try {
          await channels.deliver(job, sentAt);
        } catch (error) {
          if (error instanceof SimulatedCrash && error.landed) this.delivered.push(job);
          throw error;
        }
        this.delivered.push(job);
      },
    };
  }

  /** Ledger keys of the delivered messages, with how often each went out. */
  deliveriesByKey(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const job of this.delivered) {
      const key = ledgerKey(job, job.stepId);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  reset(): void {
    this.sent.length = 0;
    this.pushed.length = 0;
    this.delivered.length = 0;
    this.throttled = 0;
    this.plan = undefined;
    this.throttleRate = 0;
  }

  restore(): void {
    this.smsVoice.restore();
    this.sns.restore();
  }
}
