import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recall as recallAt } from '../support/cli.ts';
import { addDays } from '../../lib/domain/dates.ts';
import { openLocalRuntime } from '../../lib/runtime/local.ts';
import { defaultConfigPath } from '../../lib/config/load.ts';
import type { CategoryHistory } from '../../lib/domain/records.ts';

const NOW = '2026-11-22T02:00:00Z';

const recall = (args: string[], now = NOW) => recallAt(args, now);

const history = (customerId: string, category: string, days?: number): CategoryHistory => ({
  customerId,
  category,
  firstDate: '2025-03-01',
  firstOrderId: `${customerId}-1`,
  ...(days === undefined ? {} : { secondDate: addDays('2025-03-01', days), secondOrderId: `${customerId}-2` }),
  lastDate: days === undefined ? '2025-03-01' : addDays('2025-03-01', days),
  orderCount: days === undefined ? 1 : 2,
  recentOrderIds: [],
  version: 1,
});

describe('recall report and recall windows', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'recall-report-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the demo lives its last days and ends with the report headline and the HTML report path', async () => {
    const store = join(dir, 'demo');
    const demo = await recall(['--store', store, 'demo', '--customers', '600', '--live-days', '5']);

    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/Living the last 5 days \(2026-11-17 to 2026-11-21\)/);
    expect(demo.out).toMatch(/Report 2026-11-17 to 2026-11-22:/);
    // The default shop is Chinese: its report is too.
    expect(demo.out).toMatch(/已发送消息: [\d,]+ \([\d,]+ 条计费短信；对照组 [\d,]+ 人\)/);
    expect(demo.out).toMatch(/转化率：发送 vs 对照: [\d.]+% vs [\d.]+% \(消息后 7 天内\)/);
    expect(demo.out).toMatch(/复购率: [\d.]+%/);
    expect(demo.out).toContain(`HTML report: ${join(store, 'report.html')}`);
    expect(await readFile(join(store, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(demo.out).not.toMatch(/\+86\d{11}/);
  });

  it('report --json: per journey and step, the shop repurchase rates, deferred said not persisted', async () => {
    const report = await recall(['--store', join(dir, 'demo'), 'report', '--from', '2026-11-17', '--json']);

    expect(report.code).toBe(0);
    const json = JSON.parse(report.out);
    expect(json.period).toEqual({ from: '2026-11-17', to: '2026-11-22', days: 6 });
    expect(Object.keys(json.totals).sort()).toEqual(
      [
        ...['candidates', 'sent', 'unconfirmed', 'notDelivered', 'heldOut', 'skipped', 'conversions', 'conversionRate', 'lift', 'redemptions', 'revenue', 'incrementalRevenue', 'couponCost', 'smsParts'],
        ...['delivered', 'failures', 'funnel', 'smsSpend', 'costPerConversion', 'returnOnSpend', 'optOuts', 'optOutRate', 'optOutFlag', 'survey'],
        ...['incrementalRevenueInterval', 'returnOnSpendInterval', 'costPerIncrementalConversion', 'costPerIncrementalConversionInterval'],
      ].sort(),
    );
    expect(json.trend.bucket).toMatch(/^(?:day|week)$/);
    expect(json.trend.points[0]).toMatchObject({ from: '2026-11-17', sent: expect.any(Number) });
    expect(json.names.journeys['category-recall']).toBe('Category window recall: 4 x 50 staged coupons');
    expect(json.names.steps['category-recall']?.['coupon-1']).toBe('coupon-1');
    expect(json.cohorts.months.length).toBeGreaterThan(0);
    expect(json.totals.funnel.sent).toBeGreaterThanOrEqual(json.totals.sent);
    expect(json.totals.smsSpend).toMatchObject({ usd: expect.any(Number), shopCurrency: expect.any(Number), code: 'CNY' });
    expect(json.smsPricing).toEqual({ pricePerPartUsd: 0.02, currency: 'CNY', perUsd: 7.1 });
    expect(json.totals.sent).toBeGreaterThan(0);
    expect(Object.keys(json.byJourney).length).toBeGreaterThan(0);
    expect(json.daily).toHaveLength(6);
    expect(json.deferred).toBe('not persisted');
    expect(json.shop).toMatchObject({ buyers: expect.any(Number), repurchaseRate: expect.any(Number), nextMonth: expect.any(Object), previousMonth: expect.any(Object) });
    expect(json.totals.conversions.sent).toBeGreaterThan(0);
  });

  it('report prints tables and writes --html; bad periods exit 2', async () => {
    const html = join(dir, 'out', 'report.html');
    const csv = join(dir, 'out', 'csv');
    const report = await recall(['--store', join(dir, 'demo'), 'report', '--lang', 'en', '--html', html, '--csv', csv]);
    expect(report.code).toBe(0);
    expect(report.out).toMatch(/^journey · step\s+candidates\s+sent\s+held out\s+skipped\s+not delivered$/m);
    expect(report.out).toMatch(/^unconfirmed: 0 \(every sent message confirmed\)$/m);
    expect(report.out).toMatch(/Deferred candidates are not persisted/);
    expect(report.out).toMatch(/^journey · step\s+sent\s+delivered\s+unconfirmed\s+failed, by reason\s+converted\s+redeemed\s+SMS spend\s+coupon cost\s+spend\s+opt-outs \(7 days\)$/m);
    expect(report.out).toMatch(/^spend: SMS \+ coupons: CN¥[\d.,]+ \(SMS CN¥[\d.,]+, coupons CN¥[\d.,]+\)$/m);
    expect(report.out).toContain(`HTML report: ${html}`);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('data-chart="trend"');
    // Every table as CSV, each line a row of the report.
    const decisions = await readFile(join(csv, 'decisions.csv'), 'utf8');
    expect(decisions.startsWith('\uFEFFjourney id,journey,step id,step,candidates,sent,held out,skipped,not delivered\r\n')).toBe(true);
    const journeysAndSteps = report.out.split('Decisions\n')[1]?.split('\n\n')[0]?.split('\n').slice(2) ?? [];
    expect(decisions.trim().split('\r\n').slice(1)).toHaveLength(journeysAndSteps.length);
    expect(report.out).toContain(`CSV: ${['decisions', 'results', 'funnel', 'trend', 'cohorts', 'failures', 'survey'].map((table) => join(csv, `${table}.csv`)).join(', ')}`);

    const chinese = await recall(['--store', join(dir, 'demo'), 'report']);
    expect(chinese.out).toMatch(/^旅程 · 步骤\s+候选\s+发送\s+对照\s+跳过\s+未送达$/m);
    const unknown = await recall(['--store', join(dir, 'demo'), 'report', '--lang', 'fr']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--lang: expected zh or en, got "fr"/);

    const backwards = await recall(['--store', join(dir, 'demo'), 'report', '--from', '2026-11-20', '--to', '2026-11-01']);
    expect(backwards.code).toBe(2);
    expect(backwards.err).toMatch(/--from 2026-11-20 is after --to 2026-11-01/);
    const notADate = await recall(['--store', join(dir, 'demo'), 'report', '--to', '22/11/2026']);
    expect(notADate.code).toBe(2);
    expect(notADate.err).toMatch(/--to: expected a date/);
  });

  describe('windows', () => {
    let store: string;
    let configFile: string;
    let original: string;

    beforeAll(async () => {
      // cosmetics: 40 repeaters, 1..40 days (learned: 20, configured 76); pet-food: 10 (flagged); 20 one-time buyers.
      store = join(dir, 'windows-store');
      const runtime = await openLocalRuntime({ storeDir: store });
      const customers = [
        ...Array.from({ length: 40 }, (_, n) => history(`r${n}`, 'cosmetics', n + 1)),
        ...Array.from({ length: 20 }, (_, n) => history(`o${n}`, 'cosmetics')),
        ...Array.from({ length: 10 }, (_, n) => history(`p${n}`, 'pet-food', 30 + n)),
      ];
      await runtime.store.putSnapshots(customers.map((category) => ({ customer: { customerId: category.customerId, name: '', smsOptIn: true }, categories: [category], journeys: [], orders: [] })));
      await runtime.close();
      configFile = join(dir, 'my-shop.json');
      original = await readFile(defaultConfigPath, 'utf8');
      await writeFile(configFile, original);
    });

    it('prints the learned window beside the configured one, with sample size and the share who came back; few repeaters flagged', async () => {
      const windows = await recall(['--store', store, 'windows']);
      expect(windows.code).toBe(0);
      expect(windows.out).toMatch(/cosmetics\s+76\s+20\s+-74%\s+40\s+60\s+67%/);
      expect(windows.out).toMatch(/pet-food\s+36\s+-\s+-\s+10\s+10\s+100%\s+too few repeaters/);

      const json = JSON.parse((await recall(['--store', store, 'windows', '--json'])).out);
      expect(json.windows.find((window: { category: string }) => window.category === 'cosmetics')).toMatchObject({ configuredDays: 76, learnedDays: 20, repeaters: 40, buyers: 60 });
      expect(json.windows[0].curve).toBeUndefined();
    });

    it('--apply without --config stores the learned window as a new config version, which the next command runs with; the built-in default file is never edited', async () => {
      const builtIn = await readFile(defaultConfigPath, 'utf8');
      const applied = await recall(['--store', store, 'windows', '--apply']);
      expect(applied.code).toBe(0);
      expect(applied.out).toMatch(/-\s+"windowDays": 76\n\+\s+"windowDays": 20,\n\+\s+"windowSince": "2026-11-22"/);
      expect(applied.out).toMatch(/Stored version 2 \(windows --apply, 2026-11-22T/);
      expect(await readFile(defaultConfigPath, 'utf8')).toBe(builtIn);

      const history = await recall(['--store', store, 'config', 'history']);
      expect(history.out).toMatch(/1\s+\S+\s+default\n.*2\s+2026-11-22T\S+\s+windows --apply/);
      const windows = JSON.parse((await recall(['--store', store, 'windows', '--json'])).out);
      expect(windows.windows.find((window: { category: string }) => window.category === 'cosmetics')).toMatchObject({ configuredDays: 20, learnedDays: 20 });

      const again = await recall(['--store', store, 'windows', '--apply']);
      expect(again.out).toMatch(/Nothing to apply/);
      expect((await recall(['--store', store, 'config', 'history'])).out).not.toMatch(/^\s*3\s/m);
    });

    it('--method survival applies the Kaplan-Meier 50% point, which counts the buyers not back yet (30 days here, where the repeaters say 20); too few repeaters still apply nothing', async () => {
      const applied = await recall(['--store', store, 'windows', '--apply', '--method', 'survival']);
      expect(applied.code, applied.err).toBe(0);
      expect(applied.out).toMatch(/By survival .*: cosmetics 30, .*pet-food -/);
      expect(applied.out).toMatch(/-\s+"windowDays": 20,\n\+\s+"windowDays": 30,/);
      expect(applied.out).toMatch(/Stored version 3 \(windows --apply --method survival/);
      const refused = await recall(['--store', store, 'windows', '--method', 'median']);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/--method: expected repeaters or survival, got "median"/);
    });

    it('--apply prints the diff, then writes only the learned windows and windowSince; the rest of the file is unchanged', async () => {
      const applied = await recall(['--store', store, '--config', configFile, 'windows', '--apply']);

      expect(applied.code).toBe(0);
      expect(applied.out).toContain(`--- ${configFile}`);
      expect(applied.out).toContain(`-    { "id": "cosmetics", "name": "彩妆", "windowDays": 76 },`);
      expect(applied.out).toContain(`+    { "id": "cosmetics", "name": "彩妆", "windowDays": 20, "windowSince": "2026-11-22" },`);
      expect(applied.out.indexOf('+++')).toBeLessThan(applied.out.indexOf('Applied 1 learned window'));
      const written = await readFile(configFile, 'utf8');
      expect(written).toBe(
        original.replace('{ "id": "cosmetics", "name": "彩妆", "windowDays": 76 }', '{ "id": "cosmetics", "name": "彩妆", "windowDays": 20, "windowSince": "2026-11-22" }'),
      );

      const again = await recall(['--store', store, '--config', configFile, 'windows', '--apply']);
      expect(again.out).toMatch(/Nothing to apply/);
      expect(await readFile(configFile, 'utf8')).toBe(written);
    });

    it('--apply keeps the comments of a JSONC config', async () => {
      // Prepare: a config explaining its windows in comments
      const commented = join(dir, 'commented-shop.json');
      const text = original.replace('"categories": [', '// windows: days until half of the repeat buyers are back\n  "categories": [ /* learned by recall windows */');
      await writeFile(commented, text);

      // Act
      const applied = await recall(['--store', store, '--config', commented, 'windows', '--apply']);

      // Assess
      expect(applied.code).toBe(0);
      expect(await readFile(commented, 'utf8')).toBe(
        text.replace('{ "id": "cosmetics", "name": "彩妆", "windowDays": 76 }', '{ "id": "cosmetics", "name": "彩妆", "windowDays": 20, "windowSince": "2026-11-22" }'),
      );
    });
  });
});
