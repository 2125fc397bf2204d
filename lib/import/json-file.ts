import { readFile } from 'node:fs/promises';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import * as z from 'zod/mini';
import { ConfigError, schemaProblems } from '../config/load.ts';

/*
 * The small JSON files an import takes beside its CSV (a column map, a product-to-category map):
 * read, parsed (comments and trailing commas allowed, as in the campaign config, so a map can say
 * why it maps what it maps) and checked against their schema, every problem named by file and key.
 */

/** The file's content checked against `schema`; ConfigError (`FILE: key: problem`, exit 2) when it is not. */
export async function readJsonFile<S extends z.core.$ZodType>(file: string, schema: S): Promise<z.output<S>> {
  const text = await readFile(file, 'utf8');
  // Editors on Windows may save a byte order mark, which is not JSON.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const errors: ParseError[] = [];
  const raw: unknown = parseJsonc(json, errors, { allowTrailingComma: true });
  const [first] = errors;
  if (first) {
    const line = json.slice(0, first.offset).split('\n').length;
    // ValueExpected -> value expected
    const problem = printParseErrorCode(first.error).replace(/(?<!^)([A-Z])/g, ' $1').toLowerCase();
    throw new ConfigError([{ path: '', message: `not valid JSON: ${problem} on line ${line}` }], file);
  }
  const parsed = z.safeParse(schema, raw);
  if (!parsed.success) throw new ConfigError(schemaProblems(parsed.error), file);
  return parsed.data;
}
