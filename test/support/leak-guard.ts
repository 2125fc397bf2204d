import { afterAll, expect } from 'vitest';
import { capturedLogLines } from './log-guard.ts';

/**
 * The log-guard idea (every captured JSON log line of a test file is checked when the file ends),
 * widened from phone numbers to everything that must never reach a log: the coupon HMAC secret,
 * customers' names and the coupon codes a run issued. A file calls `guardLogLeaks` once.
 */

/** A mainland mobile (optionally +86) or any E.164 number in full; masked ones have `*` in them. */
const FULL_PHONE = /(?<![\d*])(?:\+?86)?1[3-9]\d{9}(?!\d)|\+\d{10,15}(?!\d)/;

export interface LogSecrets {
  /** Phone numbers the file used: each must not appear, with or without its country code. */
  phones?: readonly string[];
  /** Secret strings (the coupon HMAC secret). */
  secrets?: readonly string[];
  /** Customer names. */
  names?: readonly string[];
  /** Coupon codes, read when the file ends (the codes a run issued). */
  couponCodes?: () => readonly string[];
}

export interface Leak {
  kind: 'phone' | 'secret' | 'name' | 'coupon';
  value: string;
  line: string;
}

/** Every leak in `lines`: a full phone number of any kind, or one of the given values. */
export function leaksIn(lines: readonly string[], secrets: LogSecrets): Leak[] {
  const leaks: Leak[] = [];
  const needles: { kind: Leak['kind']; value: string }[] = [
    ...(secrets.phones ?? []).map((phone) => ({ kind: 'phone' as const, value: phone.replace(/^\+86/, '') })),
    ...(secrets.secrets ?? []).map((value) => ({ kind: 'secret' as const, value })),
    ...(secrets.names ?? []).map((value) => ({ kind: 'name' as const, value })),
    ...(secrets.couponCodes?.() ?? []).map((value) => ({ kind: 'coupon' as const, value })),
  ].filter((needle) => needle.value.length >= 2);
  for (const line of lines) {
    const phone = FULL_PHONE.exec(line);
    if (phone) leaks.push({ kind: 'phone', value: phone[0], line });
    for (const needle of needles) {
      // A logger may write non-ASCII as \uXXXX escapes: look for that form too.
      if (line.includes(needle.value) || line.includes(unicodeEscaped(needle.value))) leaks.push({ ...needle, line });
    }
  }
  return leaks;
}

function unicodeEscaped(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Fails the file, when it ends, if any captured log line leaks one of `secrets` or a full phone number. */
export function guardLogLeaks(secrets: LogSecrets): void {
  afterAll(() => {
    expect(leaksIn(capturedLogLines(), secrets), 'log lines leaking a phone number, secret, name or coupon code').toEqual([]);
  });
}
