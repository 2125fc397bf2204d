import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { NonEmptyStringSchema, OptionalBooleanSchema, OptionalStringSchema } from '../../domain/fields.ts';
import { CorruptItemError } from '../../domain/records.ts';
import { ImportCheckpointSchema, ImportResultSchema, type ImportCheckpoint, type ImportResult } from '../../events/imports.ts';
import type { ImportClaim, ImportClaims, ImportFileRef } from '../../ports/store.ts';
import { PORT_ACCESS } from '../../store/access.ts';
import { PortAdapter, type CapacityMeter } from './table.ts';

/*
 * One claim per version of a file in the import bucket (docs/architecture.md#imports-on-aws), under
 * `IMPORT#<sha256 of bucket, key and version>` / `FILE`: a key's length and characters never reach
 * the partition key. Every move is one conditional write on what was read, so of two invocations
 * racing for a file exactly one holds it. The checkpoint and the result are kept as JSON text, read
 * back through their schemas.
 */

const CLAIM_SORT_KEY = 'FILE';
/** Reads and conditional takes of a claim that keeps changing under them, before giving up. */
const MAX_CLAIM_ATTEMPTS = 5;

const ClaimItemSchema = z.object({
  status: z.enum(['running', 'finished']),
  holder: NonEmptyStringSchema,
  leaseUntil: z.iso.datetime(),
  checkpoint: OptionalStringSchema,
  result: OptionalStringSchema,
  announced: OptionalBooleanSchema,
});
type ClaimItem = z.infer<typeof ClaimItemSchema>;

function claimKey(file: ImportFileRef): { pk: string; sk: string } {
  return { pk: `IMPORT#${createHash('sha256').update(`${file.bucket}\u0000${file.key}\u0000${file.versionId}`).digest('hex')}`, sk: CLAIM_SORT_KEY };
}

function parsedJson<T>(schema: z.core.$ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CorruptItemError(`${what} is not JSON`);
  }
  const parsed = z.safeParse(schema, json);
  if (!parsed.success) throw new CorruptItemError(`${what} does not parse: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

export class DynamoImportClaims extends PortAdapter implements ImportClaims {
  constructor(client: DynamoDBClient, tableName: string, usage?: CapacityMeter) {
    super(client, tableName, PORT_ACCESS.importClaims, usage);
  }

  async claimImport(file: ImportFileRef, claim: { holder: string; leaseUntil: string; now: string; takes: readonly string[] }): Promise<ImportClaim> {
    const itemKey = claimKey(file);
    const created = await this.table.conditional(
      new PutCommand({
        TableName: this.table.tableName,
        Item: { ...itemKey, bucket: file.bucket, key: file.key, versionId: file.versionId, status: 'running', holder: claim.holder, leaseUntil: claim.leaseUntil, claimedAt: claim.now },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    if (created) return { state: 'claimed' };
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      const stored = await this.read(file);
      if (stored.status === 'finished') {
        if (stored.result === undefined) throw new CorruptItemError(`the claim on ${file.key} is finished without a result`);
        return { state: 'finished', result: parsedJson(ImportResultSchema, stored.result, `the result of ${file.key}`), announced: stored.announced === true };
      }
      const expired = Date.parse(stored.leaseUntil) < Date.parse(claim.now);
      if (!expired && !claim.takes.includes(stored.holder)) return { state: 'busy', leaseUntil: stored.leaseUntil };
      const taken = await this.table.conditional(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: itemKey,
          UpdateExpression: 'SET #holder = :holder, #leaseUntil = :leaseUntil',
          ConditionExpression: '#status = :running AND #holder = :seenHolder AND #leaseUntil = :seenLease',
          ExpressionAttributeNames: { '#holder': 'holder', '#leaseUntil': 'leaseUntil', '#status': 'status' },
          ExpressionAttributeValues: { ':holder': claim.holder, ':leaseUntil': claim.leaseUntil, ':running': 'running', ':seenHolder': stored.holder, ':seenLease': stored.leaseUntil },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      if (taken) return stored.checkpoint === undefined ? { state: 'claimed' } : { state: 'claimed', checkpoint: parsedJson(ImportCheckpointSchema, stored.checkpoint, `the checkpoint of ${file.key}`) };
    }
    throw new Error(`the claim on ${file.key} kept changing under ${MAX_CLAIM_ATTEMPTS} attempts to read and take it`);
  }

  handOffImport(file: ImportFileRef, holder: string, checkpoint: ImportCheckpoint, next: { holder: string; leaseUntil: string }): Promise<boolean> {
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: claimKey(file),
        UpdateExpression: 'SET #checkpoint = :checkpoint, #holder = :next, #leaseUntil = :leaseUntil',
        ConditionExpression: '#status = :running AND #holder = :holder',
        ExpressionAttributeNames: { '#checkpoint': 'checkpoint', '#holder': 'holder', '#leaseUntil': 'leaseUntil', '#status': 'status' },
        ExpressionAttributeValues: { ':checkpoint': JSON.stringify(checkpoint), ':next': next.holder, ':leaseUntil': next.leaseUntil, ':running': 'running', ':holder': holder },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  finishImport(file: ImportFileRef, holder: string, result: ImportResult): Promise<boolean> {
    return this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: claimKey(file),
        UpdateExpression: 'SET #status = :finished, #result = :result, #announced = :no REMOVE #checkpoint',
        ConditionExpression: '#status = :running AND #holder = :holder',
        ExpressionAttributeNames: { '#status': 'status', '#result': 'result', '#announced': 'announced', '#checkpoint': 'checkpoint', '#holder': 'holder' },
        ExpressionAttributeValues: { ':finished': 'finished', ':result': JSON.stringify(result), ':no': false, ':running': 'running', ':holder': holder },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  async markImportAnnounced(file: ImportFileRef): Promise<void> {
    await this.table.conditional(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: claimKey(file),
        UpdateExpression: 'SET #announced = :yes',
        ConditionExpression: '#status = :finished',
        ExpressionAttributeNames: { '#announced': 'announced', '#status': 'status' },
        ExpressionAttributeValues: { ':yes': true, ':finished': 'finished' },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
  }

  private async read(file: ImportFileRef): Promise<ClaimItem> {
    const parsed = ClaimItemSchema.safeParse(await this.table.consistentGet(claimKey(file)));
    if (!parsed.success) throw new CorruptItemError(`the claim on ${file.key} is missing or does not parse`);
    return parsed.data;
  }
}
