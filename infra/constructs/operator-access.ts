import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { configText } from '../../lib/config/versions.ts';
import { accessOf, OPERATOR_PORTS } from '../../lib/store/access.ts';
import { keys, recallTable } from '../../lib/store/tables.ts';
import { acknowledge } from '../nag.ts';
import { keyViaService, tableStatements } from './recall-function.ts';

export interface OperatorAccessProps {
  stage: string;
  table: ITable;
  couponSecret: ISecret;
  bus: IEventBus;
  /** The End User Messaging opt-out list's ARN: an imported opt-out goes on it too. */
  optOutListArn: string;
  /** The import bucket: operators drop files under `imports/` and read their results. */
  importBucket: IBucket;
}

/**
 * What an operator's `recall --aws ...` commands need (docs/architecture.md#operating-on-aws), as
 * one managed policy to attach to the operators' role or group: the table with exactly the
 * operator ports' access (lib/store/access.ts OPERATOR_PORTS), the coupon secret (imported orders
 * verify their codes), PutEvents on the bus (CustomerConverted), the opt-out list, the import
 * bucket's `imports/` (large files in, their results out), and the stack's outputs (how the CLI
 * finds all of them).
 */
export class OperatorAccess extends Construct {
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: OperatorAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const statements = [
      ...tableStatements(props.table, accessOf(OPERATOR_PORTS)),
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], resources: [props.couponSecret.secretArn] }),
      new PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
      new PolicyStatement({ actions: ['sms-voice:PutOptedOutNumber'], resources: [props.optOutListArn] }),
      new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }),
      new PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject'], resources: [props.importBucket.arnForObjects('imports/*')] }),
    ];
    if (props.couponSecret.encryptionKey) statements.push(keyViaService(props.couponSecret.encryptionKey, 'secretsmanager', ['kms:Decrypt'], stack.region));
    this.policy = new ManagedPolicy(this, 'Policy', {
      managedPolicyName: `recall-operator-${props.stage}`,
      description: `recall campaigns (${props.stage}): what recall --aws import, report, windows, reconcile and config need`,
      statements,
    });
    acknowledge(
      this.policy,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.importBucket.node.defaultChild as CfnElement)}.Arn>/imports/*]`,
      "operators drop files of any name under imports/ and read each file's result beside it; nothing outside imports/ (the bucket holds nothing else)",
    );
  }
}

export interface ConfigSeedProps {
  table: ITable;
  config: CampaignConfig;
}

/**
 * Version 1 of the campaign config (docs/architecture.md#config-versions), put by the deploy only
 * when the table holds none: a conditional PutItem whose failed condition means "already seeded",
 * so a redeploy never overwrites what operators pushed since. It runs on create only.
 */
export class ConfigSeed extends Construct {
  constructor(scope: Construct, id: string, props: ConfigSeedProps) {
    super(scope, id);
    const version = 1;
    const seed = new AwsCustomResource(this, 'Put', {
      onCreate: {
        service: 'DynamoDB',
        action: 'putItem',
        parameters: {
          TableName: props.table.tableName,
          Item: {
            [recallTable.partitionKey]: { S: keys.config },
            [recallTable.sortKey]: { S: keys.configVersion(version) },
            version: { N: String(version) },
            config: { S: configText(props.config) },
            source: { S: 'deploy' },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
        physicalResourceId: PhysicalResourceId.of('config-version-1'),
        ignoreErrorCodesMatching: 'ConditionalCheckFailedException',
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [props.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [keys.config] } },
        }),
        ...(props.table.encryptionKey ? [keyViaService(props.table.encryptionKey, 'dynamodb', ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey'], Stack.of(this).region)] : []),
      ]),
      installLatestAwsSdk: false,
      memorySize: 256,
    });
    // The CDK's one provider function per stack for AwsCustomResource, invoked by CloudFormation itself.
    const provider = Stack.of(this).node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    for (const scope of [seed, ...(provider ? [provider] : [])]) {
      acknowledge(scope, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "the CDK's AwsCustomResource provider function: the basic execution role writes its own logs only; its one data grant is the PutItem on CONFIG above");
      acknowledge(scope, 'Serverless-LambdaDLQ', 'CloudFormation invokes the custom resource synchronously and fails the deploy on an error: there is no asynchronous event to keep');
      acknowledge(scope, 'Serverless-LambdaTracing', 'one conditional PutItem at deploy time: its result is in the CloudFormation events, a trace adds nothing');
    }
  }
}
