import { Readable } from 'node:stream';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ImportContinuation, ImportResult } from '../../events/imports.ts';
import { tracer } from '../../observability/powertools.ts';
import type { ImportFileRef } from '../../ports/store.ts';
import type { ImportBucket, ImportContinuations } from '../../usecases/import-file.ts';
import { requireEnv } from './env.ts';

/*
 * import-file's two AWS collaborators besides the table: the import bucket (S3) and the function
 * itself, invoked asynchronously for the rest of a file. Built here, beside the use case's ports
 * they serve, and only in import-file's bundle.
 */

/** The import bucket: one version of a file read by byte range, and its result written beside it. */
export class S3ImportBucket implements ImportBucket {
  constructor(private readonly s3: S3Client) {}

  async read(file: ImportFileRef, range: { start: number; end?: number }): Promise<{ body: AsyncIterable<Uint8Array>; uploadedAt: Date }> {
    // No Range for a whole file: S3 refuses `bytes=0-` on an empty object (416) instead of reading nothing.
    const bytes = range.start === 0 && range.end === undefined ? undefined : `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}`;
    const object = await this.s3.send(new GetObjectCommand({ Bucket: file.bucket, Key: file.key, VersionId: file.versionId, ...(bytes ? { Range: bytes } : {}) }));
    if (!(object.Body instanceof Readable) || !object.LastModified) throw new Error(`s3://${file.bucket}/${file.key}: GetObject returned no stream or no LastModified`);
    return { body: object.Body, uploadedAt: object.LastModified };
  }

  async writeResult(file: ImportFileRef, key: string, result: ImportResult): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: file.bucket, Key: key, Body: `${JSON.stringify(result, null, 2)}\n`, ContentType: 'application/json; charset=utf-8' }));
  }
}

/** The function invoking itself (InvocationType Event): Lambda's retries and the function's DLQ cover the continuation too. */
export class LambdaSelfContinuations implements ImportContinuations {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {}

  async continueImport(continuation: ImportContinuation): Promise<void> {
    const answer = await this.lambda.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(continuation)) }));
    if (answer.StatusCode !== 202) throw new Error(`continuing ${continuation.key}: Lambda answered ${String(answer.StatusCode)} to an asynchronous invoke (expected 202)`);
  }
}

export function importBucket(): S3ImportBucket {
  return new S3ImportBucket(tracer.captureAWSv3Client(new S3Client({})));
}

/** AWS_LAMBDA_FUNCTION_NAME: set by the Lambda runtime in every function, the function's own name. */
export function selfContinuations(): LambdaSelfContinuations {
  return new LambdaSelfContinuations(tracer.captureAWSv3Client(new LambdaClient({})), requireEnv('AWS_LAMBDA_FUNCTION_NAME'));
}
