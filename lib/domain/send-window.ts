import type { CampaignConfig } from '../config/schema.ts';
import { localMinutes, minutesOfDay } from './dates.ts';
import { inSendWindow } from './guardrails.ts';

/** Where an instant stands against the day's send window in one time zone. */
export type WindowState = { open: true; closesInSeconds: number } | { open: false; opensInSeconds: number };

const DAY_SECONDS = 86_400;

/**
 * `config.sendWindow` in `timeZone` at `now`: open (and how long it stays open) or closed (and
 * how long until it opens). Open and closed are decided by `inSendWindow`, the guardrail's own
 * test, so the two never disagree. The durations are counted on the local clock (local minutes
 * plus the instant's seconds): on a day the offset changes between now and the edge they are off
 * by that change, which no send window crosses in practice (offsets change at night).
 */
export function windowState(now: Date, timeZone: string, config: CampaignConfig): WindowState {
  const seconds = localMinutes(now, timeZone) * 60 + now.getUTCSeconds();
  const start = minutesOfDay(config.sendWindow.start) * 60;
  const end = minutesOfDay(config.sendWindow.end) * 60;
  if (inSendWindow(now, timeZone, config)) return { open: true, closesInSeconds: end - seconds };
  return { open: false, opensInSeconds: seconds < start ? start - seconds : DAY_SECONDS - seconds + start };
}
