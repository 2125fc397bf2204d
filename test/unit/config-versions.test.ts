import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { changedTemplates, deploySettingChanges, removedSteps, revertedChanges, withDeploySettings, withWindows } from '../../lib/config/versions.ts';

const config = await loadDefaultConfig();
const stored = (version: number, source: string, content: CampaignConfig) => ({ version, source, storedAt: `2026-11-0${version}T00:00:00.000Z`, config: content });

describe('what a config version changes (lib/config/versions.ts)', () => {
  it('finds the window an earlier version applied that a push of an old copy would put back, naming that version', () => {
    const learned = withWindows(config, [{ category: 'cosmetics', windowDays: 61 }], '2026-11-02');
    const history = [stored(1, 'deploy', config), stored(2, 'windows --apply', learned)];
    // The marketer edits their old copy (version 1's content) and changes only the holdout.
    const reverts = revertedChanges(history, { ...config, holdoutPercent: 15 });

    expect(reverts).toEqual([
      { path: 'categories[cosmetics].windowDays', version: 2, source: 'windows --apply', storedAt: '2026-11-02T00:00:00.000Z', current: '61', restored: '76' },
      { path: 'categories[cosmetics].windowSince', version: 2, source: 'windows --apply', storedAt: '2026-11-02T00:00:00.000Z', current: '"2026-11-02"', restored: undefined },
    ]);
    // A push of the current content plus a change of its own reverts nothing.
    expect(revertedChanges(history, { ...learned, holdoutPercent: 15 })).toEqual([]);
  });

  it('names the deploy-time settings a push changes, and a rollback keeps the deployed ones', () => {
    const moved = { ...config, shards: 16, runTime: '09:00', sms: { ...config.sms, mps: 40, maxParts: 2 } };
    expect(deploySettingChanges(config, moved).map((change) => change.path)).toEqual(['runTime', 'shards', 'sms.mps']);
    const kept = withDeploySettings(moved, config);
    expect(kept).toEqual({ ...config, sms: { ...config.sms, maxParts: 2 } });
  });

  it('lists the steps a push stops running (a journey disabled or a step removed) and the templates it changes', () => {
    const [first, second] = config.journeys;
    if (!first || !second) throw new Error('the default config has two journeys or more');
    const next = {
      ...config,
      journeys: config.journeys.map((journey) => (journey === first ? { ...journey, enabled: false } : journey === second ? { ...journey, steps: journey.steps.slice(0, 1).map((step) => ({ ...step, template: `${step.template}!` })) } : journey)),
    };
    expect(removedSteps(config, next)).toEqual([
      ...first.steps.map((step) => ({ journeyId: first.id, stepId: step.id })),
      ...second.steps.slice(1).map((step) => ({ journeyId: second.id, stepId: step.id })),
    ]);
    expect(changedTemplates(config, next)).toEqual([{ journeyId: second.id, stepId: second.steps[0]?.id }]);
  });
});
