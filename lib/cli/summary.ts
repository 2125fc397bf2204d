import type { RunSummary, StepCounts } from '../usecases/run-day.ts';
import type { ImportCounts, ReplyImportCounts } from '../usecases/import.ts';
import { table } from '../report/table.ts';

const number = (value: number) => value.toLocaleString('en-US');

function reasons(counts: Record<string, number>): string {
  const entries = Object.entries(counts).filter(([, count]) => count > 0);
  return entries.length === 0 ? '-' : entries.map(([reason, count]) => `${reason} ${number(count)}`).join(', ');
}

function stepRow(journey: string, step: string, counts: StepCounts): string[] {
  return [journey, step, number(counts.due), number(counts.sent), number(counts.heldOut), reasons(counts.skipped), reasons(counts.deferred)];
}

export function formatRunSummary(summary: RunSummary): string {
  const rows: string[][] = [];
  for (const [journey, steps] of Object.entries(summary.byJourney)) {
    for (const [step, counts] of Object.entries(steps)) rows.push(stepRow(journey, step, counts));
  }
  rows.push(stepRow('total', '', summary));
  const mode = [summary.dryRun ? 'dry run: nothing written, nothing sent' : '', summary.backfill ? 'backfill' : ''].filter(Boolean).join(', ');
  return [
    `Recall run for ${summary.asOf}${mode ? ` (${mode})` : ''}`,
    `${number(summary.evaluated)} customers with ${number(summary.due)} due messages across ${summary.shards} shards`,
    summary.configVersion === null ? 'config: the --config file (an experiment: not a stored version)' : `config: version ${summary.configVersion}`,
    '',
    table(['journey', 'step', 'due', 'sent', 'held-out', 'skipped', 'deferred'], rows),
    '',
    `unconfirmed ${number(summary.unconfirmed)}${summary.unconfirmed ? ` (still sending after the run; may not have gone out: recall reconcile --from ${summary.asOf} --to ${summary.asOf})` : ''}`,
    `read units ${summary.readUnits}, write units ${summary.writeUnits}${summary.invalidIndexItems ? `, ${summary.invalidIndexItems} invalid index items skipped` : ''}`,
  ].join('\n');
}

/** Reasons by name: an import counts them as its rows finish, in no fixed order. */
const byName = (counts: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

export function formatImportCounts(what: string, counts: ImportCounts): string {
  const unchanged = counts.unchanged ? `, ${number(counts.unchanged)} already recorded (unchanged)` : '';
  const rejectedTotal = Object.values(counts.rejected).reduce((sum, count) => sum + count, 0);
  const warned = Object.values(counts.warnings).reduce((sum, count) => sum + count, 0);
  const warnings = warned ? `; ${number(warned)} imported with an unusable phone (${reasons(byName(counts.warnings))})` : '';
  const skippedTotal = Object.values(counts.skipped).reduce((sum, count) => sum + count, 0);
  const skipped = skippedTotal ? `; skipped ${number(skippedTotal)} (${reasons(byName(counts.skipped))})` : '';
  return `Imported ${number(counts.imported)} ${what}${unchanged}${skipped}; rejected ${number(rejectedTotal)}${rejectedTotal ? ` (${reasons(byName(counts.rejected))})` : ''}${warnings}`;
}

export function formatReplyCounts(kind: 'replies' | 'opt-outs', counts: ReplyImportCounts): string {
  const recorded = Object.values(counts.results).reduce((sum, count) => sum + count, 0);
  const rejectedTotal = Object.values(counts.rejected).reduce((sum, count) => sum + count, 0);
  return `Recorded ${number(recorded)} ${kind} (${reasons(byName(counts.results))}); rejected ${number(rejectedTotal)}${rejectedTotal ? ` (${reasons(byName(counts.rejected))})` : ''}`;
}
