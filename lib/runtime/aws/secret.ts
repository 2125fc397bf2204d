import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '../../observability/powertools.ts';
import { EnvironmentError, requireEnv } from './env.ts';

/** The coupon HMAC secret, from Secrets Manager (never from code or a plain env var). */
export function couponSecret(): Promise<string> {
  return secretValue(requireEnv('COUPON_SECRET_ARN'));
}

/** The key another SMS provider signs its reply callbacks with (docs/architecture.md#replies). */
export function replyCallbackSecret(): Promise<string> {
  return secretValue(requireEnv('REPLY_CALLBACK_SECRET_ARN'));
}

async function secretValue(secretId: string): Promise<string> {
  const result = await tracer.captureAWSv3Client(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!result.SecretString) throw new EnvironmentError(`secret ${secretId} has no string value`);
  return result.SecretString;
}
