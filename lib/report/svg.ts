/**
 * Small SVG chart pieces for the HTML report: drawn here as markup, so the report is one file
 * that needs no library, no network and no script to show its charts.
 */

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const fixed = (value: number) => (Math.round(value * 10) / 10).toString();

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A linear scale from [d0, d1] to [r0, r1]. */
export function linear(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** About `count` round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten apart). */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw) ?? raw;
  const ticks: number[] = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Math.round(value * 1e9) / 1e9);
  return ticks;
}

/** A polyline through the points as an SVG path `d`. */
export function linePath(points: readonly [number, number][]): string {
  return points.map(([x, y], index) => `${index === 0 ? 'M' : 'L'}${fixed(x)} ${fixed(y)}`).join(' ');
}

/** Rectangles as one SVG path `d` (one series of bars is one path). */
export function barsPath(bars: readonly Box[]): string {
  return bars.map((bar) => `M${fixed(bar.x)} ${fixed(bar.y)}h${fixed(bar.width)}v${fixed(bar.height)}h${fixed(-bar.width)}Z`).join(' ');
}

/** Horizontal grid lines with their labels on the left of `box`, for the given y ticks. */
export function yAxis(box: Box, ticks: readonly number[], y: (value: number) => number, format: (value: number) => string): string {
  return ticks
    .map((tick) => {
      const at = fixed(y(tick));
      return `<line class="grid" x1="${box.x}" x2="${box.x + box.width}" y1="${at}" y2="${at}"/><text class="tick" x="${box.x - 6}" y="${at}" dy="0.32em" text-anchor="end">${escapeXml(format(tick))}</text>`;
    })
    .join('');
}

export interface LegendEntry {
  series: string;
  label: string;
}

/** An HTML legend whose entries toggle their series (the report's one script). */
export function legend(entries: readonly LegendEntry[]): string {
  return `<div class="legend">${entries
    .map((entry) => `<button type="button" class="key" data-toggle="${escapeXml(entry.series)}"><span class="swatch s-${escapeXml(entry.series)}"></span>${escapeXml(entry.label)}</button>`)
    .join('')}</div>`;
}
