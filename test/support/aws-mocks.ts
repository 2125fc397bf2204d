import { createHash, randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { z } from 'zod';
import { COUPON_SECRET, COUPON_SECRET_ARN } from './handler-env.ts';

/**
 * aws-sdk-client-mock on the AWS services around the table (SNS, SQS, EventBridge, Secrets
 * Manager; never DynamoDB, which is dynalite), answering like the services do, and what the
 * handlers sent them.
 */

const JsonObjectSchema = z.record(z.string(), z.unknown());
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** An AWS error as the SDK throws it: a name, a message and the HTTP metadata. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

/**
 * aws-sdk-client-mock on every AWS client lib/runtime/aws/ builds except DynamoDB, answering
 * like the services do. `reset()` restores these answers; a test then overrides what it needs on
 * the behaviours returned (`aws.publish.rejectsOnce(...)`): chaining on the same behaviour keeps
 * the service's answer for the calls after it.
 */
export function mockAws() {
  const sns = mockClient(SNSClient);
  const sqs = mockClient(SQSClient);
  const eventBridge = mockClient(EventBridgeClient);
  const secrets = mockClient(SecretsManagerClient);
  const answer = () => {
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
    return { publish, sendMessageBatch, putEvents, getSecretValue };
  };
  const mocks = { sns, sqs, eventBridge, secrets, ...answer() };
  return Object.assign(mocks, {
    reset() {
      for (const mock of [sns, sqs, eventBridge, secrets]) mock.reset();
      Object.assign(mocks, answer());
    },
    restore() {
      for (const mock of [sns, sqs, eventBridge, secrets]) mock.restore();
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

/** Every SNS Publish call, failed ones included. */
export function snsPublishes(mocks: AwsMocks): PublishCommandInput[] {
  return mocks.sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}
