import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** A client for any DynamoDB-API endpoint; local endpoints need no real credentials. */
export function dynamoClient(endpoint?: string): DynamoDBClient {
  if (!endpoint) return new DynamoDBClient({});
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 5,
  });
}
