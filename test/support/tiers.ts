import type { CampaignConfig, Journey } from '../../lib/config/schema.ts';
import { testConfig } from './fixtures.ts';

/** A tier-up journey (docs/architecture.md#members): one message on the day a tier is reached. */
export const congrats: Journey = {
  id: 'congrats',
  name: 'congrats',
  enabled: true,
  priority: 50,
  exit: 'never',
  trigger: { type: 'tier-up' },
  steps: [{ id: 'hello', after: { days: 0, from: 'anchor' }, channel: 'sms', template: '【{shop}】{name}，恭喜升级{tier}！', replyDays: 7 }],
};

/** Tiers over a 30-day period: silver from two orders, gold from 1,000 spent; a tier-up journey for every tier above the first. */
export async function tierConfig(overrides: Partial<CampaignConfig> = {}): Promise<CampaignConfig> {
  const base = await testConfig();
  return {
    ...base,
    tierPeriodDays: 30,
    tiers: [
      { id: 'regular', name: '普通', requires: 'all' },
      { id: 'silver', name: '高级', minOrders: 2, requires: 'all' },
      { id: 'gold', name: 'VIP', minSpend: 1000, requires: 'all' },
    ],
    // The default config's own tier-up journey gives way to this one.
    journeys: [...base.journeys.filter((journey) => journey.trigger.type !== 'tier-up'), congrats],
    ...overrides,
  };
}
