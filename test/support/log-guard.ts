import { findNumbers, type PhoneNumber } from 'libphonenumber-js/max';
import { afterAll, expect } from 'vitest';

/**
 * Every test file runs with this: every line written to stdout and stderr is captured (JSON log
 * lines, Powertools logs and metrics, instead of printed; any other text is still printed), and
 * at the end no captured line may hold a full phone number.
 */

/** Numbers that reach a person; in NANP (US, CA, ...) mobile and fixed ranges look alike. */
const PERSONAL_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
/**
 * Seven digits or more, grouped by spaces, dashes, dots or parentheses: the only places a phone
 * number can be. findNumbers reads just these, which is many times faster than a whole log line
 * and also finds a number that touches a letter ("to13800138000", an escaped "\n"), which it
 * passes over in running text.
 */
const DIGIT_GROUPS = /\+?\(?\d(?:[\s().-]{0,3}\d){6,}/g;

/** A UUID (a message id, a request id): its hex groups can spell a number ("b155-4427-9119"). */
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

const isPersonal = (number: PhoneNumber) => number.isValid() && PERSONAL_TYPES.has(number.getType() ?? '');

/**
 * The valid mobile numbers written in full in `text`, as E.164, however they are formatted
 * (spaces, dashes, dots, parentheses, with or without a country code; CN when there is none).
 * Masked numbers (`+86138****8000`), dates, timestamps, ids and UUIDs are not phone numbers.
 */
export function fullPhoneNumbersIn(text: string): string[] {
  const found = new Set<string>();
  for (const [digits] of text.replace(UUID, 'uuid').matchAll(DIGIT_GROUPS)) {
    for (const { number } of findNumbers(digits, { defaultCountry: 'CN', v2: true })) {
      if (isPersonal(number)) found.add(number.number);
    }
  }
  return [...found];
}

type Writable = Pick<NodeJS.WritableStream, 'write'>;

/** Captures the lines written to streams and finds the ones holding a full phone number. */
export class LogGuard {
  private readonly captured: string[] = [];

  capture(stream: Writable): void {
    const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      this.captured.push(...text.split(/\r\n|\r|\n/).filter((line) => line.trim() !== ''));
      if (text.trimStart().startsWith('{')) return true;
      return write(chunk, ...rest);
    }) as Writable['write'];
  }

  lines(): readonly string[] {
    return this.captured;
  }

  leaks(): { line: string; numbers: string[] }[] {
    return this.captured.map((line) => ({ line, numbers: fullPhoneNumbersIn(line) })).filter(({ numbers }) => numbers.length > 0);
  }
}

const guard = new LogGuard();
guard.capture(process.stdout);
guard.capture(process.stderr);

export function capturedLogLines(): readonly string[] {
  return guard.lines();
}

afterAll(() => {
  expect(guard.leaks(), 'log lines with a full phone number').toEqual([]);
});
