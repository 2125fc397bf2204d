// Runs one Lambda bundle in this (fresh) Node process, as the Lambda runtime would. The bundle
// carries its own AWS SDK, so the services that cannot run here (End User Messaging SMS, SNS, SQS,
// EventBridge, Secrets Manager) are answered by a small fake endpoint in this process, reached through the SDK's own
// AWS_ENDPOINT_URL_<SERVICE> settings; DynamoDB is the real dynalite server at DYNAMODB_ENDPOINT.
// Usage: node invoke-bundle.mjs BUNDLE EVENT OUT
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile, outFile] = process.argv.slice(2);
const calls = { sms: [], sns: [], sqs: [], events: [], secrets: 0 };
const md5 = (text) => createHash('md5').update(text).digest('hex');

function answer(target, body) {
  switch (target) {
    case 'PinpointSMSVoiceV2.SendTextMessage':
      calls.sms.push(body);
      return { MessageId: `sms-${calls.sms.length}` };
    case 'AmazonSQS.SendMessageBatch':
      calls.sqs.push(body);
      return { Successful: body.Entries.map((entry) => ({ Id: entry.Id, MessageId: `sqs-${entry.Id}`, MD5OfMessageBody: md5(entry.MessageBody) })), Failed: [] };
    case 'AWSEvents.PutEvents':
      calls.events.push(body);
      return { FailedEntryCount: 0, Entries: body.Entries.map((_, index) => ({ EventId: `event-${index}` })) };
    case 'secretsmanager.GetSecretValue':
      calls.secrets++;
      return { ARN: body.SecretId, Name: 'coupon', SecretString: 'bundle-test-secret' };
    default:
      throw new Error(`fake AWS endpoint: no answer for ${target}`);
  }
}

const server = createServer((request, response) => {
  let text = '';
  request.on('data', (chunk) => (text += chunk));
  request.on('end', () => {
    const target = request.headers['x-amz-target'];
    if (target) {
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(JSON.stringify(answer(target, JSON.parse(text))));
      return;
    }
    // SNS speaks the query protocol: a form body with Action=Publish.
    const form = new URLSearchParams(text);
    calls.sns.push({ PhoneNumber: form.get('PhoneNumber') ?? undefined, TargetArn: form.get('TargetArn') ?? undefined, Message: form.get('Message') ?? undefined });
    response.setHeader('content-type', 'text/xml');
    response.end(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-${calls.sns.length}</MessageId></PublishResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></PublishResponse>`);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${server.address().port}`;
for (const service of ['PINPOINT_SMS_VOICE_V2', 'SNS', 'SQS', 'EVENTBRIDGE', 'SECRETS_MANAGER']) process.env[`AWS_ENDPOINT_URL_${service}`] = endpoint;
// The SQS client sends to the host of the queue URL itself: the queues live on the fake endpoint.
for (const name of ['WORK_QUEUE_URL', 'SEND_QUEUE_URL']) {
  if (process.env[name]) process.env[name] = `${endpoint}${new URL(process.env[name]).pathname}`;
}

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
server.close();
await writeFile(outFile, JSON.stringify({ initMs, response, error, calls }));
