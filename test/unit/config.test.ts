import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  checkConfig,
  defaultConfigPath,
  formatPath,
  loadConfigFile,
  loadDefaultConfig,
  type ConfigProblem,
} from '../../lib/config/load.ts';

/** A path as problems report it: `journeys[1].steps[0].template`. */
function keysOf(path: string): string[] {
  return path.match(/[^.[\]]+/g) ?? [];
}

function getAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of keysOf(path)) {
    if (typeof node !== 'object' || node === null) throw new Error(`no ${path} in the config`);
    node = Reflect.get(node, key);
  }
  return node;
}

/** Sets (or, with undefined, deletes) the value at `path`. */
function setAt(root: unknown, path: string, value: unknown): void {
  const keys = keysOf(path);
  const last = keys.pop();
  const parent = getAt(root, keys.join('.'));
  if (last === undefined || typeof parent !== 'object' || parent === null) throw new Error(`no ${path} in the config`);
  if (value === undefined) Reflect.deleteProperty(parent, last);
  else Reflect.set(parent, last, value);
}

/** A fresh copy of config/default.json with the given changes. */
function defaultWith(changes: Record<string, unknown> = {}): unknown {
  const raw: unknown = JSON.parse(readFileSync(defaultConfigPath, 'utf8'));
  for (const [path, value] of Object.entries(changes)) setAt(raw, path, value);
  return raw;
}

function problemsOf(raw: unknown): ConfigProblem[] {
  const result = checkConfig(raw);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.problems;
}

describe('formatPath', () => {
  it('joins zod issue paths the way a person writes them', () => {
    expect(formatPath(['journeys', 0, 'steps', 1, 'after', 'days'])).toBe('journeys[0].steps[1].after.days');
    expect(formatPath(['sms', 'maxParts'])).toBe('sms.maxParts');
    expect(formatPath([])).toBe('');
    expect(formatPath(['a-b'])).toBe('["a-b"]');
  });
});

describe('checkConfig', () => {
  it('accepts the default config', () => {
    // Act
    const result = checkConfig(defaultWith());

    // Assess
    expect(result.ok ? [] : result.problems).toEqual([]);
    expect(result.ok && result.config.journeys.map((journey) => journey.id)).toEqual([
      'category-recall',
      'lifecycle',
      'spend-200-ladder',
      'birthday',
      'tier-up',
      'holiday-618',
      'holiday-1111',
    ]);
  });

  it('fills defaults for omitted settings', () => {
    const raw = defaultWith({ sms: undefined, merchantTimeZone: undefined });

    const result = checkConfig(raw);

    expect(result.ok).toBe(true);
    expect(result.ok && result.config.sms).toMatchObject({ maxParts: 3, optOutText: '拒收请回复R' });
    expect(result.ok && result.config.merchantTimeZone).toBe('Asia/Shanghai');
  });

  it('lists every schema problem with its path', () => {
    // Prepare
    const raw = defaultWith({
      'categories[0].windowDays': -5,
      merchantTimeZone: 'Mars/Olympus',
      'journeys[0].exit': 'never',
      'journeys[1].steps[1].after.days': 'soon',
    });

    // Act
    const problems = problemsOf(raw);

    // Assess
    const paths = problems.map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'categories[0].windowDays',
        'merchantTimeZone',
        'journeys[0].exit',
        'journeys[1].steps[1].after.days',
      ]),
    );
    expect(problems.find((p) => p.path === 'merchantTimeZone')?.message).toMatch(/IANA time zone/);
    expect(problems.find((p) => p.path === 'journeys[0].exit')?.message).toMatch(/category-purchase/);
  });

  it('lists every template problem with its path', () => {
    // Prepare
    const raw = defaultWith({
      'sms.maxParts': 1,
      'journeys[1].steps[0].template': '【{shop}】{name}，{unknown}好久不见！',
      'journeys[1].steps[2].template': '【{shop}】{name}，券码{code}，{expiry}前有效。',
    });

    // Act
    const problems = problemsOf(raw);

    // Assess
    expect(problems).toContainEqual({
      path: 'journeys[1].steps[0].template',
      message: expect.stringMatching(/unknown placeholder \{unknown\}/),
    });
    expect(problems).toContainEqual({
      path: 'journeys[1].steps[2].template',
      message: expect.stringMatching(/\{code\}, \{expiry\} need a coupon/),
    });
    // With maxParts 1 every default coupon template is too long: one problem per step
    const tooLong = problems.filter((problem) => /SMS parts/.test(problem.message));
    expect(tooLong.map((problem) => problem.path)).toContain('journeys[0].steps[0].template');
    expect(tooLong.map((problem) => problem.path)).toContain('journeys[2].steps[3].template');
    expect(tooLong.find((p) => p.path === 'journeys[0].steps[0].template')?.message).toMatch(
      /can be 2 SMS parts \(UCS-2, \d+ units\).*sms\.maxParts is 1/,
    );
  });

  it('counts the worst case with the longest category name and the opt-out text', () => {
    // Prepare: 62 units of template text (ending in 。, so no space before the opt-out) + a 4-character category + the 6-character opt-out
    // text is 72 units (2 parts); the same with a 2-character category is 70 (1 part)
    const raw = defaultWith({ 'sms.maxParts': 1 });
    setAt(raw, 'journeys', [getAt(raw, 'journeys[1]')]);
    setAt(raw, 'journeys[0].steps', [
      { id: 'only', after: { days: 90, from: 'anchor' }, channel: 'sms', template: `{category}${'好'.repeat(61)}。` },
    ]);
    const shortCategories = [{ id: 'a', name: '彩妆', windowDays: 30 }];
    const withLongCategory = [...shortCategories, { id: 'b', name: '母婴用品', windowDays: 30 }];

    // Act
    setAt(raw, 'categories', shortCategories);
    const short = checkConfig(raw);
    setAt(raw, 'categories', withLongCategory);
    const long = checkConfig(raw);
    // China requires the opt-out text, so the shop without one sends elsewhere
    setAt(raw, 'defaultCountry', 'US');
    setAt(raw, 'sms.optOutText', '');
    const longWithoutOptOut = checkConfig(raw);

    // Assess
    expect(short.ok).toBe(true);
    expect(long.ok ? [] : long.problems).toEqual([
      { path: 'journeys[0].steps[0].template', message: expect.stringMatching(/2 SMS parts.*"母婴用品"/) },
    ]);
    expect(longWithoutOptOut.ok).toBe(true);
  });

  it('does not count parts for push steps', () => {
    const raw = defaultWith({ 'sms.maxParts': 1 });
    const journeys = getAt(raw, 'journeys');
    const stepCounts = Array.isArray(journeys) ? journeys.map((_, j) => getAt(raw, `journeys[${j}].steps`)) : [];
    stepCounts.forEach((steps, j) => {
      if (Array.isArray(steps)) steps.forEach((_, s) => setAt(raw, `journeys[${j}].steps[${s}].channel`, 'push'));
    });
    expect(stepCounts).toHaveLength(7);

    expect(checkConfig(raw).ok).toBe(true);
  });

  it('refuses an SMS rate below the largest message, which could never be sent', () => {
    const problems = problemsOf(defaultWith({ 'sms.mps': 2 }));
    expect(problems).toEqual([{ path: 'sms.mps', message: expect.stringContaining('sms.maxParts (3)') }]);
  });

  it.each(['', '  '])('refuses an opt-out text of %j while the default country is CN, which requires one', (optOutText) => {
    // Act
    const problems = problemsOf(defaultWith({ 'sms.optOutText': optOutText }));

    // Assess
    expect(problems).toEqual([{ path: 'sms.optOutText', message: expect.stringMatching(/defaultCountry is CN: China requires/) }]);
  });

  it('leaves the opt-out text optional for other default countries', () => {
    const result = checkConfig(defaultWith({ defaultCountry: 'US', 'sms.optOutText': '' }));

    expect(result.ok ? [] : result.problems).toEqual([]);
  });

  it('refuses a misspelt key instead of silently ignoring it', () => {
    const problems = problemsOf(defaultWith({ 'sms.senderID': 'SHOP' }));
    expect(problems).toEqual([{ path: 'sms', message: expect.stringContaining('senderID') }]);
  });

  it('refuses a config that is not an object', () => {
    expect(problemsOf('nope')).toEqual([{ path: '', message: expect.any(String) }]);
  });
});

describe('loadConfigFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-config-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadError(file: string): Promise<ConfigError> {
    const error = await loadConfigFile(file).catch((caught: unknown) => caught);
    if (!(error instanceof ConfigError)) throw new Error(`expected a ConfigError, got ${String(error)}`);
    return error;
  }

  it('loads the default config', async () => {
    const config = await loadDefaultConfig();

    expect(config.categories.length).toBeGreaterThan(0);
    expect(config.defaultCountry).toBe('CN');
  });

  it('names a missing file', async () => {
    const file = join(dir, 'missing.json');

    const error = await loadError(file);

    expect(error.file).toBe(file);
    expect(error.message).toBe(`${file}: file not found`);
  });

  it('names the file and the line of a JSON syntax error', async () => {
    // Prepare: the comma after "a": 1 is missing, on line 3
    const file = join(dir, 'broken.json');
    await writeFile(file, '{\n  "shopName": "x",\n  "a": 1\n  "b": 2\n}\n');

    // Act
    const error = await loadError(file);

    // Assess
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: `));
    expect(error.message).toMatch(/line 4 column 3/);
  });

  it('reports a truncated file at its end', async () => {
    const file = join(dir, 'truncated.json');
    await writeFile(file, '{\n  "shopName": "x",\n');

    const error = await loadError(file);

    expect(error.message).toMatch(/not valid JSON: .*\(line 3 column 1\)/);
  });

  it('lists one FILE: path: message line per problem', async () => {
    // Prepare
    const raw = defaultWith({ 'categories[0].windowDays': -5, merchantTimeZone: 'Mars/Olympus' });
    const file = join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify(raw));

    // Act
    const error = await loadError(file);

    // Assess
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines).toContain(`${file}: merchantTimeZone: not an IANA time zone (e.g. Asia/Shanghai)`);
    expect(lines.some((line) => line.startsWith(`${file}: categories[0].windowDays: `))).toBe(true);
    expect(error.problems).toHaveLength(2);
    expect(error.retryable).toBe(false);
  });

  it('reads JSONC: comments and trailing commas are allowed', async () => {
    // Prepare: the default config with a line comment, a block comment and trailing commas
    const file = join(dir, 'commented.json');
    const json = JSON.stringify(defaultWith(), null, 2);
    await writeFile(file, `// my shop\n${json.replace('{', '{ /* recall campaigns */').replace(/\n}$/, ',\n}').replace(/("windowDays": \d+)\n/, '$1,\n')}`);

    // Act
    const config = await loadConfigFile(file);

    // Assess
    expect(config.shopName).toBe('优选小店');
  });

  it('names the file, line and column of a syntax error after a comment', async () => {
    // Prepare: comments on lines 1 and 2, then "a" has no value (line 3, column 8)
    const file = join(dir, 'comment-then-broken.json');
    await writeFile(file, '// the shop\n{ /* name */ "shopName": "x",\n  "a": ,\n}\n');

    // Act
    const error = await loadError(file);

    // Assess
    expect(error.message).toBe(`${file}: not valid JSON: value expected (line 3 column 8)`);
  });

  it('accepts a file saved with a byte order mark', async () => {
    const file = join(dir, 'bom.json');
    await writeFile(file, `\uFEFF${JSON.stringify(defaultWith())}`);

    await expect(loadConfigFile(file)).resolves.toMatchObject({ shopName: '优选小店' });
  });
});
