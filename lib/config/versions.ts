import type { CampaignConfig } from './schema.ts';

/*
 * What a new campaign config version changes (docs/architecture.md#config-versions), compared
 * value by value: which settings only a deploy may change, which steps it removes, which templates
 * it changes, and which earlier versions' changes it reverts. Pure: the use case reads the versions.
 */

/** A config's values by readable path: `categories[womens-shoes].windowDays`, `sms.mps`. */
export type FlatConfig = ReadonlyMap<string, string>;

/** Arrays of objects with an `id` are keyed by it, so a reordered list is not a change of every item. */
function flatten(value: unknown, path: string, into: Map<string, string>): void {
  if (Array.isArray(value)) {
    const keyed = value.every((item) => typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string');
    if (keyed && value.length > 0) {
      for (const item of value as { id: string }[]) flatten(item, `${path}[${item.id}]`, into);
    } else {
      into.set(path, JSON.stringify(value));
    }
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) flatten(child, path ? `${path}.${key}` : key, into);
    return;
  }
  into.set(path, JSON.stringify(value));
}

export function flatConfig(config: CampaignConfig): FlatConfig {
  const into = new Map<string, string>();
  flatten(config, '', into);
  return into;
}

export interface ValueChange {
  path: string;
  /** JSON text, or undefined where the path does not exist on that side. */
  before: string | undefined;
  after: string | undefined;
}

export function valueChanges(before: FlatConfig, after: FlatConfig): ValueChange[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((path) => (before.get(path) === after.get(path) ? [] : [{ path, before: before.get(path), after: after.get(path) }]));
}

/**
 * Settings a deploy owns: the schedule (`runTime` in `merchantTimeZone`), the work queue's shards
 * and the senders' concurrency (`sms.mps`). A stored version never changes them: the running
 * stack would disagree with it.
 */
export const DEPLOY_SETTINGS = ['runTime', 'merchantTimeZone', 'shards', 'sms.mps'] as const;

export function deploySettingChanges(before: CampaignConfig, after: CampaignConfig): ValueChange[] {
  const changes = valueChanges(flatConfig(before), flatConfig(after));
  return changes.filter((change) => (DEPLOY_SETTINGS as readonly string[]).includes(change.path));
}

/** `config` with the deployment's own deploy-time settings (a rollback to an older version keeps them). */
export function withDeploySettings(config: CampaignConfig, deployed: CampaignConfig): CampaignConfig {
  return {
    ...config,
    runTime: deployed.runTime,
    merchantTimeZone: deployed.merchantTimeZone,
    shards: deployed.shards,
    sms: { ...config.sms, mps: deployed.sms.mps },
  };
}

export interface StepRef {
  journeyId: string;
  stepId: string;
}

/** Steps of enabled journeys in `before` that `after` no longer runs: customers waiting there wait for nothing. */
export function removedSteps(before: CampaignConfig, after: CampaignConfig): StepRef[] {
  const running = new Set(after.journeys.filter((journey) => journey.enabled).flatMap((journey) => journey.steps.map((step) => `${journey.id}\u0000${step.id}`)));
  return before.journeys
    .filter((journey) => journey.enabled)
    .flatMap((journey) => journey.steps.map((step) => ({ journeyId: journey.id, stepId: step.id })))
    .filter((step) => !running.has(`${step.journeyId}\u0000${step.stepId}`));
}

/** Templates new or changed in `after`: in China each must be registered with the carriers again. */
export function changedTemplates(before: CampaignConfig, after: CampaignConfig): StepRef[] {
  const templates = new Map(before.journeys.flatMap((journey) => journey.steps.map((step) => [`${journey.id}\u0000${step.id}`, step.template] as const)));
  return after.journeys.flatMap((journey) =>
    journey.steps.filter((step) => templates.get(`${journey.id}\u0000${step.id}`) !== step.template).map((step) => ({ journeyId: journey.id, stepId: step.id })),
  );
}

export interface Revert {
  path: string;
  /** The version that made the value the push takes back. */
  version: number;
  source: string;
  storedAt: string;
  /** The value now (JSON text) and the one the push puts back. */
  current: string | undefined;
  restored: string | undefined;
}

/**
 * Changes of `next` that put back a value an earlier version replaced: for each changed path, the
 * version that set today's value, when `next` has the value from before it. A push of a file
 * edited from an old copy would otherwise silently undo, say, a window learned and applied since.
 * `history` is every stored version, oldest first; the last is the current one.
 */
export function revertedChanges(history: readonly { version: number; source: string; storedAt: string; config: CampaignConfig }[], next: CampaignConfig): Revert[] {
  const flats = history.map((stored) => flatConfig(stored.config));
  const current = flats.at(-1);
  if (!current) return [];
  const reverts: Revert[] = [];
  for (const change of valueChanges(current, flatConfig(next))) {
    let index = flats.length - 1;
    while (index > 0 && flats[index - 1]?.get(change.path) === change.before) index--;
    const setBy = history[index];
    if (index === 0 || !setBy || flats[index - 1]?.get(change.path) !== change.after) continue;
    reverts.push({ path: change.path, version: setBy.version, source: setBy.source, storedAt: setBy.storedAt, current: change.before, restored: change.after });
  }
  return reverts;
}

/** `config` with learned windows applied (`recall windows --apply`): each category's `windowDays`, and `windowSince` = `since`. */
export function withWindows(config: CampaignConfig, changes: readonly { category: string; windowDays: number }[], since: string): CampaignConfig {
  const byCategory = new Map(changes.map((change) => [change.category, change.windowDays]));
  return {
    ...config,
    categories: config.categories.map((category) => {
      const windowDays = byCategory.get(category.id);
      return windowDays === undefined ? category : { ...category, windowDays, windowSince: since };
    }),
  };
}

/** A config as a version is shown and compared: its JSON, two-space indented. */
export function configText(config: CampaignConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}
