import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient, ThrottledException, type PublishCommandInput } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsTransport } from '../../lib/adapters/sns-transport.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { ledgerKey } from '../../lib/domain/journeys.ts';
import type { SendJob, Transport } from '../../lib/ports/messaging.ts';
import { SimulatedCrash, type CrashPlan } from './crash.ts';
import { faultRandom } from './fault-rate.ts';

/**
 * SNS as the customers see it: aws-sdk-client-mock answers every Publish, and this records each
 * one that got through. aws-sdk-client-mock replaces `send`, so the SDK's middleware never runs
 * for SNS: the crash plan and the throttling are applied here, in the mocked answer.
 */
export class SmsChannel {
  readonly sns = mockClient(SNSClient);
  /** Every Publish that reached SNS, in order: each is an SMS a customer got. */
  readonly published: PublishCommandInput[] = [];
  /** The job of every message that reached SNS, in order (ledger keys, texts, coupons). */
  readonly delivered: SendJob[] = [];
  /** Publishes refused with ThrottledException. */
  throttled = 0;
  plan: CrashPlan | undefined;
  throttleRate = 0;
  private readonly random = faultRandom(7);

  constructor() {
    this.answer();
  }

  private answer(): void {
    this.sns.on(PublishCommand).callsFake(async (input: PublishCommandInput) => {
      this.plan?.ensureAlive('Publish');
      if (this.throttleRate > 0 && this.random() < this.throttleRate) {
        this.throttled++;
        throw new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
      }
      this.published.push(input);
      this.plan?.completed('Publish');
      return { MessageId: randomUUID() };
    });
  }

  /** The production transport (SnsTransport, no SDK retries) on the mocked client, observed. */
  transport(config: CampaignConfig): Transport {
    const sns = new SnsTransport(new SNSClient({ region: 'us-east-1', maxAttempts: 1 }), config.sms);
    return {
      deliver: async (job) => {
        try {
          await sns.deliver(job);
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
    this.published.length = 0;
    this.delivered.length = 0;
    this.throttled = 0;
    this.plan = undefined;
    this.throttleRate = 0;
  }

  restore(): void {
    this.sns.restore();
  }
}
