/**
 * Edits a campaign config file in place, value by value: `recall windows --apply` changes the
 * `windowDays` (and `windowSince`) of some categories and keeps every other byte of the file as
 * the user wrote it: key order, spacing, line breaks, the other values.
 */

/** A JSON value with where it sits in the text (offsets into the text, end exclusive). */
type JsonNode =
  | { kind: 'object'; start: number; end: number; members: { key: string; keyStart: number; value: JsonNode }[] }
  | { kind: 'array'; start: number; end: number; items: JsonNode[] }
  | { kind: 'scalar'; start: number; end: number; value: unknown };

export class ConfigEditError extends Error {
  readonly retryable = false;
  override name = 'ConfigEditError';
}

/** Parses JSON text into nodes that remember their offsets. The text must be valid JSON. */
function parseWithOffsets(text: string): JsonNode {
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at] ?? '')) at++;
  };
  const fail = (what: string): never => {
    throw new ConfigEditError(`not valid JSON at offset ${at}: ${what}`);
  };
  const stringEnd = (from: number): number => {
    let index = from + 1;
    while (index < text.length) {
      const char = text[index];
      if (char === '\\') index += 2;
      else if (char === '"') return index + 1;
      else index++;
    }
    return fail('unterminated string');
  };
  const value = (): JsonNode => {
    space();
    const start = at;
    const char = text[at];
    if (char === '{') {
      at++;
      const members: { key: string; keyStart: number; value: JsonNode }[] = [];
      space();
      if (text[at] === '}') {
        at++;
        return { kind: 'object', start, end: at, members };
      }
      for (;;) {
        space();
        if (text[at] !== '"') fail('expected a key');
        const keyStart = at;
        at = stringEnd(at);
        const key = JSON.parse(text.slice(keyStart, at)) as string;
        space();
        if (text[at] !== ':') fail('expected ":"');
        at++;
        members.push({ key, keyStart, value: value() });
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === '}') {
          at++;
          return { kind: 'object', start, end: at, members };
        }
        fail('expected "," or "}"');
      }
    }
    if (char === '[') {
      at++;
      const items: JsonNode[] = [];
      space();
      if (text[at] === ']') {
        at++;
        return { kind: 'array', start, end: at, items };
      }
      for (;;) {
        items.push(value());
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        if (text[at] === ']') {
          at++;
          return { kind: 'array', start, end: at, items };
        }
        fail('expected "," or "]"');
      }
    }
    if (char === '"') {
      at = stringEnd(at);
    } else {
      while (at < text.length && !',]} \t\n\r'.includes(text[at] ?? '')) at++;
    }
    if (at === start) fail('expected a value');
    return { kind: 'scalar', start, end: at, value: JSON.parse(text.slice(start, at)) };
  };
  const root = value();
  space();
  if (at !== text.length) fail('trailing text');
  return root;
}

export interface WindowChange {
  category: string;
  windowDays: number;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/**
 * The config text with each named category's `windowDays` replaced and its `windowSince` set to
 * `since` (replaced, or added right after `windowDays`, on the same line for a one-line object,
 * on its own line with the same indentation otherwise). Nothing else changes.
 */
export function applyWindowChanges(text: string, changes: readonly WindowChange[], since: string): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = bom ? text.slice(1) : text;
  const root = parseWithOffsets(body);
  if (root.kind !== 'object') throw new ConfigEditError('the config is not a JSON object');
  const categories = root.members.find((member) => member.key === 'categories')?.value;
  if (categories?.kind !== 'array') throw new ConfigEditError('the config has no "categories" array');

  const edits: Edit[] = [];
  const pending = new Map(changes.map((change) => [change.category, change.windowDays]));
  for (const category of categories.items) {
    if (category.kind !== 'object') continue;
    const id = category.members.find((member) => member.key === 'id')?.value;
    const windowDays = pending.get(id?.kind === 'scalar' && typeof id.value === 'string' ? id.value : '');
    if (windowDays === undefined || id?.kind !== 'scalar') continue;
    pending.delete(String(id.value));
    const days = category.members.find((member) => member.key === 'windowDays');
    if (!days) throw new ConfigEditError(`category "${String(id.value)}" has no windowDays`);
    edits.push({ start: days.value.start, end: days.value.end, text: String(windowDays) });
    const sinceMember = category.members.find((member) => member.key === 'windowSince');
    if (sinceMember) {
      edits.push({ start: sinceMember.value.start, end: sinceMember.value.end, text: JSON.stringify(since) });
    } else {
      const objectText = body.slice(category.start, category.end);
      const lineStart = body.lastIndexOf('\n', days.keyStart) + 1;
      const indent = /^[ \t]*/.exec(body.slice(lineStart, days.keyStart))?.[0] ?? '';
      const lineBreak = objectText.includes('\r\n') ? '\r\n' : '\n';
      const separator = objectText.includes('\n') ? `,${lineBreak}${indent}` : /,\s/.test(objectText) ? ', ' : ',';
      const colon = /:\s/.test(objectText) ? ': ' : ':';
      edits.push({ start: days.value.end, end: days.value.end, text: `${separator}"windowSince"${colon}${JSON.stringify(since)}` });
    }
  }
  if (pending.size > 0) throw new ConfigEditError(`no category ${[...pending.keys()].map((id) => `"${id}"`).join(', ')} in the config`);

  let edited = body;
  for (const edit of edits.sort((a, b) => b.start - a.start)) edited = edited.slice(0, edit.start) + edit.text + edited.slice(edit.end);
  return bom + edited;
}

/**
 * A line diff of two texts in the unified style (`-` old, `+` new, one line of context), with
 * line numbers of the old text: what `--apply` shows before it writes.
 */
export function lineDiff(before: string, after: string, labels: { before: string; after: string }): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const oldMiddle = a.slice(prefix, a.length - suffix);
  const newMiddle = b.slice(prefix, b.length - suffix);
  if (oldMiddle.length === 0 && newMiddle.length === 0) return '';

  // Longest common subsequence of the changed middle (small: edits are a few lines apart).
  const rows = oldMiddle.length;
  const cols = newMiddle.length;
  const lcs: number[][] = Array.from({ length: rows + 1 }, () => new Array<number>(cols + 1).fill(0));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      lcs[i]![j] = oldMiddle[i] === newMiddle[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  type Line = { kind: ' ' | '-' | '+'; text: string; oldLine: number };
  const lines: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && oldMiddle[i] === newMiddle[j]) {
      lines.push({ kind: ' ', text: oldMiddle[i]!, oldLine: prefix + i + 1 });
      i++;
      j++;
    } else if (i < rows && (j >= cols || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      lines.push({ kind: '-', text: oldMiddle[i]!, oldLine: prefix + i + 1 });
      i++;
    } else {
      lines.push({ kind: '+', text: newMiddle[j]!, oldLine: prefix + i + 1 });
      j++;
    }
  }
  const withContext: Line[] = [
    ...(prefix > 0 ? [{ kind: ' ' as const, text: a[prefix - 1]!, oldLine: prefix }] : []),
    ...lines,
    ...(suffix > 0 ? [{ kind: ' ' as const, text: a[a.length - suffix]!, oldLine: a.length - suffix + 1 }] : []),
  ];
  // Unchanged runs longer than two lines inside the middle are cut to their first and last line.
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  let run: Line[] = [];
  const flushRun = (atEnd: boolean) => {
    if (run.length > 2 && !atEnd) out.push(`${fmt(run[0]!)}`, `@@ line ${run[run.length - 1]!.oldLine} @@`, fmt(run[run.length - 1]!));
    else for (const line of run) out.push(fmt(line));
    run = [];
  };
  const fmt = (line: Line) => `${line.kind}${line.text}`;
  out.push(`@@ line ${withContext[0]?.oldLine ?? 1} @@`);
  for (const line of withContext) {
    if (line.kind === ' ') run.push(line);
    else {
      flushRun(false);
      out.push(fmt(line));
    }
  }
  flushRun(true);
  return out.join('\n');
}
