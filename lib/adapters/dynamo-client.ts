import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { tracer } from '../observability/powertools.ts';

type Signer = Extract<NonNullable<DynamoDBClientConfig['signer']>, { sign: unknown }>;

/**
 * The embedded store's signer: dynalite requires SigV4's headers (an Authorization header naming
 * a credential scope, and X-Amz-Date) but never checks the signature, so none is computed: signing
 * is about 7% of the client's work per request in the demo's lived days. Any other endpoint is signed.
 */
export const unsignedSigV4: Signer = {
  sign(request, options) {
    const date = new Date(options?.signingDate ?? Date.now()).toISOString().replace(/[-:]|\.\d{3}/g, '');
    request.headers['x-amz-date'] = date;
    request.headers.authorization = `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/${options?.signingRegion ?? 'us-east-1'}/${options?.signingService ?? 'dynamodb'}/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned`;
    return Promise.resolve(request);
  },
};

/**
 * A client for any DynamoDB-API endpoint; local endpoints need no real credentials, and the
 * embedded store (`embedded`) no signature. Captured by the tracer either way: it traces only
 * inside Lambda, where a function may still be pointed at another endpoint (the bundle tests).
 */
export function dynamoClient(endpoint?: string, options: { embedded?: boolean } = {}): DynamoDBClient {
  const client = endpoint
    ? new DynamoDBClient({
        endpoint,
        region: process.env.AWS_REGION ?? 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 5,
        ...(options.embedded ? { signer: unsignedSigV4 } : {}),
      })
    : new DynamoDBClient({});
  return tracer.captureAWSv3Client(client);
}
