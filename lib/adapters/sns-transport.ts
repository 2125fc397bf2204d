import { PublishCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import type { CampaignConfig } from '../config/schema.ts';
import type { SendJob, Transport } from '../ports/messaging.ts';
import { OptedOutError, PermanentDeliveryError, RetryableDeliveryError } from '../ports/messaging.ts';

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
 * SMS to a phone number (with the configured SMS type, sender id and max price) or push to a
 * platform endpoint. Errors are sorted so the sender knows what may be retried: anything not known
 * to be a refusal (a timeout, a 5xx) may have reached the customer and is not retried.
 */
export class SnsTransport implements Transport {
  private readonly smsAttributes: Record<string, MessageAttributeValue>;

  constructor(
    private readonly client: SNSClient,
    sms: CampaignConfig['sms'],
  ) {
    this.smsAttributes = {
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: sms.smsType },
      ...(sms.senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: sms.senderId } } : {}),
      ...(sms.maxPriceUsd ? { 'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: sms.maxPriceUsd.toFixed(2) } } : {}),
    };
  }

  async deliver(job: SendJob): Promise<void> {
    const command =
      job.channel === 'sms'
        ? new PublishCommand({ PhoneNumber: job.to, Message: job.text, MessageAttributes: this.smsAttributes })
        : new PublishCommand({ TargetArn: job.to, Message: job.text });
    try {
      await this.client.send(command);
    } catch (error) {
      const name = (error as { name?: string })?.name ?? 'Error';
      const message = error instanceof Error ? error.message : String(error);
      if (name === 'OptedOutException') throw new OptedOutError(message);
      if (RETRYABLE.has(name)) throw new RetryableDeliveryError(`${name}: ${message}`);
      if (PERMANENT.has(name)) throw new PermanentDeliveryError(`${name}: ${message}`);
      throw error;
    }
  }
}
