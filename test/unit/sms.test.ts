import { describe, expect, it } from 'vitest';
import { smsParts } from '../../lib/domain/sms.ts';

describe('smsParts', () => {
  it.each([
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
  ])('GSM-7: %i ASCII characters are %i part(s)', (length, expectedParts) => {
    // Prepare
    const text = 'a'.repeat(length);

    // Act
    const result = smsParts(text);

    // Assess
    expect(result).toEqual({ encoding: 'GSM-7', units: length, parts: expectedParts });
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('UCS-2: %i Chinese characters are %i part(s)', (length, expectedParts) => {
    const text = '好'.repeat(length);

    const result = smsParts(text);

    expect(result).toEqual({ encoding: 'UCS-2', units: length, parts: expectedParts });
  });

  it('an empty text is one part', () => {
    expect(smsParts('')).toEqual({ encoding: 'GSM-7', units: 0, parts: 1 });
  });

  it('counts each extension character as two septets', () => {
    const extension = '{}[]~\\|^€';

    const result = smsParts(extension);

    expect(result).toEqual({ encoding: 'GSM-7', units: 18, parts: 1 });
  });

  it('80 euro signs fill a single part exactly, 81 need two', () => {
    expect(smsParts('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, parts: 1 });
    expect(smsParts('€'.repeat(81))).toEqual({ encoding: 'GSM-7', units: 162, parts: 2 });
  });

  it('keeps GSM-7 for the accented letters of the basic charset, not for others', () => {
    const basic = 'Ça coute 5£ à Zürich, ¿ok?';

    expect(smsParts(basic)).toEqual({ encoding: 'GSM-7', units: basic.length, parts: 1 });
    expect(smsParts('Ça coûte').encoding).toBe('UCS-2'); // û is not in GSM-7
  });

  it('one non-GSM character switches the whole text to UCS-2', () => {
    // Prepare: 100 ASCII characters fit one GSM-7 part, but not one UCS-2 part
    const text = `${'a'.repeat(100)}好`;

    // Act
    const result = smsParts(text);

    // Assess
    expect(result).toEqual({ encoding: 'UCS-2', units: 101, parts: 2 });
  });

  it('counts an emoji (a surrogate pair) as two UCS-2 units', () => {
    expect(smsParts('😀')).toEqual({ encoding: 'UCS-2', units: 2, parts: 1 });
    expect(smsParts('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, parts: 1 });
    expect(smsParts(`${'😀'.repeat(35)}a`)).toEqual({ encoding: 'UCS-2', units: 71, parts: 2 });
  });

  it('never splits an extension character across parts', () => {
    // Prepare: 152 + 2 + 152 = 306 septets; the "{" does not fit the last septet of part 1
    const text = `${'a'.repeat(152)}{${'a'.repeat(152)}`;

    // Act
    const result = smsParts(text);

    // Assess: a naive ceil(306 / 153) would say 2
    expect(result).toEqual({ encoding: 'GSM-7', units: 306, parts: 3 });
  });

  it('never splits a surrogate pair across parts', () => {
    // Prepare: 66 + 2 + 66 = 134 units; the emoji does not fit the last unit of part 1
    const text = `${'好'.repeat(66)}😀${'好'.repeat(66)}`;

    const result = smsParts(text);

    expect(result).toEqual({ encoding: 'UCS-2', units: 134, parts: 3 });
  });
});
