import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyWindowChanges, unifiedDiff } from '../../lib/config/edit.ts';
import { checkConfig, parseConfigText } from '../../lib/config/load.ts';

/** lib/config/edit.ts: `recall windows --apply` edits a config file's text in place. */

describe('windows --apply edits the config in place', () => {
  const original = readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8');

  it('changes only windowDays and windowSince of the named categories; every other byte stays', () => {
    const edited = applyWindowChanges(original, [
      { category: 'cosmetics', windowDays: 80 },
      { category: 'pet-food', windowDays: 39 },
    ], '2026-11-22');

    const expected = original
      .replace('{ "id": "cosmetics", "name": "彩妆", "windowDays": 76 }', '{ "id": "cosmetics", "name": "彩妆", "windowDays": 80, "windowSince": "2026-11-22" }')
      .replace('{ "id": "pet-food", "name": "宠物食品", "windowDays": 36 }', '{ "id": "pet-food", "name": "宠物食品", "windowDays": 39, "windowSince": "2026-11-22" }');
    expect(edited).not.toBe(original);
    expect(edited).toBe(expected);
    expect(checkConfig(JSON.parse(edited)).ok).toBe(true);
  });

  it('replaces an existing windowSince, keeps multi-line objects multi-line, a BOM and CRLF line ends', () => {
    const text =
      '\uFEFF{\r\n  "categories": [\r\n    {\r\n      "id": "a",\r\n      "windowDays": 10,\r\n      "name": "A"\r\n    },\r\n' +
      '    {"id":"b","windowDays":20,"windowSince":"2025-01-01","name":"B"}\r\n  ],\r\n  "other": [1, 2.50, "x"]\r\n}\r\n';

    const edited = applyWindowChanges(text, [{ category: 'a', windowDays: 12 }, { category: 'b', windowDays: 22 }], '2026-11-22');

    expect(edited).toBe(
      '\uFEFF{\r\n  "categories": [\r\n    {\r\n      "id": "a",\r\n      "windowDays": 12,\r\n      "windowSince": "2026-11-22",\r\n      "name": "A"\r\n    },\r\n' +
        '    {"id":"b","windowDays":22,"windowSince":"2026-11-22","name":"B"}\r\n  ],\r\n  "other": [1, 2.50, "x"]\r\n}\r\n',
    );
  });

  it('keeps comments and trailing commas, and adds windowSince after windowDays in the style of a compact object', () => {
    const text =
      '{\n  // windows learned from 2025 orders\n  "categories": [\n    {"id":"a","windowDays":10,"name":"A"}, /* keep me */\n' +
      '    { "id": "b", "windowDays": 20, },\n  ],\n}\n';

    const edited = applyWindowChanges(text, [{ category: 'a', windowDays: 12 }, { category: 'b', windowDays: 22 }], '2026-11-22');

    expect(edited).toBe(
      '{\n  // windows learned from 2025 orders\n  "categories": [\n    {"id":"a","windowDays":12,"windowSince":"2026-11-22","name":"A"}, /* keep me */\n' +
        '    { "id": "b", "windowDays": 22, "windowSince": "2026-11-22", },\n  ],\n}\n',
    );
  });

  it('refuses a category the file does not have', () => {
    expect(() => applyWindowChanges(original, [{ category: 'garden', windowDays: 3 }], '2026-11-22')).toThrow(/no category "garden"/);
  });

  it('shows the change as a unified diff with one line of context', () => {
    const edited = applyWindowChanges(original, [{ category: 'cosmetics', windowDays: 80 }], '2026-11-22');
    const diff = unifiedDiff(original, edited, { before: 'config/default.json', after: 'config/default.json (learned)' });
    const lines = original.split('\n');
    const line = lines.findIndex((text) => text.includes('"cosmetics"')) + 1;
    expect(diff.split('\n')).toEqual([
      '--- config/default.json',
      '+++ config/default.json (learned)',
      `@@ -${line - 1},3 +${line - 1},3 @@`,
      ` ${lines[line - 2]}`,
      `-${lines[line - 1]}`,
      `+${edited.split('\n')[line - 1]}`,
      ` ${lines[line]}`,
    ]);
    expect(unifiedDiff(original, original, { before: 'a', after: 'b' })).toBe('');
  });

  it('the edited default config still loads as a config', () => {
    const edited = applyWindowChanges(original, [{ category: 'cosmetics', windowDays: 80 }], '2026-11-22');

    expect(parseConfigText(edited).categories.find((category) => category.id === 'cosmetics')).toMatchObject({ windowDays: 80, windowSince: '2026-11-22' });
  });
});
