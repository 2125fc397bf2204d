import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../../observability/powertools.ts';
import { SqsSendQueue, SqsWorkQueue } from '../../adapters/sqs-queues.ts';
import { requireEnv } from './env.ts';

export function workQueue(): SqsWorkQueue {
  return new SqsWorkQueue(tracer.captureAWSv3Client(new SQSClient({})), requireEnv('WORK_QUEUE_URL'));
}

export function sendQueue(): SqsSendQueue {
  return new SqsSendQueue(tracer.captureAWSv3Client(new SQSClient({})), requireEnv('SEND_QUEUE_URL'));
}
