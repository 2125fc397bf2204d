/**
 * Sticky SMS consent (docs/architecture.md, "Consent"). A new customer without a yes has no
 * consent, which is not an opt-out. An opt-out (a `false` that withdraws an earlier yes, an
 * `opted_out` column, a reply keyword, the provider's opt-out list) is kept with its time and
 * cleared only by an explicit re-subscription dated after it; a plain later yes does not clear it.
 */

export interface Consent {
  smsOptIn: boolean;
  optedOut: boolean;
  /** ISO 8601 instant of the opt-out; absent on opt-outs stored before it was kept. */
  optedOutAt?: string | undefined;
  /** ISO 8601 instant of the latest explicit subscription (`opt_in_at`). */
  optInAt?: string | undefined;
}

/** What one source says about consent; `undefined` means it says nothing (an absent column). */
export interface ConsentStatement {
  smsOptIn?: boolean | undefined;
  optedOut?: boolean | undefined;
  optInAt?: string | undefined;
}

/**
 * The consent after `statement`, made at `asOf` (the import's as-of or the reply's time), over the
 * stored consent (`undefined` for a new customer).
 */
export function nextConsent(stored: Consent | undefined, statement: ConsentStatement, asOf: string): Consent {
  if (!stored) {
    const optedOut = statement.optedOut === true;
    return {
      smsOptIn: !optedOut && statement.smsOptIn === true,
      optedOut,
      ...(optedOut ? { optedOutAt: asOf } : {}),
      ...(statement.optInAt !== undefined && !optedOut ? { optInAt: statement.optInAt } : {}),
    };
  }
  if (statement.optedOut === true) return optOut(stored, asOf);
  if (statement.smsOptIn === false) return stored.smsOptIn && !stored.optedOut ? optOut(stored, asOf) : stored;
  if (statement.smsOptIn !== true) return stored;
  if (!stored.optedOut) return { ...stored, smsOptIn: true, ...(statement.optInAt !== undefined ? { optInAt: statement.optInAt } : {}) };
  return resubscribes(stored, statement.optInAt) ? { smsOptIn: true, optedOut: false, optInAt: statement.optInAt } : stored;
}

/** An opt-out keeps its first time: hearing it again changes nothing. */
export function optOut(stored: Consent, at: string): Consent {
  if (stored.optedOut && stored.optedOutAt !== undefined) return { ...stored, smsOptIn: false };
  return { ...stored, smsOptIn: false, optedOut: true, optedOutAt: at };
}

/**
 * Only a subscription dated after the opt-out clears it. An opt-out stored without a time (before
 * times were kept) is cleared by any dated subscription: the subscription is the newer statement.
 */
function resubscribes(stored: Consent, optInAt: string | undefined): optInAt is string {
  if (optInAt === undefined) return false;
  if (stored.optedOutAt === undefined) return true;
  return Date.parse(optInAt) > Date.parse(stored.optedOutAt);
}

export function sameConsent(a: Consent, b: Consent): boolean {
  return a.smsOptIn === b.smsOptIn && a.optedOut === b.optedOut && a.optedOutAt === b.optedOutAt && a.optInAt === b.optInAt;
}
