/** The retry pieces every AWS adapter shares: options, backoff and throttling detection. */

export interface RetryOptions {
  /** Calls per batch, the first included. */
  maxAttempts?: number;
  /** Waits between attempts; tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
}

export const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter: 50, 100, 200 ... ms, capped at 2 s. */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(2000, 50 * 2 ** attempt);
}

/** The SDK marks throttling errors it knows (`$retryable.throttling`); `names` cover the rest. */
export function isThrottling(error: unknown, names: ReadonlySet<string>): error is Error {
  if (!(error instanceof Error)) return false;
  if (names.has(error.name)) return true;
  const retryable: unknown = '$retryable' in error ? error.$retryable : undefined;
  return typeof retryable === 'object' && retryable !== null && 'throttling' in retryable && retryable.throttling === true;
}

export function positiveAttempts(maxAttempts: number): number {
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
  return maxAttempts;
}
