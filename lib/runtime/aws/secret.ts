import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tracer } from '../../observability/powertools.ts';
import { EnvironmentError, requireEnv } from './env.ts';

/** The coupon HMAC secret, from Secrets Manager (never from code or a plain env var). */
export async function couponSecret(): Promise<string> {
  const secretId = requireEnv('COUPON_SECRET_ARN');
  const result = await tracer.captureAWSv3Client(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!result.SecretString) throw new EnvironmentError(`secret ${secretId} has no string value`);
  return result.SecretString;
}
