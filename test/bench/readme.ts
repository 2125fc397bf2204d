// The README's Performance section, written from bench-results.json (issue 16: "the README's
// Performance section and the scale model are regenerated from it"). Each bench section records
// what it printed; this turns those records into Markdown between two markers of the README.
import { z } from 'zod';

const BlockSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('table'), title: z.string(), header: z.array(z.string()), rows: z.array(z.array(z.string())) }),
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({ kind: z.literal('target'), name: z.string(), value: z.number(), target: z.string(), met: z.boolean() }),
]);
export type PrintedBlock = z.infer<typeof BlockSchema>;

/** What one bench section printed, when, and the command that printed it. */
const PrintedSectionSchema = z.object({ measuredAt: z.string(), command: z.string(), blocks: z.array(BlockSchema) });
export type PrintedSection = z.infer<typeof PrintedSectionSchema>;

export const PrintedSchema = z.record(z.string(), PrintedSectionSchema);

/** The bench's sections in the order it runs and the README shows them; `scale` is the model every run recomputes. */
export const BENCH_SECTIONS = ['read', 'calendar', 'curve', 'throughput', 'send', 'pacer', 'cold', 'import', 'demo', 'simulate'] as const;
export const README_ORDER: readonly string[] = [...BENCH_SECTIONS, 'scale'];

export const README_BEGIN = '<!-- bench:begin (written by npm run bench from bench-results.json; edit test/bench/readme.ts, not this) -->';
export const README_END = '<!-- bench:end -->';

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = (column: number) => rows.length > 0 && rows.every((row) => /^-?[\d,.]+%?$/.test(row[column] ?? ''));
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map((_, column) => (numeric(column) ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${header.map((_, column) => cell(row[column] ?? '')).join(' | ')} |`),
  ].join('\n');
}

const verdict = (met: boolean) => (met ? 'met' : '**not met**');

function renderBlock(block: PrintedBlock): string {
  switch (block.kind) {
    case 'table':
      return `${block.title}\n\n${markdownTable(block.header, block.rows)}`;
    case 'text':
      return block.text;
    case 'target':
      return `Target: ${block.name}: **${block.value}** (target ${block.target}): ${verdict(block.met)}.`;
  }
}

/**
 * The section between the README's markers: every target with its figure first, then each bench
 * section as it last printed, in `order`, each with its date and command.
 */
export function renderPerformance(printed: z.infer<typeof PrintedSchema>, order: readonly string[]): string {
  const sections = order.flatMap((name) => {
    const section = printed[name];
    return section ? [{ name, ...section }] : [];
  });
  const targets = sections.flatMap((section) => section.blocks.flatMap((block) => (block.kind === 'target' ? [{ ...block, measuredAt: section.measuredAt }] : [])));
  const day = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return [
    'Every target with its last figure:',
    '',
    markdownTable(
      ['figure', 'value', 'target', 'met', 'measured'],
      targets.map((target) => [target.name, String(target.value), target.target, target.met ? 'yes' : '**no**', day(target.measuredAt)]),
    ),
    ...sections.flatMap((section) => ['', `#### Section \`${section.name}\``, '', `Measured ${day(section.measuredAt)} with \`${section.command}\`.`, ...section.blocks.flatMap((block) => ['', renderBlock(block)])]),
  ].join('\n');
}

/** `readme` with the text between its bench markers replaced by `section`. */
export function withPerformance(readme: string, section: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin) throw new Error(`README.md: expected the markers "${README_BEGIN}" and "${README_END}" around the bench figures`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${section}\n${readme.slice(end)}`;
}
