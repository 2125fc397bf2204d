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
 * Every country calling code libphonenumber's metadata knows, the non-geographic ones (+800,
 * +882, ...) too; no code is a prefix of another. test/unit/phone.test.ts holds the list to the
 * installed metadata.
 */
export const COUNTRY_CALLING_CODES: ReadonlySet<string> = new Set(
  '1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 800 808 850 852 853 855 856 870 878 880 881 882 883 886 888 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 979 992 993 994 995 996 998'.split(' '),
);

/** libphonenumber's bounds on a national number's digits: outside them, `+digits` is not read as a number. */
const NATIONAL_DIGITS = { min: 2, max: 17 };

/**
 * The country calling code of `+digits` as libphonenumber reads it (test/unit/phone.test.ts holds
 * the two equal up to E.164's 15 digits), or '' when it reads none. From the list of codes alone:
 * maskPhone is in every function's logging (loggableJob), and the metadata (about 190 KB of a
 * bundle) belongs only in the functions that validate numbers.
 */
function countryCallingCode(digits: string): string {
  for (let length = 1; length <= 3; length++) {
    const code = digits.slice(0, length);
    if (!COUNTRY_CALLING_CODES.has(code)) continue;
    const national = digits.length - length;
    return national >= NATIONAL_DIGITS.min && national <= NATIONAL_DIGITS.max ? code : '';
  }
  return '';
}

/**
 * For logs and reports: the country calling code and the last 4 digits, every other digit
 * replaced by `*`, so the length stays visible but the number cannot be recovered.
 */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  // Not a number we can read: everything but the last 4 digits is masked.
  const countryCode = countryCallingCode(digits);
  // Short, unreadable input keeps at least half of its digits hidden.
  const visibleTail = Math.min(4, Math.floor((digits.length - countryCode.length) / 2));
  const hidden = digits.length - countryCode.length - visibleTail;
  return `+${countryCode}${'*'.repeat(hidden)}${digits.slice(digits.length - visibleTail)}`;
}
