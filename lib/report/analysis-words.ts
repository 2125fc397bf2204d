import type { Language } from './i18n.ts';

/**
 * The words of the repurchase analysis page (`recall analyze --html`), per language; kept apart
 * from the report's (lib/report/i18n.ts) because no other page reads them.
 */
const words = {
  en: {
    title: (shop: string) => `Repurchase analysis: ${shop}`,
    asOf: (asOf: string, customers: string, orders: string) => `As of ${asOf}: ${customers} customers, ${orders} orders (every stored order, read by parallel Scans).`,
    // Figures.
    customers: 'customers',
    customersDetail: (orders: string) => `${orders} orders`,
    repeat: 'ordered twice or more',
    repeatDetail: (repeaters: string) => `${repeaters} customers`,
    magic: 'magic number',
    magicValue: (k: number) => `${k} order${k === 1 ? '' : 's'}`,
    magicNone: 'none yet',
    magicDetail: 'after it, one more order adds under 2 pts',
    active: 'active (ordered within 90 days)',
    activeDetail: (share: string) => `${share} of customers`,
    // Next order.
    nextOrderTitle: 'Chance of a next order, by orders placed so far: P(k+1 | k)',
    nextOrderNote: (magic: string) =>
      `Bars: of the customers with at least k orders, the share who placed another; whiskers: its 95% interval (Wilson). ${magic} Recent customers have not had their full chance yet: read the top of the curve with the cohorts below.`,
    magicNote: (k: number) => `The magic number is ${k} (marked): after ${k} order${k === 1 ? '' : 's'}, one more raises the chance of the next by less than 2 points, so bringing a customer to ${k} is what keeps them.`,
    magicNoneNote: 'No magic number yet: the chance keeps rising (or there are too few customers, under 30 a step, to tell).',
    chance: 'chance of a next order',
    interval: '95% interval',
    magicMark: (k: number) => `magic number: ${k}`,
    ordersSoFar: 'orders so far (k)',
    // Cohorts.
    cohortsTitle: 'Next-month repurchase by first-purchase month',
    cohortsNote: 'Customers by the month of their first order, and the share who ordered again in the calendar month after. A light bar: that month after has not ended, the rate can still grow.',
    cohortRate: 'ordered again the month after',
    cohortCustomers: 'customers',
    // Lifecycle.
    lifecycleTitle: 'Lifecycle: customers by days since their last order',
    lifecycleNote: 'The same thresholds as the recency journey: active under 90 days, sleeping 90 to 179, pre-lost 180 to 365, lost over 365.',
    tiers: { active: 'active', sleeping: 'sleeping', preLost: 'pre-lost', lost: 'lost' },
    // RFM.
    rfmTitle: 'RFM: customers and average spend by recency and frequency',
    rfmNote: (recency: string, orders: string, spend: string) =>
      `Quintiles (5 = best fifth). Recency edges, days since the last order: ${recency}. Frequency edges, orders: ${orders}. Spend edges (the M of RFM): ${spend}. A tie stays in the lower fifth, so a column can be empty when most customers have one order. Darker: more customers.`,
    rfmCorner: 'R \\ F',
    rfmRow: (r: number) => `R${r}${r === 5 ? ' (latest)' : r === 1 ? ' (oldest)' : ''}`,
    rfmColumn: (f: number) => `F${f}${f === 5 ? ' (most)' : f === 1 ? ' (fewest)' : ''}`,
    rfmCell: (customers: string, spend: string) => `${customers} · avg ${spend}`,
    // Survival.
    survivalTitle: 'Days to the second purchase, per category: survival beside the windows',
    survivalNote:
      'Curve: the share of a category’s buyers not back yet, by days after their first purchase (Kaplan-Meier: customers not back by today count until today); band: its 95% interval. Dashed: the configured window; red dot: the survival 50% point, where half have come back. The repeaters’ median (what recall windows learns) leaves out those who never came back, so it is shorter.',
    survivalShare: 'not back yet',
    survivalBand: '95% interval',
    daysAfterFirst: (buyers: string, back: string) => `days after the first purchase (${buyers} buyers, ${back} back)`,
    window: (days: number) => `window ${days} d`,
    medianAt: (days: number) => `50% at ${days} d`,
    noMedian: 'fewer than half came back: no 50% point',
    noBuyers: 'no buyers yet',
    columns: {
      category: 'category',
      configured: 'configured window',
      learned: 'repeaters’ median',
      median: 'survival 50%',
      medianInterval: '95% interval',
      buyers: 'buyers',
      back: 'came back',
    },
    days: (days: number | null) => (days === null ? '-' : `${days} d`),
    open: 'open',
    invalid: (count: string) => `${count} invalid items skipped.`,
    madeBy: 'Made by recall analyze; this file loads nothing from the network.',
  },
  zh: {
    title: (shop: string) => `复购分析：${shop}`,
    asOf: (asOf: string, customers: string, orders: string) => `截至 ${asOf}：${customers} 位顾客，${orders} 笔订单（读取全部已存订单，并行 Scan）。`,
    customers: '顾客',
    customersDetail: (orders: string) => `${orders} 笔订单`,
    repeat: '下单两次及以上',
    repeatDetail: (repeaters: string) => `${repeaters} 位顾客`,
    magic: '复购魔法数字',
    magicValue: (k: number) => `${k} 单`,
    magicNone: '暂无',
    magicDetail: '之后每多一单，再次下单的概率提升不足 2 个百分点',
    active: '活跃（90 天内下单）',
    activeDetail: (share: string) => `占顾客 ${share}`,
    nextOrderTitle: '按已下单数看再次下单的概率：P(k+1 | k)',
    nextOrderNote: (magic: string) =>
      `柱：至少下过 k 单的顾客中再下一单的比例；须线：95% 置信区间（Wilson）。${magic}新顾客还没来得及复购：曲线的前段请结合下方的同期群一起看。`,
    magicNote: (k: number) => `魔法数字为 ${k}（已标出）：下满 ${k} 单后，每多一单，再次下单的概率提升不足 2 个百分点；把顾客带到第 ${k} 单，就能留住他们。`,
    magicNoneNote: '暂无魔法数字：概率仍在上升（或每步不足 30 位顾客，无法判断）。',
    chance: '再次下单概率',
    interval: '95% 置信区间',
    magicMark: (k: number) => `魔法数字：${k}`,
    ordersSoFar: '已下单数（k）',
    cohortsTitle: '按首单月份看次月复购',
    cohortsNote: '按首单月份分组的顾客，以及其中在下一个自然月再次下单的比例。浅色柱：下一个月尚未结束，比例还可能上升。',
    cohortRate: '次月再次下单',
    cohortCustomers: '顾客数',
    lifecycleTitle: '生命周期：按距上次下单天数分层',
    lifecycleNote: '与按最近购买时间的旅程相同的阈值：活跃不足 90 天，沉睡 90 至 179 天，预流失 180 至 365 天，流失超过 365 天。',
    tiers: { active: '活跃', sleeping: '沉睡', preLost: '预流失', lost: '流失' },
    rfmTitle: 'RFM：按最近购买与购买频次分格的顾客数和人均消费',
    rfmNote: (recency: string, orders: string, spend: string) =>
      `五分位（5 = 最好的五分之一）。最近购买分界（距上次下单天数）：${recency}。频次分界（订单数）：${orders}。消费金额分界（RFM 的 M）：${spend}。相同值归入较低的一档，因此多数顾客只下过一单时某些列会是空的。颜色越深，顾客越多。`,
    rfmCorner: 'R \\ F',
    rfmRow: (r: number) => `R${r}${r === 5 ? '（最近）' : r === 1 ? '（最久）' : ''}`,
    rfmColumn: (f: number) => `F${f}${f === 5 ? '（最多）' : f === 1 ? '（最少）' : ''}`,
    rfmCell: (customers: string, spend: string) => `${customers} 人 · 人均 ${spend}`,
    survivalTitle: '各品类距第二次购买的天数：生存曲线与窗口',
    survivalNote:
      '曲线：某品类买家中尚未回购的比例，按首次购买后的天数（Kaplan-Meier：至今未回购的顾客计算到今天）；阴影：95% 置信区间。虚线：配置的窗口；红点：生存曲线的 50% 点，即半数顾客已回购之时。回购者中位数（recall windows 学到的窗口）不计从未回购的顾客，因此更短。',
    survivalShare: '尚未回购',
    survivalBand: '95% 置信区间',
    daysAfterFirst: (buyers: string, back: string) => `首次购买后天数（${buyers} 位买家，${back} 位已回购）`,
    window: (days: number) => `窗口 ${days} 天`,
    medianAt: (days: number) => `50% 于 ${days} 天`,
    noMedian: '回购不足一半：没有 50% 点',
    noBuyers: '尚无买家',
    columns: {
      category: '品类',
      configured: '配置的窗口',
      learned: '回购者中位数',
      median: '生存曲线 50%',
      medianInterval: '95% 置信区间',
      buyers: '买家',
      back: '已回购',
    },
    days: (days: number | null) => (days === null ? '-' : `${days} 天`),
    open: '无上限',
    invalid: (count: string) => `跳过了 ${count} 条无效记录。`,
    madeBy: '由 recall analyze 生成；本文件不从网络加载任何内容。',
  },
} satisfies Record<Language, unknown>;

export type AnalysisWords = (typeof words)['en'];

/** The labels of one language; both languages have every label (checked by the compiler). */
export function analysisWordsOf(language: Language): AnalysisWords {
  const chosen: AnalysisWords = words[language];
  return chosen;
}
