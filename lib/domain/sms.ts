/**
 * SMS length in parts (docs/architecture.md#messages). SMS money is the dominant cost of the system, so the
 * count errs on the side of the handset: a character never straddles two parts.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsParts {
  encoding: SmsEncoding;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  parts: number;
}

/** GSM 03.38 default alphabet (one septet each). */
const GSM7_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);

/** GSM 03.38 extension table: escape + character, two septets each. */
const GSM7_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

const LIMITS: Record<SmsEncoding, { single: number; perPart: number }> = {
  'GSM-7': { single: 160, perPart: 153 },
  'UCS-2': { single: 70, perPart: 67 },
};

function gsm7Units(char: string): number | undefined {
  if (GSM7_BASIC.has(char)) return 1;
  if (GSM7_EXTENSION.has(char)) return 2;
  return undefined;
}

/**
 * Each character's width in units, or undefined when the text needs UCS-2.
 * Iterating by code point keeps a surrogate pair together as one 2-unit character.
 */
function characterUnits(text: string): { encoding: SmsEncoding; widths: number[] } {
  const chars = Array.from(text);
  const gsm = chars.map(gsm7Units);
  if (gsm.every((width): width is number => width !== undefined)) {
    return { encoding: 'GSM-7', widths: gsm };
  }
  return { encoding: 'UCS-2', widths: chars.map((char) => char.length) };
}

/**
 * Packs characters greedily into parts of `perPart` units. An escape sequence (GSM-7) or a
 * surrogate pair (UCS-2) that does not fit the rest of a part moves whole to the next one, as
 * handsets and SMSCs split them, so this can exceed `ceil(units / perPart)`.
 */
function concatenatedParts(widths: number[], perPart: number): number {
  let parts = 1;
  let used = 0;
  for (const width of widths) {
    if (used + width > perPart) {
      parts += 1;
      used = 0;
    }
    used += width;
  }
  return parts;
}

export function smsParts(text: string): SmsParts {
  const { encoding, widths } = characterUnits(text);
  const units = widths.reduce((sum, width) => sum + width, 0);
  const limit = LIMITS[encoding];
  const parts = units <= limit.single ? 1 : concatenatedParts(widths, limit.perPart);
  return { encoding, units, parts };
}
