import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClient } from '../adapters/dynamo-client.ts';
import { DynamoStore } from '../adapters/dynamo/store.ts';
import { EventBridgePublisher } from '../adapters/event-bus.ts';
import { DOMAIN_EVENTS } from '../events/catalog.ts';
import { SmsVoiceOptOutList } from '../adapters/sms-voice-opt-out-list.ts';
import { loadConfigFile } from '../config/load.ts';
import type { CampaignConfig } from '../config/schema.ts';
import { BadInputError, PermanentError } from '../errors.ts';
import type { Clock, EventPublisher, OptOutList } from '../ports/messaging.ts';
import { OPERATOR_PORTS } from '../store/access.ts';

/*
 * The operator's composition root (docs/architecture.md#operating-on-aws): what `recall import`,
 * `report`, `windows`, `reconcile` and `config` work with, on the embedded store (lib/runtime/
 * local.ts) or, with `--aws`, on a deployed stack's table with the caller's credentials.
 */

/** What every data command needs, wherever the store is. */
export interface OperatorRuntime {
  store: DynamoStore;
  config: CampaignConfig;
  /** The stored version `config` is; absent for a `--config` file (an experiment). */
  configVersion?: number;
  couponSecret: string;
  clock: Clock;
  /** The domain events (CustomerConverted...): the stack's bus on AWS, `events.jsonl` locally. */
  events: EventPublisher;
  /** The provider's opt-out list an opt-out also goes on (AWS only). */
  optOutList?: OptOutList;
  /** Where the commands work, as the user reads it. */
  where: string;
  close(): Promise<void>;
}

/** A stack that is missing, or lacks an output this version of recall reads. */
export class StackLookupError extends BadInputError {
  override name = 'StackLookupError';
}

/** The stack holds no config version: only its deploy seeds one. */
export class NoStoredConfigError extends PermanentError {
  override name = 'NoStoredConfigError';
}

export interface StackTarget {
  stack: string;
  region?: string;
}

/** A deployed stack's outputs by key (DescribeStacks). */
export async function stackOutputs(target: StackTarget): Promise<Map<string, string>> {
  const client = new CloudFormationClient(target.region ? { region: target.region } : {});
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: target.stack }));
    const stack = Stacks?.[0];
    if (!stack) throw new StackLookupError(`stack ${target.stack} not found${target.region ? ` in ${target.region}` : ''}: deploy it (npx cdk deploy), or pass --stack NAME`);
    return new Map((stack.Outputs ?? []).flatMap((output) => (output.OutputKey && output.OutputValue ? [[output.OutputKey, output.OutputValue] as const] : [])));
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError') throw new StackLookupError(`stack ${target.stack}: ${error.message}`);
    throw error;
  } finally {
    client.destroy();
  }
}

export function requireOutput(outputs: ReadonlyMap<string, string>, key: string, target: StackTarget): string {
  const value = outputs.get(key);
  if (!value) throw new StackLookupError(`stack ${target.stack} has no output ${key}: deploy this version of recall (npx cdk deploy) first`);
  return value;
}

export interface AwsRuntimeOptions extends StackTarget {
  /** A DynamoDB endpoint instead of the stack's region (dynalite in tests): everything else as on AWS. */
  endpoint?: string;
  configFile?: string;
  clock: Clock;
}

/**
 * A deployed stack's table, coupon secret, bus and opt-out list, found from its outputs and used
 * with the caller's credentials (the stack's OperatorPolicyArn grants what these commands need).
 * The config is the table's current version, which the deploy seeded.
 */
export async function openAwsRuntime(options: AwsRuntimeOptions): Promise<OperatorRuntime> {
  const outputs = await stackOutputs(options);
  const tableName = requireOutput(outputs, 'TableName', options);
  const secretArn = requireOutput(outputs, 'CouponSecretArn', options);
  const busName = requireOutput(outputs, 'EventBusName', options);
  const optOutListName = outputs.get('SmsOptOutListName');
  const region = options.region ? { region: options.region } : {};
  const client = options.endpoint ? dynamoClient(options.endpoint) : new DynamoDBClient(region);
  const store = new DynamoStore(client, tableName, OPERATOR_PORTS);
  const secrets = new SecretsManagerClient(region);
  const bus = new EventBridgeClient(region);
  const sms = new PinpointSMSVoiceV2Client(region);
  const close = async (): Promise<void> => {
    for (const each of [client, secrets, bus, sms]) each.destroy();
  };
  try {
    const { SecretString: couponSecret } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!couponSecret) throw new StackLookupError(`secret ${secretArn} has no string value`);
    const active = options.configFile ? { config: await loadConfigFile(options.configFile) } : await store.currentConfig();
    if (!active) throw new NoStoredConfigError(`the table ${tableName} holds no config version: \`npx cdk deploy\` seeds version 1; \`recall --aws config push FILE\` stores one`);
    return {
      store,
      config: active.config,
      ...('version' in active ? { configVersion: active.version } : {}),
      couponSecret,
      clock: options.clock,
      events: new EventBridgePublisher(bus, busName, DOMAIN_EVENTS),
      ...(optOutListName ? { optOutList: new SmsVoiceOptOutList(sms, optOutListName) } : {}),
      where: `stack ${options.stack}'s table ${tableName}${options.region ? ` (${options.region})` : ''}`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
