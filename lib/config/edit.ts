/**
 * Edits a campaign config file in place, value by value: `recall windows --apply` changes the
 * `windowDays` (and `windowSince`) of some categories and keeps every other byte of the file as
 * the user wrote it: comments, key order, spacing, line breaks, the other values.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { applyEdits, findNodeAtLocation, modify, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { BadInputError } from '../errors.ts';

export class ConfigEditError extends BadInputError {
  override name = 'ConfigEditError';
}

export interface WindowChange {
  category: string;
  windowDays: number;
}

const PARSE_OPTIONS = { allowTrailingComma: true };

function parseConfigTree(text: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, PARSE_OPTIONS);
  const [first] = errors;
  if (first) throw new ConfigEditError(`not valid JSON at offset ${first.offset}: ${printParseErrorCode(first.error)}`);
  if (root?.type !== 'object') throw new ConfigEditError('the config is not a JSON object');
  return root;
}

/** The index of the category with this id in the `categories` array, or -1. */
function categoryIndex(root: Node, id: string): number {
  const categories = findNodeAtLocation(root, ['categories']);
  if (categories?.type !== 'array') throw new ConfigEditError('the config has no "categories" array');
  return (categories.children ?? []).findIndex((category) => category.type === 'object' && findNodeAtLocation(category, ['id'])?.value === id);
}

/**
 * `modify` inserts a member as `,"key": value`; the new `windowSince` follows the object's own
 * style instead: on the same line for a one-line object, on its own line with the indentation of
 * `windowDays` otherwise, with or without spaces as the object has them.
 */
function inObjectStyle(text: string, category: Node, windowDays: Node, inserted: string): string {
  const objectText = text.slice(category.offset, category.offset + category.length);
  const keyStart = windowDays.parent?.offset ?? windowDays.offset;
  const lineStart = text.lastIndexOf('\n', keyStart) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, keyStart))?.[0] ?? '';
  const lineBreak = objectText.includes('\r\n') ? '\r\n' : '\n';
  const separator = objectText.includes('\n') ? `,${lineBreak}${indent}` : /,\s/.test(objectText) ? ', ' : ',';
  const member = /:\s/.test(objectText) ? inserted.slice(1) : inserted.slice(1).replace(/^("(?:[^"\\]|\\.)*"):\s*/, '$1:');
  return `${separator}${member}`;
}

/** The config text with one category's `windowDays` replaced and its `windowSince` set to `since`. */
function withWindow(text: string, change: WindowChange, since: string): string {
  const root = parseConfigTree(text);
  const index = categoryIndex(root, change.category);
  if (index < 0) throw new ConfigEditError(`no category "${change.category}" in the config`);
  const path = ['categories', index];
  const category = findNodeAtLocation(root, path);
  const windowDays = findNodeAtLocation(root, [...path, 'windowDays']);
  if (!category || !windowDays) throw new ConfigEditError(`category "${change.category}" has no windowDays`);

  const days = modify(text, [...path, 'windowDays'], change.windowDays, {});
  const sinceEdits = findNodeAtLocation(root, [...path, 'windowSince'])
    ? modify(text, [...path, 'windowSince'], since, {})
    : modify(text, [...path, 'windowSince'], since, { getInsertionIndex: (keys) => keys.indexOf('windowDays') + 1 }).map((edit) => ({
        ...edit,
        content: inObjectStyle(text, category, windowDays, edit.content),
      }));
  return applyEdits(text, [...days, ...sinceEdits]);
}

/**
 * The config text with each named category's `windowDays` replaced and its `windowSince` set to
 * `since` (replaced, or added right after `windowDays`). Nothing else changes.
 */
export function applyWindowChanges(text: string, changes: readonly WindowChange[], since: string): string {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = bom ? text.slice(1) : text;
  const root = parseConfigTree(body);
  const missing = changes.filter((change) => categoryIndex(root, change.category) < 0);
  if (missing.length > 0) throw new ConfigEditError(`no category ${missing.map((change) => `"${change.category}"`).join(', ')} in the config`);
  let edited = body;
  for (const change of changes) edited = withWindow(edited, change, since);
  return bom + edited;
}

/** What `--apply` shows before it writes: a unified diff with one line of context. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }): string {
  if (before === after) return '';
  // CRs are dropped for display only: a terminal shows them as nothing, and the edit never changes line ends.
  return createTwoFilesPatch(labels.before, labels.after, before, after, undefined, undefined, {
    context: 1,
    headerOptions: FILE_HEADERS_ONLY,
    stripTrailingCr: true,
  }).trimEnd();
}
