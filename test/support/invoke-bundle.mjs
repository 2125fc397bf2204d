// Runs one Lambda bundle in this (fresh) Node process, as the Lambda runtime would: SNS, SQS,
// EventBridge and Secrets Manager are mocked at the SDK (they cannot run here); DynamoDB is the
// real dynalite server named by DYNAMODB_ENDPOINT. Usage: node invoke-bundle.mjs BUNDLE EVENT OUT
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';

const [bundle, eventFile, outFile] = process.argv.slice(2);
const calls = { sns: [], sqs: [], events: [] };

mockClient(SNSClient)
  .on(PublishCommand)
  .callsFake((input) => {
    calls.sns.push(input);
    return { MessageId: `sns-${calls.sns.length}` };
  });
mockClient(SQSClient)
  .on(SendMessageBatchCommand)
  .callsFake((input) => {
    calls.sqs.push(input);
    return { Successful: input.Entries.map((entry) => ({ Id: entry.Id, MessageId: `sqs-${entry.Id}`, MD5OfMessageBody: '' })), Failed: [] };
  });
mockClient(EventBridgeClient)
  .on(PutEventsCommand)
  .callsFake((input) => {
    calls.events.push(input);
    return { FailedEntryCount: 0, Entries: input.Entries.map((_, index) => ({ EventId: `event-${index}` })) };
  });
mockClient(SecretsManagerClient).on(GetSecretValueCommand).resolves({ SecretString: 'bundle-test-secret' });

const started = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const initMs = performance.now() - started;
const event = JSON.parse(await readFile(eventFile, 'utf8'));
const context = {
  functionName: 'bundle-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bundle-test',
  memoryLimitInMB: '1024',
  awsRequestId: `bundle-${process.pid}`,
  logGroupName: '/aws/lambda/bundle-test',
  logStreamName: 'bundle',
  getRemainingTimeInMillis: () => 600_000,
  callbackWaitsForEmptyEventLoop: false,
};
let response;
let error;
try {
  response = await handler(event, context);
} catch (caught) {
  error = { name: caught?.name, message: caught?.message };
}
await writeFile(outFile, JSON.stringify({ initMs, response, error, calls }));
