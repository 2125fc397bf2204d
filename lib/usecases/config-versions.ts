import type { CampaignConfig } from '../config/schema.ts';
import { changedTemplates, deploySettingChanges, removedSteps, revertedChanges, withDeploySettings, type Revert, type StepRef, type ValueChange } from '../config/versions.ts';
import { BadInputError, PermanentError, RetryableError } from '../errors.ts';
import type { Clock } from '../ports/messaging.ts';
import type { ConfigPushes, ConfigReads, DueIndex, StoredConfig } from '../ports/store.ts';
import { duePartitions } from './due-index.ts';

/*
 * The campaign config at run time (docs/architecture.md#config-versions): versions stored in the
 * table, read through a cached reader; a push is checked against the current version before it
 * becomes the next one.
 */

/** The config a command or a function runs with, and the stored version it is (none: a file, an experiment). */
export interface ActiveConfig {
  config: CampaignConfig;
  version?: number;
}

/** How long a function keeps the current version before it reads again. */
export const CONFIG_CACHE_MS = 60_000;

/**
 * The version a function runs with. `current()` is read again after CONFIG_CACHE_MS, so a push
 * reaches every function within a minute without a deploy; `at(n)` (a run's own version, named in
 * its jobs) never changes, so it is kept. `deployed` is the config the stack was deployed with:
 * its deploy-time settings win over any version's, and it is used until a first version exists.
 */
export class ConfigReader {
  private cached: { at: number; active: Promise<ActiveConfig> } | undefined;
  private readonly versions = new Map<number, Promise<ActiveConfig>>();

  constructor(
    private readonly store: ConfigReads,
    private readonly deployed: CampaignConfig,
    private readonly clock: Clock,
    private readonly ttlMs = CONFIG_CACHE_MS,
  ) {}

  current(): Promise<ActiveConfig> {
    const now = this.clock.now().getTime();
    if (!this.cached || now - this.cached.at >= this.ttlMs) {
      const active = this.store.currentConfig().then((stored) => this.activeOf(stored));
      this.cached = { at: now, active };
      active.catch(() => {
        if (this.cached?.active === active) this.cached = undefined;
      });
    }
    return this.cached.active;
  }

  /** A stored version; undefined (a run planned before any version existed) is the current one. */
  at(version: number | undefined): Promise<ActiveConfig> {
    if (version === undefined) return this.current();
    let active = this.versions.get(version);
    if (!active) {
      active = this.store.configVersion(version).then((stored) => {
        if (!stored) throw new MissingConfigVersionError(`config version ${version} is not in the table: a run names a version that was never stored`);
        return this.activeOf(stored);
      });
      active.catch(() => this.versions.delete(version));
      this.versions.set(version, active);
    }
    return active;
  }

  private activeOf(stored: StoredConfig | undefined): ActiveConfig {
    return stored ? { config: withDeploySettings(stored.config, this.deployed), version: stored.version } : { config: this.deployed };
  }
}

/** Two pushes raced for one version number: the other one won; push again to see its diff. */
export class ConcurrentPushError extends RetryableError {
  override name = 'ConcurrentPushError';
}

/** A version the table should hold and does not: the store and its runs disagree. */
export class MissingConfigVersionError extends PermanentError {
  override name = 'MissingConfigVersionError';
}

/** A push that changes what only a deploy may change. */
export class DeploySettingError extends BadInputError {
  override name = 'DeploySettingError';
}

/** A version number the table does not hold. */
export class UnknownConfigVersionError extends BadInputError {
  override name = 'UnknownConfigVersionError';
}

/** Stores `config` as the version after `after` (0: the first); ConcurrentPushError when that number was taken meanwhile. */
export async function storeVersion(store: ConfigPushes, config: CampaignConfig, source: string, after: number, clock: Clock): Promise<StoredConfig> {
  const stored: StoredConfig = { version: after + 1, config, storedAt: clock.now().toISOString(), source };
  if (!(await store.putConfigVersion(stored))) throw new ConcurrentPushError(`config version ${stored.version} was stored by someone else meanwhile; nothing was stored: look at \`recall config history\` and push again`);
  return stored;
}

/** Stores `config` as version 1 when the table holds none (the deploy's seed, a new local store); returns the current version. */
export async function seedConfig(store: ConfigPushes, config: CampaignConfig, source: string, clock: Clock): Promise<StoredConfig> {
  const current = await store.currentConfig();
  if (current) return current;
  const stored: StoredConfig = { version: 1, config, storedAt: clock.now().toISOString(), source };
  if (await store.putConfigVersion(stored)) return stored;
  const seeded = await store.currentConfig();
  if (!seeded) throw new MissingConfigVersionError('config version 1 was taken but cannot be read back');
  return seeded;
}

export interface WaitingAtStep extends StepRef {
  /** Customers in the due index at this step, now or later: the push leaves them waiting for nothing. */
  waiting: number;
}

export interface PushPlan {
  current: StoredConfig | undefined;
  next: CampaignConfig;
  /** Deploy-time settings the push changes: refused. */
  deploySettings: ValueChange[];
  templates: StepRef[];
  removed: WaitingAtStep[];
  reverts: Revert[];
}

/** Everything `recall config push` shows before it stores `next`. */
export async function planPush(store: ConfigPushes & DueIndex, next: CampaignConfig): Promise<PushPlan> {
  const history = await store.configHistory();
  const current = history.at(-1);
  if (!current) return { current, next, deploySettings: [], templates: [], removed: [], reverts: [] };
  const removed: WaitingAtStep[] = [];
  for (const step of removedSteps(current.config, next)) removed.push({ ...step, waiting: await countWaiting(store, current.config, step) });
  return {
    current,
    next,
    deploySettings: deploySettingChanges(current.config, next),
    templates: changedTemplates(current.config, next),
    removed,
    reverts: revertedChanges(history, next),
  };
}

/** The due index holds a waiting customer under every due date: a query up to the end of time counts them all. */
async function countWaiting(store: DueIndex, config: CampaignConfig, step: StepRef): Promise<number> {
  let waiting = 0;
  for (let shard = 0; shard < config.shards; shard++) {
    for (const { partition } of duePartitions(config, shard)) {
      if (partition.journeyId !== step.journeyId || partition.stepId !== step.stepId) continue;
      let cursor;
      do {
        const page = await store.queryDue(partition, '9999-12-31', cursor);
        waiting += page.items.length + page.invalid;
        cursor = page.next;
      } while (cursor);
    }
  }
  return waiting;
}

/** Refuses a plan that changes deploy-time settings, naming each. */
export function refuseDeploySettings(plan: PushPlan): void {
  if (plan.deploySettings.length === 0) return;
  throw new DeploySettingError(
    `refused: ${plan.deploySettings.map((change) => `${change.path} ${change.before ?? '(unset)'} -> ${change.after ?? '(unset)'}`).join(', ')} ` +
      'only change with a deploy (cdk deploy -c config=FILE; locally, try it with recall run --config FILE). Nothing was stored.',
  );
}

/** `recall config rollback N`: a new version with N's content and the current deploy-time settings. */
export async function rollbackTo(store: ConfigPushes, version: number, clock: Clock): Promise<{ from: StoredConfig; to: StoredConfig }> {
  const [target, current] = await Promise.all([store.configVersion(version), store.currentConfig()]);
  if (!target || !current) throw new UnknownConfigVersionError(`config version ${version} does not exist: \`recall config history\` lists the stored versions`);
  const to = await storeVersion(store, withDeploySettings(target.config, current.config), `rollback ${version}`, current.version, clock);
  return { from: current, to };
}
