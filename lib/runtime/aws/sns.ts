import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '../../observability/powertools.ts';
import { SnsTransport } from '../../adapters/sns-transport.ts';
import type { CampaignConfig } from '../../config/schema.ts';

export function snsTransport(config: CampaignConfig): SnsTransport {
  // No SDK retries: a Publish that failed after reaching SNS may have sent the SMS. The sender
  // decides what is safe to retry (a throttle), and SQS redelivers it.
  return new SnsTransport(tracer.captureAWSv3Client(new SNSClient({ maxAttempts: 1 })), config.sms);
}
