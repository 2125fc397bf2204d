import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { CfnConfigurationSet, CfnOptOutList, CfnPool } from 'aws-cdk-lib/aws-smsvoice';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { CampaignConfig } from '../../lib/config/schema.ts';

/**
 * The delivery events the configuration set sends on (SNS event destination): every event of a
 * text message that record-delivery acts on (lib/domain/sms-events.ts): on its way (queued,
 * pending: the service took it, which settles a message left unconfirmed), taken by the carrier,
 * delivered, and every failure, expiry and UNKNOWN. Not TEXT_SENT, which the destination type
 * does not support.
 */
export const DELIVERY_EVENT_TYPES = [
  'TEXT_QUEUED',
  'TEXT_PENDING',
  'TEXT_SUCCESSFUL',
  'TEXT_DELIVERED',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_UNREACHABLE',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_BLOCKED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_SPAM',
  'TEXT_UNKNOWN',
  'TEXT_TTL_EXPIRED',
  'TEXT_PROTECT_BLOCKED',
] as const;

/** What `sms-voice.amazonaws.com` is, to a key or topic policy. */
const SMS_SERVICE = 'sms-voice.amazonaws.com';

export interface SmsProps {
  stage: string;
  config: CampaignConfig;
  /** Phone-number or sender-id ARNs the merchant registered; none: no pool (the account's default route). */
  originationIdentities: readonly string[];
  /** The identities take replies (a phone number with two-way SMS): an inbound topic and the role the service publishes with. */
  twoWay: boolean;
  /** The stack's key: delivery events and replies carry phone numbers. */
  key: Key;
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

/**
 * The stack's AWS End User Messaging SMS resources: the configuration set every SMS names, with
 * an SNS event destination (the delivery events topic, KMS-encrypted with the stack key, whose
 * key and topic policies let the SMS service publish); the opt-out list; and, when the merchant
 * gave origination identities, the pool that sends from them, with the config's opt-out keywords
 * and, where the identities take replies, two-way SMS onto the inbound topic.
 */
export class Sms extends Construct {
  readonly configurationSet: CfnConfigurationSet;
  readonly optOutList: CfnOptOutList;
  readonly pool?: CfnPool;
  /** Delivery events of every SMS (with the ledger key in `context`): for record-delivery. */
  readonly deliveryEventsTopic: Topic;
  /** Replies to a two-way identity: for record-reply. */
  readonly inboundTopic?: Topic;
  readonly configurationSetName: string;
  readonly optOutListName: string;
  /** What sms-voice:SendTextMessage is checked against: the configuration set, the opt-out list, the pool and its identities. */
  readonly sendResources: string[];

  constructor(scope: Construct, id: string, props: SmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const sourceAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    this.configurationSetName = `recall-${props.stage}`;
    this.optOutListName = `recall-${props.stage}`;

    // The SMS service encrypts what it publishes to our topics with the stack key.
    props.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SmsVoicePublishesToEncryptedTopics',
        principals: [new ServicePrincipal(SMS_SERVICE)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: sourceAccount,
      }),
    );

    this.deliveryEventsTopic = new Topic(this, 'DeliveryEvents', {
      displayName: `Recall campaigns (${props.stage}) SMS delivery events`,
      masterKey: props.key,
      enforceSSL: true,
    });
    const topicPolicy = this.deliveryEventsTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SmsVoicePublishesDeliveryEvents',
        principals: [new ServicePrincipal(SMS_SERVICE)],
        actions: ['sns:Publish'],
        resources: [this.deliveryEventsTopic.topicArn],
        conditions: sourceAccount,
      }),
    );

    this.configurationSet = new CfnConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: this.configurationSetName,
      eventDestinations: [
        {
          eventDestinationName: 'delivery-events',
          enabled: true,
          matchingEventTypes: [...DELIVERY_EVENT_TYPES],
          snsDestination: { topicArn: this.deliveryEventsTopic.topicArn },
        },
      ],
    });
    // The service checks that it may publish when the destination is created.
    if (topicPolicy.policyDependable) this.configurationSet.node.addDependency(topicPolicy.policyDependable);

    this.optOutList = new CfnOptOutList(this, 'OptOutList', { optOutListName: this.optOutListName });
    this.optOutList.applyRemovalPolicy(props.removalPolicy);

    this.sendResources = [this.configurationSet.attrArn];
    if (props.originationIdentities.length === 0) {
      // No pool: messages leave by the account's default route and its default opt-out list.
      this.sendResources.push(stack.formatArn({ service: 'sms-voice', resource: 'opt-out-list', resourceName: 'Default' }));
      return;
    }

    const { shopName, sms } = props.config;
    const stopMessage = `${shopName}: you will get no more messages from us.`;
    const mandatory = new Set(['STOP', 'HELP']);
    const pool = new CfnPool(this, 'Pool', {
      originationIdentities: [...props.originationIdentities],
      optOutListName: this.optOutListName,
      // The service answers the keywords and keeps the opt-out list; record-reply stores the opt-out too.
      selfManagedOptOutsEnabled: false,
      deletionProtectionEnabled: props.deletionProtection,
      mandatoryKeywords: {
        help: { message: `${shopName}: reply ${sms.optOutKeywords[0] ?? 'STOP'} to get no more messages.` },
        stop: { message: stopMessage },
      },
      optionalKeywords: sms.optOutKeywords
        .filter((keyword) => !mandatory.has(keyword.toUpperCase()))
        .map((keyword) => ({ keyword, action: 'OPT_OUT', message: stopMessage })),
      ...(props.twoWay ? { twoWay: this.twoWay(props) } : {}),
    });
    pool.node.addDependency(this.optOutList);
    pool.applyRemovalPolicy(props.removalPolicy);
    this.pool = pool;
    this.sendResources.push(this.optOutList.attrArn, pool.attrArn, ...props.originationIdentities);
  }

  /** The inbound topic replies arrive on, and the role the SMS service publishes them with. */
  private twoWay(props: SmsProps): CfnPool.TwoWayProperty {
    const inbound = new Topic(this, 'Inbound', {
      displayName: `Recall campaigns (${props.stage}) SMS replies`,
      masterKey: props.key,
      enforceSSL: true,
    });
    const role = new Role(this, 'InboundRole', {
      description: 'AWS End User Messaging SMS: publish replies to the two-way numbers onto the inbound topic',
      assumedBy: new ServicePrincipal(SMS_SERVICE, { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [inbound.topicArn] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.key.keyArn] }));
    (this as { inboundTopic?: Topic }).inboundTopic = inbound;
    return { enabled: true, channelArn: inbound.topicArn, channelRole: role.roleArn };
  }
}
