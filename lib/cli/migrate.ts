import type { Command } from 'commander';
import { migrateMembers, type MigrateCounts } from '../usecases/migrate.ts';
import { UsageError, withOperatorRuntime, type CliIo } from './context.ts';

/* `recall migrate` (docs/architecture.md#the-calendar-index): member figures for profiles stored before issue 15. */

export function formatMigration(counts: MigrateCounts, readUnits: number, writeUnits: number): string {
  return `Migrated ${counts.migrated} profiles; ${counts.already} had member figures already, ${counts.noOrders} have no orders, ${counts.badItems} bad items skipped (${Math.round(readUnits)} read units, ${Math.round(writeUnits)} write units)`;
}

function segmentsOption(value: string): number {
  const segments = Number(value);
  if (!Number.isInteger(segments) || segments < 1 || segments > 1000) throw new UsageError(`--segments: expected a whole number from 1 to 1000, got "${value}"`);
  return segments;
}

export function registerMigrate(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('give every stored profile without member figures the figures (and calendar keys) of its order markers: once after deploying issue 15 (a batch job: parallel Scan, resumable)')
    .option('--segments <n>', 'parallel Scan segments (default 4)')
    .option('--resume <checkpoint>', 'go on from a checkpoint an interrupted run printed')
    .addHelpText('after', '\nExamples:\n  recall --aws migrate\n  recall --aws migrate --segments 16\n  recall --aws migrate --resume eyJzZWdtZW50cyI6...')
    .action(async (options: { segments?: string; resume?: string }, command: Command) => {
      const segments = options.segments === undefined ? undefined : segmentsOption(options.segments);
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const counts = await migrateMembers(
          { store: runtime.store, config: runtime.config },
          {
            ...(segments === undefined ? {} : { segments }),
            ...(options.resume === undefined ? {} : { resume: options.resume }),
            onProgress: (progress) =>
              io.err(`segment ${progress.segment}: ${progress.profiles} profiles${progress.done ? ', done' : ''}; checkpoint ${progress.checkpoint}`),
          },
        );
        io.out(formatMigration(counts, runtime.store.usage.readUnits, runtime.store.usage.writeUnits));
      });
    });
}
