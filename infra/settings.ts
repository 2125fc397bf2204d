import type { Node } from 'constructs';
import { defaultConfigPath, loadConfigFile } from '../lib/config/load.ts';
import type { CampaignConfig } from '../lib/config/schema.ts';

/**
 * What one deployment is made of, read from CDK context (`-c key=value` or cdk.json):
 *
 *   stage         dev | prod (default dev): names the stack `RecallCampaigns-<stage>`; prod keeps
 *                 data (deletion protection, RETAIN), dev is disposable
 *   config        the campaign config file (default config/default.json), validated with the same
 *                 checks as `recall config check`: its deploy-time settings (runTime, merchantTimeZone,
 *                 shards, sms.mps) shape the stack, and it seeds config version 1 when the table has none
 *   scheduleTime  HH:MM in the merchant time zone for the daily run (default the config's runTime)
 *   shopBusName   the shop's EventBridge bus carrying OrderPlaced (default `default`)
 *   alarmEmail    optional address subscribed to the alarm topic
 *   smsOriginationIdentities
 *                 comma-separated ARNs of the phone numbers / sender ids registered in AWS End
 *                 User Messaging SMS (arn:aws:sms-voice:REGION:ACCOUNT:phone-number/ID or
 *                 .../sender-id/SENDERID/CC); the stack pools them. None: no pool (the account's
 *                 default route, fine for the sandbox, refused by many countries)
 *   smsTwoWay     true when the identities take replies (two-way phone numbers; never sender ids):
 *                 an inbound topic for record-reply (default false)
 *   smsMonthlySpendAlarmUsd
 *                 the month's SMS spend (USD) that raises the spend alarm (default 100); set it
 *                 below the account's SMS spend limit
 *   importRetentionDays
 *                 days a file dropped into the import bucket is kept (default 30, 1 to 365): the
 *                 files hold customers' numbers and names
 */
export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export interface RecallSettings {
  stage: Stage;
  configFile: string;
  config: CampaignConfig;
  schedule: { hour: number; minute: number };
  shopBusName: string;
  alarmEmail?: string;
  sms: SmsSettings;
  /** Days the import bucket keeps a file (its noncurrent versions one day more). */
  importRetentionDays: number;
}

export interface SmsSettings {
  originationIdentities: string[];
  twoWay: boolean;
  monthlySpendAlarmUsd: number;
}

/** A bad `-c` value: permanent; the message names the context key, as config errors name the file. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** EventBridge bus names: letters, digits and . - _ (1-256). */
const BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** A phone number or sender id of AWS End User Messaging SMS, by ARN. */
const ORIGINATION_IDENTITY = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number\/[A-Za-z0-9_-]+|sender-id\/[A-Za-z0-9_-]+\/[A-Z]{2})$/;
const DEFAULT_MONTHLY_SPEND_ALARM_USD = 100;
const DEFAULT_IMPORT_RETENTION_DAYS = 30;
const MAX_IMPORT_RETENTION_DAYS = 365;

const isStage = (value: string): value is Stage => STAGES.some((known) => known === value);

function contextString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SettingsError(`-c ${key}: expected a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

/** -c key=a,b,c (or a JSON list in cdk.json): the non-empty items. */
function contextList(node: Node, key: string): string[] {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.map((item) => item.trim()).filter(Boolean);
  if (typeof value !== 'string') throw new SettingsError(`-c ${key}: expected a comma-separated list, got ${JSON.stringify(value)}`);
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function contextBoolean(node: Node, key: string): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '' || value === false || value === 'false') return false;
  if (value === true || value === 'true') return true;
  throw new SettingsError(`-c ${key}: expected true or false, got ${JSON.stringify(value)}`);
}

function readSmsSettings(node: Node): SmsSettings {
  const originationIdentities = contextList(node, 'smsOriginationIdentities');
  for (const arn of originationIdentities) {
    if (!ORIGINATION_IDENTITY.test(arn)) {
      throw new SettingsError(
        `-c smsOriginationIdentities: not a phone number or sender id ARN of End User Messaging SMS: "${arn}" ` +
          '(expected arn:aws:sms-voice:REGION:ACCOUNT:phone-number/ID or arn:aws:sms-voice:REGION:ACCOUNT:sender-id/SENDERID/CC)',
      );
    }
  }
  const twoWay = contextBoolean(node, 'smsTwoWay');
  if (twoWay && !originationIdentities.some((arn) => arn.includes(':phone-number/'))) {
    throw new SettingsError('-c smsTwoWay: two-way SMS needs a phone number among -c smsOriginationIdentities (sender ids take no replies)');
  }
  const spend: unknown = node.tryGetContext('smsMonthlySpendAlarmUsd');
  const monthlySpendAlarmUsd = spend === undefined || spend === null || spend === '' ? DEFAULT_MONTHLY_SPEND_ALARM_USD : typeof spend === 'number' ? spend : Number(String(spend).trim());
  if (!Number.isFinite(monthlySpendAlarmUsd) || monthlySpendAlarmUsd <= 0) {
    throw new SettingsError(`-c smsMonthlySpendAlarmUsd: expected a positive amount in USD, got ${JSON.stringify(spend)}`);
  }
  return { originationIdentities: [...new Set(originationIdentities)], twoWay, monthlySpendAlarmUsd };
}

/** -c importRetentionDays: whole days, 1 to MAX_IMPORT_RETENTION_DAYS. */
function readImportRetentionDays(node: Node): number {
  const value: unknown = node.tryGetContext('importRetentionDays');
  if (value === undefined || value === null || value === '') return DEFAULT_IMPORT_RETENTION_DAYS;
  const days = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(days) || days < 1 || days > MAX_IMPORT_RETENTION_DAYS) {
    throw new SettingsError(`-c importRetentionDays: expected whole days from 1 to ${MAX_IMPORT_RETENTION_DAYS}, got ${JSON.stringify(value)}`);
  }
  return days;
}

export function parseTimeOfDay(key: string, value: string): { hour: number; minute: number } {
  const match = TIME_OF_DAY.exec(value);
  if (!match) throw new SettingsError(`-c ${key}: expected a time as HH:MM (24h), got "${value}"`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** Reads and validates every setting; a bad config file throws the ConfigError `recall config check` prints. */
export async function readSettings(node: Node): Promise<RecallSettings> {
  const stage = contextString(node, 'stage') ?? 'dev';
  if (!isStage(stage)) throw new SettingsError(`-c stage: expected one of ${STAGES.join(', ')}, got "${stage}"`);
  const configFile = contextString(node, 'config') ?? defaultConfigPath;
  const config = await loadConfigFile(configFile);
  const scheduleTime = contextString(node, 'scheduleTime') ?? config.runTime;
  const shopBusName = contextString(node, 'shopBusName') ?? 'default';
  if (!BUS_NAME.test(shopBusName)) throw new SettingsError(`-c shopBusName: not an EventBridge bus name: "${shopBusName}"`);
  const alarmEmail = contextString(node, 'alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) throw new SettingsError(`-c alarmEmail: not an e-mail address: "${alarmEmail}"`);
  return {
    stage,
    configFile,
    config,
    schedule: parseTimeOfDay('scheduleTime', scheduleTime),
    shopBusName,
    ...(alarmEmail ? { alarmEmail } : {}),
    sms: readSmsSettings(node),
    importRetentionDays: readImportRetentionDays(node),
  };
}
