/**
 * A process that dies: a crash right after the k-th write or publish took effect. The DynamoDB
 * fault proxy (test/support/dynamo-faults.ts `crashWith`), the mocked SNS (sms-channel.ts) and the
 * mocked bus (mocked-bus.ts) report their writes to one plan, so the process dies at the same
 * point for all of them.
 */

/** The process died here: nothing after this point runs, nothing is cleaned up. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';

  constructor(
    readonly point: string,
    /** True when the write or publish took effect before the process died. */
    readonly landed: boolean,
  ) {
    super(`simulated crash ${landed ? 'after' : 'before'} ${point}`);
  }
}

/**
 * True when `error`, or an error it wraps (`cause`), is a SimulatedCrash: thrown here, or the
 * SDK's error for the proxy's SimulatedCrash answer, which carries the same name.
 */
export function isCrash(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
    if (current instanceof SimulatedCrash || current.name === 'SimulatedCrash') return true;
  }
  return false;
}

/**
 * Counts the writes and publishes reported to it, in the order they complete. With
 * `crashAfter = k` the k-th one takes effect and then the process "dies": that call and every
 * later call (DynamoDB, SNS or EventBridge, any concurrent task) fails with SimulatedCrash, so
 * nothing more lands.
 */
export class CrashPlan {
  /** Writes and publishes that took effect, in order. */
  readonly points: string[] = [];
  crashed = false;

  constructor(readonly crashAfter?: number) {}

  get writes(): number {
    return this.points.length;
  }

  /** Throws when the process is already dead: the call never leaves it. */
  ensureAlive(point: string): void {
    if (this.crashed) throw new SimulatedCrash(point, false);
  }

  /** A write or publish took effect: counted, and the process dies if it is the chosen one. */
  completed(point: string): void {
    if (this.crashed) throw new SimulatedCrash(point, true);
    this.points.push(point);
    if (this.points.length === this.crashAfter) {
      this.crashed = true;
      throw new SimulatedCrash(point, true);
    }
  }
}
