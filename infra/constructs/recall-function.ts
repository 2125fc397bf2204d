import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, type RecursiveLoop, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource, type SqsEventSourceProps } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { WRITE_ACTIONS, type TableAccess } from '../../lib/store/access.ts';
import { bundlingOptions, configDefine, functionEntry } from '../bundling.ts';
import { type FunctionName } from '../../lib/store/access.ts';
import { acknowledge } from '../nag.ts';
import type { Sms } from './sms.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const OUTPUT_FORMATS = { esm: OutputFormat.ESM, cjs: OutputFormat.CJS } as const;

export interface RecallFunctionProps {
  name: FunctionName;
  description: string;
  config: CampaignConfig;
  /** POWERTOOLS_METRICS_NAMESPACE; the dashboard and alarms read the same constant. */
  metricsNamespace: string;
  /** @default 512 MB */
  memorySize?: number;
  /** @default 30 s */
  timeout?: Duration;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /**
   * Only for functions invoked asynchronously (Scheduler, EventBridge rules): where an event goes
   * after Lambda's own retries fail, so it can be replayed. SQS-triggered functions fail back to
   * their queue's redrive DLQ instead.
   */
  deadLetterQueue?: IQueue;
  /**
   * Only for a function that hands the rest of its work to a fresh invocation of itself: Lambda's
   * recursive loop detection otherwise drops the 17th invocation of one chain (an S3 notification
   * and 16 continuations), sending it to the DLQ half way through a file.
   * @default Lambda's default, Terminate
   */
  recursiveLoop?: RecursiveLoop;
}

/**
 * One Lambda function with every default of the system in one place: the newest Node runtime of
 * the pinned aws-cdk-lib, ARM64, X-Ray, its own log group with retention, its own role (no managed
 * policies: only what the bind methods below grant), and the same esbuild options as
 * `npm run bundle` (infra/bundling.ts), run locally, with the validated config baked in.
 *
 * The bind methods add a resource's environment variable and its least-privilege grant together,
 * so a function can never read a variable it has no permission for, or the other way round.
 */
export class RecallFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly name: FunctionName;
  /** Why each wildcard finding of this function's policy is safe, one line per statement. */
  private readonly wildcardReasons = new Map<string, string[]>();

  constructor(scope: Construct, id: string, props: RecallFunctionProps) {
    super(scope, id);
    this.name = props.name;
    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: props.removalPolicy });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `recall ${props.name}: only the grants its bind calls add`,
    });
    // Instead of AWSLambdaBasicExecutionRole (logs:* on every log group): this log group only.
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(repoRoot, functionEntry(props.name)),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: join(repoRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.recursiveLoop ? { recursiveLoop: props.recursiveLoop } : {}),
      environment: {
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      },
      bundling: {
        forceDockerBundling: false,
        externalModules: [...bundlingOptions.externalModules],
        target: bundlingOptions.target,
        format: OUTPUT_FORMATS[bundlingOptions.format],
        minify: bundlingOptions.minify,
        sourceMap: bundlingOptions.sourceMap,
        mainFields: [...bundlingOptions.mainFields],
        banner: bundlingOptions.banner,
        define: configDefine(props.config),
      },
    });
    this.allowWildcard(
      'AwsSolutions-IAM5[Resource::*]',
      'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions, so their resource is always *',
    );
  }

  /**
   * The table (TABLE_NAME), with exactly the access its ports declare (lib/store/access.ts):
   * item actions per partition-key pattern (`dynamodb:LeadingKeys`), index queries, and Scan for
   * a batch job; plus the table key's use through DynamoDB only.
   */
  bindTable(table: ITable, access: TableAccess): this {
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    for (const statement of tableStatements(table, access)) this.role.addToPrincipalPolicy(statement);
    return this;
  }

  /** A queue this function sends to (`variable` = its URL): sqs:SendMessage (also SendMessageBatch). */
  bindQueue(queue: IQueue, variable: 'WORK_QUEUE_URL' | 'SEND_QUEUE_URL'): this {
    this.function.addEnvironment(variable, queue.queueUrl);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    if (queue.encryptionMasterKey) this.grantKeyVia(queue.encryptionMasterKey, 'sqs', ['kms:GenerateDataKey', 'kms:Decrypt']);
    return this;
  }

  /** A queue this function consumes: the event source mapping and its receive/delete grants. */
  consume(queue: IQueue, props: Omit<SqsEventSourceProps, 'reportBatchItemFailures'>): this {
    // Both consumers answer with a partial batch response (Powertools processPartialResponse).
    this.function.addEventSource(new SqsEventSource(queue, { ...props, reportBatchItemFailures: true }));
    return this;
  }

  /** Our event bus (EVENT_BUS_NAME): events:PutEvents on it. */
  bindEventBus(bus: IEventBus): this {
    this.function.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    bus.grantPutEventsTo(this.function);
    return this;
  }

  /** The coupon HMAC secret (COUPON_SECRET_ARN, never its value): GetSecretValue on it only. */
  bindCouponSecret(secret: ISecret): this {
    this.function.addEnvironment('COUPON_SECRET_ARN', secret.secretArn);
    secret.grantRead(this.function);
    return this;
  }

  /**
   * SMS through AWS End User Messaging SMS: the configuration set (SMS_CONFIGURATION_SET_NAME) and
   * the pool (SMS_POOL_ID, once identities are registered); sms-voice:SendTextMessage on exactly
   * the resources a send is checked against (the configuration set, the opt-out list, the pool
   * and its identities), nothing else of the service.
   */
  bindSms(sms: Sms): this {
    this.function.addEnvironment('SMS_CONFIGURATION_SET_NAME', sms.configurationSetName);
    if (sms.pool) this.function.addEnvironment('SMS_POOL_ID', sms.pool.attrPoolId);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources: [...sms.sendResources] }));
    return this;
  }

  /** Push to the app's platform endpoints through SNS: sns:Publish on this account's endpoints only (no topic, no phone number). */
  allowPush(): this {
    const stack = Stack.of(this);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sns:Publish'], resources: [stack.formatArn({ service: 'sns', resource: 'endpoint', resourceName: '*' })] }),
    );
    this.allowWildcard(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:endpoint/*]',
      "sns:Publish to the customers' push endpoints: endpoints are created by the shop's app per device, so they cannot be listed at deploy; " +
        'the statement names this account and region and the endpoint resource type only (no topic, and SNS sends no SMS for this function)',
    );
    return this;
  }

  private grantKeyVia(key: IKey, service: 'dynamodb' | 'sqs', actions: readonly string[]): void {
    this.role.addToPrincipalPolicy(keyViaService(key, service, actions, Stack.of(this).region));
  }

  private allowWildcard(id: string, reason: string): void {
    const reasons = this.wildcardReasons.get(id) ?? [];
    reasons.push(reason);
    this.wildcardReasons.set(id, reasons);
    acknowledge(this, id, `${this.name}: ${reasons.join('; ')}`);
  }
}

/**
 * Exactly the access `access` declares on `table` (lib/store/access.ts), as IAM statements: item
 * actions per partition-key pattern (`dynamodb:LeadingKeys`), index queries, Scan for a batch job,
 * and the table key's use through DynamoDB only. A function's role and the operator policy get the same.
 */
export function tableStatements(table: ITable, access: TableAccess): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  if (access.scan) {
    // A Scan names no partition (dynamodb:LeadingKeys cannot hold it to any): the whole base
    // table, never an index. Only an explicit batch job gets it.
    statements.push(new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [table.tableArn] }));
  }
  for (const { actions, partitions } of access.items) {
    statements.push(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] } },
      }),
    );
  }
  for (const index of access.indexes) {
    // Index partitions are `journey#step#shard` or a date: no leading-key condition can name them usefully.
    statements.push(new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/${index}`] }));
  }
  if (table.encryptionKey) {
    const writes = access.items.some(({ actions }) => actions.some((action) => WRITE_ACTIONS.includes(action)));
    statements.push(keyViaService(table.encryptionKey, 'dynamodb', ['kms:Decrypt', 'kms:DescribeKey', ...(writes ? ['kms:Encrypt', 'kms:GenerateDataKey'] : [])], Stack.of(table).region));
  }
  return statements;
}

/** A key's use only through one service (a stolen credential cannot decrypt with it directly). */
export function keyViaService(key: IKey, service: string, actions: readonly string[], region: string): PolicyStatement {
  return new PolicyStatement({ actions: [...actions], resources: [key.keyArn], conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.amazonaws.com` } } });
}
