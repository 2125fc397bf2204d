import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { readExportCustomers, readExportOrders, type ExportReadOptions } from '../../lib/import/exports.ts';
import { ExportMapSchema, loadExportMap, type ExportMap } from '../../lib/import/mapping.ts';
import { PRESET_NAMES, PRESETS } from '../../lib/import/presets.ts';
import { loadProductCategories, productCategories } from '../../lib/import/product-categories.ts';
import { bytes, collect, formatError, IMPORT_AS_OF } from '../support/csv-files.ts';

/**
 * lib/import/exports.ts, mapping.ts, presets.ts, product-categories.ts: shop exports read through
 * a column map, on the fixtures in test/fixtures/exports/ (a GBK Taobao order report, a Youzan
 * export in UTF-8 with a BOM) and small inline files.
 */

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));
const TAOBAO = fixture('taobao-orders.csv');
const YOUZAN = fixture('youzan-orders.csv');

let config: CampaignConfig;
let dir: string;

beforeAll(async () => {
  config = await loadDefaultConfig();
  dir = await mkdtemp(join(tmpdir(), 'import-presets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function options(map: ExportMap, extra: Partial<ExportReadOptions> = {}): Promise<ExportReadOptions> {
  return {
    map,
    mapName: 'test map',
    timeZone: config.merchantTimeZone,
    asOf: IMPORT_AS_OF,
    defaultCountry: 'CN',
    categories: config.categories,
    products: await loadProductCategories(fixture('categories.json'), config.categories),
    ...extra,
  };
}

/** Rows by line: an order comes out once its last row is read, so after the skips of rows read meanwhile. */
const byLine = <T extends { line: number }>(results: readonly T[]): T[] => [...results].sort((a, b) => a.line - b.line);
const outcomes = (results: readonly { ok: boolean; line: number; reason?: string }[]) =>
  byLine(results).map((result) => (result.ok ? { line: result.line, ok: true } : { line: result.line, reason: result.reason }));

describe('the built-in presets', () => {
  it('are valid column maps', () => {
    for (const name of PRESET_NAMES) expect(ExportMapSchema.safeParse(PRESETS[name]).success, name).toBe(true);
  });
});

describe('--preset taobao on a GBK order report', () => {
  it('is a GBK file, not UTF-8 (what a Taobao export is)', async () => {
    const raw = await readFile(TAOBAO);

    expect(isUtf8(raw)).toBe(false);
    expect(iconv.decode(raw, 'gbk')).toContain('订单编号,买家会员名');
  });

  it('imports the paid orders at their payment time with the paid amount, skips unpaid, closed and unknown products', async () => {
    const ignored: (readonly string[])[] = [];
    const read = await options(PRESETS.taobao, { mapName: 'preset taobao', onIgnoredColumns: (columns) => ignored.push(columns) });

    const results = await collect(readExportOrders(createReadStream(TAOBAO), 'taobao.csv', read));

    expect(outcomes(results)).toEqual([
      { line: 2, ok: true },
      { line: 3, ok: true },
      { line: 5, ok: true },
      { line: 6, reason: 'not-paid' },
      { line: 7, reason: 'not-paid' },
      { line: 8, reason: 'unknown-product' },
      { line: 9, ok: true },
    ]);
    const orders = byLine(results).flatMap((result) => (result.ok ? [result.value] : []));
    expect(orders).toEqual([
      { orderId: '3718204417722060831', customerId: 'tb_lily88', orderedAt: '2026-11-02T20:16:05+08:00', lines: [{ category: 'cosmetics', amount: 268.5 }] },
      // 男鞋 in the title is a configured category name: no keyword needed.
      { orderId: '3718204417722060832', customerId: '小王爱买', orderedAt: '2026-10-28T09:03:31+08:00', lines: [{ category: 'mens-shoes', amount: 1299 }] },
      { orderId: '3718204417722060833', customerId: 'tb_lily88', orderedAt: '2026-09-05T14:21:03+08:00', lines: [{ category: 'womens-shoes', amount: 359 }] },
      { orderId: '3718204417722060837', customerId: 'buyer_zhou', orderedAt: '2026-11-01T10:05:00+08:00', lines: [{ category: 'baby-care', amount: 89 }] },
    ]);
    const [, , , unpaid, closed, unknown] = byLine(results);
    expect(unpaid).toMatchObject({ skipped: true, message: 'order "3718204417722060834" is "等待买家付款" (订单状态): not paid' });
    expect(closed).toMatchObject({ skipped: true, message: expect.stringContaining('"交易关闭"') });
    expect(unknown).toMatchObject({ skipped: true, message: expect.stringContaining('"不锈钢保温杯 大容量 500ml"') });
    expect(ignored).toEqual([['"买家支付宝账号"', '"买家应付货款"', '"买家留言"', '"收货地址"', '"宝贝总数量"', '"退款金额"']]);
  });

  it('names the customers of paid orders once each, and rejects a masked phone as masked-phone without printing it', async () => {
    const results = await collect(readExportCustomers(createReadStream(TAOBAO), 'taobao.csv', await options(PRESETS.taobao)));

    expect(results).toEqual([
      { ok: true, line: 2, value: { customerId: 'tb_lily88', phone: '13800138001', name: '李丽' }, mobile: '+8613800138001' },
      expect.objectContaining({ ok: false, line: 3, reason: 'masked-phone' }),
      { ok: true, line: 8, value: { customerId: 'buyer_qian', phone: '13800138006', name: '钱多' }, mobile: '+8613800138006' },
      { ok: true, line: 9, value: { customerId: 'buyer_zhou', phone: '13800138007', name: '周周' }, mobile: '+8613800138007' },
    ]);
    expect(results[1]).toMatchObject({ message: expect.stringContaining('phone *******8002 is masked') });
    expect(results[1]).not.toMatchObject({ message: expect.stringContaining('138') });
  });
});

describe('--preset youzan on a UTF-8 export with a BOM, one row per product', () => {
  it('records the order total once, on the first line, and skips an unpaid order once however many rows it has', async () => {
    const results = await collect(readExportOrders(createReadStream(YOUZAN), 'youzan.csv', await options(PRESETS.youzan, { mapName: 'preset youzan' })));

    expect(outcomes(results)).toEqual([
      { line: 2, ok: true },
      { line: 3, reason: 'not-paid' },
      { line: 5, reason: 'not-paid' },
      { line: 6, reason: 'unknown-status' },
      { line: 7, ok: true },
      { line: 8, ok: true },
    ]);
    const orders = byLine(results).flatMap((result) => (result.ok ? [result.value] : []));
    expect(orders.map((order) => [order.orderId, order.customerId, order.orderedAt, order.lines])).toEqual([
      ['E20261103101500010001', '阿花', '2026-11-03T10:15:40+08:00', [{ category: 'skincare', amount: 99 }]],
      ['E20261012080000010005', '猫爪', '2026-10-12T08:00:45+08:00', [{ category: 'pet-food', amount: 59 }]],
      [
        'E20260905120000010006',
        '阿花',
        '2026-09-05T12:00:30+08:00',
        [
          { category: 'skincare', amount: 1358 },
          { category: 'cosmetics', amount: 0 },
        ],
      ],
    ]);
    expect(byLine(results)[3]).toMatchObject({ message: expect.stringMatching(/"已签收" is not a status preset youzan knows/) });
  });

  it("takes a customer's newest contact, and rejects the masked one", async () => {
    const results = await collect(readExportCustomers(createReadStream(YOUZAN), 'youzan.csv', await options(PRESETS.youzan)));

    expect(outcomes(results)).toEqual([
      { line: 2, ok: true },
      { line: 7, reason: 'masked-phone' },
    ]);
    expect(results[0]).toMatchObject({ value: { customerId: '阿花', phone: '13800138012', name: '阿花' } });
  });
});

/** A map for the inline files: our own column names in Chinese, as an ERP might export them. */
const ERP: ExportMap = {
  order_id: '单号',
  customer_id: '客户',
  ordered_at: '下单时间',
  paid_at: '付款时间',
  status: '状态',
  amount: '金额',
  category: '品类',
  product: '商品',
  product_id: '商品编码',
  phone: '手机',
  paid_statuses: ['买家已付款，等待卖家发货', '交易成功'],
  not_paid_statuses: ['交易关闭'],
};
const ERP_HEADER = '单号,客户,下单时间,付款时间,状态,金额,品类,商品,商品编码,手机';

describe('a shop export through a column map', () => {
  it('reads 2024年3月7日 10:05, 2024/3/7 10:05:00 (seconds) and amounts with ¥, ￥, 元 and thousands separators', async () => {
    const text = [
      ERP_HEADER,
      'o1,c1,2024年3月7日 10:05,,交易成功,¥268.50,女鞋,,,',
      'o2,c1,2024/3/6 9:00:00,2024/3/7 10:05:09,交易成功,"￥1,299.00",cosmetics,,,',
      'o3,c1,2024-03-07 10:05,,交易成功,268.5元,womens-shoes,,,',
    ].join('\n');

    const results = await collect(readExportOrders(bytes(text), 'erp.csv', await options(ERP)));

    expect(results.map((result) => result.ok && [result.value.orderedAt, result.value.lines])).toEqual([
      ['2024-03-07T10:05:00+08:00', [{ category: 'womens-shoes', amount: 268.5 }]],
      ['2024-03-07T10:05:09+08:00', [{ category: 'cosmetics', amount: 1299 }]],
      ['2024-03-07T10:05:00+08:00', [{ category: 'womens-shoes', amount: 268.5 }]],
    ]);
  });

  it('compares statuses without spaces or width (买家已付款,等待卖家发货 is paid) and names the status it does not know', async () => {
    const text = [
      ERP_HEADER,
      'o1,c1,2024-03-07 10:05,,"买家已付款, 等待卖家发货",10,cosmetics,,,',
      'o2,c1,2024-03-07 10:05,,退款中,10,cosmetics,,,',
      'o3,c1,2024-03-07 10:05,,,10,cosmetics,,,',
    ].join('\n');

    const results = await collect(readExportOrders(bytes(text), 'erp.csv', await options(ERP)));

    expect(outcomes(results)).toEqual([
      { line: 2, ok: true },
      { line: 3, reason: 'unknown-status' },
      { line: 4, reason: 'unknown-status' },
    ]);
    expect(byLine(results)[1]).toMatchObject({ message: 'order "o2": 状态 "退款中" is not a status test map knows: list it in paid_statuses or not_paid_statuses of a --map' });
  });

  it('finds the category by product id before title keywords, then by a configured name, else skips the line naming the product', async () => {
    const products = productCategories(config.categories, { rules: { products: { 'SKU-9': 'pet-food' }, keywords: [{ keyword: 'Nike', category: 'mens-shoes' }] }, file: 'categories.json' });
    const text = [
      ERP_HEADER,
      'o1,c1,2024-03-07 10:05,,交易成功,10,,ＮＩＫＥ 跑步鞋 猫粮,SKU-9,', // the id wins over both keywords
      'o2,c1,2024-03-07 10:05,,交易成功,10,,ＮＩＫＥ 跑步鞋,,', // full-width, any case
      'o3,c1,2024-03-07 10:05,,交易成功,10,,新款女装连衣裙,,', // the configured name 女装
      'o4,c1,2024-03-07 10:05,,交易成功,10,,陶瓷马克杯,,',
      'o5,c1,2024-03-07 10:05,,交易成功,10,,,,',
    ].join('\n');

    const results = await collect(readExportOrders(bytes(text), 'erp.csv', await options(ERP, { products })));

    expect(byLine(results).map((result) => (result.ok ? result.value.lines[0]?.category : result.reason))).toEqual(['pet-food', 'mens-shoes', 'womens-clothing', 'unknown-product', 'unknown-product']);
    const [, , , mug, nothing] = byLine(results);
    expect(mug).toMatchObject({ line: 5, message: 'order "o4": product "陶瓷马克杯" matches no category: add a keyword or its product id to --categories' });
    expect(nothing).toMatchObject({ line: 6, message: 'order "o5": no category and no product' });
  });

  it('rejects a row whose order total differs from its first line (amount-mismatch), naming both', async () => {
    const map: ExportMap = { ...ERP, amount: undefined, order_amount: '金额' };
    const text = [ERP_HEADER, 'o1,c1,2024-03-07 10:05,,交易成功,100,cosmetics,,,', 'o1,c1,2024-03-07 10:05,,交易成功,100.00,skincare,,,', 'o1,c1,2024-03-07 10:05,,交易成功,40,pet-food,,,'].join('\n');

    const results = await collect(readExportOrders(bytes(text), 'erp.csv', await options(map)));

    const [order, mismatch] = byLine(results);
    expect(outcomes(results)).toEqual([
      { line: 2, ok: true },
      { line: 4, reason: 'amount-mismatch' },
    ]);
    expect(order).toMatchObject({ value: { lines: [{ category: 'cosmetics', amount: 100 }, { category: 'skincare', amount: 0 }] } });
    expect(mismatch).toMatchObject({ message: expect.stringContaining('totals "100" on line 2, this row says "40"') });
  });

  it("names the file's header in a bad cell's message", async () => {
    const text = [ERP_HEADER, 'o1,c1,2024-03-07 10:05,2024-02-30 10:00,交易成功,10,cosmetics,,,', 'o2,c1,2024-03-07 10:05,,交易成功,ten,cosmetics,,,'].join('\n');

    const results = await collect(readExportOrders(bytes(text), 'erp.csv', await options(ERP)));

    expect(results).toEqual([
      expect.objectContaining({ line: 2, reason: 'bad-date', message: expect.stringMatching(/^付款时间 "2024-02-30 10:00" is not a date/) }),
      expect.objectContaining({ line: 3, reason: 'bad-amount', message: expect.stringMatching(/^金额 "ten" is not an amount/) }),
    ]);
  });

  it('refuses a file without a column the map names, naming its header and our column', async () => {
    const error = await formatError(readExportOrders(bytes('订单编号,买家会员名,订单创建时间,订单付款时间,买家实际支付金额,宝贝标题,联系手机,收货人姓名\n'), 'taobao.csv', await options(PRESETS.taobao)));

    expect(error.message).toBe('taobao.csv:1: missing column "订单状态" (status) in the header: expected 订单编号,买家会员名,订单创建时间,订单付款时间,订单状态,买家实际支付金额,宝贝标题,联系手机,收货人姓名');
  });
});

describe('--map and --categories files', () => {
  async function file(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('reads a map with comments and trailing commas', async () => {
    const path = await file('ok-map.json', '{\n  // our column -> the header\n  "order_id": "单号", "customer_id": "客户", "ordered_at": "日期", "amount": "金额", "category": "品类",\n}');

    await expect(loadExportMap(path)).resolves.toEqual({ order_id: '单号', customer_id: '客户', ordered_at: '日期', amount: '金额', category: '品类' });
  });

  it.each([
    ['an unknown key', '{"order_id":"a","customer_id":"b","ordered_at":"c","amount":"d","category":"e","odrer_no":"f"}', /\/bad-map\.json: Unrecognized key: "odrer_no"$/],
    ['a missing column', '{"order_id":"a","ordered_at":"c","amount":"d","category":"e"}', /\/bad-map\.json: customer_id: /],
    ['both amounts', '{"order_id":"a","customer_id":"b","ordered_at":"c","amount":"d","order_amount":"d2","category":"e"}', /\/bad-map\.json: amount: give exactly one of amount/],
    ['no category source', '{"order_id":"a","customer_id":"b","ordered_at":"c","amount":"d"}', /\/bad-map\.json: category: give category, product or product_id/],
    ['a status without paid statuses', '{"order_id":"a","customer_id":"b","ordered_at":"c","amount":"d","category":"e","status":"s"}', /\/bad-map\.json: paid_statuses: required with status/],
    ['a status both paid and not', '{"order_id":"a","customer_id":"b","ordered_at":"c","amount":"d","category":"e","status":"s","paid_statuses":["交易成功"],"not_paid_statuses":["交易 成功"]}', /\/bad-map\.json: not_paid_statuses\[0\]: "交易 成功" is in paid_statuses too$/],
    ['broken JSON', '{"order_id": "a",,}', /\/bad-map\.json: not valid JSON: .* on line 1$/],
  ])('refuses %s, naming the file and the key', async (_case, content, message) => {
    const path = await file('bad-map.json', content);

    const loading = loadExportMap(path);

    await expect(loading).rejects.toThrow(ConfigError);
    await expect(loading).rejects.toThrow(message);
  });

  it('refuses a product rule naming a category the config does not have, naming the rule', async () => {
    const path = await file('bad-categories.json', JSON.stringify({ products: { 12345: '女靴' }, keywords: [{ keyword: '口红', category: '彩妆' }, { keyword: '面膜', category: 'face-masks' }] }));

    const error = await loadProductCategories(path, config.categories).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ name: 'ConfigError' });
    expect(String(error)).toContain(`${path}: products["12345"]: "女靴" is not a configured category: use one of cosmetics (彩妆)`);
    expect(String(error)).toContain(`${path}: keywords[1].category: "face-masks" is not a configured category`);
    expect(String(error)).not.toContain('keywords[0]');
  });
});
