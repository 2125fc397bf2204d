import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.ts';
import { readSettings, SettingsError } from '../../infra/settings.ts';
import { actionsOf, cdkJsonContext, functionLogicalId, functionProperties, referencedId, resourcesOf, statementsOf, synthesize, type Synthesized } from './support.ts';

/**
 * The import bucket and import-file (docs/architecture.md#imports-on-aws), as `cdk synth` builds
 * them: what the bucket keeps and for how long, what notifies the function, and what the function
 * may do with the bucket and itself.
 */
describe('the import bucket and import-file', () => {
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize();
  });

  const template = () => synth.template;
  const bucket = () => {
    const buckets = Object.entries(resourcesOf(template(), 'AWS::S3::Bucket'));
    expect(buckets).toHaveLength(1);
    const [id, resource] = buckets[0]!;
    return { id, properties: resource.Properties ?? {} };
  };

  it('is S3-encrypted, versioned, private and TLS-only', () => {
    expect(bucket().properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const policies = Object.values(resourcesOf(template(), 'AWS::S3::BucketPolicy')).filter((policy) => referencedId(policy.Properties?.Bucket) === bucket().id);
    const statements = policies.flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: { Effect: string; Condition?: unknown }[] }).Statement);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('expires every file 30 days after its upload (-c importRetentionDays), and a replaced or expired version a day later', () => {
    expect(bucket().properties.LifecycleConfiguration).toEqual({
      Rules: [
        { Id: 'personal-data', Status: 'Enabled', ExpirationInDays: 30, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } },
        { Id: 'expired-delete-markers', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
      ],
    });
  });

  it('notifies import-file of every object created under imports/customers/, imports/orders/ and imports/opt-outs/, once S3 may invoke it', () => {
    const importer = { 'Fn::GetAtt': [functionLogicalId(template(), 'import-file'), 'Arn'] };
    expect(bucket().properties.NotificationConfiguration).toEqual({
      LambdaConfigurations: ['customers', 'orders', 'opt-outs'].map((kind) => ({
        Event: 's3:ObjectCreated:*',
        Function: importer,
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: `imports/${kind}/` }] } },
      })),
    });
    const [permissionId, permission] = Object.entries(resourcesOf(template(), 'AWS::Lambda::Permission')).find(([, candidate]) => candidate.Properties?.Principal === 's3.amazonaws.com')!;
    expect(permission.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', FunctionName: importer, SourceAccount: { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(permission.Properties?.SourceArn)).toContain(':s3:::recall-imports-');
    expect(template().toJSON().Resources[bucket().id].DependsOn).toContain(permissionId);
  });

  it('import-file reads and writes under imports/ of this bucket only, invokes only itself, and claims files under IMPORT#*', () => {
    const statements = statementsOf(template(), 'import-file');
    const s3 = statements.filter((s) => actionsOf(s).some((action) => action.startsWith('s3:')));
    expect(s3.map(actionsOf)).toEqual([['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject']]);
    expect(JSON.stringify(s3[0]?.Resource)).toMatch(/:s3:::recall-imports-.*-dev\/imports\/\*"\]\]\}$/);
    const invokes = statements.filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invokes.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [functionLogicalId(template(), 'import-file'), 'Arn'] }]);
    const claims = statements.filter((s) => JSON.stringify(s.Condition ?? {}).includes('IMPORT#*'));
    expect(claims.map((s) => ({ actions: actionsOf(s).sort(), partitions: s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] }))).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], partitions: ['IMPORT#*'] },
    ]);
  });

  it('import-file runs up to 15 minutes (it hands on a minute before), keeps failed events in its DLQ, and the stack outputs the bucket', () => {
    const fn = functionProperties(template(), 'import-file');
    expect(fn.Timeout).toBe(900);
    // Its continuations are one chain to Lambda's loop detection, which would drop the 17th; no other function is let loop.
    expect(fn.RecursiveLoop).toBe('Allow');
    const others = Object.values(resourcesOf(template(), 'AWS::Lambda::Function')).filter((resource) => resource.Properties?.RecursiveLoop !== undefined);
    expect(others).toHaveLength(1);
    const queue = Object.keys(resourcesOf(template(), 'AWS::SQS::Queue')).find((id) => id.startsWith('ImportFileFailures'));
    expect(referencedId((fn.DeadLetterConfig as { TargetArn: unknown }).TargetArn)).toBe(queue);
    template().hasOutput('ImportBucketName', { Value: { Ref: bucket().id } });
  });

  it('cdk-nag finds nothing unacknowledged in the bucket or import-file', () => {
    const findings = nagPacks(synth.stack).flatMap((pack) =>
      pack
        .validateScope(synth.stack)
        .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName}: ${resource.constructPath}`))
        .filter((finding) => /\/(Imports|ImportFile)\//.test(finding)),
    );
    expect(findings).toEqual([]);
  });

  it('-c importRetentionDays sets the days; anything but whole days from 1 to 365 is refused by name', async () => {
    const settings = (importRetentionDays: unknown) => readSettings(new App({ context: { ...cdkJsonContext, importRetentionDays } }).node);

    expect((await settings('7')).importRetentionDays).toBe(7);
    expect((await settings(365)).importRetentionDays).toBe(365);
    for (const bad of ['0', '366', '2.5', 'a month']) {
      await expect(settings(bad)).rejects.toThrow(new SettingsError(`-c importRetentionDays: expected whole days from 1 to 365, got ${JSON.stringify(bad)}`));
    }
  });
});
