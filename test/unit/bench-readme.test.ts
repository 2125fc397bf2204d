import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PrintedSchema, README_BEGIN, README_END, README_ORDER, renderPerformance, withPerformance } from '../bench/readme.ts';

const printed = {
  send: {
    measuredAt: '2026-11-30T18:01:02.000Z',
    command: 'npm run bench -- --only send',
    blocks: [
      { kind: 'table' as const, title: '2b. One sent message', header: ['request', 'requests'], rows: [['PutItem | ledger', '1.02']] },
      { kind: 'text' as const, text: 'Every write is conditional.' },
      { kind: 'target' as const, name: 'send: round trips per sent message', value: 5.4, target: '<= 6', met: true },
    ],
  },
  cold: {
    measuredAt: '2026-11-30T17:00:00.000Z',
    command: 'npm run bench -- --only cold',
    blocks: [{ kind: 'target' as const, name: 'cold: slowest function vs hello + DynamoDB client', value: 1.6, target: '<= 1.3', met: false }],
  },
};

describe("the README's Performance section, written from bench-results.json", () => {
  it('lists every target first, then each section in the bench order with its date, command, tables (pipes escaped) and verdicts', () => {
    const text = renderPerformance(printed, README_ORDER);
    expect(text).toContain('| send: round trips per sent message | 5.4 | <= 6 | yes | 2026-11-30 18:01 UTC |');
    expect(text).toContain('| cold: slowest function vs hello + DynamoDB client | 1.6 | <= 1.3 | **no** | 2026-11-30 17:00 UTC |');
    expect(text.indexOf('#### Section `send`')).toBeLessThan(text.indexOf('#### Section `cold`'));
    expect(text).toContain('Measured 2026-11-30 18:01 UTC with `npm run bench -- --only send`.');
    expect(text).toContain('| PutItem \\| ledger | 1.02 |');
    expect(text).toContain('|---|---:|');
    expect(text).toContain('Target: cold: slowest function vs hello + DynamoDB client: **1.6** (target <= 1.3): **not met**.');
  });

  it('replaces only the text between the markers, and names README.md when they are missing', () => {
    const readme = `# Title\n\n${README_BEGIN}\nold figures\n${README_END}\n\n## Layout\n`;
    expect(withPerformance(readme, 'new figures')).toBe(`# Title\n\n${README_BEGIN}\nnew figures\n${README_END}\n\n## Layout\n`);
    expect(() => withPerformance('# Title\n', 'new figures')).toThrow(/README\.md: expected the markers/);
  });

  it('the committed README holds exactly what the committed bench-results.json renders (run npm run bench to regenerate both)', async () => {
    const results = JSON.parse(await readFile('bench-results.json', 'utf8')) as { printed?: unknown };
    const readme = await readFile('README.md', 'utf8');
    expect(withPerformance(readme, renderPerformance(PrintedSchema.parse(results.printed), README_ORDER))).toBe(readme);
  });
});
