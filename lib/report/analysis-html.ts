/**
 * The repurchase analysis page (`recall analyze --html FILE`): one self-contained file in the
 * report's language, its charts rendered to inline SVG on the server, no script, and the report's
 * Content-Security-Policy and styles (lib/report/html.ts).
 */
import type { CampaignConfig } from '../config/schema.ts';
import type { RfmGrid } from '../domain/analysis.ts';
import type { RepurchaseAnalysis } from '../usecases/analyze.ts';
import { lifecycleChart, nextOrderChart, survivalChart } from './analysis-charts.ts';
import { analysisWordsOf, type AnalysisWords } from './analysis-words.ts';
import { cohortChart } from './charts.ts';
import { esc, figure, STYLE } from './html.ts';
import { formats, type Formats, type Language } from './i18n.ts';

export interface AnalysisHtmlInput {
  analysis: RepurchaseAnalysis;
  config: Pick<CampaignConfig, 'shopName' | 'categories' | 'currency'>;
  language: Language;
}

const PAGE_STYLE = `
.survival{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:12px}
table.rfm td{text-align:center;white-space:nowrap}table.rfm td:first-child,table.rfm th:first-child{text-align:left;min-width:110px}table.rfm th{text-align:center}
`;

function table(id: string, headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const body = rows.map((row) => `<tr>${row.map((cell, index) => `<td data-label="${esc(headers[index] ?? '')}">${esc(cell)}</td>`).join('')}</tr>`).join('');
  return `<div class="table"><table data-table="${id}"><thead><tr>${headers.map((header) => `<th>${esc(header)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The R x F grid as a table shaded by each cell's share of the customers (a heatmap that also reads as numbers). */
function rfmTable(rfm: RfmGrid, words: AnalysisWords, format: Formats): string {
  const most = Math.max(1, ...rfm.cells.map((cell) => cell.customers));
  const columns = [1, 2, 3, 4, 5];
  const rows = [5, 4, 3, 2, 1].map((r) => {
    const cells = columns.map((f) => {
      const cell = rfm.cells.find((candidate) => candidate.r === r && candidate.f === f);
      if (!cell) return `<td data-label="${esc(words.rfmColumn(f))}" data-r="${r}" data-f="${f}">-</td>`;
      const strength = cell.customers / most;
      const style = `background:rgba(15,118,110,${(0.08 + 0.72 * strength).toFixed(2)});color:${strength > 0.55 ? '#fff' : 'inherit'}`;
      return `<td data-label="${esc(words.rfmColumn(f))}" data-r="${r}" data-f="${f}" data-customers="${cell.customers}" style="${style}">${esc(words.rfmCell(format.number(cell.customers), format.money(cell.averageSpend)))}</td>`;
    });
    return `<tr><td>${esc(words.rfmRow(r))}</td>${cells.join('')}</tr>`;
  });
  return `<div class="table"><table class="rfm" data-table="rfm"><thead><tr><th>${esc(words.rfmCorner)}</th>${columns.map((f) => `<th>${esc(words.rfmColumn(f))}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

export function renderAnalysisHtml(input: AnalysisHtmlInput): string {
  const { analysis, config, language } = input;
  const words = analysisWordsOf(language);
  const format = formats(language, config.currency.code);
  const heading = words.title(config.shopName);
  const { lifecycle } = analysis;
  const customers = analysis.customers;
  const repeaters = analysis.nextOrder[0]?.placedNext ?? 0;
  const kpis = [
    [words.customers, format.number(customers), words.customersDetail(format.number(analysis.orders))],
    [words.repeat, format.percent(customers > 0 ? repeaters / customers : null), words.repeatDetail(format.number(repeaters))],
    [words.magic, analysis.magicNumber === null ? words.magicNone : words.magicValue(analysis.magicNumber), words.magicDetail],
    [words.active, format.number(lifecycle.active), words.activeDetail(format.percent(customers > 0 ? lifecycle.active / customers : null))],
  ]
    .map(([label, value, detail]) => `<div class="kpi"><div class="kpi-label">${esc(label ?? '')}</div><div class="kpi-value">${esc(value ?? '')}</div><div class="kpi-detail">${esc(detail ?? '')}</div></div>`)
    .join('');
  const names = new Map(config.categories.map((category) => [category.id, category.name]));
  const interval = ([low, high]: readonly [number, number]) => `${format.percent(low)} ~ ${format.percent(high)}`;
  const nextOrderTable = table(
    'next-order',
    [words.ordersSoFar, words.customers, words.chance, words.interval],
    analysis.nextOrder.map((step) => [String(step.k), format.number(step.customers), `${format.percent(step.rate)} (${format.number(step.placedNext)})`, interval(step.interval)]),
  );
  const survivalTable = table(
    'survival',
    Object.values(words.columns),
    analysis.windows.map((window) => [
      `${names.get(window.category) ?? window.category} (${window.category})`,
      words.days(window.configuredDays),
      words.days(window.learnedDays),
      words.days(window.survival.medianDays),
      window.survival.medianInterval ? `${words.days(window.survival.medianInterval[0])} ~ ${window.survival.medianInterval[1] === null ? words.open : words.days(window.survival.medianInterval[1])}` : '-',
      format.number(window.survival.customers),
      `${format.number(window.survival.events)} (${format.percent(window.survival.customers > 0 ? window.survival.events / window.survival.customers : null)})`,
    ]),
  );
  const survivalCharts = analysis.windows
    .map((window) =>
      figure(
        'survival',
        survivalChart({ title: `${names.get(window.category) ?? window.category} (${window.category})`, configuredDays: window.configuredDays, survival: window.survival }, language, format),
        ` data-category="${esc(window.category)}"`,
      ),
    )
    .join('');
  const edges = (values: readonly number[], show: (value: number) => string) => values.map(show).join(' / ');
  return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(heading)} ${analysis.asOf}</title>
<style>${STYLE}${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${esc(heading)}</h1>
<p class="sub">${esc(words.asOf(analysis.asOf, format.number(customers), format.number(analysis.orders)))}</p>
<div class="kpis">${kpis}</div>
</header>
<section>
<h2>${esc(words.nextOrderTitle)}</h2>
${figure('next-order', nextOrderChart(analysis.nextOrder, analysis.magicNumber, language, format), analysis.magicNumber === null ? '' : ` data-magic="${analysis.magicNumber}"`)}
<p class="sub">${esc(words.nextOrderNote(analysis.magicNumber === null ? words.magicNoneNote : words.magicNote(analysis.magicNumber)))}</p>
${nextOrderTable}
</section>
<section>
<h2>${esc(words.cohortsTitle)}</h2>
${figure('cohorts', cohortChart(analysis.cohorts, { rate: words.cohortRate, customers: words.cohortCustomers }, language, format))}
<p class="sub">${esc(words.cohortsNote)}</p>
</section>
<section>
<h2>${esc(words.lifecycleTitle)}</h2>
${figure('lifecycle', lifecycleChart(lifecycle, language, format))}
<p class="sub">${esc(words.lifecycleNote)}</p>
</section>
<section>
<h2>${esc(words.rfmTitle)}</h2>
${rfmTable(analysis.rfm, words, format)}
<p class="sub">${esc(words.rfmNote(edges(analysis.rfm.edges.recencyDays, (value) => format.number(value)), edges(analysis.rfm.edges.orders, (value) => format.number(value)), edges(analysis.rfm.edges.spend, format.money)))}</p>
</section>
<section>
<h2>${esc(words.survivalTitle)}</h2>
<div class="survival">${survivalCharts}</div>
<p class="sub">${esc(words.survivalNote)}</p>
${survivalTable}
</section>
<footer><ul>
${analysis.invalidItems ? `<li>${esc(words.invalid(format.number(analysis.invalidItems)))}</li>\n` : ''}<li>${esc(words.madeBy)}</li>
</ul></footer>
</body>
</html>
`;
}
