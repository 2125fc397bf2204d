import defaultConfig from '../../../config/default.json' with { type: 'json' };
import { ConfigError, schemaProblems } from '../../config/problems.ts';
import { CampaignConfigSchema, type CampaignConfig } from '../../config/schema.ts';
import type { Clock } from '../../ports/messaging.ts';
import { PermanentError } from '../../errors.ts';

/**
 * The AWS composition root, one module per kind of dependency so that each function's bundle
 * loads only the SDK clients it uses. Everything is built once per cold start; a missing
 * variable fails the cold start with its name.
 */

export class EnvironmentError extends PermanentError {
  override name = 'EnvironmentError';
}

/** A required environment variable, or a cold-start failure that names it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new EnvironmentError(`environment variable ${name} is not set`);
  return value;
}

/** An environment variable that may be absent (SMS_POOL_ID before any identity is registered). */
export function optionalEnv(name: string): string | undefined {
  return process.env[name] || undefined;
}

/**
 * The campaign config: the one baked in at synth (RECALL_CONFIG_JSON), else the default. The
 * synth ran every check (`checkConfig`: templates, allowlist numbers); the cold start re-checks
 * the schema only, which keeps the phone-number metadata out of functions that never dial.
 * `process.env.RECALL_CONFIG_JSON` is read where it is tested: in a bundle the define makes it a
 * string constant, esbuild drops the other branch, and the default config is not bundled.
 */
export function campaignConfig(): CampaignConfig {
  const parsed = CampaignConfigSchema.safeParse(process.env.RECALL_CONFIG_JSON ? JSON.parse(process.env.RECALL_CONFIG_JSON) : defaultConfig);
  if (!parsed.success) throw new ConfigError(schemaProblems(parsed.error), 'RECALL_CONFIG_JSON');
  return parsed.data;
}

export const systemClock: Clock = { now: () => new Date() };

/** A value built on first use and kept for the life of the execution environment. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= build().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
