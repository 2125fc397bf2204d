import type { ExportMap } from './mapping.ts';

/*
 * Built-in column maps (`--preset NAME`) for the order exports Chinese shops download, written as
 * a `--map` file would be (docs/architecture.md#shop-exports). The choices, for both:
 * - the customer is the buyer's platform account (Taobao 买家会员名, Youzan 买家昵称): the only
 *   buyer column both exports have. A Youzan nickname is not unique: a --map with a unique buyer
 *   column is better where the export has one.
 * - the order's time is its payment time, else its creation time (a pre-sale is created weeks
 *   before it is paid, and a purchase counts when paid); its amount is what the buyer paid for the
 *   whole order (recorded once, on its first line).
 * - the category is found from the product title (--categories, then the configured names).
 * - phone and name come from the delivery details: customers are imported from the same file,
 *   first; a masked phone (138****8001) is a counted `masked-phone` and that customer's orders
 *   still import. The exports carry no SMS consent, so a new customer has none until a customer
 *   file with sms_opt_in says so.
 * - paid orders import; unpaid and closed ones are counted as `not-paid`; a status not listed
 *   here is counted as `unknown-status`, named, so a merchant can list it in a --map.
 */

/**
 * Headers customer exports give a birthday under (a CRM's or a membership system's), read as the
 * `birthday` column of `import customers`.
 */
export const BIRTHDAY_HEADERS = ['生日', '出生日期', '会员生日', 'date_of_birth', 'birth_date', 'dob'] as const;

export const PRESET_NAMES = ['taobao', 'youzan'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Readonly<Record<PresetName, ExportMap>> = {
  // The Taobao / Tmall seller centre's order report (订单报表), GBK CSV, one row per order:
  // 宝贝标题 holds every title of the order, so the first product rule that matches any of them
  // decides the category. 宝贝总数量 is not read: the amount is already the order's total.
  taobao: {
    order_id: '订单编号',
    customer_id: '买家会员名',
    ordered_at: '订单创建时间',
    paid_at: '订单付款时间',
    status: '订单状态',
    order_amount: '买家实际支付金额',
    product: '宝贝标题',
    phone: '联系手机',
    name: '收货人姓名',
    paid_statuses: [
      '买家已付款，等待卖家发货',
      '等待卖家发货',
      '卖家部分发货',
      '卖家已发货，等待买家确认',
      '等待买家确认收货',
      // Cash on delivery: paid to the courier on delivery.
      '买家已签收',
      '交易成功',
    ],
    not_paid_statuses: [
      '等待买家付款',
      // A card payment not yet confirmed: imported by a later export once it is paid.
      '付款确认中',
      // Closed before payment, or after a full refund.
      '交易关闭',
      '交易被淘宝关闭',
    ],
  },
  // Youzan's order export (订单导出), UTF-8 with a BOM; one row per product when exported by
  // product, with 订单实付金额 (the order's total) repeated on each. It has no receiver name
  // column in the set read here, so the customer's name is the nickname.
  youzan: {
    order_id: '订单号',
    customer_id: '买家昵称',
    ordered_at: '下单时间',
    paid_at: '付款时间',
    status: '订单状态',
    order_amount: '订单实付金额',
    product: '商品名称',
    phone: '收货人手机号',
    name: '买家昵称',
    paid_statuses: ['待发货', '已发货', '待收货', '已完成', '交易成功'],
    not_paid_statuses: [
      '待付款',
      // A group buy not yet formed: refunded if it never forms, imported by a later export once it ships.
      '待成团',
      '已关闭',
      '交易关闭',
    ],
  },
};
