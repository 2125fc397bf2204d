import { Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionName } from '../../lib/store/access.ts';
import { pascalCase } from '../names.ts';
import { FailureQueue } from './queues.ts';
import type { RecallFunction } from './recall-function.ts';

export interface MonitoringProps {
  stage: string;
  /** Where the functions' Powertools metrics go (POWERTOOLS_METRICS_NAMESPACE). */
  metricsNamespace: string;
  functions: readonly RecallFunction[];
  /** SQS consumers answering with partial batch responses: their failed records never reach Errors. */
  batchConsumers: readonly RecallFunction[];
  /** Every dead-letter queue of the stack, by what it catches. */
  deadLetterQueues: Readonly<Record<string, IQueue>>;
  key: Key;
  /** The queue of claimed messages: its oldest message's age says sending has stalled. */
  sendQueue: IQueue;
  /** The month's SMS spend (USD) that raises the spend alarm (End User Messaging's TextMessageMonthlySpend). */
  smsMonthlySpendAlarmUsd: number;
  alarmEmail?: string;
  removalPolicy: RemovalPolicy;
}

const DAY = Duration.days(1);

/**
 * How old the send queue's oldest message may get: one hour. A day's messages drain at `sms.mps`
 * parts per second; a message still waiting after an hour is a stalled sender (throttled over and
 * over, a missing permission) or a day too big for its send window.
 */
export const SEND_QUEUE_MAX_AGE = Duration.hours(1);

/** AWS End User Messaging SMS's account-wide month-to-date spend on text messages (USD). */
export const smsMonthlySpend = (period: Duration) => new Metric({ namespace: 'AWS/SMSVoice', metricName: 'TextMessageMonthlySpend', statistic: 'Maximum', period });

/**
 * Alarms on everything that needs a person (every DLQ holding a message, any function error, an
 * unconfirmed delivery), one encrypted topic they notify, and the daily dashboard.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.namespace = props.metricsNamespace;
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `Recall campaigns (${props.stage}) alarms`, masterKey: props.key, enforceSSL: true });
    // CloudWatch publishes to an encrypted topic only if it may use the topic's key.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    // The topic policy enforceSSL creates replaces SNS's default one: let this account's alarms publish.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.alarmEmail) {
      const deadLetterQueue = new FailureQueue(this, 'AlarmEmailDeadLetterQueue', {
        removalPolicy: props.removalPolicy,
        catches: { kind: 'subscription', what: 'the alarm e-mail subscription' },
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail, { deadLetterQueue }));
      this.deadLetterQueueAlarm('alarm e-mail', deadLetterQueue);
    }

    for (const [catches, queue] of Object.entries(props.deadLetterQueues)) this.deadLetterQueueAlarm(catches, queue);
    for (const fn of props.functions) {
      this.alarm(`${pascalCase(fn.name)}Errors`, fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), {
        description: `${fn.name} failed an invocation (see its log group ${fn.logGroup.logGroupName})`,
      });
    }
    // A failed record of a partial batch response is not a function error: count the
    // `record failed` lines the consumers log (lib/observability/sqs-handler.ts), retried or dropped.
    for (const fn of props.batchConsumers) {
      const failedRecords = new MetricFilter(this, `${pascalCase(fn.name)}FailedRecords`, {
        logGroup: fn.logGroup,
        filterPattern: FilterPattern.stringValue('$.message', '=', 'record failed'),
        metricNamespace: this.namespace,
        metricName: 'failedRecords',
        metricValue: '1',
        dimensions: { service: '$.service' },
      });
      this.alarm(
        `${pascalCase(fn.name)}FailedRecordsAlarm`,
        failedRecords.metric({ statistic: 'Sum', period: Duration.minutes(5), dimensionsMap: { service: fn.name } }),
        { description: `${fn.name} failed records of a batch (retryable ones return to the queue, then its DLQ; permanent ones are dropped, counted as permanentFailures): see "record failed" in ${fn.logGroup.logGroupName}` },
      );
    }
    // A send whose outcome is unknown (a timeout, a 5xx after the call) stays `sending` in the
    // ledger and is never sent again: the sender counts it as `delivery_unconfirmed`.
    this.alarm('UnconfirmedDeliveries', this.metric('send-message', 'delivery_unconfirmed', Duration.minutes(5)), {
      description:
        'send-message could not tell whether a message went out (left `sending`: unconfirmed, never re-sent). ' +
        "End User Messaging's delivery events settle such a message when it did go out (its configuration set's event destination, the delivery events topic); " +
        'what is still `sending` a day later is listed by `recall reconcile`.',
    });
    this.alarm('SmsMonthlySpend', smsMonthlySpend(Duration.hours(1)), {
      description:
        `This month's SMS spend (AWS End User Messaging SMS, TextMessageMonthlySpend) reached USD ${props.smsMonthlySpendAlarmUsd}: ` +
        'check the volume against the plan before the account spend limit stops every SMS (sends then fail as retryable and end in the send DLQ)',
      threshold: props.smsMonthlySpendAlarmUsd,
    });
    this.alarm('SendQueueOldestMessage', props.sendQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }), {
      description:
        `A claimed message has waited on the send queue for more than ${SEND_QUEUE_MAX_AGE.toHumanString()}: senders are stalled ` +
        '(throttled over and over, refused, failing) or the day is bigger than its send window at sms.mps; see send-message errors and failed records',
      threshold: SEND_QUEUE_MAX_AGE.toSeconds(),
    });

    this.dashboard = this.buildDashboard(props);
  }

  private deadLetterQueueAlarm(catches: string, queue: IQueue): void {
    this.alarm(`${pascalCase(catches)}DeadLetters`, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), {
      description: `The dead-letter queue of ${catches} holds messages: inspect, fix, then redrive them`,
    });
  }

  /** Fires when the metric goes over `threshold` (default 0: anything at all). */
  private alarm(id: string, metric: IMetric, props: { description: string; threshold?: number }): void {
    const alarm = new Alarm(this, id, {
      metric,
      alarmDescription: props.description,
      threshold: props.threshold ?? 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  /** A Powertools metric: namespace + the `service` dimension (POWERTOOLS_SERVICE_NAME = function name). */
  private metric(service: FunctionName, metricName: string, period = DAY, label?: string): Metric {
    return new Metric({ namespace: this.namespace, metricName, dimensionsMap: { service }, statistic: 'Sum', period, ...(label ? { label } : {}) });
  }

  private buildDashboard(props: MonitoringProps): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `recall-campaigns-${props.stage}`, defaultInterval: Duration.days(30) });
    const daily = (title: string, left: IMetric[]) => new GraphWidget({ title, left, width: 12, height: 6, period: DAY, stacked: false });
    dashboard.addWidgets(
      daily('Messages per day', [
        this.metric('send-message', 'delivery_sent', DAY, 'sent'),
        this.metric('send-message', 'delivery_failed', DAY, 'failed'),
        this.metric('send-message', 'delivery_opted-out', DAY, 'opted out at send'),
        this.metric('send-message', 'delivery_duplicate', DAY, 'duplicate deliveries refused'),
        this.metric('send-message', 'delivery_unconfirmed', DAY, 'unconfirmed'),
      ]),
      daily('SMS parts per day (what End User Messaging bills)', [this.metric('send-message', 'smsParts', DAY, 'SMS parts')]),
    );
    dashboard.addWidgets(daily('SMS spend this month (USD, End User Messaging)', [smsMonthlySpend(DAY)]));
    dashboard.addWidgets(
      daily('Candidates decided per day', [
        this.metric('scan-shard', 'candidatesDecided', DAY, 'decided (sent + held-out + skipped + deferred)'),
        this.metric('plan-recall', 'shardJobsEnqueued', DAY, 'shard jobs'),
      ]),
      daily('Orders per day', [this.metric('record-order', 'orderRecorded', DAY, 'orders recorded'), this.metric('record-order', 'orderReplayed', DAY, 'replayed')]),
    );
    dashboard.addWidgets(
      daily('Conversions per day (orders within attributionDays of a message)', [
        this.metric('record-order', 'conversion_sent', DAY, 'of sent messages'),
        this.metric('record-order', 'conversion_held-out', DAY, 'of held-out messages (control)'),
      ]),
      daily('Coupon codes on orders per day', [
        this.metric('record-order', 'couponRedeemed', DAY, 'redeemed'),
        this.metric('record-order', 'couponAlreadyRedeemed', DAY, 'already redeemed'),
        this.metric('record-order', 'couponRejected', DAY, 'rejected (not derived from the customer\'s messages)'),
      ]),
    );
    dashboard.addWidgets(
      new TextWidget({
        width: 24,
        height: 3,
        markdown:
          '**Awaiting metrics.** Held-out and skipped by reason are counted in the ledger and in `recall report` (with the lift ' +
          'of sent over held-out), but scan-shard does not emit them as metrics yet; their widgets belong here once it does. ' +
          'Until then "Candidates decided" is the total, and "Messages per day" the sent part of it.',
      }),
    );
    dashboard.addWidgets(
      daily(
        'Function errors per day',
        props.functions.map((fn) => fn.function.metricErrors({ period: DAY, statistic: 'Sum', label: fn.name })),
      ),
      daily(
        'Dead-letter queues (max depth)',
        Object.entries(props.deadLetterQueues).map(([catches, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: DAY, statistic: 'Maximum', label: catches }),
        ),
      ),
    );
    return dashboard;
  }
}
