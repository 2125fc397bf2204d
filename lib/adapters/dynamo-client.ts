import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tracer } from '../observability/powertools.ts';

/**
 * A client for any DynamoDB-API endpoint; local endpoints need no real credentials. Captured by
 * the tracer either way: it traces only inside Lambda, where a function may still be pointed at
 * another endpoint (the bundle tests).
 */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  const client = endpoint
    ? new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 5 })
    : new DynamoDBClient({});
  return tracer.captureAWSv3Client(client);
}
