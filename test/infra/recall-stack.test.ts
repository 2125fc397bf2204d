import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { outputKey } from '../../lib/cli/invoke.ts';
import { recallTable } from '../../lib/store/tables.ts';
import { FUNCTION_NAMES, type FunctionName } from '../../lib/store/access.ts';
import { nagPacks } from '../../infra/nag.ts';
import { DELIVERY_EVENT_TYPES } from '../../infra/constructs/sms.ts';
import { sendConcurrency } from '../../infra/recall-stack.ts';
import {
  actionsOf,
  allowedActions,
  environmentOf,
  functionLogicalId,
  functionProperties,
  referencedId,
  resourcesOf,
  statementsOf,
  synthesize,
  type Synthesized,
} from './support.ts';

/** The default deployment: `cdk synth` with no flags (stage dev, config/default.json), bundled with esbuild. */
describe('RecallCampaigns-dev, as `cdk synth` builds it', () => {
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize({}, { bundle: true });
  });

  const template = () => synth.template;
  const queues = () => resourcesOf(template(), 'AWS::SQS::Queue');
  const queueIdByName = (stackPathPart: string) => {
    const found = Object.keys(queues()).filter((id) => id.startsWith(stackPathPart));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  describe('schedule', () => {
    it('runs plan-recall daily at the config runTime in the merchant time zone', () => {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 10 * * ? *)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [functionLogicalId(template(), 'plan-recall'), 'Arn'] } }),
      });
    });

    it('runs learn-windows weekly, Monday 03:00 in the merchant time zone', () => {
      template().hasResourceProperties('AWS::Scheduler::Schedule', {
        Name: 'learn-windows-weekly',
        ScheduleExpression: 'cron(0 3 ? * MON *)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [functionLogicalId(template(), 'learn-windows'), 'Arn'] } }),
      });
    });

    it('both schedules send the input ScheduledInvocationSchema parses, with retries and a DLQ', () => {
      const schedules = Object.values(resourcesOf(template(), 'AWS::Scheduler::Schedule'));
      expect(schedules).toHaveLength(2);
      for (const schedule of schedules) {
        const target = schedule.Properties!.Target as Record<string, unknown>;
        expect(target.Input).toBe(
          '{"source":"aws.scheduler","scheduleArn":"<aws.scheduler.schedule-arn>","scheduledTime":"<aws.scheduler.scheduled-time>",' +
            '"executionId":"<aws.scheduler.execution-id>","attemptNumber":"<aws.scheduler.attempt-number>"}',
        );
        expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) });
        expect((target.RetryPolicy as { MaximumRetryAttempts: number }).MaximumRetryAttempts).toBeGreaterThan(0);
        expect(referencedId((target.DeadLetterConfig as { Arn: unknown }).Arn)).toBe(queueIdByName('ScheduleFailures'));
      }
    });
  });

  describe('queues', () => {
    it('work queue: visibility 6x the scan-shard timeout, 3 receives then its DLQ', () => {
      const timeout = functionProperties(template(), 'scan-shard').Timeout as number;
      expect(timeout).toBe(900);
      const work = queues()[queueIdByName('WorkQueueAD')]!.Properties!;
      expect(work.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      expect(work.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [queueIdByName('WorkQueueDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 3 });
    });

    it('send queue: visibility 6x the send-message timeout, 5 receives then its DLQ', () => {
      const timeout = functionProperties(template(), 'send-message').Timeout as number;
      const send = queues()[queueIdByName('SendQueue4')]!.Properties!;
      expect(send.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
      expect(send.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [queueIdByName('SendQueueDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 5 });
    });

    it('scan-shard consumes the work queue one job at a time, with partial batch responses', () => {
      template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueIdByName('WorkQueueAD'), 'Arn'] },
        FunctionName: { Ref: functionLogicalId(template(), 'scan-shard') },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it("send-message consumes batches of 10, at most max(2, ceil(mps / 10)) at once (mps 20 -> 2)", () => {
      template().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueIdByName('SendQueue4'), 'Arn'] },
        FunctionName: { Ref: functionLogicalId(template(), 'send-message') },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      });
    });

    it('every queue is encrypted and refuses plain-HTTP requests', () => {
      for (const [id, queue] of Object.entries(queues())) {
        const encrypted = queue.Properties?.KmsMasterKeyId !== undefined || queue.Properties?.SqsManagedSseEnabled === true;
        expect(encrypted, id).toBe(true);
      }
      const tlsOnly = Object.values(resourcesOf(template(), 'AWS::SQS::QueuePolicy')).flatMap((policy) => {
        const statements = (policy.Properties!.PolicyDocument as { Statement: { Effect: string; Condition?: unknown }[] }).Statement;
        const deniesHttp = statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}');
        return deniesHttp ? (policy.Properties!.Queues as unknown[]).map(referencedId) : [];
      });
      expect(new Set(tlsOnly)).toEqual(new Set(Object.keys(queues())));
    });

    it('the pipeline queues and their DLQs use the stack key (they carry numbers, texts, coupon codes)', () => {
      const key = Object.keys(resourcesOf(template(), 'AWS::KMS::Key'))[0];
      for (const prefix of ['WorkQueueAD', 'WorkQueueDeadLetterQueue', 'SendQueue4', 'SendQueueDeadLetterQueue']) {
        expect(queues()[queueIdByName(prefix)]!.Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key, 'Arn'] });
      }
    });
  });

  describe('events', () => {
    it("routes OrderPlaced from the shop's bus (default `default`) to record-order, with retries and a DLQ", () => {
      template().hasResourceProperties('AWS::Events::Rule', {
        EventBusName: 'default',
        EventPattern: { 'detail-type': ['OrderPlaced'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [functionLogicalId(template(), 'record-order'), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueIdByName('OrderRuleFailures'), 'Arn'] } },
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          }),
        ],
      });
    });

    it('creates our own bus recall-dev', () => {
      template().hasResourceProperties('AWS::Events::EventBus', { Name: 'recall-dev' });
    });
  });

  describe('functions', () => {
    it.each(FUNCTION_NAMES)('%s: nodejs24.x on arm64, X-Ray, its own log group with retention', (name) => {
      const fn = functionProperties(template(), name);
      expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Handler: 'index.handler' });
      expect(fn.MemorySize).toBeGreaterThanOrEqual(256);
      const logGroup = referencedId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup)!;
      expect(resourcesOf(template(), 'AWS::Logs::LogGroup')[logGroup]!.Properties!.RetentionInDays).toBeGreaterThan(0);
    });

    it('each function has its own role, with no managed policies', () => {
      const roles = FUNCTION_NAMES.map((name) => referencedId(functionProperties(template(), name).Role));
      expect(new Set(roles).size).toBe(FUNCTION_NAMES.length);
      for (const role of roles) expect(resourcesOf(template(), 'AWS::IAM::Role')[role!]!.Properties!.ManagedPolicyArns).toBeUndefined();
    });

    const environment: Record<FunctionName, string[]> = {
      'plan-recall': ['TABLE_NAME', 'WORK_QUEUE_URL', 'EVENT_BUS_NAME'],
      'scan-shard': ['TABLE_NAME', 'SEND_QUEUE_URL', 'WORK_QUEUE_URL', 'EVENT_BUS_NAME', 'COUPON_SECRET_ARN'],
      'send-message': ['TABLE_NAME', 'EVENT_BUS_NAME', 'SMS_CONFIGURATION_SET_NAME', 'SEND_QUEUE_URL'],
      'record-order': ['TABLE_NAME', 'EVENT_BUS_NAME', 'COUPON_SECRET_ARN'],
      'run-test-campaign': ['TABLE_NAME', 'COUPON_SECRET_ARN', 'SMS_CONFIGURATION_SET_NAME'],
      'learn-windows': ['TABLE_NAME', 'EVENT_BUS_NAME'],
      'record-delivery': ['TABLE_NAME'],
      'record-reply': ['TABLE_NAME', 'REPLY_CALLBACK_SECRET_ARN', 'SMS_OPT_OUT_LIST_NAME'],
      'import-file': ['TABLE_NAME', 'EVENT_BUS_NAME', 'COUPON_SECRET_ARN', 'SMS_OPT_OUT_LIST_NAME'],
    };
    it.each(FUNCTION_NAMES)('%s: exactly the environment lib/runtime/aws/ reads for it (the config is baked in, not an env var)', (name) => {
      const variables = environmentOf(template(), name);
      expect(Object.keys(variables).sort()).toEqual([...environment[name], 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'].sort());
      expect(variables.POWERTOOLS_SERVICE_NAME).toBe(name);
      expect(variables.POWERTOOLS_METRICS_NAMESPACE).toBe('RecallCampaigns/dev');
    });

    it('plan-recall and record-order (invoked asynchronously) keep failed events in a DLQ', () => {
      expect(referencedId((functionProperties(template(), 'plan-recall').DeadLetterConfig as { TargetArn: unknown }).TargetArn)).toBe(queueIdByName('PlanRecallFailures'));
      expect(referencedId((functionProperties(template(), 'record-order').DeadLetterConfig as { TargetArn: unknown }).TargetArn)).toBe(queueIdByName('RecordOrderFailures'));
    });
  });

  describe('least privilege', () => {
    const secretId = () => Object.keys(resourcesOf(template(), 'AWS::SecretsManager::Secret'))[0];
    const readsSecret = (name: FunctionName) =>
      statementsOf(template(), name).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && referencedId(s.Resource) === secretId());
    const dynamoActions = (name: FunctionName) => [...allowedActions(template(), name)].filter((action) => action.startsWith('dynamodb:')).sort();
    /** Every function but record-delivery reads the config version it runs with, and only reads it. */
    const CONFIG_READS = { actions: ['dynamodb:GetItem', 'dynamodb:Query'], partitions: ['CONFIG'] };
    const leadingKeys = (name: FunctionName) =>
      statementsOf(template(), name)
        .filter((s) => actionsOf(s).some((action) => action.startsWith('dynamodb:')) && referencedId(s.Resource) !== undefined)
        .map((s) => ({ actions: actionsOf(s).sort(), partitions: s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] }));

    it('only scan-shard, run-test-campaign (they derive codes), record-order and import-file (they verify them) can read the coupon secret', () => {
      expect(FUNCTION_NAMES.filter(readsSecret)).toEqual(['scan-shard', 'record-order', 'run-test-campaign', 'import-file']);
    });

    it('no function has a wildcard action or DeleteItem (no code path deletes); only learn-windows may Scan', () => {
      for (const name of FUNCTION_NAMES) {
        const actions = [...allowedActions(template(), name)];
        expect(actions.filter((action) => action.includes('*')), name).toEqual([]);
        expect(actions, name).not.toContain('dynamodb:DeleteItem');
      }
      expect(FUNCTION_NAMES.filter((name) => allowedActions(template(), name).has('dynamodb:Scan'))).toEqual(['learn-windows']);
    });

    it('learn-windows Scans the base table (no index) and publishes on our bus; it writes nothing', () => {
      expect(dynamoActions('learn-windows')).toEqual(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan']);
      expect(leadingKeys('learn-windows').filter((grant) => grant.partitions)).toEqual([CONFIG_READS]);
      const scans = statementsOf(template(), 'learn-windows').filter((s) => actionsOf(s).includes('dynamodb:Scan'));
      expect(scans).toHaveLength(1);
      expect(scans[0]!.Resource).toEqual({ 'Fn::GetAtt': [Object.keys(resourcesOf(template(), 'AWS::DynamoDB::Table'))[0], 'Arn'] });
      const actions = [...allowedActions(template(), 'learn-windows')];
      expect(actions).toContain('events:PutEvents');
      expect(actions.filter((action) => action.startsWith('sqs:'))).toEqual(['sqs:SendMessage']); // its async-invoke DLQ only
      expect(actions.some((action) => action.startsWith('sns:') || action.startsWith('secretsmanager:'))).toBe(false);
      expect(referencedId((functionProperties(template(), 'learn-windows').DeadLetterConfig as { TargetArn: unknown }).TargetArn)).toBe(queueIdByName('LearnWindowsFailures'));
    });

    it('only send-message and run-test-campaign may send SMS (SendTextMessage on the configuration set and the default opt-out list, no pool yet); the scanner cannot', () => {
      const configurationSet = Object.keys(resourcesOf(template(), 'AWS::SMSVOICE::ConfigurationSet'))[0];
      expect(FUNCTION_NAMES.filter((name) => allowedActions(template(), name).has('sms-voice:SendTextMessage'))).toEqual(['send-message', 'run-test-campaign']);
      for (const name of ['send-message', 'run-test-campaign'] as const) {
        const sms = statementsOf(template(), name).filter((s) => actionsOf(s).some((action) => action.startsWith('sms-voice:')));
        expect(sms.map(actionsOf), name).toEqual([['sms-voice:SendTextMessage']]);
        const resources = [sms[0]!.Resource].flat();
        expect(resources, name).toHaveLength(2);
        expect(resources, name).toContainEqual({ 'Fn::GetAtt': [configurationSet, 'Arn'] });
        expect(resources.map((resource) => JSON.stringify(resource)).filter((text) => text.includes(':opt-out-list/Default')), name).toHaveLength(1);
      }
    });

    it('only send-message may sns:Publish, to push endpoints of this account only (SNS sends no SMS)', () => {
      expect(FUNCTION_NAMES.filter((name) => allowedActions(template(), name).has('sns:Publish'))).toEqual(['send-message']);
      const publish = statementsOf(template(), 'send-message').filter((s) => actionsOf(s).includes('sns:Publish'));
      expect(publish.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringMatching(/:sns:.*:endpoint\/\*"\]\]\}$/)]);
    });

    it('plan-recall writes run bookkeeping only, and sends to the work queue and our bus', () => {
      expect(dynamoActions('plan-recall')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
      expect(leadingKeys('plan-recall')).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], partitions: ['RUN#*'] }, CONFIG_READS]);
      const sends = statementsOf(template(), 'plan-recall').filter((s) => actionsOf(s).includes('sqs:SendMessage'));
      expect(new Set(sends.flatMap((s) => [s.Resource].flat().map(referencedId)))).toEqual(new Set([queueIdByName('WorkQueueAD'), queueIdByName('PlanRecallFailures')]));
      expect(allowedActions(template(), 'plan-recall')).toContain('events:PutEvents');
    });

    it('record-order publishes on our bus only (CustomerConverted): no SNS, no queue but its DLQ, the secret to verify codes', () => {
      const actions = [...allowedActions(template(), 'record-order')];
      expect(actions.filter((action) => action.startsWith('sns:'))).toEqual([]);
      const busId = Object.keys(resourcesOf(template(), 'AWS::Events::EventBus'))[0];
      const puts = statementsOf(template(), 'record-order').filter((s) => actionsOf(s).includes('events:PutEvents'));
      expect(puts.map((s) => referencedId(s.Resource))).toEqual([busId]);
      // Its only SQS grant is Lambda writing a failed invocation to its own DLQ.
      const sends = statementsOf(template(), 'record-order').filter((s) => actionsOf(s).some((action) => action.startsWith('sqs:')));
      expect(sends.map((s) => referencedId(s.Resource))).toEqual([queueIdByName('RecordOrderFailures')]);
      expect(readsSecret('record-order')).toBe(true);
      expect(leadingKeys('record-order')).toEqual([
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], partitions: ['C#*'] },
        CONFIG_READS,
      ]);
    });

    it('record-delivery only moves ledger items; record-reply finds a number\'s customers (P#*) and updates their consent and messages', () => {
      expect(leadingKeys('record-delivery')).toEqual([{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], partitions: ['C#*'] }]);
      expect(leadingKeys('record-reply')).toEqual([
        { actions: ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], partitions: ['C#*'] },
        { actions: ['dynamodb:Query'], partitions: ['P#*'] },
        CONFIG_READS,
      ]);
    });

    it("record-reply may put numbers on the account's default opt-out list (no pool yet), and nothing else of End User Messaging", () => {
      const sms = statementsOf(template(), 'record-reply').filter((s) => actionsOf(s).some((action) => action.startsWith('sms-voice:')));
      expect(sms.map((s) => actionsOf(s))).toEqual([['sms-voice:PutOptedOutNumber']]);
      expect(JSON.stringify(sms[0]?.Resource)).toContain(':opt-out-list/Default');
      expect(environmentOf(template(), 'record-reply').SMS_OPT_OUT_LIST_NAME).toBe('Default');
    });

    it("the reply callback is a function URL the signature authenticates (a provider cannot sign AWS requests); its key is a secret only record-reply reads", () => {
      template().hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [functionLogicalId(template(), 'record-reply'), 'Arn'] } });
      const secrets = Object.keys(resourcesOf(template(), 'AWS::SecretsManager::Secret'));
      const callbackSecret = secrets.find((id) => id.startsWith('ReplyCallbackSecret'));
      const readers = FUNCTION_NAMES.filter((name) => statementsOf(template(), name).some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue') && referencedId(s.Resource) === callbackSecret));
      expect(readers).toEqual(['record-reply']);
    });

    it('send-message cannot delete or put customer items: it reads profiles, updates the ledger, books the pacer', () => {
      expect(dynamoActions('send-message')).not.toContain('dynamodb:DeleteItem');
      expect(leadingKeys('send-message')).toEqual([
        { actions: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], partitions: ['C#*'] },
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], partitions: ['PACER'] },
        CONFIG_READS,
      ]);
      // Its one queue write: a message outside its send window goes back to the send queue, delayed.
      const sendsTo = statementsOf(template(), 'send-message')
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .map((s) => referencedId(s.Resource));
      expect(sendsTo).toEqual([queueIdByName('SendQueue4')]);
    });

    it('scan-shard claims and decides on customer items, takes person cap slots, counts on run items (no Query on customers; its part and its run read on run items), never the pacer, and queries the due index', () => {
      expect(leadingKeys('scan-shard')).toEqual([
        { actions: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], partitions: ['C#*'] },
        { actions: ['dynamodb:UpdateItem'], partitions: ['P#*'] },
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], partitions: ['RUN#*'] },
        CONFIG_READS,
      ]);
      const indexQuery = statementsOf(template(), 'scan-shard').find((s) => JSON.stringify(s.Resource).includes(`/index/${recallTable.dueIndex.name}`));
      expect(indexQuery && actionsOf(indexQuery)).toEqual(['dynamodb:Query']);
      // Birthdays and last orders: the day's birthday and holiday reads.
      const calendarQuery = statementsOf(template(), 'scan-shard').find((s) => JSON.stringify(s.Resource).includes(`/index/${recallTable.calendarIndex.name}`));
      expect(calendarQuery && actionsOf(calendarQuery)).toEqual(['dynamodb:Query']);
    });

    it('run-test-campaign reads customers and the due index and books the pacer; it never writes customer items', () => {
      expect(leadingKeys('run-test-campaign')).toEqual([
        { actions: ['dynamodb:BatchGetItem', 'dynamodb:Query'], partitions: ['C#*'] },
        { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], partitions: ['PACER'] },
        CONFIG_READS,
      ]);
    });
  });

  describe('SMS on AWS End User Messaging (no identities given: no pool)', () => {
    const topics = () => resourcesOf(template(), 'AWS::SNS::Topic');
    const deliveryTopicId = () => Object.keys(topics()).find((id) => id.startsWith('SmsDeliveryEvents'))!;
    const keyId = () => Object.keys(resourcesOf(template(), 'AWS::KMS::Key'))[0]!;

    it('a configuration set whose SNS event destination is the delivery events topic, exposed on the stack', () => {
      template().hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', {
        ConfigurationSetName: 'recall-dev',
        EventDestinations: [
          Match.objectLike({
            Enabled: true,
            SnsDestination: { TopicArn: { Ref: deliveryTopicId() } },
            MatchingEventTypes: [...DELIVERY_EVENT_TYPES],
          }),
        ],
      });
      // Every event record-delivery acts on (lib/domain/sms-events.ts), and not TEXT_SENT (the destination refuses it).
      expect(DELIVERY_EVENT_TYPES).toEqual(expect.arrayContaining(['TEXT_QUEUED', 'TEXT_SUCCESSFUL', 'TEXT_DELIVERED', 'TEXT_BLOCKED', 'TEXT_TTL_EXPIRED', 'TEXT_UNKNOWN']));
      expect(DELIVERY_EVENT_TYPES).not.toContain('TEXT_SENT');
      expect(synth.stack.resolve(synth.stack.deliveryEventsTopic.topicArn)).toEqual({ Ref: deliveryTopicId() });
      expect(synth.stack.inboundTopic).toBeUndefined();
    });

    it('the delivery events topic is encrypted with the stack key; the topic and key policies let sms-voice.amazonaws.com publish', () => {
      expect(topics()[deliveryTopicId()]!.Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId(), 'Arn'] });
      const topicPolicies = Object.values(resourcesOf(template(), 'AWS::SNS::TopicPolicy')).filter((policy) => (policy.Properties!.Topics as unknown[]).some((topic) => referencedId(topic) === deliveryTopicId()));
      const statements = topicPolicies.flatMap((policy) => (policy.Properties!.PolicyDocument as { Statement: { Principal?: { Service?: string }; Action: unknown; Effect: string }[] }).Statement);
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'sms-voice.amazonaws.com' }, Action: 'sns:Publish' }));
      const keyPolicy = resourcesOf(template(), 'AWS::KMS::Key')[keyId()]!.Properties!.KeyPolicy as { Statement: { Principal?: { Service?: string }; Action: unknown }[] };
      expect(keyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Principal: { Service: 'sms-voice.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
      );
    });

    it('an opt-out list, and no pool until identities are given', () => {
      template().hasResourceProperties('AWS::SMSVOICE::OptOutList', { OptOutListName: 'recall-dev' });
      expect(resourcesOf(template(), 'AWS::SMSVOICE::Pool')).toEqual({});
      expect(environmentOf(template(), 'send-message')).toMatchObject({ SMS_CONFIGURATION_SET_NAME: 'recall-dev' });
      expect(environmentOf(template(), 'send-message').SMS_POOL_ID).toBeUndefined();
    });
  });

  describe('data', () => {
    it('the table is the shared definition: keys, due, date and calendar indexes (INCLUDE projection), TTL, on-demand, PITR, KMS', () => {
      const key = Object.keys(resourcesOf(template(), 'AWS::KMS::Key'))[0];
      template().hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: recallTable.partitionKey, KeyType: 'HASH' },
          { AttributeName: recallTable.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [recallTable.dueIndex, recallTable.dateIndex, recallTable.calendarIndex].map((index) =>
          Match.objectLike({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projectedAttributes] },
          }),
        ),
        TimeToLiveSpecification: { AttributeName: recallTable.timeToLiveAttribute, Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } },
      });
    });

    it('dev is disposable: no deletion protection, deleted with the stack', () => {
      template().hasResource('AWS::DynamoDB::Table', { Properties: Match.objectLike({ DeletionProtectionEnabled: false }), DeletionPolicy: 'Delete' });
    });

    it('the coupon secret is generated in Secrets Manager under the stack key, with automatic key rotation', () => {
      const key = Object.keys(resourcesOf(template(), 'AWS::KMS::Key'))[0];
      template().hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
        KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
      template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });
  });

  describe('operations', () => {
    const alarms = () => Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties!);
    const deadLetterQueueIds = () =>
      Object.keys(queues()).filter((id) => id.includes('DeadLetterQueue') || id.includes('Failures'));

    it('every dead-letter queue has a depth > 0 alarm', () => {
      expect(deadLetterQueueIds()).toHaveLength(11);
      for (const queue of deadLetterQueueIds()) {
        const alarm = alarms().find(
          (a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(a.Dimensions).includes(`"${queue}"`),
        );
        expect(alarm, queue).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Namespace: 'AWS/SQS' });
      }
    });

    it('every function has an errors alarm, and unconfirmed deliveries have one', () => {
      for (const name of FUNCTION_NAMES) {
        const fn = functionLogicalId(template(), name);
        expect(
          alarms().some((a) => a.MetricName === 'Errors' && a.Namespace === 'AWS/Lambda' && JSON.stringify(a.Dimensions).includes(`"${fn}"`)),
          name,
        ).toBe(true);
      }
      expect(alarms()).toContainEqual(
        expect.objectContaining({ Namespace: 'RecallCampaigns/dev', MetricName: 'delivery_unconfirmed', Dimensions: [{ Name: 'service', Value: 'send-message' }] }),
      );
    });

    it("monthly SMS spend has an alarm on End User Messaging's spend metric, at the -c smsMonthlySpendAlarmUsd threshold (default 100)", () => {
      expect(alarms()).toContainEqual(
        expect.objectContaining({ Namespace: 'AWS/SMSVoice', MetricName: 'TextMessageMonthlySpend', Statistic: 'Maximum', Threshold: 100, ComparisonOperator: 'GreaterThanThreshold' }),
      );
    });

    it("the send queue's oldest message has an age alarm (one hour)", () => {
      const alarm = alarms().find((a) => a.MetricName === 'ApproximateAgeOfOldestMessage');
      expect(alarm).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 3600, Statistic: 'Maximum' });
      expect(JSON.stringify(alarm!.Dimensions)).toContain(queueIdByName('SendQueue4'));
    });

    it('the unconfirmed-deliveries alarm points at delivery events, not SNS delivery logs', () => {
      const unconfirmed = alarms().find((a) => a.MetricName === 'delivery_unconfirmed');
      expect(unconfirmed!.AlarmDescription).toContain('delivery events');
      expect(unconfirmed!.AlarmDescription).not.toMatch(/SNS delivery log/);
    });

    it("the SQS consumers' failed records (partial batch responses, not Errors) have alarms", () => {
      const filters = Object.values(resourcesOf(template(), 'AWS::Logs::MetricFilter')).map((filter) => filter.Properties!);
      for (const name of ['scan-shard', 'send-message'] as const) {
        const logGroup = referencedId((functionProperties(template(), name).LoggingConfig as { LogGroup: unknown }).LogGroup);
        expect(filters.find((filter) => referencedId(filter.LogGroupName) === logGroup)).toMatchObject({
          FilterPattern: '{ $.message = "record failed" }',
          MetricTransformations: [expect.objectContaining({ MetricName: 'failedRecords', MetricNamespace: 'RecallCampaigns/dev' })],
        });
        expect(alarms()).toContainEqual(
          expect.objectContaining({ Namespace: 'RecallCampaigns/dev', MetricName: 'failedRecords', Dimensions: [{ Name: 'service', Value: name }] }),
        );
      }
    });

    it('every alarm notifies the encrypted alarm topic', () => {
      const [topicId, topic] = Object.entries(resourcesOf(template(), 'AWS::SNS::Topic')).find(([, candidate]) => String(candidate.Properties!.DisplayName).endsWith('alarms'))!;
      expect(topic.Properties!.KmsMasterKeyId).toBeDefined();
      for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
    });

    it('the dashboard charts what the code emits per day', () => {
      const [dashboard] = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(dashboard!.Properties!.DashboardBody);
      for (const metric of ['delivery_sent', 'smsParts', 'candidatesDecided', 'orderRecorded', 'conversion_sent', 'conversion_held-out', 'couponRejected']) expect(body).toContain(metric);
      expect(body).toContain('86400');
    });

    it('outputs what `recall invoke --aws` reads (lib/cli/invoke.ts outputKey) and the resource names', () => {
      const outputs = Object.keys(template().toJSON().Outputs);
      expect(outputs.sort()).toEqual(
        [
          ...FUNCTION_NAMES.map(outputKey),
          'TableName',
          'EventBusName',
          'WorkQueueUrl',
          'SendQueueUrl',
          'SmsConfigurationSetName',
          'DeliveryEventsTopicArn',
          'ReplyCallbackUrl',
          'ReplyCallbackSecretArn',
          'ImportBucketName',
          'OperatorPolicyArn',
          'CouponSecretArn',
          'SmsOptOutListName',
        ].sort(),
      );
      template().hasOutput('DeliveryEventsTopicArn', { Value: { Ref: Object.keys(resourcesOf(template(), 'AWS::SNS::Topic')).find((id) => id.startsWith('SmsDeliveryEvents')) } });
      for (const name of FUNCTION_NAMES) template().hasOutput(outputKey(name), { Value: { Ref: functionLogicalId(template(), name) } });
    });

    it("an operator policy with exactly what recall --aws needs: the operator ports' table access, the coupon secret, the bus, the opt-out list, the stack's outputs", () => {
      const [policy, ...others] = Object.values(resourcesOf(template(), 'AWS::IAM::ManagedPolicy'));
      expect(others).toEqual([]);
      const statements = (policy?.Properties?.PolicyDocument as { Statement: { Action: string | string[]; Condition?: Record<string, Record<string, string[]>> }[] }).Statement;
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions).not.toContain('dynamodb:DeleteItem');
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:Scan', 'secretsmanager:GetSecretValue', 'events:PutEvents', 'sms-voice:PutOptedOutNumber', 'cloudformation:DescribeStacks', 's3:PutObject', 's3:GetObject']));
      const partitions = statements.flatMap((statement) => statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? []);
      expect(new Set(partitions)).toEqual(new Set(['C#*', 'P#*', 'IMPORTS', 'CONFIG']));
      // recall forecast reads the due and calendar indexes (birthdays and holidays), recall report the date index.
      const queried = JSON.stringify(statements.filter((statement) => [statement.Action].flat().includes('dynamodb:Query')));
      for (const index of [recallTable.dueIndex, recallTable.dateIndex, recallTable.calendarIndex]) expect(queried).toContain(`/index/${index.name}`);
      template().hasOutput('OperatorPolicyArn', { Value: { Ref: Object.keys(resourcesOf(template(), 'AWS::IAM::ManagedPolicy'))[0] } });
    });

    it('the deploy seeds config version 1 from its config, only when the table holds none (a conditional put; a failed condition is not an error)', () => {
      const [seed, ...others] = Object.values(resourcesOf(template(), 'Custom::AWS'));
      expect(others).toEqual([]);
      const create = JSON.stringify(seed?.Properties?.Create);
      expect(create).toContain('\\"action\\":\\"putItem\\"');
      expect(create).toContain('attribute_not_exists(pk)');
      expect(create).toContain('V#00000001');
      expect(create).toContain('ConditionalCheckFailedException');
      expect(seed?.Properties?.Update).toBeUndefined();
    });
  });

  it('cdk-nag AwsSolutions and Serverless: no unacknowledged error or warning', () => {
    const findings = nagPacks(synth.stack).flatMap((pack) =>
      pack.validateScope(synth.stack).violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });
});

/** `-c smsOriginationIdentities=... -c smsTwoWay=true`: the pool, two-way, and the grant on it (template only). */
describe('RecallCampaigns-dev with registered origination identities and two-way', () => {
  const PHONE_NUMBER = 'arn:aws:sms-voice:ap-southeast-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';
  const SENDER_ID = 'arn:aws:sms-voice:ap-southeast-1:123456789012:sender-id/YOUXUAN/SG';
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize({ smsOriginationIdentities: `${PHONE_NUMBER}, ${SENDER_ID}`, smsTwoWay: 'true', smsMonthlySpendAlarmUsd: '250' });
  });
  const template = () => synth.template;
  const idOf = (type: string, prefix = '') => Object.keys(resourcesOf(template(), type)).find((id) => id.startsWith(prefix))!;

  it('pools the identities with the opt-out list and the config opt-out keywords; replies go to the inbound topic through a role', () => {
    const inboundTopic = idOf('AWS::SNS::Topic', 'SmsInbound');
    template().hasResourceProperties('AWS::SMSVOICE::Pool', {
      OriginationIdentities: [PHONE_NUMBER, SENDER_ID],
      OptOutListName: 'recall-dev',
      SelfManagedOptOutsEnabled: false,
      MandatoryKeywords: { HELP: { Message: Match.stringLikeRegexp('R') }, STOP: { Message: Match.anyValue() } },
      // config/default.json sms.optOutKeywords: R, TD, 退订, STOP (mandatory), UNSUBSCRIBE
      OptionalKeywords: ['R', 'TD', '退订', 'UNSUBSCRIBE'].map((keyword) => Match.objectLike({ Keyword: keyword, Action: 'OPT_OUT' })),
      TwoWay: { Enabled: true, ChannelArn: { Ref: inboundTopic }, ChannelRole: { 'Fn::GetAtt': [idOf('AWS::IAM::Role', 'SmsInboundRole'), 'Arn'] } },
    });
    expect(synth.stack.resolve(synth.stack.inboundTopic?.topicArn)).toEqual({ Ref: inboundTopic });
    const role = resourcesOf(template(), 'AWS::IAM::Role')[idOf('AWS::IAM::Role', 'SmsInboundRole')]!;
    expect(JSON.stringify(role.Properties!.AssumeRolePolicyDocument)).toContain('sms-voice.amazonaws.com');
    template().hasOutput('InboundTopicArn', { Value: { Ref: inboundTopic } });
    template().hasOutput('SmsPoolId', { Value: { 'Fn::GetAtt': [idOf('AWS::SMSVOICE::Pool'), 'PoolId'] } });
  });

  it('send-message may SendTextMessage on the configuration set, the opt-out list, the pool and the identities, and knows the pool', () => {
    const sms = statementsOf(template(), 'send-message').filter((s) => actionsOf(s).some((action) => action.startsWith('sms-voice:')));
    expect(sms.map(actionsOf)).toEqual([['sms-voice:SendTextMessage']]);
    const resources = [sms[0]!.Resource].flat();
    expect(resources).toHaveLength(5);
    expect(resources).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [idOf('AWS::SMSVOICE::ConfigurationSet'), 'Arn'] },
        { 'Fn::GetAtt': [idOf('AWS::SMSVOICE::OptOutList'), 'Arn'] },
        { 'Fn::GetAtt': [idOf('AWS::SMSVOICE::Pool'), 'Arn'] },
        PHONE_NUMBER,
        SENDER_ID,
      ]),
    );
    expect(environmentOf(template(), 'send-message')).toMatchObject({ SMS_CONFIGURATION_SET_NAME: 'recall-dev', SMS_POOL_ID: { 'Fn::GetAtt': [idOf('AWS::SMSVOICE::Pool'), 'PoolId'] } });
  });

  it('the spend alarm takes its threshold from -c smsMonthlySpendAlarmUsd', () => {
    template().hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SMSVoice', MetricName: 'TextMessageMonthlySpend', Threshold: 250 });
  });

  it('cdk-nag AwsSolutions and Serverless: no unacknowledged error or warning', () => {
    const findings = nagPacks(synth.stack).flatMap((pack) =>
      pack.validateScope(synth.stack).violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });
});

describe('sendConcurrency', () => {
  it('is max(2, ceil(mps / 10)), within the event source mapping limit of 1000', () => {
    expect([1, 20, 21, 100, 555, 10_000, 20_000].map(sendConcurrency)).toEqual([2, 2, 3, 10, 56, 1000, 1000]);
  });
});
