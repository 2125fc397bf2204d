import { afterAll, expect } from 'vitest';

/**
 * Every test file runs with this: JSON log lines (Powertools logs and metrics) are captured
 * instead of printed, and at the end no captured line may hold a full phone number.
 */
const FULL_PHONE = /(?<![\d*])(?:\+?86)?1[3-9]\d{9}(?!\d)|\+\d{10,15}(?!\d)/;
const captured: string[] = [];

/** Powertools writes info to stdout and warnings and errors to stderr: both are captured. */
function capture(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.trimStart().startsWith('{')) {
      captured.push(...text.split('\n').filter(Boolean));
      return true;
    }
    return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof stream.write;
}
capture(process.stdout);
capture(process.stderr);

export function capturedLogLines(): readonly string[] {
  return captured;
}

afterAll(() => {
  const leaks = captured.filter((line) => FULL_PHONE.test(line));
  expect(leaks, 'log lines with a full phone number').toEqual([]);
});
