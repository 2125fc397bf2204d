import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, type ProgressStream } from '../../lib/cli/progress.ts';

/** A stream that records writes, and a clock the test moves by hand. */
function fakeTerminal(isTTY: boolean): ProgressStream & { writes: string[] } {
  const writes: string[] = [];
  return {
    isTTY,
    writes,
    write(text: string) {
      writes.push(text);
      return true;
    },
  };
}

function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 50_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe('createProgress', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([true, false])('prints nothing when the work ends within a second (tty: %s)', (isTTY) => {
    // Prepare
    const stream = fakeTerminal(isTTY);
    const clock = fakeClock();
    const progress = createProgress('importing orders.csv', { total: 1_000, stream, now: clock.now });

    // Act
    for (let i = 0; i < 1_000; i += 1) {
      clock.advance(0.9);
      progress.tick();
    }
    progress.done();

    // Assess
    expect(stream.writes).toEqual([]);
  });

  it('redraws one line in place on a terminal, at most every 200 ms, after the first second', () => {
    // Prepare
    const stream = fakeTerminal(true);
    const clock = fakeClock();
    const progress = createProgress('importing orders.csv', { total: 20_000, stream, now: clock.now });

    // Act: 100 rows every 50 ms for 4 seconds
    for (let step = 0; step < 80; step += 1) {
      clock.advance(50);
      progress.tick(100);
    }
    progress.done();

    // Assess
    expect(stream.writes[0]).toBe('\rimporting orders.csv: 2,000 / 20,000 (10%) 2,000/s');
    // From 1.0 s to 4.0 s at most five redraws a second, plus the final line.
    expect(stream.writes).toHaveLength(17);
    expect(stream.writes.every((text) => text.startsWith('\r') && !text.slice(0, -1).includes('\n'))).toBe(true);
    expect(stream.writes.at(-1)).toBe('\rimporting orders.csv: 8,000 / 20,000 (40%) 2,000/s\n');
  });

  it('formats counts, share and rate with thousands separators', () => {
    const stream = fakeTerminal(true);
    const clock = fakeClock();
    const progress = createProgress('importing orders.csv', { total: 20_000, stream, now: clock.now });

    clock.advance(4_000);
    progress.tick(12_840);

    expect(stream.writes).toEqual(['\rimporting orders.csv: 12,840 / 20,000 (64%) 3,210/s']);
  });

  it('leaves out the share without a total, and blanks what a longer line left behind', () => {
    const stream = fakeTerminal(true);
    const clock = fakeClock();
    const progress = createProgress('seeding', { stream, now: clock.now });

    clock.advance(1_000);
    progress.tick(100_000);
    clock.advance(99_000);
    progress.tick(1);
    progress.done();

    expect(stream.writes[0]).toBe('\rseeding: 100,000 100,000/s');
    expect(stream.writes[1]).toBe('\rseeding: 100,001 1,000/s  ');
    expect(stream.writes[2]).toBe('\rseeding: 100,001 1,000/s\n');
  });

  it('shows a rate under 10 per second with a tenth, so slow work never reads 0/s', () => {
    const stream = fakeTerminal(true);
    const clock = fakeClock();
    const progress = createProgress('simulating', { stream, now: clock.now, total: 31 });

    clock.advance(5_000);
    progress.tick(1);
    progress.done();

    expect(stream.writes.at(-1)).toBe('\rsimulating: 1 / 31 (3%) 0.2/s\n');
  });

  it('writes a plain line every two seconds when not on a terminal (CI logs)', () => {
    // Prepare
    const stream = fakeTerminal(false);
    const clock = fakeClock();
    const progress = createProgress('importing customers.csv', { stream, now: clock.now });

    // Act: 10 rows every 100 ms for 6 seconds
    for (let step = 0; step < 60; step += 1) {
      clock.advance(100);
      progress.tick(10);
    }
    progress.done();

    // Assess: at 1 s, 3 s, 5 s, and the final line at 6 s.
    expect(stream.writes).toEqual([
      'importing customers.csv: 100 100/s\n',
      'importing customers.csv: 300 100/s\n',
      'importing customers.csv: 500 100/s\n',
      'importing customers.csv: 600 100/s\n',
    ]);
  });

  it('prints the final line when the work outlasts a second without further ticks', () => {
    const stream = fakeTerminal(false);
    const clock = fakeClock();
    const progress = createProgress('importing', { total: 10, stream, now: clock.now });

    progress.tick(10);
    clock.advance(2_500);
    progress.done();
    progress.done();

    expect(stream.writes).toEqual(['importing: 10 / 10 (100%) 4/s\n']);
  });

  it('writes to stderr by default, keeping stdout clean for --json', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = vi.spyOn(process.stdout, 'write');
    const clock = fakeClock();
    const progress = createProgress('importing', { now: clock.now });

    clock.advance(1_500);
    progress.tick(3);
    progress.done();

    expect(stderr).toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });
});
