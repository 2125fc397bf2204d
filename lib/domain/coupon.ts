/**
 * Coupon codes are derived, never stored first (docs/architecture.md#derived-coupon-codes): an HMAC of the ledger key, so a retry
 * of the same send can never mint a second coupon, and the shop verifies a code without a lookup.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const COUPON_CODE_LENGTH = 10;

/** Crockford base32: no I, L, O, U, so a code read aloud or retyped is hard to get wrong. */
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function crockfordBase32(bytes: Uint8Array, length: number): string {
  let code = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && code.length < length) {
      bits -= 5;
      code += CROCKFORD_ALPHABET[(buffer >> bits) & 0x1f];
    }
    if (code.length === length) break;
  }
  return code;
}

export function couponCode(secret: string, ledgerKey: string): string {
  if (secret === '') throw new Error('coupon secret is empty: codes would be forgeable');
  const digest = createHmac('sha256', secret).update(ledgerKey, 'utf8').digest();
  return crockfordBase32(digest, COUPON_CODE_LENGTH);
}

/**
 * Reads a code the way Crockford base32 allows a person to type it: any case, hyphens and spaces
 * ignored, I and L read as 1, O read as 0.
 */
function normalizeTypedCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

export function verifyCouponCode(secret: string, ledgerKey: string, code: string): boolean {
  const expected = Buffer.from(couponCode(secret, ledgerKey), 'utf8');
  const given = Buffer.from(normalizeTypedCode(code), 'utf8');
  // The length is public (COUPON_CODE_LENGTH); only the content comparison must be constant-time.
  if (given.length !== expected.length) return false;
  return timingSafeEqual(given, expected);
}
