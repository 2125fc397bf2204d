import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import defaultConfig from '../../config/default.json' with { type: 'json' };
import { checkConfig, ConfigError } from '../config/load.ts';
import type { CampaignConfig } from '../config/schema.ts';
import { DynamoRecallStore } from '../adapters/dynamo-store.ts';
import { dynamoClient } from '../adapters/dynamo-client.ts';
import { DynamoPacer } from '../adapters/dynamo-pacer.ts';
import { EventBridgePublisher } from '../adapters/event-bus.ts';
import { SnsTransport } from '../adapters/sns-transport.ts';
import { SqsSendQueue, SqsWorkQueue } from '../adapters/sqs-queues.ts';
import type { Clock } from '../ports.ts';

/**
 * The AWS composition root: environment, clients and adapters, built once per cold start. Every
 * function reads only what it needs; a missing variable fails the cold start with its name.
 */

export class EnvironmentError extends Error {
  readonly retryable = false;
  override name = 'EnvironmentError';
}

/** A required environment variable, or a cold-start failure that names it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new EnvironmentError(`environment variable ${name} is not set`);
  return value;
}

/** The campaign config: the one baked in at synth (RECALL_CONFIG_JSON), else the default. */
export function campaignConfig(): CampaignConfig {
  const json = process.env.RECALL_CONFIG_JSON;
  const result = checkConfig(json ? JSON.parse(json) : defaultConfig);
  if (!result.ok) throw new ConfigError(result.problems, 'RECALL_CONFIG_JSON');
  return result.config;
}

export const systemClock: Clock = { now: () => new Date() };

export function recallStore(): DynamoRecallStore {
  // DYNAMODB_ENDPOINT is only set when the bundles run against dynalite, never on AWS.
  return new DynamoRecallStore(dynamoClient(process.env.DYNAMODB_ENDPOINT), requireEnv('TABLE_NAME'));
}

export function eventPublisher(): EventBridgePublisher {
  return new EventBridgePublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME'));
}

export function workQueue(): SqsWorkQueue {
  return new SqsWorkQueue(new SQSClient({}), requireEnv('WORK_QUEUE_URL'));
}

export function sendQueue(): SqsSendQueue {
  return new SqsSendQueue(new SQSClient({}), requireEnv('SEND_QUEUE_URL'));
}

export function snsTransport(config: CampaignConfig): SnsTransport {
  // No SDK retries: a Publish that failed after reaching SNS may have sent the SMS. The sender
  // decides what is safe to retry (a throttle), and SQS redelivers it.
  return new SnsTransport(new SNSClient({ maxAttempts: 1 }), config.sms);
}

export function pacer(store: DynamoRecallStore, config: CampaignConfig): DynamoPacer {
  return new DynamoPacer(store.client, store.tableName, { mps: config.sms.mps });
}

/** The coupon HMAC secret, from Secrets Manager (never from code or a plain env var). */
export async function couponSecret(): Promise<string> {
  const secretId = requireEnv('COUPON_SECRET_ARN');
  const result = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!result.SecretString) throw new EnvironmentError(`secret ${secretId} has no string value`);
  return result.SecretString;
}

/** A value built on first use and kept for the life of the execution environment. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= build().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
