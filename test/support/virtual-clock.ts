interface Timer {
  at: number;
  order: number;
  wake: () => void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Time that moves only when all the work it drives is waiting on it. `run` lets everything that is
 * not a sleep finish first (promise chains, and real I/O announced through `track`), then jumps to
 * the earliest sleep's end and wakes it. What happens at which virtual instant therefore never
 * depends on how fast the machine is; a loaded machine only makes the run take longer.
 */
export class VirtualClock {
  private time: number;
  private order = 0;
  private timers: Timer[] = [];
  private busy = 0;
  private idle: (() => void) | undefined;

  constructor(start = 1_800_000_000_000) {
    this.time = start;
  }

  readonly now = (): number => this.time;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.timers.push({ at: this.time + Math.max(0, ms), order: this.order++, wake });
    });

  /** Real I/O (a DynamoDB call): the clock stands still until it settles. */
  async track<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work;
    } finally {
      this.busy--;
      if (this.busy === 0) this.idle?.();
    }
  }

  /** Drives the clock until `work` settles, and returns its outcome. */
  async run<T>(work: Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    work.then(
      (value) => (outcome = { value }),
      (error: unknown) => (outcome = { error }),
    );
    for (;;) {
      await this.settle();
      if (outcome && 'error' in outcome) throw outcome.error;
      if (outcome) return outcome.value;
      const due = Math.min(...this.timers.map(({ at }) => at));
      if (!Number.isFinite(due)) throw new Error('deadlock: the work waits on neither a sleep nor tracked I/O');
      this.time = due;
      const waking = this.timers.filter(({ at }) => at === due).sort((a, b) => a.order - b.order);
      this.timers = this.timers.filter(({ at }) => at !== due);
      for (const { wake } of waking) wake();
    }
  }

  /** Until no tracked I/O is in flight and two whole turns of the event loop started none. */
  private async settle(): Promise<void> {
    for (let quietTurns = 0; quietTurns < 2; ) {
      if (this.busy > 0) {
        await new Promise<void>((resolve) => {
          this.idle = resolve;
        });
        this.idle = undefined;
        quietTurns = 0;
      }
      await nextTurn();
      quietTurns = this.busy === 0 ? quietTurns + 1 : 0;
    }
  }
}
