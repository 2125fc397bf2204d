import type { CampaignConfig } from '../config/schema.ts';

/**
 * The report's two languages: every word a marketer reads in the text and HTML report, and the
 * number, money and date formats that go with them.
 */

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** `--lang`, else the config's `language`, else Chinese for a shop in China. */
export function reportLanguage(config: Pick<CampaignConfig, 'language' | 'defaultCountry'>, requested?: string): Language {
  const chosen = requested ?? config.language ?? (config.defaultCountry === 'CN' ? 'zh' : 'en');
  const language = LANGUAGES.find((candidate) => candidate === chosen);
  if (!language) throw new RangeError(`--lang: expected ${LANGUAGES.join(' or ')}, got "${chosen}"`);
  return language;
}

const LOCALE: Record<Language, string> = { zh: 'zh-CN', en: 'en-US' };

/** Number, percent, money and interval formats of one language. */
export function formats(language: Language, currency: string) {
  const locale = LOCALE[language];
  const number = (value: number, digits = 2) => value.toLocaleString(locale, { maximumFractionDigits: digits });
  const percent = (value: number | null, digits = 1) => (value === null ? '-' : `${(value * 100).toFixed(digits)}%`);
  const signed = (value: number, digits = 1) => `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
  /** Money in the shop's currency: whole units from 100 up, cents below. */
  const money = (value: number) =>
    value.toLocaleString(locale, { style: 'currency', currency, maximumFractionDigits: Math.abs(value) >= 100 ? 0 : 2, minimumFractionDigits: 0 });
  return {
    number,
    percent,
    signed,
    money,
    /** A fraction as signed percentage points: 0.021 -> "+2.1". */
    points: (value: number) => signed(value * 100),
    /** "¥1,200 to ¥3,400"; an open upper end reads "or more". */
    range: (low: string, high: string | null) => (high === null ? words[language].orMore(low) : words[language].range(low, high)),
  };
}
export type Formats = ReturnType<typeof formats>;

/** Every label of the report, per language. */
const words = {
  en: {
    title: (shop: string) => `Recall report: ${shop}`,
    period: (from: string, to: string, days: number, asOf: string) => `${from} to ${to} (${days} days), as of ${asOf}`,
    attributionNote: (days: number) =>
      `An order within ${days} days of a sent or held-out message converts it; the latest message wins. Held-out customers were never messaged: they are the control.`,
    range: (low: string, high: string) => `${low} to ${high}`,
    orMore: (low: string) => `${low} or more`,
    ci: '95% CI',
    notSignificant: 'not significant',
    noControl: 'no control group',
    pts: 'pts',
    // Headline sentences.
    headlineSignificant: (extra: string, range: string, revenue: string | null, roi: string | null) =>
      `The messages added ${extra} conversions (95% CI ${range})${revenue ? `, ${revenue} of revenue` : ''}${roi ? `, ${roi}` : ''}.`,
    headlineNegative: (rate: string, control: string) => `Customers who got a message converted less than the control (${rate} vs ${control}), beyond chance: review the messages and their timing.`,
    headlineNotSignificant: (rate: string, control: string, range: string) =>
      `No increment shown yet: messaged customers converted at ${rate}, the control at ${control}; the difference (95% CI ${range} points) could be chance.`,
    headlineNoControl: (rate: string) => `Messaged customers converted at ${rate}; without a held-out control group the report cannot tell what the messages added.`,
    headlineNothing: 'No message was sent in this period.',
    perSpent: (value: string) => `${value} back per 1 spent`,
    // KPI cards and text headline lines.
    sent: 'messages sent',
    sentDetail: (parts: string, heldOut: string) => `${parts} SMS parts; ${heldOut} held out`,
    conversion: 'conversion, sent vs held out',
    withinDays: (days: number) => `within ${days} days of the message`,
    lift: 'lift',
    incrementalRevenue: 'incremental revenue',
    returnOnSpend: 'return on spend',
    spend: 'spend: SMS + coupons',
    spendDetail: (sms: string, coupons: string) => `SMS ${sms}, coupons ${coupons}`,
    costPerConversion: 'cost per conversion',
    costPerConversionDetail: (incremental: string | null): string => (incremental ? `per added conversion ${incremental}` : 'all conversions of sent messages'),
    attributedRevenue: 'attributed revenue',
    redeemed: 'coupons redeemed',
    delivered: 'delivered',
    deliveredDetail: (delivered: string, sent: string, failed: string) => `${delivered} of ${sent} sent; ${failed} failed`,
    unconfirmed: 'unconfirmed',
    unconfirmedDetail: (count: number): string => (count ? 'may not have gone out: recall reconcile lists them' : 'every sent message confirmed'),
    optOuts: 'opt-outs within 7 days',
    optOutsDetail: (recipients: string, flagged: number) => `${recipients} recipients; ${flagged} step(s) over 1%`,
    repurchase: 'repurchase rate',
    repurchaseDetail: (repeat: string, buyers: string) => `${repeat} of ${buyers} buyers ordered twice or more`,
    nextMonth: 'next-month repurchase',
    nextMonthDetail: (returning: string, buyers: string, from: string, to: string, progress: string) => `${returning} of ${buyers} buyers of ${from} to ${to} back within 30 days${progress}`,
    progress: (elapsed: number): string => (elapsed === 0 ? ' (not started)' : ` (${elapsed} of 30 days)`),
    notSignificantValue: (value: string) => `estimate ${value}`,
    // Sections.
    trendTitle: (bucket: 'day' | 'week'): string => (bucket === 'day' ? 'Messages and conversion rate per day' : 'Messages and conversion rate per week'),
    trendNote: (bucket: 'day' | 'week'): string =>
      bucket === 'day'
        ? "Bars: messages decided that day. Lines: the conversion rate of that day's messages."
        : 'Summed by week (from the first day of the period): per day the counts are too small to read. Bars: messages; lines: their conversion rate.',
    messages: 'messages',
    rateSent: 'conversion, sent',
    rateHeldOut: 'conversion, held out',
    heldOutSeries: 'held out (control)',
    journeysTitle: 'Conversion rate, sent vs held out, per journey',
    journeysNote: "Bars: conversion rate; whiskers: its 95% interval (Wilson). Lift: sent minus held out in percentage points, 95% interval by Newcombe's score method; not significant when it includes 0.",
    funnelTitle: 'From sent to redeemed: delivery, failures, spend and opt-outs',
    funnelNote: (pricePerPart: string, perUsd: string, code: string) =>
      `Sent: every message the provider took (or may have: unconfirmed), also those it then failed or let expire. Failed: by the provider's reason; our own refusals by error name; expired: not delivered within its time to live. SMS spend: the provider's price where it gave one, else ${pricePerPart} USD per part for every SMS that left us, converted at ${perUsd} ${code} per USD. A step is flagged when more than 1% of its recipients opted out within 7 days.`,
    stages: { sent: 'sent', delivered: 'delivered', converted: 'converted', redeemed: 'redeemed' },
    shareOfSent: 'share of sent',
    failuresTitle: 'Why messages did not reach the phone (all journeys)',
    noFailures: 'No message failed or expired.',
    surveyTitle: 'Survey answers',
    noSurvey: 'No survey step in this period.',
    surveyText: (answers: string, recipients: string, share: string) => `${answers} answers from ${recipients} recipients${share ? ` (${share})` : ''}`,
    cohortsTitle: 'Next-month repurchase by first-order month',
    cohortsNote: (since: string) =>
      `Customers by the month of their first order since ${since} (the orders the report reads), and the share who ordered again in the month after. The first month also holds customers who bought before ${since}; a hatched bar's month after has not ended.`,
    noCohorts: 'No orders around this period.',
    cohortRate: 'came back the month after',
    cohortCustomers: 'customers',
    windowsTitle: 'Days to the second purchase, per category',
    windowsNote: 'Dashed line: the configured window. Red dot: the learned window, the day by which 50% of second purchases happened (shown from 30 repeaters up).',
    notComputed: 'Not computed for this report.',
    noSecondPurchase: (buyers: string) => `no second purchases yet (${buyers} buyers)`,
    tooFew: (repeaters: number) => `too few repeaters (${repeaters} < 30): no suggestion`,
    window: (days: number) => `window ${days} d`,
    learnedAt: (days: number) => `50% at ${days} d`,
    daysAfterFirst: (n: string) => `days after the first purchase (n = ${n})`,
    tablesTitle: 'Per journey and step',
    tablesNote: 'Every table is also written as CSV with --csv DIR.',
    shopLine: (orders: string, buyers: string, rate: string, nextMonth: string) =>
      `Shop: ${orders} orders by ${buyers} customers in the period; repurchase rate ${rate} (customers with 2 or more orders / customers with 1 or more); next-month repurchase rate ${nextMonth}.`,
    deferred: 'Deferred candidates are not persisted: they stay due and are decided again on the next run.',
    notFinal: (from: string) => `Messages decided after ${from} can still convert: their numbers are not final.`,
    madeBy: 'Made by recall report; this file loads nothing from the network.',
    flagged: (name: string, optOuts: string, sent: string, rate: string) => `${name}: ${optOuts} of ${sent} recipients (${rate}) opted out within 7 days, over 1%`,
    invalid: (count: string) => `${count} invalid index items skipped.`,
    // Tables (text, HTML and CSV headers).
    columns: {
      journey: 'journey',
      journeyId: 'journey id',
      step: 'step',
      stepId: 'step id',
      candidates: 'candidates',
      sent: 'sent',
      unconfirmed: 'unconfirmed',
      heldOut: 'held out',
      skipped: 'skipped',
      notDelivered: 'not delivered',
      conversionSent: 'conv. sent',
      conversionHeldOut: 'conv. held out',
      lift: 'lift (95% CI)',
      liftPoints: 'lift (pts)',
      liftLow: 'lift low (pts)',
      liftHigh: 'lift high (pts)',
      significant: 'significant',
      relative: 'relative lift',
      revenue: 'revenue',
      incrementalRevenue: 'incremental revenue (95% CI)',
      incrementalRevenueLow: 'incremental revenue low',
      incrementalRevenueHigh: 'incremental revenue high',
      couponCost: 'coupon cost',
      smsParts: 'SMS parts',
      smsUsd: 'SMS USD',
      smsSpend: 'SMS spend',
      spend: 'spend',
      returnOnSpend: 'return on spend (95% CI)',
      returnOnSpendLow: 'return on spend low',
      returnOnSpendHigh: 'return on spend high',
      costPerConversion: 'cost per conversion',
      costPerIncremental: 'cost per added conversion',
      delivered: 'delivered',
      failed: 'failed, by reason',
      converted: 'converted',
      redeemed: 'redeemed',
      optOuts: 'opt-outs (7 days)',
      from: 'from',
      to: 'to',
      month: 'first-order month',
      customers: 'customers',
      nextMonth: 'ordered the month after',
      rate: 'rate',
      complete: 'final',
      reason: 'reason',
      count: 'count',
      answer: 'answer',
      yes: 'yes',
      no: 'no',
    },
    tables: {
      decisions: 'Decisions',
      results: 'Conversions and what they brought',
      funnel: 'Delivery and spend',
      trend: 'Trend',
      cohorts: 'Cohorts',
      failures: 'Failures',
      survey: 'Survey answers',
    },
    total: 'total',
    all: '(all)',
    flaggedMark: 'over 1%',
  },
  zh: {
    title: (shop: string) => `召回报告：${shop}`,
    period: (from: string, to: string, days: number, asOf: string) => `${from} 至 ${to}（${days} 天），截至 ${asOf}`,
    attributionNote: (days: number) => `发送或留出（对照组）消息后 ${days} 天内的订单计为该消息的转化，以最近一条消息为准。对照组客户从未收到消息。`,
    range: (low: string, high: string) => `${low} 至 ${high}`,
    orMore: (low: string) => `${low} 或更高`,
    ci: '95% 置信区间',
    notSignificant: '不显著',
    noControl: '无对照组',
    pts: '个百分点',
    headlineSignificant: (extra: string, range: string, revenue: string | null, roi: string | null) =>
      `短信多带来了 ${extra} 单转化（95% 置信区间 ${range}）${revenue ? `，增量收入 ${revenue}` : ''}${roi ? `，${roi}` : ''}。`,
    headlineNegative: (rate: string, control: string) => `收到短信的客户转化率低于对照组（${rate} 对 ${control}），且超出随机波动：请检查短信内容和发送时机。`,
    headlineNotSignificant: (rate: string, control: string, range: string) =>
      `尚未看到显著增量：收到短信的客户转化率 ${rate}，对照组 ${control}；差异（95% 置信区间 ${range} 个百分点）可能只是随机波动。`,
    headlineNoControl: (rate: string) => `收到短信的客户转化率 ${rate}；没有对照组，无法判断短信带来了多少增量。`,
    headlineNothing: '本期没有发送任何消息。',
    perSpent: (value: string) => `每投入 1 元带回 ${value} 元`,
    sent: '已发送消息',
    sentDetail: (parts: string, heldOut: string) => `${parts} 条计费短信；对照组 ${heldOut} 人`,
    conversion: '转化率：发送 vs 对照',
    withinDays: (days: number) => `消息后 ${days} 天内`,
    lift: '提升',
    incrementalRevenue: '增量收入',
    returnOnSpend: '投入回报',
    spend: '投入：短信 + 优惠券',
    spendDetail: (sms: string, coupons: string) => `短信 ${sms}，优惠券 ${coupons}`,
    costPerConversion: '每单转化成本',
    costPerConversionDetail: (incremental: string | null): string => (incremental ? `每单增量转化 ${incremental}` : '按发送消息的全部转化计'),
    attributedRevenue: '归因收入',
    redeemed: '已核销优惠券',
    delivered: '送达率',
    deliveredDetail: (delivered: string, sent: string, failed: string) => `已发送 ${sent} 条中送达 ${delivered} 条；失败 ${failed} 条`,
    unconfirmed: '未确认',
    unconfirmedDetail: (count: number): string => (count ? '可能未发出：recall reconcile 可列出' : '所有已发送消息均已确认'),
    optOuts: '7 天内退订',
    optOutsDetail: (recipients: string, flagged: number) => `${recipients} 位收件人；${flagged} 个步骤超过 1%`,
    repurchase: '复购率',
    repurchaseDetail: (repeat: string, buyers: string) => `${buyers} 位买家中 ${repeat} 位下单两次及以上`,
    nextMonth: '次月复购率',
    nextMonthDetail: (returning: string, buyers: string, from: string, to: string, progress: string) => `${from} 至 ${to} 的 ${buyers} 位买家中 ${returning} 位在 30 天内回购${progress}`,
    progress: (elapsed: number): string => (elapsed === 0 ? '（尚未开始）' : `（已过 ${elapsed}/30 天）`),
    notSignificantValue: (value: string) => `估计 ${value}`,
    trendTitle: (bucket: 'day' | 'week'): string => (bucket === 'day' ? '每日消息数与转化率' : '每周消息数与转化率'),
    trendNote: (bucket: 'day' | 'week'): string =>
      bucket === 'day' ? '柱：当天决定的消息数。线：当天消息的转化率。' : '按周汇总（从本期第一天起算）：每天的数量太少，看不出趋势。柱：消息数；线：转化率。',
    messages: '消息数',
    rateSent: '转化率（发送）',
    rateHeldOut: '转化率（对照）',
    heldOutSeries: '对照组（未发送）',
    journeysTitle: '各旅程转化率：发送 vs 对照',
    journeysNote: '柱：转化率；误差线：95% 置信区间（Wilson）。提升 = 发送组转化率 − 对照组转化率（百分点），95% 置信区间按 Newcombe 得分法；区间包含 0 即不显著。',
    funnelTitle: '从发送到核销：送达、失败、花费与退订',
    funnelNote: (pricePerPart: string, perUsd: string, code: string) =>
      `发送：服务商已接收（或可能已接收：未确认）的全部消息，包括之后失败或过期的。失败：按服务商给出的原因；我方拒发按错误名；过期：有效期内未送达。短信花费：有服务商报价时按报价，否则每条计费短信按 ${pricePerPart} 美元估算，按 1 美元 = ${perUsd} ${code} 换算。某步骤 7 天内退订超过收件人的 1% 时标红。`,
    stages: { sent: '发送', delivered: '送达', converted: '转化', redeemed: '核销' },
    shareOfSent: '占发送的比例',
    failuresTitle: '消息未送达的原因（全部旅程）',
    noFailures: '没有失败或过期的消息。',
    surveyTitle: '调研回复',
    noSurvey: '本期没有调研步骤。',
    surveyText: (answers: string, recipients: string, share: string) => `${recipients} 位收件人中 ${answers} 条回复${share ? `（${share}）` : ''}`,
    cohortsTitle: '按首单月份的次月复购率',
    cohortsNote: (since: string) => `按 ${since} 以来（报告读取的订单）首次下单的月份分组，看下个月再次下单的比例。第一个月也包含 ${since} 之前买过的客户；斜线柱表示其下个月尚未结束。`,
    noCohorts: '本期前后没有订单。',
    cohortRate: '次月回购比例',
    cohortCustomers: '客户数',
    windowsTitle: '各品类到第二次购买的天数',
    windowsNote: '虚线：配置的召回窗口。红点：学习到的窗口，即 50% 的第二次购买发生的天数（复购客户满 30 位才显示）。',
    notComputed: '本报告未计算。',
    noSecondPurchase: (buyers: string) => `尚无第二次购买（${buyers} 位买家）`,
    tooFew: (repeaters: number) => `复购客户太少（${repeaters} < 30）：不给建议`,
    window: (days: number) => `窗口 ${days} 天`,
    learnedAt: (days: number) => `50% 在 ${days} 天`,
    daysAfterFirst: (n: string) => `首次购买后的天数（n = ${n}）`,
    tablesTitle: '各旅程与步骤明细',
    tablesNote: '每张表也可用 --csv DIR 导出为 CSV。',
    shopLine: (orders: string, buyers: string, rate: string, nextMonth: string) =>
      `店铺：本期 ${buyers} 位客户下了 ${orders} 单；复购率 ${rate}（下单 2 次及以上的客户 / 下单 1 次及以上的客户）；次月复购率 ${nextMonth}。`,
    deferred: '延后的候选不落库：它们仍然到期，下一次运行时重新决定。',
    notFinal: (from: string) => `${from} 之后决定的消息仍可能转化：这部分数字尚非最终。`,
    madeBy: '由 recall report 生成；本文件不从网络加载任何内容。',
    flagged: (name: string, optOuts: string, sent: string, rate: string) => `${name}：${sent} 位收件人中 ${optOuts} 位（${rate}）在 7 天内退订，超过 1%`,
    invalid: (count: string) => `已跳过 ${count} 个无效索引项。`,
    columns: {
      journey: '旅程',
      journeyId: '旅程 ID',
      step: '步骤',
      stepId: '步骤 ID',
      candidates: '候选',
      sent: '发送',
      unconfirmed: '未确认',
      heldOut: '对照',
      skipped: '跳过',
      notDelivered: '未送达',
      conversionSent: '发送组转化',
      conversionHeldOut: '对照组转化',
      lift: '提升（95% 置信区间）',
      liftPoints: '提升（百分点）',
      liftLow: '提升下限（百分点）',
      liftHigh: '提升上限（百分点）',
      significant: '显著',
      relative: '相对提升',
      revenue: '收入',
      incrementalRevenue: '增量收入（95% 置信区间）',
      incrementalRevenueLow: '增量收入下限',
      incrementalRevenueHigh: '增量收入上限',
      couponCost: '优惠券成本',
      smsParts: '计费短信条数',
      smsUsd: '短信花费（美元）',
      smsSpend: '短信花费',
      spend: '总投入',
      returnOnSpend: '投入回报（95% 置信区间）',
      returnOnSpendLow: '投入回报下限',
      returnOnSpendHigh: '投入回报上限',
      costPerConversion: '每单转化成本',
      costPerIncremental: '每单增量转化成本',
      delivered: '送达',
      failed: '失败（按原因）',
      converted: '转化',
      redeemed: '核销',
      optOuts: '退订（7 天）',
      from: '开始',
      to: '结束',
      month: '首单月份',
      customers: '客户数',
      nextMonth: '次月再次下单',
      rate: '比例',
      complete: '已完结',
      reason: '原因',
      count: '数量',
      answer: '回复',
      yes: '是',
      no: '否',
    },
    tables: {
      decisions: '决策',
      results: '转化与回报',
      funnel: '送达与花费',
      trend: '趋势',
      cohorts: '同期群',
      failures: '失败原因',
      survey: '调研回复',
    },
    total: '合计',
    all: '（全部步骤）',
    flaggedMark: '超过 1%',
  },
} satisfies Record<Language, unknown>;

export type Words = (typeof words)['en'];

/** The labels of one language; both languages have every label (checked by the compiler). */
export function wordsOf(language: Language): Words {
  const chosen: Words = words[language];
  return chosen;
}
