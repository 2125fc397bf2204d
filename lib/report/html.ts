/**
 * The HTML report (`recall report --html FILE`): one self-contained file, charts drawn as inline
 * SVG, one small inline script (legend toggles), and a Content-Security-Policy that forbids any
 * network request, so it opens the same from a disk, a mail attachment or a shared drive.
 */
import type { CampaignConfig } from '../config/schema.ts';
import { wilsonInterval } from '../domain/stats.ts';
import type { WindowLearning } from '../domain/windows.ts';
import type { Report, StepResult } from '../domain/report.ts';
import type { NextMonthRepurchase } from '../domain/repurchase.ts';
import { barsPath, escapeXml as esc, legend, linear, linePath, niceTicks, yAxis, type Box } from './svg.ts';
import { flaggedSteps, formatSpend, formatLift, nextMonthRate, number, percent, surveys, usd } from './text.ts';

export interface HtmlReportInput {
  report: Report;
  config: CampaignConfig;
  /** Window learning over the stored category histories; absent: that section says so. */
  windows?: readonly WindowLearning[];
}

const SERIES = { sent: 'sent', heldOut: 'held-out' } as const;

function dailyChart(report: Report): string {
  const width = 960;
  const height = 380;
  const left = 56;
  const right = 16;
  const top = { x: left, y: 30, width: width - left - right, height: 180 } satisfies Box;
  const bottom = { x: left, y: 258, width: width - left - right, height: 92 } satisfies Box;
  const days = report.daily;
  const slot = top.width / Math.max(1, days.length);
  const bar = Math.max(1, Math.min(18, slot * 0.4));

  const panel = (box: Box, title: string, values: (point: (typeof days)[number]) => [number, number]) => {
    const max = Math.max(1, ...days.flatMap((point) => values(point)));
    const ticks = niceTicks(max);
    const y = linear([0, ticks[ticks.length - 1] ?? max], [box.y + box.height, box.y]);
    const series = [SERIES.sent, SERIES.heldOut].map((name, index) =>
      barsPath(
        days.map((point, day) => {
          const value = values(point)[index] ?? 0;
          const x = box.x + day * slot + slot / 2 - bar + index * bar;
          return { x, y: y(value), width: bar, height: y(0) - y(value) };
        }),
      ),
    );
    return [
      `<text class="panel-title" x="${box.x}" y="${box.y - 14}">${esc(title)}</text>`,
      yAxis(box, ticks, y, (tick) => number(tick)),
      `<path class="series s-${SERIES.sent}" data-series="${SERIES.sent}" d="${series[0]}"/>`,
      `<path class="series s-${SERIES.heldOut}" data-series="${SERIES.heldOut}" d="${series[1]}"/>`,
    ].join('');
  };

  const labelEvery = Math.max(1, Math.ceil(days.length / 10));
  const labels = days
    .map((point, day) => (day % labelEvery === 0 ? `<text class="tick" x="${(left + day * slot + slot / 2).toFixed(1)}" y="${height - 8}" text-anchor="middle">${point.date.slice(5)}</text>` : ''))
    .join('');
  // Hover a day for its numbers (a native tooltip: no script needed).
  const hover = days
    .map(
      (point, day) =>
        `<rect class="hover" x="${(left + day * slot).toFixed(1)}" y="${top.y}" width="${slot.toFixed(1)}" height="${bottom.y + bottom.height - top.y}"><title>${point.date}: sent ${point.sent}, held out ${point.heldOut}; converted ${point.conversionsSent} sent, ${point.conversionsHeldOut} held out</title></rect>`,
    )
    .join('');
  return `<svg class="chart" data-chart="daily" viewBox="0 0 ${width} ${height}" role="img" aria-label="Messages and conversions per day">${panel(top, 'messages per day', (point) => [point.sent, point.heldOut])}${panel(
    bottom,
    "conversions of that day's messages",
    (point) => [point.conversionsSent, point.conversionsHeldOut],
  )}${labels}${hover}</svg>`;
}

function journeyChart(report: Report): string {
  const journeys = Object.entries(report.byJourney);
  const rowHeight = 64;
  const left = 170;
  const width = 1160;
  const plot = { x: left, y: 10, width: 480, height: Math.max(1, journeys.length) * rowHeight } satisfies Box;
  const valueColumn = plot.x + plot.width + 16;
  const liftColumn = valueColumn + 130;
  const height = plot.y + plot.height + 30;
  const upper = (result: StepResult) => [
    result.sent > 0 ? wilsonInterval(result.conversions.sent, result.sent)[1] : 0,
    result.heldOut > 0 ? wilsonInterval(result.conversions.heldOut, result.heldOut)[1] : 0,
  ];
  const max = Math.max(0.01, ...journeys.flatMap(([, { total }]) => upper(total)));
  const ticks = niceTicks(max);
  const x = linear([0, ticks[ticks.length - 1] ?? max], [plot.x, plot.x + plot.width]);
  const barHeight = 18;
  const bars: Record<'sent' | 'held-out', Box[]> = { sent: [], 'held-out': [] };
  const whiskers: string[] = [];
  const labels: string[] = [];
  journeys.forEach(([journeyId, { total }], row) => {
    const base = plot.y + row * rowHeight + 8;
    const groups = [
      { series: 'sent' as const, x: total.conversions.sent, n: total.sent, rate: total.conversionRate.sent },
      { series: 'held-out' as const, x: total.conversions.heldOut, n: total.heldOut, rate: total.conversionRate.heldOut },
    ];
    groups.forEach((group, index) => {
      const y = base + index * (barHeight + 4);
      bars[group.series].push({ x: x(0), y, width: x(group.rate ?? 0) - x(0), height: barHeight });
      if (group.n > 0) {
        const [low, high] = wilsonInterval(group.x, group.n);
        const mid = y + barHeight / 2;
        whiskers.push(`M${x(low).toFixed(1)} ${mid}H${x(high).toFixed(1)}M${x(low).toFixed(1)} ${mid - 5}v10M${x(high).toFixed(1)} ${mid - 5}v10`);
      }
      labels.push(
        `<text class="value s-text-${group.series}" x="${valueColumn}" y="${y + barHeight / 2}" dy="0.32em">${group.n > 0 ? `${percent(group.rate)} (${number(group.x)}/${number(group.n)})` : 'none'}</text>`,
      );
    });
    labels.push(`<text class="label" x="${left - 10}" y="${base + barHeight + 2}" text-anchor="end">${esc(journeyId)}</text>`);
    labels.push(
      `<text class="lift${total.lift?.significant ? ' significant' : ''}" x="${liftColumn}" y="${base + barHeight + 2}">${esc(total.lift ? `lift ${formatLift(total.lift)}` : 'no control group')}</text>`,
    );
  });
  const grid = ticks
    .map((tick) => `<line class="grid" x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${plot.y}" y2="${plot.y + plot.height}"/><text class="tick" x="${x(tick).toFixed(1)}" y="${plot.y + plot.height + 18}" text-anchor="middle">${percent(tick, 0)}</text>`)
    .join('');
  return `<svg class="chart" data-chart="journeys" viewBox="0 0 ${width} ${height}" role="img" aria-label="Conversion rate, sent vs held out, per journey">${grid}<path class="series s-sent" data-series="sent" d="${barsPath(bars.sent)}"/><path class="series s-held-out" data-series="held-out" d="${barsPath(bars['held-out'])}"/><path class="ci" d="${whiskers.join('')}"/>${labels.join('')}</svg>`;
}

function windowChart(window: WindowLearning): string {
  const width = 300;
  const height = 190;
  const plot = { x: 40, y: 28, width: 244, height: 124 } satisfies Box;
  const title = `<text class="panel-title" x="${plot.x}" y="16">${esc(window.name)} (${esc(window.category)})</text>`;
  if (window.curve.length === 0) {
    return `<svg class="chart small" data-chart="window" data-category="${esc(window.category)}" viewBox="0 0 ${width} ${height}">${title}<text class="note" x="${plot.x}" y="${plot.y + 40}">no second purchases yet (${number(window.buyers)} buyers)</text></svg>`;
  }
  const lastDay = window.curve[window.curve.length - 1]?.day ?? 1;
  const x = linear([0, lastDay], [plot.x, plot.x + plot.width]);
  const y = linear([0, 1], [plot.y + plot.height, plot.y]);
  const curve = linePath(window.curve.map((point) => [x(point.day), y(point.share)]));
  const configured = x(Math.min(window.configuredDays, lastDay));
  const half = y(0.5).toFixed(1);
  const learned =
    window.learnedDays === null
      ? `<text class="note flag" x="${plot.x + 6}" y="${plot.y + 12}">too few repeaters (${window.repeaters} &lt; 30): no suggestion</text>`
      : `<circle class="learned" cx="${x(window.learnedDays).toFixed(1)}" cy="${half}" r="4"><title>50% of second purchases within ${window.learnedDays} days</title></circle><text class="learned-label" x="${(x(window.learnedDays) + 7).toFixed(1)}" y="${(y(0.5) + 14).toFixed(1)}">50% at ${window.learnedDays} d</text>`;
  const xTicks = niceTicks(lastDay, 4)
    .filter((tick) => tick <= lastDay)
    .map((tick) => `<text class="tick" x="${x(tick).toFixed(1)}" y="${plot.y + plot.height + 14}" text-anchor="middle">${tick}</text>`)
    .join('');
  return [
    `<svg class="chart small" data-chart="window" data-category="${esc(window.category)}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(window.name)}: days to second purchase">`,
    title,
    yAxis(plot, [0, 0.5, 1], y, (tick) => percent(tick, 0)),
    `<line class="half" x1="${plot.x}" x2="${plot.x + plot.width}" y1="${half}" y2="${half}"/>`,
    `<line class="window" x1="${configured.toFixed(1)}" x2="${configured.toFixed(1)}" y1="${plot.y}" y2="${plot.y + plot.height}"><title>configured window: ${window.configuredDays} days</title></line>`,
    `<text class="window-label" x="${(configured + 4).toFixed(1)}" y="${plot.y + 10}">window ${window.configuredDays} d</text>`,
    `<path class="series s-curve" data-series="curve" d="${curve}"/>`,
    learned,
    xTicks,
    `<text class="tick" x="${plot.x + plot.width}" y="${height - 4}" text-anchor="end">days after the first purchase (n = ${number(window.repeaters)})</text>`,
    '</svg>',
  ].join('');
}

/** "+2.1 pts [-0.4, +4.6] n.s." for the table. */
function compactLift(result: StepResult): string {
  if (!result.lift) return '-';
  const pts = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)}`;
  const [low, high] = result.lift.absoluteInterval;
  return `${pts(result.lift.absolute)} pts [${pts(low)}, ${pts(high)}]${result.lift.significant ? '' : ' n.s.'}`;
}

function resultsTable(report: Report): string {
  const row = (journey: string, step: string, r: StepResult, total = false) =>
    `<tr${total ? ' class="total"' : ''}><td>${esc(journey)}</td><td>${esc(step)}</td><td>${number(r.candidates)}</td><td>${number(r.sent)}</td><td>${number(r.heldOut)}</td><td>${esc(
      Object.entries(r.skipped)
        .map(([reason, count]) => `${reason} ${number(count)}`)
        .join(', ') || '-',
    )}</td><td>${r.sent ? `${percent(r.conversionRate.sent)} (${number(r.conversions.sent)})` : '-'}</td><td>${r.heldOut ? `${percent(r.conversionRate.heldOut)} (${number(r.conversions.heldOut)})` : '-'}</td><td class="${r.lift?.significant ? 'significant' : 'muted'}">${esc(compactLift(r))}</td><td>${esc(compactRelative(r))}</td><td>${number(r.redemptions)}</td><td>${number(r.revenue.sent)}</td><td>${number(r.couponCost)}</td><td>${number(r.smsParts)}</td></tr>`;
  const body: string[] = [];
  for (const [journey, { total, steps }] of Object.entries(report.byJourney)) {
    for (const [step, result] of Object.entries(steps)) body.push(row(journey, step, result));
    if (Object.keys(steps).length > 1) body.push(row(journey, '(all)', total, true));
  }
  body.push(row('total', '', report.totals, true));
  return `<div class="table"><table><thead><tr><th>journey</th><th>step</th><th>candidates</th><th>sent</th><th>held out</th><th>skipped</th><th>conv. sent</th><th>conv. held out</th><th>lift (95% CI; n.s. = not significant)</th><th>relative</th><th>redeemed</th><th>revenue</th><th>coupon cost</th><th>SMS parts</th></tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

const STAGES = ['sent', 'delivered', 'converted', 'redeemed'] as const;

/**
 * sent -> delivered -> converted -> redeemed per journey and in total, each row's bars scaled to
 * its own `sent` (so a small journey's funnel reads as clearly as a big one's).
 */
function funnelChart(report: Report): string {
  const rows: [string, StepResult][] = [...Object.entries(report.byJourney).map(([journeyId, { total }]): [string, StepResult] => [journeyId, total]), ['total', report.totals]];
  const left = 170;
  const width = 960;
  const barHeight = 14;
  const rowHeight = STAGES.length * (barHeight + 3) + 16;
  const plot = { x: left, y: 10, width: 520, height: rows.length * rowHeight } satisfies Box;
  const bars: Record<(typeof STAGES)[number], Box[]> = { sent: [], delivered: [], converted: [], redeemed: [] };
  const labels: string[] = [];
  rows.forEach(([name, result], row) => {
    const base = plot.y + row * rowHeight;
    const x = linear([0, Math.max(1, result.funnel.sent)], [plot.x, plot.x + plot.width]);
    labels.push(`<text class="label" x="${left - 10}" y="${base + barHeight}" text-anchor="end">${esc(name)}</text>`);
    STAGES.forEach((stage, index) => {
      const y = base + index * (barHeight + 3);
      const count = result.funnel[stage];
      bars[stage].push({ x: x(0), y, width: x(count) - x(0), height: barHeight });
      const share = stage === 'sent' || result.funnel.sent === 0 ? '' : ` (${percent(count / result.funnel.sent)} of sent)`;
      labels.push(`<text class="value" x="${plot.x + plot.width + 10}" y="${y + barHeight / 2}" dy="0.32em">${stage} ${number(count)}${share}</text>`);
    });
  });
  const height = plot.y + plot.height;
  const paths = STAGES.map((stage) => `<path class="series s-stage-${stage}" d="${barsPath(bars[stage])}"/>`).join('');
  return `<svg class="chart" data-chart="funnel" viewBox="0 0 ${width} ${height}" role="img" aria-label="Sent, delivered, converted, redeemed per journey">${paths}${labels.join('')}</svg>`;
}

/** Horizontal bars of counts by reason (failures, survey answers): one series. */
function reasonChart(chart: string, title: string, counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const left = 240;
  const width = 960;
  const barHeight = 16;
  const plot = { x: left, y: 28, width: 480, height: Math.max(1, entries.length) * (barHeight + 6) } satisfies Box;
  const x = linear([0, Math.max(1, ...entries.map(([, count]) => count))], [plot.x, plot.x + plot.width]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const bars: Box[] = [];
  const labels = entries.map(([reason, count], row) => {
    const y = plot.y + row * (barHeight + 6);
    bars.push({ x: x(0), y, width: x(count) - x(0), height: barHeight });
    return `<text class="label" x="${left - 10}" y="${y + barHeight / 2}" dy="0.32em" text-anchor="end">${esc(reason)}</text><text class="value" x="${(x(count) + 8).toFixed(1)}" y="${y + barHeight / 2}" dy="0.32em">${number(count)} (${percent(total > 0 ? count / total : null)})</text>`;
  });
  return `<svg class="chart" data-chart="${esc(chart)}" viewBox="0 0 ${width} ${plot.y + plot.height + 8}" role="img" aria-label="${esc(title)}"><text class="panel-title" x="${left}" y="16">${esc(title)}</text><path class="series s-reason" d="${barsPath(bars)}"/>${labels.join('')}</svg>`;
}

function reasonList(counts: Record<string, number>): string {
  return (
    Object.entries(counts)
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => `${reason} ${number(count)}`)
      .join(', ') || '-'
  );
}

function funnelTable(report: Report): string {
  const optOuts = (r: StepResult) => (r.optOuts ? `${number(r.optOuts)} (${percent(r.optOutRate)})${r.optOutFlag ? ' over 1%' : ''}` : '-');
  const row = (journey: string, step: string, r: StepResult, total = false) =>
    `<tr${total ? ' class="total"' : ''}><td>${esc(journey)}</td><td>${esc(step)}</td><td>${number(r.funnel.sent)}</td><td>${number(r.funnel.delivered)}${r.funnel.sent ? ` (${percent(r.funnel.delivered / r.funnel.sent)})` : ''}</td><td>${
      r.unconfirmed ? number(r.unconfirmed) : '-'
    }</td><td>${esc(reasonList(r.failures))}</td><td>${number(r.funnel.converted)}</td><td>${number(r.funnel.redeemed)}</td><td>${usd(r.smsSpend.usd)}</td><td>${number(r.smsSpend.shopCurrency)}</td><td>${
      r.costPerConversion === null ? '-' : number(r.costPerConversion)
    }</td><td>${r.returnOnSpend === null ? '-' : `${number(r.returnOnSpend)}x`}</td><td class="${r.optOutFlag ? 'flag' : ''}">${esc(optOuts(r))}</td></tr>`;
  const body: string[] = [];
  for (const [journey, { total, steps }] of Object.entries(report.byJourney)) {
    for (const [step, result] of Object.entries(steps)) body.push(row(journey, step, result));
    if (Object.keys(steps).length > 1) body.push(row(journey, '(all)', total, true));
  }
  body.push(row('total', '', report.totals, true));
  const code = esc(report.smsPricing.currency);
  return `<div class="table"><table data-table="funnel"><thead><tr><th>journey</th><th>step</th><th>sent</th><th>delivered</th><th>unconfirmed</th><th>failed, by reason</th><th>converted</th><th>redeemed</th><th>SMS USD</th><th>SMS ${code}</th><th>per conversion (${code})</th><th>return on spend</th><th>opt-outs (7 days)</th></tr></thead><tbody>${body.join('')}</tbody></table></div>`;
}

function funnelSection(report: Report): string {
  const flagged = flaggedSteps(report);
  const failures = Object.keys(report.totals.failures).length > 0 ? reasonChart('failures', 'why messages did not reach the phone (all journeys)', report.totals.failures) : '<p class="sub">No message failed or expired.</p>';
  return [
    funnelChart(report),
    failures,
    funnelTable(report),
    flagged.length ? `<ul class="flags">${flagged.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>` : '',
    `<p class="sub">Sent: every message the provider took (or may have: unconfirmed), also those it then failed or let expire. Failed: by the provider's reason; our own refusals by error name; <em>expired</em>: not delivered within its time to live. SMS spend ${esc(formatSpend(report, report.totals))}: the provider's price where it gave one, else ${usd(report.smsPricing.pricePerPartUsd)} USD per part for every SMS that left us (a message refused before the provider took it costs nothing); ${number(report.smsPricing.perUsd)} ${esc(report.smsPricing.currency)} per USD. Per conversion: SMS and coupon cost per converted message. Return on spend: incremental revenue over the control per unit spent. A step is flagged when more than 1% of its recipients opted out within 7 days.</p>`,
  ].join('\n');
}

function surveySection(report: Report): string {
  const asked = surveys(report);
  if (asked.length === 0) return '<p class="sub">No survey step in this period.</p>';
  return asked
    .map(({ journey, step, text }) => {
      const counts = report.byJourney[journey]?.steps[step]?.survey ?? {};
      return `${reasonChart('survey', `${journey} / ${step}`, counts)}<p class="sub">${esc(text)}</p>`;
    })
    .join('\n');
}

function nextMonthDetail(cohort: NextMonthRepurchase): string {
  const progress = cohort.complete ? '' : cohort.daysElapsed === 0 ? ' (not started)' : ` (${cohort.daysElapsed} of 30 days)`;
  return `${number(cohort.returning)} of ${number(cohort.buyers)} buyers of ${cohort.cohortFrom.slice(5)} to ${cohort.cohortTo.slice(5)} back within 30 days${progress}`;
}

/** "-19% [-73%, +146%]" for the table. */
function compactRelative(result: StepResult): string {
  if (!result.lift || result.lift.relative === null) return '-';
  const pct = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(0)}%`;
  return `${pct(result.lift.relative)}${result.lift.relativeInterval ? ` [${pct(result.lift.relativeInterval[0])}, ${pct(result.lift.relativeInterval[1])}]` : ''}`;
}

function kpis(report: Report): string {
  const { totals, shop } = report;
  const card = (label: string, value: string, detail: string) => `<div class="kpi"><div class="kpi-label">${esc(label)}</div><div class="kpi-value">${esc(value)}</div><div class="kpi-detail">${esc(detail)}</div></div>`;
  return `<div class="kpis">${[
    card('messages sent', number(totals.sent), `${number(totals.smsParts)} SMS parts; ${number(totals.heldOut)} held out`),
    card('unconfirmed', number(totals.unconfirmed), totals.unconfirmed ? 'may not have gone out: recall reconcile lists them' : 'every sent message confirmed'),
    card('conversion, sent vs held out', `${percent(totals.conversionRate.sent)} vs ${percent(totals.conversionRate.heldOut)}`, `within ${report.attributionDays} days of the message`),
    card('lift', totals.lift ? `${totals.lift.absolute >= 0 ? '+' : ''}${(totals.lift.absolute * 100).toFixed(1)} pts` : '-', totals.lift ? (totals.lift.significant ? `95% CI ${formatLift(totals.lift).replace(/^.*CI /, '').replace(/\)$/, '')}` : 'not significant') : 'no control group'),
    card('attributed revenue', number(totals.revenue.sent), totals.incrementalRevenue === null ? '' : `incremental ${number(totals.incrementalRevenue)}`),
    card('coupons redeemed', number(totals.redemptions), `coupon cost ${number(totals.couponCost)}`),
    card('delivered', totals.funnel.sent ? percent(totals.funnel.delivered / totals.funnel.sent) : '-', `${number(totals.funnel.delivered)} of ${number(totals.funnel.sent)} sent; ${number(Object.values(totals.failures).reduce((a, b) => a + b, 0))} failed`),
    card('SMS spend', `${number(totals.smsSpend.shopCurrency)} ${totals.smsSpend.code}`, `${usd(totals.smsSpend.usd)} USD${totals.costPerConversion === null ? '' : `; ${number(totals.costPerConversion)} ${totals.smsSpend.code} per conversion`}`),
    card('opt-outs within 7 days', percent(totals.optOutRate), `${number(totals.optOuts)} recipients; ${flaggedSteps(report).length} step(s) over 1%`),
    card('repurchase rate', percent(shop.repurchaseRate), `${number(shop.repeatBuyers)} of ${number(shop.buyers)} buyers ordered twice or more`),
    card('next-month repurchase', percent(nextMonthRate(shop).cohort.rate), nextMonthDetail(nextMonthRate(shop).cohort)),
  ].join('')}</div>`;
}

const STYLE = `
:root{--sent:#2563eb;--held:#f59e0b;--curve:#0f766e;--ink:#111827;--muted:#6b7280;--line:#e5e7eb;--flag:#b91c1c}
*{box-sizing:border-box}body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC",sans-serif;color:var(--ink);background:#fff;max-width:1240px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}p.sub{margin:0;color:var(--muted)}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin-top:16px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 12px}.kpi-label{color:var(--muted);font-size:12px}.kpi-value{font-size:20px;font-weight:600}.kpi-detail{color:var(--muted);font-size:12px}
.chart{width:100%;height:auto;display:block}.chart text{font-size:11px;fill:var(--muted)}.chart .panel-title{font-size:12px;fill:var(--ink);font-weight:600}
.grid{stroke:var(--line)}.s-sent{fill:var(--sent)}.s-held-out{fill:var(--held)}.s-curve{fill:none;stroke:var(--curve);stroke-width:2}
.ci{stroke:var(--ink);stroke-width:1.2;fill:none}.chart .label{fill:var(--ink);font-size:13px}.chart .lift{font-size:12px}.chart .lift.significant{fill:#15803d;font-weight:600}
.hover{fill:transparent}.hover:hover{fill:rgba(37,99,235,.06)}
.window{stroke:var(--ink);stroke-dasharray:4 3}.half{stroke:var(--line);stroke-dasharray:2 2}.learned{fill:#dc2626}.chart .learned-label{fill:#dc2626;font-weight:600}.chart .flag{fill:#b45309}
.windows{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}
.legend{display:flex;gap:8px;margin:4px 0}.key{border:1px solid var(--line);background:#fff;border-radius:14px;padding:2px 10px;font:inherit;font-size:12px;cursor:pointer}
.key.off{opacity:.4}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:-1px}.swatch.s-sent{background:var(--sent)}.swatch.s-held-out{background:var(--held)}
.hidden{display:none}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:12px}th,td{padding:4px 6px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}th:nth-child(-n+2),td:nth-child(-n+2),th:nth-child(6),td:nth-child(6){text-align:left}td:nth-child(6){white-space:normal;min-width:160px}
.chart .s-text-sent{fill:var(--sent)}.chart .s-text-held-out{fill:#b45309}
tr.total td{font-weight:600}td.significant{color:#15803d;font-weight:600}td.muted{color:var(--muted)}
.s-stage-sent{fill:#93c5fd}.s-stage-delivered{fill:var(--sent)}.s-stage-converted{fill:#15803d}.s-stage-redeemed{fill:var(--curve)}.s-reason{fill:#64748b}
td.flag{color:var(--flag);font-weight:600}ul.flags{color:var(--flag);margin:8px 0}
footer{margin-top:24px;color:var(--muted);font-size:12px}footer li{margin:2px 0}
`;

/** Legend buttons hide and show their series in the same section; the body says when it is wired. */
const SCRIPT = `
for (const button of document.querySelectorAll('[data-toggle]')) {
  button.addEventListener('click', () => {
    const off = button.classList.toggle('off');
    for (const element of button.closest('section').querySelectorAll('[data-series="' + button.dataset.toggle + '"]')) element.classList.toggle('hidden', off);
  });
}
document.body.dataset.interactive = 'true';
`;

export function renderReportHtml(input: HtmlReportInput): string {
  const { report, config, windows } = input;
  const heading = `Recall report: ${config.shopName}`;
  const windowSection = windows
    ? `<div class="windows">${windows.map(windowChart).join('')}</div><p class="sub">Dashed line: the configured window. Red dot: the learned window, the day by which 50% of second purchases happened (shown from 30 repeaters up).</p>`
    : '<p class="sub">Not computed for this report.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(heading)} ${report.period.from} to ${report.period.to}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(heading)}</h1>
<p class="sub">${report.period.from} to ${report.period.to} (${report.period.days} days), as of ${report.asOf}. An order within ${report.attributionDays} days of a sent or held-out message converts it; the latest message wins. Held-out customers were never messaged: they are the control.</p>
${kpis(report)}
</header>
<section>
<h2>Messages and conversions per day</h2>
${legend([
  { series: 'sent', label: 'sent' },
  { series: 'held-out', label: 'held out (control)' },
])}
${dailyChart(report)}
</section>
<section>
<h2>Conversion rate, sent vs held out, per journey</h2>
${legend([
  { series: 'sent', label: 'sent' },
  { series: 'held-out', label: 'held out (control)' },
])}
${journeyChart(report)}
<p class="sub">Bars: conversion rate; whiskers: its 95% interval (Wilson). Lift: sent minus held out in percentage points, 95% interval by Newcombe's score method; "not significant" when it includes 0.</p>
</section>
<section>
<h2>From sent to redeemed: delivery, failures, spend and opt-outs</h2>
${funnelSection(report)}
</section>
<section>
<h2>Survey answers</h2>
${surveySection(report)}
</section>
<section>
<h2>Days to the second purchase, per category</h2>
${windowSection}
</section>
<section>
<h2>Per journey and step</h2>
${resultsTable(report)}
</section>
<footer><ul>
<li>Shop: ${number(report.shop.orders)} orders by ${number(report.shop.buyers)} customers in the period; repurchase rate ${percent(report.shop.repurchaseRate)} (customers with 2 or more orders / customers with 1 or more); next-month repurchase rate ${esc(nextMonthRate(report.shop).text)}.</li>
<li>Deferred candidates are not persisted: they stay due and are decided again on the next run.</li>
${report.openWindowFrom <= report.period.to ? `<li>Messages decided after ${report.openWindowFrom} can still convert: their numbers are not final.</li>` : ''}
<li>Made by <code>recall report</code>; this file loads nothing from the network.</li>
</ul></footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
