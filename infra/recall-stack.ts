import { CfnOutput, Duration, RemovalPolicy, Stack, TimeZone, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnFunction, FunctionUrlAuthType, RecursiveLoop, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { accessOf, FUNCTION_PORTS } from '../lib/store/access.ts';
import { recallTable } from '../lib/store/tables.ts';
import { FUNCTION_NAMES, type FunctionName } from '../lib/store/access.ts';
import { Monitoring } from './constructs/monitoring.ts';
import { Imports } from './constructs/imports.ts';
import { FailureQueue, PipelineQueue } from './constructs/queues.ts';
import { RecallFunction } from './constructs/recall-function.ts';
import { Sms } from './constructs/sms.ts';
import { ConfigSeed, OperatorAccess } from './constructs/operator-access.ts';
import { functionOutputKey } from './names.ts';
import { acknowledge } from './nag.ts';
import type { RecallSettings } from './settings.ts';

export interface RecallStackProps extends StackProps {
  settings: RecallSettings;
}

/** The namespace of every Powertools metric of a stage; the dashboard and alarms read the same. */
export const metricsNamespace = (stage: string) => `RecallCampaigns/${stage}`;

/** How long a shard job may run; it yields 60 s before the end (functions/scan-shard.ts YIELD_MARGIN_MS). */
const SCAN_SHARD_TIMEOUT = Duration.minutes(15);
/** A batch of 10 waits for pacer slots (seconds at most, see maxConcurrency) and 10 publishes. */
const SEND_MESSAGE_TIMEOUT = Duration.seconds(60);
/** An import segment; it hands the rest of a file on 60 s before the end (lib/runtime/handlers/import-file.ts YIELD_MARGIN_MS). */
const IMPORT_FILE_TIMEOUT = Duration.minutes(15);
/** AWS's advice for SQS event sources: room for the retries of a throttled batch. */
const VISIBILITY_PER_TIMEOUT = 6;

/**
 * Senders of the send queue at once. The pacer (one DynamoDB item) is what holds every sender to
 * `sms.mps` parts per second; concurrency only has to keep enough messages in flight to use that
 * budget without a crowd of senders waiting on it and fighting over the pacer item. A sender
 * takes batches of 10, so mps / 10 senders keep about one second of budget in flight, which
 * covers a publish's latency many times over. The event source mapping's minimum is 2.
 */
export function sendConcurrency(mps: number): number {
  return Math.min(1000, Math.max(2, Math.ceil(mps / 10)));
}

/**
 * The whole system, one stack per stage: nothing here has a lifecycle of its own worth a second
 * stack, and one stack keeps every grant a reference instead of a cross-stack export. (Longer than
 * most modules on purpose: it is the one place that reads top to bottom as the deployed system,
 * each function beside its queue, schedule and why it gets what; the repeated parts live in
 * constructs/.)
 *
 * Keys: one customer-managed key (rotated yearly) for everything that holds customer data or the
 * coupon secret: the table (profiles with phone numbers), the work and send queues and their DLQs
 * (send jobs carry the number, the text and the coupon code), the secret, the alarm topic. One key
 * costs $1 a month, puts every decrypt by every role in CloudTrail, lets the key policy gate all
 * of it, and disabling it makes the data unreadable. Queues that only AWS services write (schedule,
 * rule, subscription and async-invoke DLQs, holding ids and amounts) use SQS-managed SSE instead,
 * so no service principal needs the key. The event bus keeps its AWS-owned key: any subscriber's
 * rule would otherwise need the key, and events carry ids, not contact data.
 */
export class RecallStack extends Stack {
  readonly functions: Record<FunctionName, RecallFunction>;
  readonly table: Table;
  readonly key: Key;
  /** The stack's End User Messaging SMS resources: configuration set, opt-out list, pool. */
  readonly sms: Sms;
  /** Delivery events of every SMS (the configuration set's event destination), the ledger key in their `context`. */
  readonly deliveryEventsTopic: Topic;
  /** Replies to the two-way numbers (`-c smsTwoWay=true` only). */
  readonly inboundTopic?: Topic;
  /** Where another SMS provider posts replies (signed with the reply callback secret). */
  readonly replyCallbackUrl: FunctionUrl;

  constructor(scope: Construct, id: string, props: RecallStackProps) {
    super(scope, id, props);
    const { stage, config, schedule, shopBusName, alarmEmail, sms, importRetentionDays } = props.settings;
    const prod = stage === 'prod';
    // Production keeps its data (and the key and secret that data needs); dev is disposable.
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.key = new Key(this, 'DataKey', {
      description: `recall campaigns (${stage}): table, pipeline queues, coupon secret, alarm topic`,
      alias: `alias/recall-campaigns-${stage}`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(prod ? 30 : 7),
      removalPolicy,
    });

    this.table = new Table(this, 'Table', {
      partitionKey: { name: recallTable.partitionKey, type: AttributeType.STRING },
      sortKey: { name: recallTable.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: recallTable.timeToLiveAttribute,
      deletionProtection: prod,
      removalPolicy,
    });
    // Due journey states (the daily run); ledger items and order markers by date (`recall report`);
    // birthdays and last orders by day (the birthday and holiday reads): queries, never a Scan.
    for (const index of [recallTable.dueIndex, recallTable.dateIndex, recallTable.calendarIndex]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projectedAttributes],
      });
    }

    const couponSecret = new Secret(this, 'CouponSecret', {
      description: `recall campaigns (${stage}): HMAC key coupon codes are derived with`,
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // Every outstanding coupon code was derived with it: deleting it invalidates them all.
      removalPolicy,
    });
    acknowledge(
      couponSecret,
      'AwsSolutions-SMG4',
      'coupon codes are HMACs of the ledger key with this secret and are verified without a lookup; rotating it would invalidate ' +
        'every outstanding coupon (up to validDays, 366 at most), so it is rotated by hand with a planned coupon cut-over, not on a schedule',
    );

    // SMS through AWS End User Messaging SMS: the configuration set (delivery events onto an
    // encrypted topic), the opt-out list, and the pool of the merchant's registered identities.
    this.sms = new Sms(this, 'Sms', {
      stage,
      config,
      originationIdentities: sms.originationIdentities,
      twoWay: sms.twoWay,
      key: this.key,
      removalPolicy,
      deletionProtection: prod,
    });
    this.deliveryEventsTopic = this.sms.deliveryEventsTopic;
    if (this.sms.inboundTopic) this.inboundTopic = this.sms.inboundTopic;

    const bus = new EventBus(this, 'EventBus', { eventBusName: `recall-${stage}`, description: 'MessageSent, CouponIssued, CustomerConverted, RunStarted, RunCompleted, WindowsLearned, ImportCompleted' });

    const work = new PipelineQueue(this, 'WorkQueue', {
      key: this.key,
      visibilityTimeout: Duration.seconds(SCAN_SHARD_TIMEOUT.toSeconds() * VISIBILITY_PER_TIMEOUT),
      // A shard job is idempotent (ledger claims), so a retry is safe; three failures is a bug.
      maxReceiveCount: 3,
      removalPolicy,
    });
    const send = new PipelineQueue(this, 'SendQueue', {
      key: this.key,
      visibilityTimeout: Duration.seconds(SEND_MESSAGE_TIMEOUT.toSeconds() * VISIBILITY_PER_TIMEOUT),
      // Throttled publishes come back (RetryableDeliveryError); a send never happens twice (ledger).
      maxReceiveCount: 5,
      removalPolicy,
    });
    const planFailures = new FailureQueue(this, 'PlanRecallFailures', { removalPolicy, catches: { kind: 'lambda', what: "plan-recall's asynchronous invocations" } });
    const orderFailures = new FailureQueue(this, 'RecordOrderFailures', { removalPolicy, catches: { kind: 'lambda', what: "record-order's asynchronous invocations" } });
    const learnFailures = new FailureQueue(this, 'LearnWindowsFailures', { removalPolicy, catches: { kind: 'lambda', what: "learn-windows' asynchronous invocations" } });
    const scheduleFailures = new FailureQueue(this, 'ScheduleFailures', { removalPolicy, catches: { kind: 'schedule', what: 'the daily and weekly schedules' } });
    const orderRuleFailures = new FailureQueue(this, 'OrderRuleFailures', { removalPolicy, catches: { kind: 'rule', what: 'the OrderPlaced rule' } });

    const common = { config, metricsNamespace: metricsNamespace(stage), logRetention: prod ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS, removalPolicy };

    // Table actions per function follow the store methods its use cases call (lib/adapters/
    // dynamo-store.ts): a new store call needs its action here, or it is refused on AWS only.

    // Writes run bookkeeping (RUN#) only (startRun, markRunPlanned), and hands one job per shard
    // to the work queue.
    const planRecall = new RecallFunction(this, 'PlanRecall', {
      ...common,
      name: 'plan-recall',
      description: 'Daily (EventBridge Scheduler) or by hand: plans a run, one job per shard onto the work queue',
      memorySize: 256,
      timeout: Duration.seconds(60),
      deadLetterQueue: planFailures,
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['plan-recall']))
      .bindQueue(work.queue, 'WORK_QUEUE_URL')
      .bindEventBus(bus);

    // Decides a shard: reads the due index and profiles, claims ledger items (conditional puts),
    // takes frequency-cap slots, moves journey state, counts the run. Sends nothing itself: no
    // sns:Publish. No function deletes items: nothing in the code does.
    const scanShard = new RecallFunction(this, 'ScanShard', {
      ...common,
      name: 'scan-shard',
      description: 'One shard job from the work queue: guardrails, ledger claims, messages onto the send queue',
      memorySize: 1024,
      timeout: SCAN_SHARD_TIMEOUT,
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['scan-shard']))
      .bindQueue(send.queue, 'SEND_QUEUE_URL')
      .bindQueue(work.queue, 'WORK_QUEUE_URL')
      .bindEventBus(bus)
      .bindCouponSecret(couponSecret)
      .consume(work.queue, { batchSize: 1 });

    // Delivers claimed messages. Its table access is what delivery needs and no more: read the
    // profile (BatchGetItem), move the ledger status and mark an opt-out (UpdateItem), and the
    // pacer item (GetItem/PutItem on PACER only). No DeleteItem, no Query, no PutItem on customer
    // items: it cannot write journey state the way scan-shard and record-order do (a put). IAM
    // cannot go finer on one table: conditions see the partition key (dynamodb:LeadingKeys), not
    // the sort key, so its UpdateItem on C#* could still name any item of a customer; only the
    // code keeps it to the ledger and profile items. A second table would be the way to a hard line.
    const sendMessage = new RecallFunction(this, 'SendMessage', {
      ...common,
      name: 'send-message',
      description: 'Claimed messages from the send queue, paced in SMS parts per second, delivered at most once (SMS: End User Messaging, push: SNS)',
      timeout: SEND_MESSAGE_TIMEOUT,
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['send-message']))
      // A message outside its send window goes back to the queue, delayed (docs/architecture.md#sending).
      .bindQueue(send.queue, 'SEND_QUEUE_URL')
      .bindEventBus(bus)
      .bindSms(this.sms)
      .allowPush()
      .consume(send.queue, { batchSize: 10, maxConcurrency: sendConcurrency(config.sms.mps) });

    // Customer state, and attribution: marks the converted message and the redeemed coupon on
    // the ledger (UpdateItem), publishes CustomerConverted on our bus, and reads the coupon secret
    // to verify the codes orders carry. No SNS, no queue to send to (its one SQS grant is Lambda
    // writing a failed invocation to its DLQ).
    const recordOrder = new RecallFunction(this, 'RecordOrder', {
      ...common,
      name: 'record-order',
      description: "The shop's OrderPlaced events: customer state, journey exits and restarts, conversions and coupon redemptions, idempotent per order",
      memorySize: 256,
      deadLetterQueue: orderFailures,
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['record-order']))
      .bindEventBus(bus)
      .bindCouponSecret(couponSecret);

    // Reads customers and the due index, never writes them; books pacer slots for what it sends
    // to allowlisted test numbers (always SMS: no push, no SNS).
    const runTestCampaign = new RecallFunction(this, 'RunTestCampaign', {
      ...common,
      name: 'run-test-campaign',
      description: "Ad-hoc: one journey step's messages for real customers, returned (dry run) or sent to allowlisted test numbers",
      timeout: Duration.minutes(5),
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['run-test-campaign']))
      .bindCouponSecret(couponSecret)
      .bindSms(this.sms);

    // The weekly batch job: a parallel Scan of the table (category histories; the only function
    // that may Scan), WindowsLearned on our bus. It writes nothing.
    const learnWindows = new RecallFunction(this, 'LearnWindows', {
      ...common,
      name: 'learn-windows',
      description: "Weekly (EventBridge Scheduler) or by hand: learns each category's window (a parallel Scan) and publishes WindowsLearned",
      memorySize: 512,
      timeout: Duration.minutes(15),
      deadLetterQueue: learnFailures,
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['learn-windows']))
      .bindEventBus(bus);

    // What comes back from the phone. Delivery events (the configuration set's SNS destination)
    // move ledger items: UpdateItem and GetItem on customer items, nothing else.
    const deliveryFailures = new FailureQueue(this, 'RecordDeliveryFailures', { removalPolicy, catches: { kind: 'lambda', what: "record-delivery's asynchronous invocations" } });
    const recordDelivery = new RecallFunction(this, 'RecordDelivery', {
      ...common,
      name: 'record-delivery',
      description: 'End User Messaging SMS delivery events: each moves its message (delivered, failed with its reason, expired), once and never back',
      memorySize: 256,
      deadLetterQueue: deliveryFailures,
    }).bindTable(this.table, accessOf(FUNCTION_PORTS['record-delivery']));
    // SNS keeps what it could not hand to the function (its own retries exhausted).
    const deliveryEventFailures = new FailureQueue(this, 'DeliveryEventFailures', { removalPolicy, catches: { kind: 'subscription', what: 'the delivery events subscription of record-delivery' } });
    this.deliveryEventsTopic.addSubscription(new LambdaSubscription(recordDelivery.function, { deadLetterQueue: deliveryEventFailures }));

    // Replies: from the two-way topic when an identity has it, and from another provider's
    // signed callback (a function URL; the signature, not IAM, authenticates it: a provider
    // cannot sign AWS requests). It opts numbers out and records survey answers.
    const replyCallbackSecret = new Secret(this, 'ReplyCallbackSecret', {
      description: `recall campaigns (${stage}): the key another SMS provider signs its reply callbacks with (HMAC-SHA256)`,
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    acknowledge(replyCallbackSecret, 'AwsSolutions-SMG4', "the provider's callback is configured with this key by hand; rotating it is a planned change on both sides, not a schedule");
    const replyFailures = new FailureQueue(this, 'RecordReplyFailures', { removalPolicy, catches: { kind: 'lambda', what: "record-reply's asynchronous invocations" } });
    const recordReply = new RecallFunction(this, 'RecordReply', {
      ...common,
      name: 'record-reply',
      description: "Customers' replies (two-way topic, or a provider's signed callback): opt-out keywords opt the number out, survey answers are recorded",
      memorySize: 256,
      deadLetterQueue: replyFailures,
    }).bindTable(this.table, accessOf(FUNCTION_PORTS['record-reply']));
    recordReply.function.addEnvironment('REPLY_CALLBACK_SECRET_ARN', replyCallbackSecret.secretArn);
    // An opt-out keyword puts the number on the list the messages are checked against: the
    // stack's with a pool, the account's default without one.
    const optOutListName = this.sms.pool ? this.sms.optOutListName : 'Default';
    recordReply.function.addEnvironment('SMS_OPT_OUT_LIST_NAME', optOutListName);
    recordReply.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sms-voice:PutOptedOutNumber'], resources: [this.formatArn({ service: 'sms-voice', resource: 'opt-out-list', resourceName: optOutListName })] }),
    );
    replyCallbackSecret.grantRead(recordReply.function);
    this.replyCallbackUrl = recordReply.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    const inboundFailures = this.inboundTopic
      ? new FailureQueue(this, 'InboundFailures', { removalPolicy, catches: { kind: 'subscription', what: 'the inbound (two-way) subscription of record-reply' } })
      : undefined;
    if (this.inboundTopic && inboundFailures) this.inboundTopic.addSubscription(new LambdaSubscription(recordReply.function, { deadLetterQueue: inboundFailures }));

    // Files dropped into the import bucket, through the CLI's readers and use cases: customers
    // (C#*, and each number's link P#*), orders as record-order records them (coupon codes
    // verified, CustomerConverted), opt-outs onto the opt-out list too; its claims (IMPORT#*);
    // ImportCompleted. Asynchronous (S3's notification, and its own continuations), hence a DLQ.
    const importFailures = new FailureQueue(this, 'ImportFileFailures', { removalPolicy, catches: { kind: 'lambda', what: "import-file's asynchronous invocations (S3 notifications and its continuations)" } });
    const importFile = new RecallFunction(this, 'ImportFile', {
      ...common,
      name: 'import-file',
      description: 'Files dropped into the import bucket (imports/customers|orders|opt-outs/): imported once per version, resumed from a record boundary near the timeout',
      memorySize: 1024,
      timeout: IMPORT_FILE_TIMEOUT,
      deadLetterQueue: importFailures,
      // A file longer than 16 segments (about 4 hours of importing) is one chain of invocations to
      // Lambda's loop detection. Not a loop: every segment imports at least one record before it
      // hands on (lib/usecases/import-file.ts), and the result file it writes under imports/ is
      // ignored by the notification it raises (no import, no write).
      recursiveLoop: RecursiveLoop.ALLOW,
    })
      .bindTable(this.table, accessOf(FUNCTION_PORTS['import-file']))
      .bindEventBus(bus)
      .bindCouponSecret(couponSecret);
    importFile.function.addEnvironment('SMS_OPT_OUT_LIST_NAME', optOutListName);
    importFile.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sms-voice:PutOptedOutNumber'], resources: [this.formatArn({ service: 'sms-voice', resource: 'opt-out-list', resourceName: optOutListName })] }),
    );
    const imports = new Imports(this, 'Imports', { stage, importer: importFile, retentionDays: importRetentionDays, removalPolicy });

    for (const [fn, why] of [
      [scanShard, 'scan-shard is invoked synchronously by its SQS event source mapping: a failed job returns to the work queue, whose redrive DLQ catches it after 3 receives'],
      [sendMessage, 'send-message is invoked synchronously by its SQS event source mapping: a failed message returns to the send queue, whose redrive DLQ catches it after 5 receives'],
      [runTestCampaign, 'run-test-campaign is invoked synchronously (RequestResponse, `recall invoke --aws`): the caller gets the error; there is no event to keep'],
    ] as const) {
      acknowledge(fn, 'Serverless-LambdaDLQ', why);
    }
    for (const fn of [scanShard, sendMessage]) {
      acknowledge(
        fn,
        'Serverless-LambdaEventSourceMappingDestination',
        'on-failure destinations exist for stream and Kafka event sources, not SQS; for SQS the source queue redrive policy is the destination (its DLQ has a depth alarm)',
      );
    }

    this.schedule({ planRecall, learnWindows }, { ...schedule, timeZone: config.merchantTimeZone, stage, removalPolicy, failures: scheduleFailures });

    // The shop's bus, by name: OrderPlaced events reach record-order, retried for a day (it is
    // idempotent per order), then kept in the rule's DLQ.
    const shopBus = EventBus.fromEventBusName(this, 'ShopBus', shopBusName);
    new Rule(this, 'OrderPlacedRule', {
      eventBus: shopBus,
      description: `OrderPlaced on the shop's bus (${shopBusName}) -> record-order`,
      eventPattern: { detailType: ['OrderPlaced'] },
      targets: [new LambdaFunction(recordOrder.function, { deadLetterQueue: orderRuleFailures, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });

    this.functions = {
      'plan-recall': planRecall,
      'scan-shard': scanShard,
      'send-message': sendMessage,
      'record-order': recordOrder,
      'run-test-campaign': runTestCampaign,
      'learn-windows': learnWindows,
      'record-delivery': recordDelivery,
      'record-reply': recordReply,
      'import-file': importFile,
    };

    new Monitoring(this, 'Monitoring', {
      stage,
      metricsNamespace: metricsNamespace(stage),
      functions: FUNCTION_NAMES.map((name) => this.functions[name]),
      batchConsumers: [scanShard, sendMessage],
      deadLetterQueues: {
        'work queue': work.deadLetterQueue,
        'send queue': send.deadLetterQueue,
        'plan-recall async': planFailures,
        'record-order async': orderFailures,
        'learn-windows async': learnFailures,
        'record-delivery async': deliveryFailures,
        'record-reply async': replyFailures,
        'import-file async': importFailures,
        'delivery events subscription': deliveryEventFailures,
        ...(inboundFailures ? { 'inbound subscription': inboundFailures } : {}),
        schedules: scheduleFailures,
        'OrderPlaced rule': orderRuleFailures,
      },
      key: this.key,
      sendQueue: send.queue,
      smsMonthlySpendAlarmUsd: sms.monthlySpendAlarmUsd,
      ...(alarmEmail ? { alarmEmail } : {}),
      removalPolicy,
    });

    // What `recall invoke --aws` and operators read (lib/cli/invoke.ts outputKey).
    for (const name of FUNCTION_NAMES) {
      new CfnOutput(this, functionOutputKey(name), { value: this.functions[name].function.functionName, description: `${name} function name` });
    }
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: bus.eventBusName });
    new CfnOutput(this, 'WorkQueueUrl', { value: work.queue.queueUrl });
    new CfnOutput(this, 'SendQueueUrl', { value: send.queue.queueUrl });
    new CfnOutput(this, 'SmsConfigurationSetName', { value: this.sms.configurationSetName, description: 'End User Messaging configuration set every SMS names' });
    new CfnOutput(this, 'DeliveryEventsTopicArn', { value: this.deliveryEventsTopic.topicArn, description: 'SMS delivery events (configuration set event destination)' });
    if (this.sms.pool) new CfnOutput(this, 'SmsPoolId', { value: this.sms.pool.attrPoolId, description: 'the pool of the registered origination identities' });
    if (this.inboundTopic) new CfnOutput(this, 'InboundTopicArn', { value: this.inboundTopic.topicArn, description: 'replies to the two-way numbers' });
    new CfnOutput(this, 'ReplyCallbackUrl', { value: this.replyCallbackUrl.url, description: "another SMS provider's reply callback (signed: docs/architecture.md#replies)" });
    new CfnOutput(this, 'ReplyCallbackSecretArn', { value: replyCallbackSecret.secretArn, description: 'the key the reply callback is signed with' });
    new CfnOutput(this, 'ImportBucketName', { value: imports.bucket.bucketName, description: 'drop CSV files under imports/customers/, imports/orders/ or imports/opt-outs/; each result is written beside its file' });

    // What `recall --aws` reads and may do (docs/architecture.md#operating-on-aws), and the config's first version.
    const operator = new OperatorAccess(this, 'OperatorAccess', { stage, table: this.table, couponSecret, bus, optOutListArn: this.sms.optOutList.attrArn, importBucket: imports.bucket });
    new ConfigSeed(this, 'ConfigSeed', { table: this.table, config });
    new CfnOutput(this, 'OperatorPolicyArn', { value: operator.policy.managedPolicyArn, description: 'attach to the role or group of the people who run recall --aws' });
    new CfnOutput(this, 'CouponSecretArn', { value: couponSecret.secretArn, description: 'the coupon HMAC key (imports verify coupon codes with it)' });
    new CfnOutput(this, 'SmsOptOutListName', { value: this.sms.optOutListName, description: 'the End User Messaging opt-out list' });
  }

  /**
   * EventBridge Scheduler in the merchant's time zone (DST included), one group, one role:
   * plan-recall daily at the configured local time (a run is idempotent per merchant day, so a
   * retried delivery plans nothing twice), and learn-windows weekly, Monday 03:00 (learning
   * twice only publishes the same windows twice). Both send the input ScheduledInvocationSchema
   * parses, with retries and the schedule DLQ.
   */
  private schedule(
    targets: { planRecall: RecallFunction; learnWindows: RecallFunction },
    props: { hour: number; minute: number; timeZone: string; stage: string; removalPolicy: RemovalPolicy; failures: FailureQueue },
  ): void {
    const group = new ScheduleGroup(this, 'ScheduleGroup', { scheduleGroupName: `recall-${props.stage}`, removalPolicy: props.removalPolicy });
    const role = new Role(this, 'ScheduleRole', {
      description: 'EventBridge Scheduler: invoke plan-recall and learn-windows, dead-letter to the schedule DLQ',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': group.scheduleGroupArn } },
      }),
    });
    for (const target of [targets.planRecall, targets.learnWindows]) {
      const cfnFunction = target.function.node.defaultChild;
      if (!(cfnFunction instanceof CfnFunction)) throw new Error(`${target.name} has no CfnFunction`);
      const functionLogicalId: unknown = this.resolve(cfnFunction.logicalId);
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::<${String(functionLogicalId)}.Arn>:*]`,
        `lambda:InvokeFunction on ${target.name} and its qualified ARNs (versions/aliases, the :* form) of that one function only`,
      );
    }
    const invoke = (target: RecallFunction) =>
      new LambdaInvoke(target.function, {
        role,
        input: ScheduleTargetInput.fromObject({
          source: 'aws.scheduler',
          scheduleArn: ContextAttribute.scheduleArn,
          scheduledTime: ContextAttribute.scheduledTime,
          executionId: ContextAttribute.executionId,
          attemptNumber: ContextAttribute.attemptNumber,
        }),
        // Retries cover a throttled or failed invoke of the (asynchronous) function; an
        // invocation that could not start within 3 hours is left to a person, through the DLQ
        // and its alarm.
        retryAttempts: 20,
        maxEventAge: Duration.hours(3),
        deadLetterQueue: props.failures,
      });
    new Schedule(this, 'DailyRun', {
      scheduleName: 'plan-recall-daily',
      scheduleGroup: group,
      description: `Daily recall run at ${String(props.hour).padStart(2, '0')}:${String(props.minute).padStart(2, '0')} ${props.timeZone}`,
      schedule: ScheduleExpression.cron({ minute: String(props.minute), hour: String(props.hour), timeZone: TimeZone.of(props.timeZone) }),
      timeWindow: TimeWindow.off(),
      target: invoke(targets.planRecall),
    });
    new Schedule(this, 'WeeklyWindowLearning', {
      scheduleName: 'learn-windows-weekly',
      scheduleGroup: group,
      description: `Weekly window learning, Monday 03:00 ${props.timeZone}: WindowsLearned on our bus`,
      schedule: ScheduleExpression.cron({ minute: '0', hour: '3', weekDay: 'MON', timeZone: TimeZone.of(props.timeZone) }),
      timeWindow: TimeWindow.off(),
      target: invoke(targets.learnWindows),
    });
  }
}
