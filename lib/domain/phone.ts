/**
 * Contact guardrail (docs/architecture.md#guardrails, rule 2): a valid E.164 mobile number, judged by libphonenumber's
 * full ("max") metadata rather than a regex, so number ranges that look right but are not
 * allocated, and landlines, are refused before any money is spent on them.
 */
import { isSupportedCountry, parsePhoneNumberWithError } from 'libphonenumber-js/max';

export type MobileNumberResult =
  | { ok: true; e164: string }
  | { ok: false; reason: 'missing' | 'unparseable' | 'invalid' | 'not-mobile' };

/** Types that can receive SMS. In NANP (US, CA, ...) mobile and fixed ranges are not distinguishable. */
const SMS_CAPABLE_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

export function mobileNumber(raw: string | undefined, defaultCountry: string): MobileNumberResult {
  const text = raw?.trim() ?? '';
  if (text === '') return { ok: false, reason: 'missing' };
  const country = isSupportedCountry(defaultCountry) ? defaultCountry : undefined;
  let parsed;
  try {
    // extract: false refuses text around the number ("ab138...", "call 138...") instead of
    // silently picking a number out of it.
    parsed = parsePhoneNumberWithError(text, { defaultCountry: country, extract: false });
  } catch {
    return { ok: false, reason: 'unparseable' };
  }
  // An extension cannot receive an SMS.
  if (!parsed.isValid() || parsed.ext !== undefined) return { ok: false, reason: 'invalid' };
  const type = parsed.getType();
  if (type === undefined || !SMS_CAPABLE_TYPES.has(type)) return { ok: false, reason: 'not-mobile' };
  return { ok: true, e164: parsed.number };
}

/**
 * For logs and reports: the country calling code and the last 4 digits, every other digit
 * replaced by `*`, so the length stays visible but the number cannot be recovered.
 */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  let countryCode = '';
  try {
    countryCode = parsePhoneNumberWithError(`+${digits}`, { extract: false }).countryCallingCode;
  } catch {
    // Not a number we can read: mask everything but the last 4 digits.
  }
  // Short, unreadable input keeps at least half of its digits hidden.
  const visibleTail = Math.min(4, Math.floor((digits.length - countryCode.length) / 2));
  const hidden = digits.length - countryCode.length - visibleTail;
  return `+${countryCode}${'*'.repeat(hidden)}${digits.slice(digits.length - visibleTail)}`;
}
