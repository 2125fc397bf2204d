import type * as z from 'zod/mini';
import { BadInputError } from '../errors.ts';

/*
 * A config's problems and the error that reports them. Apart from lib/config/load.ts (which
 * re-exports them) so that what a function imports at cold start to re-check its baked config
 * carries no JSONC parser and no file reading.
 */

export interface ConfigProblem {
  /** Where in the config, e.g. `journeys[0].steps[1].after.days`; empty for the file as a whole. */
  path: string;
  message: string;
}

/** Bad input: permanent, never worth a retry. The message has one `FILE: path: message` line per problem. */
export class ConfigError extends BadInputError {
  override name = 'ConfigError';

  constructor(
    readonly problems: ConfigProblem[],
    readonly file?: string,
  ) {
    super(problems.map((problem) => formatProblem(problem, file)).join('\n'));
  }
}

function formatProblem(problem: ConfigProblem, file: string | undefined): string {
  return [file, problem.path, problem.message].filter((part) => part !== undefined && part !== '').join(': ');
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['journeys', 0, 'steps', 1, 'after', 'days']` -> `journeys[0].steps[1].after.days` */
export function formatPath(path: readonly PropertyKey[]): string {
  let formatted = '';
  for (const key of path) {
    if (typeof key === 'number') formatted += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) formatted += formatted === '' ? key : `.${key}`;
    else formatted += `[${JSON.stringify(String(key))}]`;
  }
  return formatted;
}

/** Of any zod error: classic's ZodError, or zod/mini's (the campaign config's schema). */
export function schemaProblems(error: z.core.$ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}
