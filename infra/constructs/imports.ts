import { Aws, Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { BlockPublicAccess, Bucket, BucketEncryption, CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IMPORT_KINDS, importPrefix } from '../../lib/events/imports.ts';
import { acknowledge } from '../nag.ts';
import type { RecallFunction } from './recall-function.ts';

export interface ImportsProps {
  stage: string;
  /** import-file: notified of every file dropped under `imports/<kind>/`. */
  importer: RecallFunction;
  /** Days a dropped file is kept: it holds customers' numbers and names. */
  retentionDays: number;
  removalPolicy: RemovalPolicy;
}

/**
 * The import bucket (docs/architecture.md#imports-on-aws): files dropped under `imports/customers/`,
 * `imports/orders/` or `imports/opt-outs/` are imported by import-file, which writes each one's
 * result beside it. Encrypted (S3-managed), versioned (a claim names the version it imports),
 * private, TLS-only; every version expires: the current one `retentionDays` after its upload, a
 * replaced or expired one a day later, so no copy of a customer list outlives `retentionDays` + 1.
 *
 * The notification is the bucket's own (CloudFormation's NotificationConfiguration), not CDK's
 * notifications custom resource, which would add a Lambda function of its own with a managed
 * policy. That needs the bucket's name known before the bucket exists (the invoke permission names
 * it, and the bucket waits for the permission), so the name is derived from the account, region and
 * stage, and the importer's grants name it the same way.
 */
export class Imports extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ImportsProps) {
    super(scope, id);
    const bucketName = `recall-imports-${Aws.ACCOUNT_ID}-${Aws.REGION}-${props.stage}`;
    const bucketArn = `arn:${Aws.PARTITION}:s3:::${bucketName}`;
    this.bucket = new Bucket(this, 'Bucket', {
      bucketName,
      encryption: BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [
        {
          id: 'personal-data',
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
      removalPolicy: props.removalPolicy,
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'operators drop files here with their own credentials (no public access, TLS only); every import is recorded by import-file itself ' +
        "(its log, the result file beside the file, ImportCompleted on the bus), and object-level access is audited by the account's " +
        'CloudTrail data events, not a second bucket of access logs per stage',
    );

    const { importer } = props;
    const invoke = new CfnPermission(this, 'NotifiesImporter', {
      action: 'lambda:InvokeFunction',
      functionName: importer.function.functionArn,
      principal: 's3.amazonaws.com',
      sourceAccount: Aws.ACCOUNT_ID,
      sourceArn: bucketArn,
    });
    const cfnBucket = this.bucket.node.defaultChild;
    if (!(cfnBucket instanceof CfnBucket)) throw new Error('the import bucket has no CfnBucket');
    cfnBucket.notificationConfiguration = {
      lambdaConfigurations: IMPORT_KINDS.map((kind) => ({
        event: 's3:ObjectCreated:*',
        function: importer.function.functionArn,
        filter: { s3Key: { rules: [{ name: 'prefix', value: importPrefix(kind) }] } },
      })),
    };
    cfnBucket.addResourceDependency(invoke, 'S3 checks that it may invoke the function when the notification is set');

    // Read the version the notification names, by range; write the result beside it.
    importer.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], resources: [`${bucketArn}/imports/*`] }));
    acknowledge(
      importer,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::recall-imports-<AWS::AccountId>-<AWS::Region>-${props.stage}/imports/*]`,
      'import-file: the files are named by whoever drops them, so their keys cannot be listed at deploy; the statement names this bucket and its imports/ prefix only',
    );
    // The rest of a file goes to a fresh invocation of the function itself. A policy of its own:
    // in the role's default policy the function's ARN would make the function depend on itself.
    new Policy(this, 'ContinuesItself', {
      roles: [importer.role],
      statements: [new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [importer.function.functionArn] })],
    });
  }
}
