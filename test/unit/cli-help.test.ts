import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../lib/cli/main.ts';
import { recall } from '../support/cli.ts';

/** Every command without subcommands, as the words that run it. */
function leaves(command: Command, path: string[] = []): string[][] {
  return command.commands.flatMap((sub) => (sub.commands.length > 0 ? leaves(sub, [...path, sub.name()]) : [[...path, sub.name()]]));
}

describe('recall --help', () => {
  const commands = leaves(buildProgram());

  it('knows the commands of every issue so far', () => {
    expect(commands.map((words) => words.join(' '))).toEqual(
      expect.arrayContaining(['demo', 'run', 'report', 'windows', 'reconcile', 'invoke', 'import customers', 'import orders', 'config push', 'config show', 'config history', 'config rollback', 'config check']),
    );
  });

  it.each(commands.map((words) => [words.join(' '), words] as const))('recall %s --help shows a runnable example', async (_name, words) => {
    const help = await recall([...words, '--help'], '2026-11-22T02:00:00Z');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(new RegExp(`Examples?:\\n(  recall .*\\n?)+`));
    const examples = help.out.slice(help.out.search(/Examples?:/)).split('\n').filter((line) => line.startsWith('  recall '));
    expect(examples.some((line) => line.includes(` ${words.join(' ')}`))).toBe(true);
  });
});
