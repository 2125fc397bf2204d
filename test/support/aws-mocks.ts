import { createHash, randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client, SendTextMessageCommand, type SendTextMessageCommandInput } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { COUPON_SECRET, COUPON_SECRET_ARN } from './handler-env.ts';

/**
 * aws-sdk-client-mock on the AWS services around the table (End User Messaging SMS, SNS, SQS,
 * EventBridge, Secrets Manager; never DynamoDB, which is dynalite), answering like the services
 * do, and what the handlers sent them.
 */

const JsonObjectSchema = z.record(z.string(), z.unknown());
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** An AWS error as the SDK throws it: a name, a message and the HTTP metadata (and any modelled fields: `Reason`, ...). */
export function awsError(name: string, message: string, httpStatusCode = 400, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, ...fields });
}

/**
 * A time zone (Etc/GMT-N is UTC+N) where the local hour is `hour` at `now`: a job sent with the
 * zone of noon is inside any send window whenever the test runs (the sender checks the window at
 * the wall clock), and with the zone of midnight outside it.
 */
export function zoneAtHour(hour: number, now: Date = new Date()): string {
  let offset = hour - now.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  if (offset === 0) return 'Etc/GMT';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** A time zone where it is noon now (see zoneAtHour). */
export const middayZone = (now: Date = new Date()): string => zoneAtHour(12, now);

/**
 * aws-sdk-client-mock on every AWS client lib/runtime/aws/ builds except DynamoDB, answering
 * like the services do. `reset()` restores these answers; a test then overrides what it needs on
 * the behaviours returned (`aws.publish.rejectsOnce(...)`): chaining on the same behaviour keeps
 * the service's answer for the calls after it.
 */
export function mockAws() {
  const smsVoice = mockClient(PinpointSMSVoiceV2Client);
  const sns = mockClient(SNSClient);
  const sqs = mockClient(SQSClient);
  const eventBridge = mockClient(EventBridgeClient);
  const secrets = mockClient(SecretsManagerClient);
  const answer = () => {
    const sendTextMessage = smsVoice.on(SendTextMessageCommand);
    sendTextMessage.callsFake(() => ({ MessageId: randomUUID() }));
    const publish = sns.on(PublishCommand);
    publish.callsFake(() => ({ MessageId: randomUUID() }));
    const sendMessageBatch = sqs.on(SendMessageBatchCommand);
    sendMessageBatch.callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: randomUUID(), MD5OfMessageBody: md5(entry.MessageBody ?? '') })),
      Failed: [],
    }));
    const putEvents = eventBridge.on(PutEventsCommand);
    putEvents.callsFake((input: PutEventsCommandInput) => ({
      FailedEntryCount: 0,
      Entries: (input.Entries ?? []).map(() => ({ EventId: randomUUID() })),
    }));
    const getSecretValue = secrets.on(GetSecretValueCommand);
    getSecretValue.resolves({ ARN: COUPON_SECRET_ARN, Name: 'recall/coupon', SecretString: COUPON_SECRET });
    return { sendTextMessage, publish, sendMessageBatch, putEvents, getSecretValue };
  };
  const mocks = { smsVoice, sns, sqs, eventBridge, secrets, ...answer() };
  return Object.assign(mocks, {
    reset() {
      for (const mock of [smsVoice, sns, sqs, eventBridge, secrets]) mock.reset();
      Object.assign(mocks, answer());
    },
    restore() {
      for (const mock of [smsVoice, sns, sqs, eventBridge, secrets]) mock.restore();
    },
  });
}
export type AwsMocks = ReturnType<typeof mockAws>;

/** Every SendMessageBatch call to `queueUrl`, failed attempts included, with its bodies parsed. */
export function sendMessageBatches(mocks: AwsMocks, queueUrl: string): unknown[][] {
  return mocks.sqs
    .commandCalls(SendMessageBatchCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.QueueUrl === queueUrl)
    .map((input) => (input.Entries ?? []).map((entry): unknown => JSON.parse(entry.MessageBody ?? '')));
}

export interface PublishedEvent {
  type: string;
  detail: Record<string, unknown>;
  source: string | undefined;
  bus: string | undefined;
}

/** Every PutEvents entry, failed attempts included. */
export function putEvents(mocks: AwsMocks): PublishedEvent[] {
  return mocks.eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      type: entry.DetailType ?? '',
      detail: JsonObjectSchema.parse(JSON.parse(entry.Detail ?? '{}')),
      source: entry.Source,
      bus: entry.EventBusName,
    })),
  );
}

/** Every SendTextMessage call (SMS through End User Messaging), failed ones included. */
export function smsSends(mocks: AwsMocks): SendTextMessageCommandInput[] {
  return mocks.smsVoice.commandCalls(SendTextMessageCommand).map((call) => call.args[0].input);
}

/** Every message handed to a channel (SMS and push), failed attempts included: who and what. */
export function channelSends(mocks: AwsMocks): { channel: 'sms' | 'push'; to: string; text: string }[] {
  return [
    ...smsSends(mocks).map((input) => ({ channel: 'sms' as const, to: input.DestinationPhoneNumber ?? '', text: input.MessageBody ?? '' })),
    ...snsPublishes(mocks).map((input) => ({ channel: 'push' as const, to: input.TargetArn ?? input.PhoneNumber ?? '', text: input.Message ?? '' })),
  ];
}

/** Every SNS Publish call (push), failed ones included. */
export function snsPublishes(mocks: AwsMocks): PublishCommandInput[] {
  return mocks.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}
