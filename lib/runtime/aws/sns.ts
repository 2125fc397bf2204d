import { SNSClient } from '@aws-sdk/client-sns';
import { tracer } from '../../observability/powertools.ts';
import { SnsPushTransport } from '../../adapters/sns-transport.ts';

export function snsPushTransport(): SnsPushTransport {
  // No SDK retries: a Publish that failed after reaching SNS may have delivered the push. The
  // sender decides what is safe to retry (a throttle), and SQS redelivers it.
  return new SnsPushTransport(tracer.captureAWSv3Client(new SNSClient({ maxAttempts: 1 })));
}
