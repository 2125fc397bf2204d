import { Readable, pipeline } from 'node:stream';
import { CsvError, parse, type Parser } from 'csv-parse';
import { CsvFormatError, rejected, type Rejected } from './results.ts';
import { countNewlines, decodeText } from './text.ts';

/*
 * Streaming CSV tables for `recall import customers|orders FILE.csv` (docs/architecture.md#imports):
 * text -> csv-parse -> rows with physical line numbers -> cells by header column. The customer and
 * order readers share it so both name a bad row by the same line. Nothing here holds more than one
 * chunk and one row in memory.
 */

export interface ColumnSpec<K extends string> {
  required: readonly K[];
  optional: readonly K[];
  /**
   * The file's header of each column when a column mapping names them (order_id -> 订单编号: a
   * preset or --map); one header may feed several columns. Without it the header names the columns.
   */
  headers?: ReadonlyMap<K, string>;
  /** Other headers a column goes by (生日 for birthday): the first of them in the file is read. */
  aliases?: ReadonlyMap<K, readonly string[]>;
}

export interface TableRow<K extends string> {
  ok: true;
  line: number;
  /** The trimmed cell of `column`; '' when empty or when an optional column is absent. */
  cell: (column: K) => string;
}

/** Rows mapped through the header. Header problems throw before the first row is yielded. */
export async function* readTable<K extends string>(
  input: Readable,
  file: string,
  spec: ColumnSpec<K>,
  onIgnoredColumns: (columns: readonly string[]) => void = () => {},
): AsyncGenerator<TableRow<K> | Rejected<'wrong-column-count'>> {
  let columns: Map<K, number> | undefined;
  let width = 0;
  for await (const row of readRows(input, file)) {
    if (!columns) {
      columns = columnsOf(row, spec, file, onIgnoredColumns);
      width = row.cells.length;
      continue;
    }
    if (row.cells.length !== width) {
      yield rejected(
        row.line,
        'wrong-column-count',
        `expected ${width} cells (${[...columns.keys()].join(',')}), found ${row.cells.length}: ` +
          'quote cells that contain commas',
      );
      continue;
    }
    const { cells } = row;
    const index = columns;
    yield {
      ok: true,
      line: row.line,
      cell: (column) => {
        const at = index.get(column);
        return at === undefined ? '' : (cells[at] ?? '').trim();
      },
    };
  }
  if (!columns) {
    throw new CsvFormatError(file, undefined, `the file is empty: expected a header row ${describeColumns(spec)}`);
  }
}

function columnsOf<K extends string>(header: Row, spec: ColumnSpec<K>, file: string, onIgnoredColumns: (columns: readonly string[]) => void): Map<K, number> {
  const known = new Map<string, K[]>();
  for (const column of [...spec.required, ...spec.optional]) {
    for (const name of [headerOf(column, spec), ...(spec.aliases?.get(column) ?? [])].map(headerName)) {
      known.set(name, [...(known.get(name) ?? []), column]);
    }
  }
  const columns = new Map<K, number>();
  const unknown: string[] = [];
  header.cells.forEach((cell, index) => {
    const matched = known.get(headerName(cell));
    if (matched === undefined) {
      unknown.push(cell.trim() === '' ? `(unnamed column ${index + 1})` : `"${cell.trim()}"`);
      return;
    }
    for (const column of matched) {
      if (columns.has(column)) throw new CsvFormatError(file, header.line, `column "${headerOf(column, spec)}" appears twice in the header`);
      columns.set(column, index);
    }
  });
  const missing = spec.required.filter((column) => !columns.has(column));
  if (columns.size === 0) {
    throw new CsvFormatError(
      file,
      header.line,
      `no header row: the first line must name the columns ${describeColumns(spec)}`,
    );
  }
  if (missing.length > 0) {
    throw new CsvFormatError(
      file,
      header.line,
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((column) => describeColumn(column, spec)).join(', ')} ` +
        `in the header: expected ${describeColumns(spec)}`,
    );
  }
  // Exports carry more than recall reads (e-mail, address, ...): ignored, and said once.
  if (unknown.length > 0) onIgnoredColumns(unknown);
  return columns;
}

/** Header cells compare without case, surrounding spaces, or the difference between "order id", order-id and order_id. */
function headerName(text: string): string {
  return text.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

function headerOf<K extends string>(column: K, spec: ColumnSpec<K>): string {
  return spec.headers?.get(column) ?? column;
}

function describeColumn<K extends string>(column: K, spec: ColumnSpec<K>): string {
  return spec.headers ? `"${headerOf(column, spec)}" (${column})` : `"${column}"`;
}

function describeColumns<K extends string>(spec: ColumnSpec<K>): string {
  const required = [...new Set(spec.required.map((column) => headerOf(column, spec)))];
  const optional = [...new Set(spec.optional.map((column) => headerOf(column, spec)))].map((name) => `,${name}`).join('');
  return `${required.join(',')}${optional ? `[${optional}]` : ''}`;
}

interface Row {
  /** Physical line of the row's first character (a quoted cell may span several lines). */
  line: number;
  cells: string[];
}

/** Longest row csv-parse will buffer; longer means an unclosed quote swallowed the rest of the file. */
const MAX_ROW_CHARS = 128_000;

/** Non-blank CSV rows with their physical line numbers. */
async function* readRows(input: Readable, file: string): AsyncGenerator<Row> {
  const parser: Parser = parse({
    raw: true,
    record_delimiter: '\n',
    relax_column_count: true,
    // A stray quote inside an unquoted cell (5" tall) stays a character instead of failing the file.
    relax_quotes: true,
    max_record_size: MAX_ROW_CHARS,
    // A failing stream drops the records it still buffers, and with them the line count. Instead
    // the parse error travels in order behind the rows before it, so its line is known exactly.
    skip_records_with_error: true,
    on_skip: (error) => {
      parser.push({ failure: error });
    },
  });
  // Errors from the input or the decoder reach us through the parser's iterator.
  pipeline(Readable.from(decodeText(input, file)), parser, () => undefined);

  // csv-parse's own line counter drifts on blank lines and multi-line cells, so count the raw text.
  let linesBefore = 0;
  try {
    for await (const item of parser) {
      if (isParseFailure(item)) throw new CsvFormatError(file, linesBefore + 1, describeParseFailure(item.failure));
      if (!isRawRecord(item)) throw new Error('csv-parse yielded an unexpected record shape');
      const line = linesBefore + 1;
      linesBefore += countNewlines(item.raw);
      if (item.record.every((cell) => cell.trim() === '')) continue;
      yield { line, cells: item.record };
    }
  } finally {
    parser.destroy();
  }
}

function describeParseFailure(error: unknown): string {
  if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
    return 'a quoted cell starting on this line is never closed (unbalanced ")';
  }
  if (error instanceof CsvError && error.code === 'CSV_MAX_RECORD_SIZE') {
    return `the row starting on this line is longer than ${MAX_ROW_CHARS} characters: is a quote (") never closed?`;
  }
  return error instanceof Error ? error.message : String(error);
}

function isParseFailure(item: unknown): item is { failure: unknown } {
  return typeof item === 'object' && item !== null && 'failure' in item;
}

function isRawRecord(item: unknown): item is { record: string[]; raw: string } {
  return (
    typeof item === 'object' &&
    item !== null &&
    'record' in item &&
    'raw' in item &&
    Array.isArray(item.record) &&
    typeof item.raw === 'string'
  );
}

/** An empty cell: the row does not give this field. */
export function orUndefined(text: string): string | undefined {
  return text === '' ? undefined : text;
}
