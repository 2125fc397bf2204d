/**
 * The HTML report (`recall report --html FILE`): one self-contained file in the report's language,
 * its charts rendered to inline SVG on the server (lib/report/charts.ts), no script, and a
 * Content-Security-Policy that forbids any network request, so it opens the same from a disk, a
 * mail attachment or a shared drive.
 */
import type { CampaignConfig } from '../config/schema.ts';
import type { WindowLearning } from '../domain/windows.ts';
import type { Report } from '../domain/report.ts';
import { cohortChart, COLORS, FONT_STACK, funnelChart, journeyChart, reasonChart, trendChart, windowChart } from './charts.ts';
import { formats, wordsOf, type Language } from './i18n.ts';
import { reportTables, type ReportTable } from './tables.ts';
import { flaggedSteps, headlineKpis, headlineSentence, reportNotes } from './text.ts';

export interface HtmlReportInput {
  report: Report;
  config: CampaignConfig;
  language: Language;
  /** Window learning over the stored category histories; absent: that section says so. */
  windows?: readonly WindowLearning[];
}

export const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export const figure = (chart: string, svg: string, extra = '') => `<figure class="chart" data-chart="${esc(chart)}"${extra}>${svg}</figure>`;

/** A table whose cells wrap; below 900 px wide each row becomes a card of label: value lines. */
function htmlTable(table: ReportTable): string {
  const headers = table.columns.map((column) => column.header);
  const rows = table.rows.map(
    (row) => `<tr${row.total ? ' class="total"' : ''}>${row.cells.map((cell, index) => `<td data-label="${esc(headers[index] ?? '')}">${esc(cell.text)}</td>`).join('')}</tr>`,
  );
  return `<h3>${esc(table.title)}</h3><div class="table"><table data-table="${table.id}"><thead><tr>${headers.map((header) => `<th>${esc(header)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>${table.note ? `<p class="sub">${esc(table.note)}</p>` : ''}`;
}

export const STYLE = `
:root{--ink:${COLORS.ink};--muted:${COLORS.muted};--line:#e5e7eb;--flag:#b91c1c;--good:#15803d}
*{box-sizing:border-box}body{margin:0 auto;padding:24px 32px;font:14px/1.5 ${FONT_STACK};color:var(--ink);background:#fff;max-width:1240px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 8px}h3{font-size:14px;margin:18px 0 6px}p.sub{margin:4px 0;color:var(--muted)}
p.headline{font-size:17px;font-weight:600;margin:14px 0 4px;padding:10px 14px;border-left:4px solid var(--ink);background:#f8fafc}
p.headline.significant{border-color:var(--good)}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin-top:14px}
.kpi{border:1px solid var(--line);border-radius:8px;padding:10px 12px}.kpi-label{color:var(--muted);font-size:12px}.kpi-value{font-size:20px;font-weight:600}.kpi-detail{color:var(--muted);font-size:12px}
figure.chart{margin:0}figure.chart svg{width:100%;height:auto;display:block}
.windows{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}
.table{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:12px}
th,td{padding:4px 6px;border-bottom:1px solid var(--line);text-align:right;vertical-align:top;overflow-wrap:anywhere}th{font-weight:600;color:var(--muted)}
th:first-child,td:first-child{text-align:left;min-width:180px}tr.total td{font-weight:600}
ul.flags{color:var(--flag);margin:8px 0}footer{margin-top:24px;color:var(--muted);font-size:12px}footer li{margin:2px 0}
@media (max-width:900px){body{padding:16px}table,thead,tbody,tr,td{display:block}thead{display:none}tr{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:4px 8px}
td{border:0;text-align:right;padding:2px 0}td::before{content:attr(data-label);float:left;color:var(--muted);padding-right:12px}td:first-child{text-align:left;font-weight:600}td:first-child::before{content:none}}
`;

export function renderReportHtml(input: HtmlReportInput): string {
  const { report, config, windows, language } = input;
  const words = wordsOf(language);
  const format = formats(language, report.smsPricing.currency);
  const heading = words.title(config.shopName);
  const tables = reportTables(report, language);
  const isSegment = (table: ReportTable) => table.id === 'variants' || table.id === 'tiers' || table.id === 'programme';
  const shown = tables.filter((table) => table.shown && !isSegment(table));
  // Present only when the period has variants, tiers or a global control.
  const segments = tables.filter(isSegment);
  const kpis = headlineKpis(report, language)
    .map((kpi) => `<div class="kpi"><div class="kpi-label">${esc(kpi.label)}</div><div class="kpi-value">${esc(kpi.value)}</div><div class="kpi-detail">${esc(kpi.detail)}</div></div>`)
    .join('');
  const flagged = flaggedSteps(report, language);
  const failures = Object.keys(report.totals.failures).length > 0 ? figure('failures', reasonChart(report.totals.failures, language, format)) : `<p class="sub">${esc(words.noFailures)}</p>`;
  const surveys = Object.entries(report.byJourney).flatMap(([journeyId, { steps }]) =>
    Object.entries(steps)
      .filter(([, step]) => Object.keys(step.survey).length > 0)
      .map(([stepId, step]) => {
        const answers = Object.values(step.survey).reduce((a, b) => a + b, 0);
        const share = step.sent > 0 ? format.percent(answers / step.sent) : '';
        const title = `${report.names.journeys[journeyId] ?? journeyId} · ${report.names.steps[journeyId]?.[stepId] ?? stepId}`;
        return `<h3>${esc(title)}</h3>${figure('survey', reasonChart(step.survey, language, format))}<p class="sub">${esc(words.surveyText(format.number(answers), format.number(step.sent), share))}</p>`;
      }),
  );
  const windowSection = windows
    ? `<div class="windows">${windows.map((window) => figure('window', windowChart(window, language, format), ` data-category="${esc(window.category)}"`)).join('')}</div><p class="sub">${esc(words.windowsNote)}</p>`
    : `<p class="sub">${esc(words.notComputed)}</p>`;
  const cohortSection =
    report.cohorts.months.length > 0 && report.cohorts.since !== null
      ? `${figure('cohorts', cohortChart(report.cohorts.months, { rate: words.cohortRate, customers: words.cohortCustomers }, language, format))}<p class="sub">${esc(words.cohortsNote(report.cohorts.since))}</p>`
      : `<p class="sub">${esc(words.noCohorts)}</p>`;
  return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(heading)} ${report.period.from} ~ ${report.period.to}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(heading)}</h1>
<p class="sub">${esc(words.period(report.period.from, report.period.to, report.period.days, report.asOf))}. ${esc(words.attributionNote(report.attributionDays))}</p>
<p class="headline${report.totals.lift?.significant && report.totals.lift.absolute > 0 ? ' significant' : ''}">${esc(headlineSentence(report, language))}</p>
<div class="kpis">${kpis}</div>
</header>
<section>
<h2>${esc(words.trendTitle(report.trend.bucket))}</h2>
${figure('trend', trendChart(report, language), ` data-bucket="${report.trend.bucket}"`)}
<p class="sub">${esc(words.trendNote(report.trend.bucket))}</p>
</section>
<section>
<h2>${esc(words.journeysTitle)}</h2>
${figure('journeys', journeyChart(report, language, format))}
<p class="sub">${esc(words.journeysNote)}</p>
</section>
<section>
<h2>${esc(words.funnelTitle)}</h2>
${figure('funnel', funnelChart(report, language, format))}
<h3>${esc(words.failuresTitle)}</h3>
${failures}
${flagged.length ? `<ul class="flags">${flagged.map((line) => `<li>${esc(line)}</li>`).join('')}</ul>` : ''}
<p class="sub">${esc(words.funnelNote(format.number(report.smsPricing.pricePerPartUsd, 4), format.number(report.smsPricing.perUsd), report.smsPricing.currency))}</p>
</section>
<section>
<h2>${esc(words.surveyTitle)}</h2>
${surveys.length ? surveys.join('\n') : `<p class="sub">${esc(words.noSurvey)}</p>`}
</section>
<section>
<h2>${esc(words.cohortsTitle)}</h2>
${cohortSection}
</section>
<section>
<h2>${esc(words.windowsTitle)}</h2>
${windowSection}
</section>
${segments.length ? `<section>\n<h2>${esc(words.segmentsTitle)}</h2>\n${segments.map(htmlTable).join('\n')}\n</section>\n` : ''}<section>
<h2>${esc(words.tablesTitle)}</h2>
${shown.map(htmlTable).join('\n')}
<p class="sub">${esc(words.tablesNote)}</p>
</section>
<footer><ul>
${reportNotes(report, language).map((note) => `<li>${esc(note)}</li>`).join('\n')}
<li>${esc(words.madeBy)}</li>
</ul></footer>
</body>
</html>
`;
}
