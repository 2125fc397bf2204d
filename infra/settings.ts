import type { Node } from 'constructs';
import { defaultConfigPath, loadConfigFile } from '../lib/config/load.ts';
import type { CampaignConfig } from '../lib/config/schema.ts';

/**
 * What one deployment is made of, read from CDK context (`-c key=value` or cdk.json):
 *
 *   stage         dev | prod (default dev): names the stack `RecallCampaigns-<stage>`; prod keeps
 *                 data (deletion protection, RETAIN), dev is disposable
 *   config        the campaign config file (default config/default.json), validated with the same
 *                 checks as `recall config check`, then baked into every bundle
 *   scheduleTime  HH:MM in the merchant time zone for the daily run (default the config's runTime)
 *   shopBusName   the shop's EventBridge bus carrying OrderPlaced (default `default`)
 *   alarmEmail    optional address subscribed to the alarm topic
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
}

/** A bad `-c` value: permanent; the message names the context key, as config errors name the file. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** EventBridge bus names: letters, digits and . - _ (1-256). */
const BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const isStage = (value: string): value is Stage => STAGES.some((known) => known === value);

function contextString(node: Node, key: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SettingsError(`-c ${key}: expected a string, got ${JSON.stringify(value)}`);
  return value.trim();
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
  };
}
