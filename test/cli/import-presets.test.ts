import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalRuntime } from '../../lib/runtime/local.ts';
import { recall as recallAt } from '../support/cli.ts';

/*
 * Issue 14 point 4, "Real exports in", through the CLI on the embedded store: a GBK Taobao order
 * report and a Youzan export (UTF-8 with a BOM) import with their presets, customers first.
 */

const NOW = '2026-11-22T02:00:00Z';
const recall = (args: string[]) => recallAt(args, NOW);
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));
const TAOBAO = fixture('taobao-orders.csv');
const YOUZAN = fixture('youzan-orders.csv');
const CATEGORIES = fixture('categories.json');

let dir: string;
let storeDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'recall-presets-'));
  storeDir = join(dir, 'store');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recall import orders --preset', () => {
  it('imports the customers, then the paid orders, of a Taobao and a Youzan export; a re-import records nothing twice', async () => {
    const store = ['--store', storeDir];
    const taobao = await recall([...store, 'import', 'orders', TAOBAO, '--preset', 'taobao', '--categories', CATEGORIES, '--as-of', '2026-11-20']);
    const youzan = await recall([...store, 'import', 'orders', YOUZAN, '--preset', 'youzan', '--categories', CATEGORIES, '--as-of', '2026-11-20']);
    const again = await recall([...store, 'import', 'orders', TAOBAO, '--preset', 'taobao', '--categories', CATEGORIES, '--as-of', '2026-11-20']);

    expect(taobao).toMatchObject({ code: 0 });
    expect(taobao.out.split('\n')).toEqual([
      'Imported 3 customers; rejected 1 (masked-phone 1)',
      'Imported 4 orders; skipped 3 (not-paid 2, unknown-product 1); rejected 0',
    ]);
    expect(taobao.err.match(/warning: ignored columns/g)).toHaveLength(1);
    expect(taobao.err).toContain(`${TAOBAO}:1: warning: ignored columns "买家支付宝账号", "买家应付货款", "买家留言", "收货地址", "宝贝总数量", "退款金额"`);
    expect(taobao.err).toContain(`${TAOBAO}:3: masked-phone: customer "小王爱买": phone *******8002 is masked in the export`);
    expect(taobao.err).toContain(`${TAOBAO}:7: skipped: not-paid: order "3718204417722060835" is "交易关闭" (订单状态): not paid`);
    expect(taobao.err).toContain(`${TAOBAO}:8: skipped: unknown-product: order "3718204417722060836": product "不锈钢保温杯 大容量 500ml"`);
    // No full phone number in what the import prints.
    expect(`${taobao.out}\n${taobao.err}\n${youzan.out}\n${youzan.err}`).not.toMatch(/1380013\d{4}/);

    expect(youzan).toMatchObject({ code: 0 });
    expect(youzan.out.split('\n')).toEqual([
      'Imported 1 customers; rejected 1 (masked-phone 1)',
      'Imported 3 orders; skipped 3 (not-paid 2, unknown-status 1); rejected 0',
    ]);
    expect(youzan.err).toContain(`${YOUZAN}:6: skipped: unknown-status: order "E20261020120000010004": 订单状态 "已签收" is not a status preset youzan knows`);

    expect(again.out).toContain('Imported 0 orders, 4 already recorded (unchanged)');

    const runtime = await openLocalRuntime({ storeDir });
    try {
      const { profiles } = await runtime.store.getProfiles(['tb_lily88', '阿花', '小王爱买', 'buyer_zhao'], { consistent: true });
      expect(profiles.get('tb_lily88')).toMatchObject({ phone: '13800138001', name: '李丽', smsOptIn: false });
      // The newest order's phone, though the export lists an older one later.
      expect(profiles.get('阿花')).toMatchObject({ phone: '13800138012' });
      // A masked phone: no contact, only the member figures of their paid orders; an unpaid order's buyer: nothing.
      expect(profiles.get('小王爱买')).toMatchObject({ name: '', smsOptIn: false, member: { lifetimeOrders: expect.any(Number) } });
      expect(profiles.get('小王爱买')).not.toHaveProperty('phone');
      expect(profiles.has('buyer_zhao')).toBe(false);
    } finally {
      await runtime.close();
    }
  });

  it('refuses bad arguments and a bad map with exit 2 before opening a store', async () => {
    const map = join(dir, 'map.json');
    await writeFile(map, JSON.stringify({ order_id: '单号', customer_id: '客户', ordered_at: '日期', amount: '金额', categroy: '品类' }));
    const store = ['--store', join(dir, 'never-made')];

    const categoriesAlone = await recall([...store, 'import', 'orders', TAOBAO, '--categories', CATEGORIES]);
    const both = await recall([...store, 'import', 'orders', TAOBAO, '--preset', 'taobao', '--map', map]);
    const unknownPreset = await recall([...store, 'import', 'orders', TAOBAO, '--preset', 'tmall']);
    const badMap = await recall([...store, 'import', 'orders', TAOBAO, '--map', map]);

    expect(categoriesAlone).toMatchObject({ code: 2, err: expect.stringContaining('--categories needs --preset or --map') });
    expect(both).toMatchObject({ code: 2, err: expect.stringContaining("option '--preset <name>' cannot be used with option '--map <file>'") });
    expect(unknownPreset).toMatchObject({ code: 2, err: expect.stringContaining('Allowed choices are taobao, youzan') });
    expect(badMap.code).toBe(2);
    expect(badMap.err).toContain(`${map}: Unrecognized key: "categroy"`);
    expect(badMap.err).toContain(`${map}: category: give category, product or product_id`);
    expect(existsSync(join(dir, 'never-made'))).toBe(false);
  });

  it('shows an example of each import command in its help', async () => {
    const helps = await Promise.all(['customers', 'orders', 'replies', 'opt-outs'].map((command) => recall(['import', command, '--help'])));

    for (const [index, command] of ['customers', 'orders', 'replies', 'opt-outs'].entries()) {
      expect(helps[index]?.out).toMatch(new RegExp(`^Examples?:\\n  recall import ${command} `, 'm'));
    }
    expect(helps[1]?.out).toContain('recall import orders ExportOrderList.csv --preset taobao --categories categories.json');
    expect(helps[1]?.out).toContain('--map <file>');
  });
});
