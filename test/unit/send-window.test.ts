import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDefaultConfig } from '../../lib/config/load.ts';
import { inSendWindow } from '../../lib/domain/guardrails.ts';
import { windowState } from '../../lib/domain/send-window.ts';

const config = await loadDefaultConfig(); // sendWindow 08:00-20:00
const SHANGHAI = 'Asia/Shanghai'; // UTC+8, no DST
const BERLIN = 'Europe/Berlin'; // DST: CET (+1) in winter, CEST (+2) in summer

describe('windowState', () => {
  it('open: the seconds until the window closes at 20:00 local', () => {
    // 10:00:00 in Shanghai
    expect(windowState(new Date('2026-11-22T02:00:00Z'), SHANGHAI, config)).toEqual({ open: true, closesInSeconds: 10 * 3600 });
    // 19:59:30 in Shanghai: 30 s left
    expect(windowState(new Date('2026-11-22T11:59:30Z'), SHANGHAI, config)).toEqual({ open: true, closesInSeconds: 30 });
    // 08:00:00 exactly: open, 12 hours left
    expect(windowState(new Date('2026-11-22T00:00:00Z'), SHANGHAI, config)).toEqual({ open: true, closesInSeconds: 12 * 3600 });
  });

  it('closed at and after the end: the seconds until 08:00 the next local day', () => {
    // 20:00:00 in Shanghai: closed, opens in 12 hours
    expect(windowState(new Date('2026-11-22T12:00:00Z'), SHANGHAI, config)).toEqual({ open: false, opensInSeconds: 12 * 3600 });
    // 23:30:15 in Shanghai
    expect(windowState(new Date('2026-11-22T15:30:15Z'), SHANGHAI, config)).toEqual({ open: false, opensInSeconds: 8 * 3600 + 29 * 60 + 45 });
  });

  it('closed before the start: the seconds until 08:00 the same local day', () => {
    // 07:59:59 in Shanghai
    expect(windowState(new Date('2026-11-21T23:59:59Z'), SHANGHAI, config)).toEqual({ open: false, opensInSeconds: 1 });
    // 00:00 in Shanghai
    expect(windowState(new Date('2026-11-21T16:00:00Z'), SHANGHAI, config)).toEqual({ open: false, opensInSeconds: 8 * 3600 });
  });

  it('follows the zone, DST included: 10:00 in Berlin is 09:00Z in winter and 08:00Z in summer', () => {
    expect(windowState(new Date('2026-01-15T09:00:00Z'), BERLIN, config)).toEqual({ open: true, closesInSeconds: 10 * 3600 });
    expect(windowState(new Date('2026-07-15T08:00:00Z'), BERLIN, config)).toEqual({ open: true, closesInSeconds: 10 * 3600 });
    // The day summer time starts (2026-03-29, 02:00 -> 03:00): 12:00 CEST is 10:00Z, 8 hours before 20:00 local.
    expect(windowState(new Date('2026-03-29T10:00:00Z'), BERLIN, config)).toEqual({ open: true, closesInSeconds: 8 * 3600 });
  });

  it('uses the config window', () => {
    const narrow = { ...config, sendWindow: { start: '09:30', end: '11:00' } };
    expect(windowState(new Date('2026-11-22T02:00:00Z'), SHANGHAI, narrow)).toEqual({ open: true, closesInSeconds: 3600 });
    expect(windowState(new Date('2026-11-22T01:00:00Z'), SHANGHAI, narrow)).toEqual({ open: false, opensInSeconds: 30 * 60 });
  });

  it('agrees with the guardrail, and its duration lands on the edge, at every instant (no DST in the zone)', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), (ms) => {
        const now = new Date(ms);
        const state = windowState(now, SHANGHAI, config);
        expect(state.open).toBe(inSendWindow(now, SHANGHAI, config));
        if (state.open) {
          expect(state.closesInSeconds).toBeGreaterThan(0);
          expect(inSendWindow(new Date(ms + (state.closesInSeconds - 1) * 1000), SHANGHAI, config)).toBe(true);
          expect(inSendWindow(new Date(Math.floor(ms / 1000) * 1000 + state.closesInSeconds * 1000), SHANGHAI, config)).toBe(false);
        } else {
          expect(state.opensInSeconds).toBeGreaterThan(0);
          expect(inSendWindow(new Date(Math.floor(ms / 1000) * 1000 + state.opensInSeconds * 1000), SHANGHAI, config)).toBe(true);
        }
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});
