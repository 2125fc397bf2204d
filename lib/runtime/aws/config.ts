import type { CampaignConfig } from '../../config/schema.ts';
import type { ConfigReads } from '../../ports/store.ts';
import { ConfigReader } from '../../usecases/config-versions.ts';
import { campaignConfig, systemClock } from './env.ts';

/**
 * A function's campaign config (docs/architecture.md#config-versions): the versions in the table,
 * read through a reader kept for the life of the execution environment, with the deployed config's
 * deploy-time settings.
 */
export function configReader(store: ConfigReads): ConfigReader {
  return new ConfigReader(store, campaignConfig(), systemClock);
}

/**
 * `deps` with the config version `version` (a run's own, named in its jobs), or the current one:
 * what each invocation runs with.
 */
export async function withConfig<D extends { configs: ConfigReader }>(deps: D, version?: number): Promise<D & { config: CampaignConfig; configVersion?: number }> {
  const active = await deps.configs.at(version);
  return { ...deps, config: active.config, ...(active.version === undefined ? {} : { configVersion: active.version }) };
}
