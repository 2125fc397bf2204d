import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SendJob, Transport } from '../ports/messaging.ts';
import { PermanentDeliveryError, RetryableDeliveryError } from '../ports/messaging.ts';

/** Refused before anything was sent: safe to retry. */
const RETRYABLE = new Set(['ThrottledException', 'ThrottlingException', 'KMSThrottlingException']);
/** Will fail the same way every time. */
const PERMANENT = new Set([
  'InvalidParameterException',
  'InvalidParameterValueException',
  'EndpointDisabledException',
  'PlatformApplicationDisabledException',
  'NotFoundException',
  'ValidationException',
]);

/**
 * Push to a platform endpoint through SNS (SMS goes through End User Messaging:
 * sms-voice-transport.ts). Errors are sorted so the sender knows what may be retried: anything not
 * known to be a refusal (a timeout, a 5xx) may have reached the customer and is not retried.
 */
export class SnsPushTransport implements Transport {
  constructor(private readonly client: SNSClient) {}

  async deliver(job: SendJob): Promise<void> {
    if (job.channel !== 'push') throw new PermanentDeliveryError(`${job.journeyId}/${job.stepId}: SNS sends push here, not ${job.channel}`);
    try {
      await this.client.send(new PublishCommand({ TargetArn: job.to, Message: job.text }));
    } catch (error) {
      const name = (error as { name?: string })?.name ?? 'Error';
      const message = error instanceof Error ? error.message : String(error);
      if (RETRYABLE.has(name)) throw new RetryableDeliveryError(`${name}: ${message}`);
      if (PERMANENT.has(name)) throw new PermanentDeliveryError(`${name}: ${message}`);
      throw error;
    }
  }
}
