import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COUPON_CODE_LENGTH, couponCode, verifyCouponCode } from '../../lib/domain/coupon.ts';

const SECRET = 'test-secret-not-for-production';
const LEDGER_KEY = 'cust-1#category-recall#2024-03-01#coupon-1';

describe('couponCode', () => {
  it('is deterministic: a retry of the same send derives the same code', () => {
    expect(couponCode(SECRET, LEDGER_KEY)).toBe(couponCode(SECRET, LEDGER_KEY));
  });

  it('has COUPON_CODE_LENGTH Crockford base32 characters, without I, L, O or U', () => {
    // Prepare
    const keys = Array.from({ length: 200 }, (_, index) => `cust-${index}#j#c#s`);

    // Act
    const codes = keys.map((key) => couponCode(SECRET, key));

    // Assess
    expect(COUPON_CODE_LENGTH).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('is the first 50 bits of HMAC-SHA256(secret, ledger key) in Crockford base32', () => {
    // Prepare: an independent encoding of the digest, bit by bit
    const digest = createHmac('sha256', SECRET).update(LEDGER_KEY).digest();
    const bits = [...digest].map((byte) => byte.toString(2).padStart(8, '0')).join('');
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    const expected = Array.from({ length: 10 }, (_, i) => alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('');

    // Act
    const code = couponCode(SECRET, LEDGER_KEY);

    // Assess
    expect(code).toBe(expected);
  });

  it('differs by ledger key and by secret', () => {
    const code = couponCode(SECRET, LEDGER_KEY);

    expect(couponCode(SECRET, `${LEDGER_KEY}x`)).not.toBe(code);
    expect(couponCode(`${SECRET}x`, LEDGER_KEY)).not.toBe(code);
  });

  it('refuses an empty secret', () => {
    expect(() => couponCode('', LEDGER_KEY)).toThrow(/secret/);
  });
});

describe('verifyCouponCode', () => {
  const code = couponCode(SECRET, LEDGER_KEY);

  it('accepts the derived code, in any case and with hyphens or spaces', () => {
    expect(verifyCouponCode(SECRET, LEDGER_KEY, code)).toBe(true);
    expect(verifyCouponCode(SECRET, LEDGER_KEY, code.toLowerCase())).toBe(true);
    expect(verifyCouponCode(SECRET, LEDGER_KEY, `${code.slice(0, 5)}-${code.slice(5)}`)).toBe(true);
    expect(verifyCouponCode(SECRET, LEDGER_KEY, ` ${code.slice(0, 5)} ${code.slice(5)} `)).toBe(true);
  });

  it('reads O as 0 and I or L as 1, as Crockford base32 allows', () => {
    // Prepare: a key whose code contains a 0 or a 1
    const key = Array.from({ length: 100 }, (_, index) => `k${index}`).find((candidate) =>
      /[01]/.test(couponCode(SECRET, candidate)),
    );
    if (key === undefined) throw new Error('no code with 0 or 1 among 100 keys');
    const exact = couponCode(SECRET, key);
    const typed = exact.replace(/0/g, 'O').replace(/1/g, 'l');

    // Act
    const verified = verifyCouponCode(SECRET, key, typed);

    // Assess
    expect(typed).not.toBe(exact);
    expect(verified).toBe(true);
  });

  it('rejects a code with one character changed', () => {
    const last = code.at(-1) === 'Z' ? 'Y' : 'Z';
    const forged = `${code.slice(0, -1)}${last}`;

    expect(verifyCouponCode(SECRET, LEDGER_KEY, forged)).toBe(false);
  });

  it('rejects a code for another ledger key, another secret, or of another length', () => {
    expect(verifyCouponCode(SECRET, 'another-key', code)).toBe(false);
    expect(verifyCouponCode('another-secret', LEDGER_KEY, code)).toBe(false);
    expect(verifyCouponCode(SECRET, LEDGER_KEY, code.slice(0, -1))).toBe(false);
    expect(verifyCouponCode(SECRET, LEDGER_KEY, `${code}0`)).toBe(false);
    expect(verifyCouponCode(SECRET, LEDGER_KEY, '')).toBe(false);
  });
});
