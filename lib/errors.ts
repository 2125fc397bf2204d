/**
 * The errors the product throws on purpose, by what a caller can do about them
 * (docs/architecture.md#errors). Every error class extends one of the three kinds below; the SQS
 * consumers and the CLI decide on the kind, never on a list of classes. This module imports
 * nothing, so every layer (domain, config, use cases, adapters, infra) may use it.
 */

/** An error of ours: `retryable` says whether trying the same thing again can succeed. */
export abstract class RecallError extends Error {
  abstract readonly retryable: boolean;
}

/** Fails the same way every time (a bad record, a refusal, a bug): a retry only delays it. */
export abstract class PermanentError extends RecallError {
  readonly retryable = false;
}

/** A passing condition (throttling, a refusal before anything happened): safe to try again. */
export abstract class RetryableError extends RecallError {
  readonly retryable = true;
}

/** What the caller gave (arguments, a config, a file, an event) is wrong: only they can fix it. */
export abstract class BadInputError extends PermanentError {}

/**
 * True for our errors that no retry will fix. Anything else (an SDK error after its own retries,
 * a TypeError) is treated as retryable: a retry costs little, a wrongly dropped message is lost.
 */
export function isPermanent(error: unknown): error is RecallError {
  return error instanceof RecallError && !error.retryable;
}
