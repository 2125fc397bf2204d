import { Readable } from 'node:stream';
import type { CampaignConfig } from '../config/schema.ts';
import { PermanentError } from '../errors.ts';
import { IMPORT_KINDS, IMPORT_RESULT_SUFFIX, IMPORT_ROWS_SHOWN, importPrefix, type ImportCheckpoint, type ImportCompleted, type ImportContinuation, type ImportKind, type ImportResult, type ImportRowNote, type ImportTally } from '../events/imports.ts';
import { readCustomerRows } from '../import/customers.ts';
import { readOrders } from '../import/orders.ts';
import { RecordStarts, resumedBytes, type RecordStart } from '../import/record-bounds.ts';
import { readOptOutRows } from '../import/replies.ts';
import { CsvFormatError } from '../import/results.ts';
import type { Clock, EventPublisher, OptOutList } from '../ports/messaging.ts';
import type { CustomerImport, ImportClaims, ImportFileRef, ImportLog, OrderHistory, Replies } from '../ports/store.ts';
import { importCustomers, importOrders, importReplies, type ImportHooks, type ImportRow } from './import.ts';

/*
 * A file dropped into the import bucket, imported by import-file (docs/architecture.md#imports-on-aws)
 * through the readers and use cases of `recall import`. One invocation imports a segment: it claims
 * the file, reads it from the last checkpoint, and near its timeout stops after a whole record (a
 * whole order), lets the writes in flight settle, stores the checkpoint on the claim and hands the
 * rest to a fresh invocation. The last one writes the result beside the file and publishes
 * ImportCompleted.
 */

/** The bucket files are dropped into (S3 on AWS). */
export interface ImportBucket {
  /** The file's bytes from `start` up to `end` (exclusive; without it, to the end), and when it was uploaded. */
  read(file: ImportFileRef, range: { start: number; end?: number }): Promise<{ body: AsyncIterable<Uint8Array>; uploadedAt: Date }>;
  /** Writes the result, as JSON, under `key` in the file's bucket. */
  writeResult(file: ImportFileRef, key: string, result: ImportResult): Promise<void>;
}

/** Hands the rest of a file to a fresh invocation (on AWS the function invokes itself, asynchronously). */
export interface ImportContinuations {
  continueImport(continuation: ImportContinuation): Promise<void>;
}

export interface ImportFileDeps {
  store: CustomerImport & ImportLog & OrderHistory & Replies & ImportClaims;
  config: CampaignConfig;
  clock: Clock;
  /** Verifies the coupon codes orders carry, as record-order does. */
  couponSecret: string;
  /** Our bus: ImportCompleted, and CustomerConverted for orders that convert a message. */
  events: EventPublisher;
  bucket: ImportBucket;
  continuations: ImportContinuations;
  /** The provider's opt-out list: an imported opt-out goes onto it too. */
  optOutList?: OptOutList;
}

/** The invocation importing: its id (a retry of it keeps it), how long it may hold a claim, and whether to stop now. */
export interface ImportInvocation {
  id: string;
  leaseUntil: Date;
  shouldYield: () => boolean;
}

export type ImportFileOutcome =
  /** Not a file to import: a result file, a folder, or outside `imports/<kind>/`. */
  | { status: 'ignored'; key: string }
  /** Another invocation holds the file (the same S3 event delivered twice, or a continuation pending). */
  | { status: 'busy'; key: string; leaseUntil: string }
  | { status: 'already-imported'; key: string }
  /** Stopped after the record before `line`; a continuation goes on from there. */
  | { status: 'continued'; key: string; line: number; segments: number }
  | ImportCompleted;

/** A claim that moved to another invocation while this one still worked on it (its lease ran out). */
export class ImportClaimLostError extends PermanentError {
  override name = 'ImportClaimLostError';
}

/**
 * How long a file handed to a continuation stays reserved for it. A continuation that has not
 * started by then is presumed lost: the file's S3 event delivered again (or redriven from the DLQ)
 * takes it over from the checkpoint.
 */
const HANDOFF_LEASE_MS = 15 * 60_000;

/** What kind of import `key` is, by its prefix; undefined for anything that is not an import file. */
export function importKindOf(key: string): ImportKind | undefined {
  if (key.endsWith(IMPORT_RESULT_SUFFIX) || key.endsWith('/')) return undefined;
  return IMPORT_KINDS.find((kind) => key.startsWith(importPrefix(kind)) && key.length > importPrefix(kind).length);
}

/** The token a claim is handed on with: the continuation presents it, and so does a retry of the invocation that handed it on. */
const handOffToken = (invocationId: string) => `${invocationId}/next`;

/**
 * One segment of the import of `file` (the whole file when it fits in the invocation): a repeated
 * S3 event or a continuation that lost the race imports nothing.
 */
export async function importFile(deps: ImportFileDeps, request: { file: ImportFileRef; token?: string }, invocation: ImportInvocation): Promise<ImportFileOutcome> {
  const { file } = request;
  const kind = importKindOf(file.key);
  if (!kind) return { status: 'ignored', key: file.key };
  const claim = await deps.store.claimImport(file, {
    holder: invocation.id,
    leaseUntil: invocation.leaseUntil.toISOString(),
    now: deps.clock.now().toISOString(),
    takes: [invocation.id, handOffToken(invocation.id), ...(request.token ? [request.token] : [])],
  });
  if (claim.state === 'busy') return { status: 'busy', key: file.key, leaseUntil: claim.leaseUntil };
  if (claim.state === 'finished') {
    // A crash between the result and ImportCompleted: the repeat finishes the announcement.
    if (!claim.announced) await announce(deps, file, claim.result);
    return { status: 'already-imported', key: file.key };
  }

  const segment = await importSegment(deps, file, kind, claim.checkpoint, invocation.shouldYield);
  if (segment.stop) {
    const token = handOffToken(invocation.id);
    const leaseUntil = new Date(deps.clock.now().getTime() + HANDOFF_LEASE_MS).toISOString();
    if (!(await deps.store.handOffImport(file, invocation.id, segment.checkpointAt(segment.stop), { holder: token, leaseUntil }))) {
      throw new ImportClaimLostError(`${file.key}: the claim was taken over before the checkpoint at line ${segment.stop.line} was stored`);
    }
    await deps.continuations.continueImport({ source: 'recall.import-file', ...file, token });
    return { status: 'continued', key: file.key, line: segment.stop.line, segments: segment.segments };
  }
  const result = resultOf(file, kind, segment, deps.clock.now());
  if (!(await deps.store.finishImport(file, invocation.id, result))) throw new ImportClaimLostError(`${file.key}: the claim was taken over before the import was finished`);
  await announce(deps, file, result);
  const { rejectedRows: _rows, warningRows: _warnings, ignoredColumns: _columns, ...completed } = result;
  return completed;
}

interface Segment {
  asOf: Date;
  segments: number;
  tally: ImportTally;
  /** Set when the segment stopped before the end: the record it stopped before. */
  stop?: RecordStart;
  /** Why the file broke off (its real line named), when it did. */
  fileError?: string;
  checkpointAt(stop: RecordStart): ImportCheckpoint;
}

const emptyTally = (): ImportTally => ({ imported: 0, unchanged: 0, rejected: {}, warnings: {}, results: {}, rejectedRows: [], warningRows: [], ignoredColumns: [] });

/**
 * Reads the file from the checkpoint (the header's bytes first, so the rows keep their columns)
 * through the reader of its kind, and imports its rows until the end, or until the invocation
 * should yield.
 */
async function importSegment(deps: ImportFileDeps, file: ImportFileRef, kind: ImportKind, checkpoint: ImportCheckpoint | undefined, shouldYield: () => boolean): Promise<Segment> {
  const from: RecordStart = checkpoint ? { offset: checkpoint.offset, line: checkpoint.line } : { offset: 0, line: 1 };
  const starts = new RecordStarts(from);
  const header = checkpoint ? await deps.bucket.read(file, { start: 0, end: checkpoint.headerBytes }) : undefined;
  const rest = await deps.bucket.read(file, { start: from.offset });
  const asOf = checkpoint ? new Date(checkpoint.asOf) : rest.uploadedAt;
  const bytes = header ? resumedBytes(header.body, starts.tap(rest.body)) : starts.tap(rest.body);
  // A resumed segment reads the header's lines, then the file's from `from.line` on.
  const realLine = checkpoint ? (line: number) => (line < checkpoint.headerEndLine ? line : line + from.line - checkpoint.headerEndLine) : (line: number) => line;

  const tally = checkpoint?.tally ?? emptyTally();
  const hooks: ImportHooks = {
    onRejected: (line, reason, message) => noteRow(tally.rejectedRows, { line, reason, message }),
    onWarning: (line, reason, message) => noteRow(tally.warningRows, { line, reason, message }),
  };
  const progress: Progress = { groups: 0, ...(checkpoint ? { headerEnd: { offset: checkpoint.headerBytes, line: checkpoint.headerEndLine } } : {}) };
  const plan = { starts, realLine, shouldYield, progress, file: file.key };
  const input = Readable.from(bytes);
  const read = { timeZone: deps.config.merchantTimeZone, defaultCountry: deps.config.defaultCountry, asOf, onIgnoredColumns: (columns: readonly string[]) => (tally.ignoredColumns = [...columns]) };

  switch (kind) {
    case 'customers': {
      const counts = await importCustomers(deps, segmentRows(readCustomerRows(input, file.key, read), () => true, plan), asOf, hooks);
      addCounts(tally, counts);
      break;
    }
    case 'orders': {
      // One order's rows never split: the segment stops only once an order (its run of rows) is whole.
      const counts = await importOrders(deps, segmentRows(readOrders(input, file.key, { ...read, categories: deps.config.categories }), (row) => row.ok, plan), asOf, hooks);
      addCounts(tally, counts);
      break;
    }
    case 'opt-outs': {
      const counts = await importReplies(deps, segmentRows(readOptOutRows(input, file.key, read), () => true, plan), hooks);
      for (const [result, count] of Object.entries(counts.results)) {
        tally.results[result] = (tally.results[result] ?? 0) + count;
        tally.imported += count;
      }
      addCount(tally.rejected, counts.rejected);
      break;
    }
  }

  const segments = (checkpoint?.segments ?? 0) + 1;
  return {
    asOf,
    segments,
    tally,
    ...(progress.stop ? { stop: progress.stop } : {}),
    ...(progress.fileError ? { fileError: progress.fileError } : {}),
    checkpointAt: (stop) => {
      if (!progress.headerEnd) throw new Error(`${file.key}: stopped before the header's end was known`);
      return { kind, asOf: asOf.toISOString(), headerBytes: progress.headerEnd.offset, headerEndLine: progress.headerEnd.line, offset: stop.offset, line: stop.line, segments, tally };
    },
  };
}

interface Progress {
  /** Groups of rows handed to the use case. */
  groups: number;
  /** Where the header (and any blank lines after it) ends: the first row's record. */
  headerEnd?: RecordStart;
  stop?: RecordStart;
  fileError?: string;
}

/**
 * The reader's rows with the file's own line numbers, handed on a group at a time: a row, or for
 * orders a whole order with the rejected rows read with it (an order is yielded once its last row is
 * read, so resuming inside its run of rows would import half of it). Before each group after the
 * first it asks whether to stop; stopping ends the rows here, the use case lets the writes in flight
 * settle, and the stop is the record of the group's first line: everything before it is written.
 * A file that breaks off ends the rows the same way, as `recall import` does, with the error noted.
 */
async function* segmentRows<T>(
  rows: AsyncIterable<ImportRow<T>>,
  endsGroup: (row: ImportRow<T>) => boolean,
  plan: { starts: RecordStarts; realLine: (line: number) => number; shouldYield: () => boolean; progress: Progress; file: string },
): AsyncGenerator<ImportRow<T>> {
  const { starts, progress } = plan;
  let group: ImportRow<T>[] = [];
  try {
    for await (const row of rows) {
      group.push({ ...row, line: plan.realLine(row.line) });
      if (!endsGroup(row)) continue;
      const first = Math.min(...group.map((member) => member.line));
      progress.headerEnd ??= starts.startOf(first);
      if (progress.groups > 0 && plan.shouldYield()) {
        progress.stop = starts.startOf(first);
        return;
      }
      starts.forgetBefore(first);
      yield* group;
      progress.groups += 1;
      group = [];
    }
  } catch (error) {
    if (!(error instanceof CsvFormatError)) throw error;
    progress.fileError = relined(error, plan.file, plan.realLine);
  }
  yield* group;
}

/** A CsvFormatError's message with the file's own line (the reader counted the resumed stream's). */
function relined(error: CsvFormatError, file: string, realLine: (line: number) => number): string {
  const prefix = error.line === undefined ? `${error.file}: ` : `${error.file}:${error.line}: `;
  const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return error.line === undefined ? `${file}: ${detail}` : `${file}:${realLine(error.line)}: ${detail}`;
}

/** Keeps the first IMPORT_ROWS_SHOWN rows by line (writes settle out of order). */
function noteRow(rows: ImportRowNote[], note: ImportRowNote): void {
  const last = rows.at(-1);
  if (rows.length >= IMPORT_ROWS_SHOWN && last && note.line >= last.line) return;
  const at = rows.findIndex((row) => row.line > note.line);
  rows.splice(at === -1 ? rows.length : at, 0, note);
  if (rows.length > IMPORT_ROWS_SHOWN) rows.pop();
}

function addCount(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [reason, count] of Object.entries(counts)) into[reason] = (into[reason] ?? 0) + count;
}

function addCounts(tally: ImportTally, counts: { imported: number; unchanged: number; rejected: Record<string, number>; warnings: Record<string, number> }): void {
  tally.imported += counts.imported;
  tally.unchanged += counts.unchanged;
  addCount(tally.rejected, counts.rejected);
  addCount(tally.warnings, counts.warnings);
}

function resultOf(file: ImportFileRef, kind: ImportKind, segment: Segment, completedAt: Date): ImportResult {
  const { tally } = segment;
  return {
    bucket: file.bucket,
    key: file.key,
    versionId: file.versionId,
    kind,
    status: segment.fileError ? 'failed' : 'completed',
    asOf: segment.asOf.toISOString(),
    imported: tally.imported,
    unchanged: tally.unchanged,
    rejected: tally.rejected,
    warnings: tally.warnings,
    results: tally.results,
    ...(segment.fileError ? { error: segment.fileError } : {}),
    segments: segment.segments,
    resultKey: `${file.key}${IMPORT_RESULT_SUFFIX}`,
    completedAt: completedAt.toISOString(),
    rejectedRows: tally.rejectedRows,
    warningRows: tally.warningRows,
    ignoredColumns: tally.ignoredColumns,
  };
}

/** The result file beside the import, then ImportCompleted; then the claim notes it, so a repeat does neither again. */
async function announce(deps: ImportFileDeps, file: ImportFileRef, result: ImportResult): Promise<void> {
  await deps.bucket.writeResult(file, result.resultKey, result);
  const { rejectedRows: _rows, warningRows: _warnings, ignoredColumns: _columns, ...detail } = result;
  await deps.events.publish([{ type: 'ImportCompleted', detail }]);
  await deps.store.markImportAnnounced(file);
}
