import { capturedLogLines } from './log-guard.ts';

/**
 * What the handlers told CloudWatch: Powertools metrics are EMF lines on stdout, captured by the
 * log guard. `since` is a count of captured lines, taken before the invocation.
 */
export function metricSum(name: string, since: number): number {
  return capturedLogLines()
    .slice(since)
    .flatMap((line) => {
      if (!line.includes('"_aws"')) return [];
      const value: unknown = (JSON.parse(line) as Record<string, unknown>)[name];
      // A metric added more than once in one invocation is flushed as an array of its values.
      return value === undefined ? [] : [value].flat();
    })
    .reduce((sum: number, value) => sum + Number(value), 0);
}

/** The `record failed` lines written since `since`, parsed. */
export function failedRecordLines(since: number): Record<string, unknown>[] {
  return capturedLogLines()
    .slice(since)
    .filter((line) => line.includes('"record failed"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
