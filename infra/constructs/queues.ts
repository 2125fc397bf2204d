import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

const DLQ_RETENTION = Duration.days(14);

const DLQ_HAS_NO_DLQ =
  'this queue is itself a dead-letter queue: a redrive from it would only move the same failed messages again; ' +
  'its depth alarm (> 0) is the signal, and messages are kept 14 days for inspection and redrive';

export interface PipelineQueueProps {
  /** Jobs and messages carry phone numbers, texts and coupon codes: customer-managed key. */
  key: IKey;
  /** At least the consumer's timeout (AWS recommends 6x for event source mappings). */
  visibilityTimeout: Duration;
  /** Receives before a message moves to the DLQ. */
  maxReceiveCount: number;
  removalPolicy: RemovalPolicy;
}

/**
 * A queue of the pipeline (work or send) with its redrive DLQ, both encrypted with our key and
 * TLS-only. SQS caches the data key for `kmsDataKeyReuse`, so the KMS bill stays flat however
 * many messages a run moves.
 */
export class PipelineQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: PipelineQueueProps) {
    super(scope, id);
    const encryption = { encryption: QueueEncryption.KMS, encryptionMasterKey: props.key, dataKeyReuse: Duration.hours(1), enforceSSL: true };
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', { ...encryption, retentionPeriod: DLQ_RETENTION, removalPolicy: props.removalPolicy });
    acknowledge(this.deadLetterQueue, 'Serverless-SQSRedrivePolicy', DLQ_HAS_NO_DLQ);
    this.queue = new Queue(this, 'Queue', {
      ...encryption,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: props.removalPolicy,
    });
  }
}

/**
 * A dead-letter queue that an AWS service writes to (EventBridge Scheduler, an EventBridge rule,
 * SNS, Lambda's asynchronous invocation): the failed schedule input, OrderPlaced event or alarm
 * notification. These carry ids and amounts, never phone numbers or texts, so SQS-managed SSE
 * encrypts them at rest without granting those services' principals the data key.
 */
export interface FailureQueueProps {
  removalPolicy: RemovalPolicy;
  /** What fails into it: a Lambda function's asynchronous invocations, or another service's deliveries. */
  catches: { kind: 'lambda' | 'schedule' | 'rule' | 'subscription'; what: string };
}

export class FailureQueue extends Queue {
  constructor(scope: Construct, id: string, props: FailureQueueProps) {
    super(scope, id, { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: DLQ_RETENTION, removalPolicy: props.removalPolicy });
    acknowledge(this, 'Serverless-SQSRedrivePolicy', DLQ_HAS_NO_DLQ);
    // cdk-nag recognises the DLQs of queues and of Lambda functions, not those of schedules, rules or subscriptions.
    if (props.catches.kind !== 'lambda') {
      acknowledge(this, 'AwsSolutions-SQS3', `this queue is the dead-letter queue of ${props.catches.what}; a DLQ needs no DLQ of its own`);
    }
  }
}
