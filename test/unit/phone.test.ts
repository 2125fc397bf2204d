import metadata from 'libphonenumber-js/metadata.max.json' with { type: 'json' };
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CALLING_CODES, maskPhone, mobileNumber } from '../../lib/domain/phone.ts';

describe('mobileNumber', () => {
  it('accepts a Chinese mobile number in E.164', () => {
    expect(mobileNumber('+8613800138000', 'CN')).toEqual({ ok: true, e164: '+8613800138000' });
  });

  it.each(['138 0013 8000', '138-0013-8000', '13800138000', ' +86 138 0013 8000 ', '8613800138000'])(
    'normalises %j with default country CN to E.164',
    (raw) => {
      // Act
      const result = mobileNumber(raw, 'CN');

      // Assess
      expect(result).toEqual({ ok: true, e164: '+8613800138000' });
    },
  );

  it('uses the default country for a national number', () => {
    // Prepare: the same digits mean different things in different countries
    const raw = '201 555 0123';

    // Act
    const inUs = mobileNumber(raw, 'US');
    const inCn = mobileNumber(raw, 'CN');

    // Assess
    expect(inUs).toEqual({ ok: true, e164: '+12015550123' });
    expect(inCn.ok).toBe(false);
  });

  it('rejects a number that fits a naive /^1\\d{10}$/ but is not allocated', () => {
    // 140 is not a Chinese mobile prefix, though the number has the right length
    expect(mobileNumber('+8614012345678', 'CN')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('rejects a Beijing landline as not-mobile', () => {
    expect(mobileNumber('+861062345678', 'CN')).toEqual({ ok: false, reason: 'not-mobile' });
  });

  it('accepts a US number, which the library can only call fixed-line-or-mobile', () => {
    expect(mobileNumber('+1 201-555-0123', 'CN')).toEqual({ ok: true, e164: '+12015550123' });
  });

  it('accepts a UK mobile and rejects a UK landline', () => {
    expect(mobileNumber('+44 7400 123456', 'CN')).toEqual({ ok: true, e164: '+447400123456' });
    expect(mobileNumber('+44 20 7183 8750', 'CN')).toEqual({ ok: false, reason: 'not-mobile' });
  });

  it.each(['abc', '+', 'ab13800138000', '13800138000 call after 6', 'tel:+8613800138000'])(
    'refuses %j as unparseable rather than picking digits out of text',
    (raw) => {
      expect(mobileNumber(raw, 'CN')).toEqual({ ok: false, reason: 'unparseable' });
    },
  );

  it('refuses a number with an extension, which cannot receive an SMS', () => {
    expect(mobileNumber('138 0013 8000 ext. 12', 'CN')).toEqual({ ok: false, reason: 'invalid' });
  });

  it.each([undefined, '', '   '])('reports %j as missing', (raw) => {
    expect(mobileNumber(raw, 'CN')).toEqual({ ok: false, reason: 'missing' });
  });

  it('still reads international numbers when the default country is unknown', () => {
    expect(mobileNumber('+8613800138000', 'XX')).toEqual({ ok: true, e164: '+8613800138000' });
    expect(mobileNumber('13800138000', 'XX')).toEqual({ ok: false, reason: 'unparseable' });
  });
});

describe('maskPhone', () => {
  it('keeps the country code and the last 4 digits', () => {
    expect(maskPhone('+8613800138000')).toBe('+86*******8000');
    expect(maskPhone('+12015550123')).toBe('+1******0123');
  });

  it('never shows the middle digits', () => {
    // Prepare
    const e164 = '+8613912345678';

    // Act
    const masked = maskPhone(e164);

    // Assess
    expect(masked).not.toContain('1391234');
    expect(masked.replace(/\D/g, '')).toBe('865678');
    expect(masked).toHaveLength(e164.length);
  });

  it('hides at least half of a short, unreadable value', () => {
    expect(maskPhone('+12')).toBe('+*2');
    expect(maskPhone('1234')).not.toContain('1234');
  });
});

describe('maskPhone without the metadata', () => {
  it('knows the calling codes the installed metadata knows', () => {
    const codes = [...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic)];
    expect([...COUNTRY_CALLING_CODES].sort()).toEqual(codes.sort());
  });

  /** What maskPhone was with libphonenumber reading the country calling code from the full metadata. */
  function maskedByLibphonenumber(e164: string): string {
    const digits = e164.replace(/\D/g, '');
    let countryCode = '';
    try {
      countryCode = parsePhoneNumberWithError(`+${digits}`, { extract: false }).countryCallingCode;
    } catch {
      // unreadable: no country code
    }
    const visibleTail = Math.min(4, Math.floor((digits.length - countryCode.length) / 2));
    return `+${countryCode}${'*'.repeat(digits.length - countryCode.length - visibleTail)}${digits.slice(digits.length - visibleTail)}`;
  }

  it('reads every string of up to 5 digits as libphonenumber does', () => {
    // Prepare: every calling code, with too short, shortest and longer national parts
    const inputs = [''];
    for (let length = 1; length <= 5; length++) {
      for (let n = 0; n < 10 ** length; n++) inputs.push(`+${String(n).padStart(length, '0')}`);
    }

    // Act
    const differing = inputs.filter((input) => maskPhone(input) !== maskedByLibphonenumber(input));

    // Assess
    expect(differing).toEqual([]);
  });

  it('reads longer numbers, up to E.164\'s 15 digits, as libphonenumber does', () => {
    // Prepare: a fixed pseudo-random sample of 6 to 15 digits. (Past 17 national digits the two
    // can differ: libphonenumber strips a national prefix first; maskPhone then hides the code too.)
    let seed = 20_261_130;
    const next = () => {
      // xorshift32
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const inputs = Array.from({ length: 20_000 }, () => `+${Array.from({ length: 6 + (next() % 10) }, () => next() % 10).join('')}`);

    // Act
    const differing = inputs.filter((input) => maskPhone(input) !== maskedByLibphonenumber(input));

    // Assess
    expect(differing).toEqual([]);
  });
});
