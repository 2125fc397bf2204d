/** Where progress goes: stderr by default, so `--json` output on stdout stays clean. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** Known amount of work; adds `/ total (pct%)` to the line. */
  total?: number;
  stream?: ProgressStream;
  /** Milliseconds from any fixed origin (tests pass a fake clock). */
  now?: () => number;
}

export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** Work that finishes within this long prints nothing at all. */
const QUIET_MS = 1_000;
/** A terminal redraws one line in place at most ~5 times a second. */
const TTY_REDRAW_MS = 200;
/** Logs (CI, pipes) get a new line every ~2 seconds instead. */
const LOG_LINE_MS = 2_000;

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
/** Slow work (simulated days, lived demo days) shows a tenth: `0.2/s`, not `0/s`. */
const tenths = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/**
 * A progress line such as `importing orders.csv: 12,345 / 20,000 (61%) 3,210/s`. It is driven by
 * `tick` (no timer keeps the process alive) and shows nothing for work that ends within a second.
 */
export function createProgress(label: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const total = opts.total;
  const tty = stream.isTTY === true;
  const started = now();
  let count = 0;
  let lastDrawn: number | undefined;
  let drawnWidth = 0;
  let finished = false;

  const describe = (at: number): string => {
    const seconds = (at - started) / 1000;
    const rate = seconds > 0 ? count / seconds : 0;
    const share =
      total !== undefined && total > 0
        ? ` / ${whole.format(total)} (${Math.min(100, Math.floor((count * 100) / total))}%)`
        : '';
    return `${label}: ${whole.format(count)}${share} ${(rate < 10 ? tenths : whole).format(rate)}/s`;
  };

  const draw = (at: number, final: boolean): void => {
    const text = describe(at);
    if (tty) {
      // Padding over the previous text clears its tail without relying on terminal escape codes.
      stream.write(`\r${text.padEnd(drawnWidth)}${final ? '\n' : ''}`);
      drawnWidth = text.length;
    } else {
      stream.write(`${text}\n`);
    }
    lastDrawn = at;
  };

  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      const at = now();
      if (at - started < QUIET_MS) return;
      if (lastDrawn === undefined || at - lastDrawn >= (tty ? TTY_REDRAW_MS : LOG_LINE_MS)) draw(at, false);
    },
    done() {
      if (finished) return;
      finished = true;
      const at = now();
      if (lastDrawn === undefined && at - started < QUIET_MS) return;
      draw(at, true);
    },
  };
}
