import * as z from 'zod/mini';
import { CountSchema, InstantSchema, NonEmptyStringSchema, OptionalNonEmptyStringSchema, OptionalStringSchema, PositiveIntSchema } from '../domain/fields.ts';
import { OutcomeCountsSchema } from './domain-events.ts';

/*
 * Files dropped into the import bucket (docs/architecture.md#imports-on-aws): the notification
 * that invokes import-file, its continuation, its checkpoint and result, and its domain event.
 */

/** What a file under `imports/<kind>/` holds, read as `recall import <kind>` reads it. */
export const IMPORT_KINDS = ['customers', 'orders', 'opt-outs'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** Where a file of `kind` is dropped: the bucket notifies import-file of new objects under it. */
export const importPrefix = (kind: ImportKind): string => `imports/${kind}/`;

/** The result of `<key>` is written to `<key>.result.json`, beside it and never imported itself. */
export const IMPORT_RESULT_SUFFIX = '.result.json';

/** S3's event times: ISO 8601 in UTC (`Z`). */
const UtcInstantSchema = z.iso.datetime();
const KindSchema = z.enum(IMPORT_KINDS);
/** A line number after the header's (line 1 at least). */
const LineAfterHeaderSchema = z.number().check(z.int(), z.gte(2));

/**
 * S3's ObjectCreated notification as Lambda receives it: the fields import-file reads, the rest
 * let through (Powertools' S3Schema refuses an upload from an IPv6 address). The key is URL-encoded,
 * '+' for a space; a bucket without versioning sends no version id.
 */
export const S3ObjectCreatedEventSchema = z.object({
  Records: z
    .array(
      z.object({
        eventSource: z.literal('aws:s3'),
        eventName: z.string().check(z.startsWith('ObjectCreated:')),
        eventTime: UtcInstantSchema,
        s3: z.object({
          bucket: z.object({ name: NonEmptyStringSchema }),
          object: z.object({ key: NonEmptyStringSchema, size: CountSchema, eTag: OptionalStringSchema, versionId: z.nullish(NonEmptyStringSchema) }),
        }),
      }),
    )
    .check(z.minLength(1)),
});
export type S3ObjectCreatedEvent = z.infer<typeof S3ObjectCreatedEventSchema>;

/** import-file invoking itself for the rest of a file: the object and the token the claim was handed to (the checkpoint is on the claim). */
export const ImportContinuationSchema = z.strictObject({
  source: z.literal('recall.import-file'),
  bucket: NonEmptyStringSchema,
  key: NonEmptyStringSchema,
  versionId: NonEmptyStringSchema,
  token: NonEmptyStringSchema,
});
export type ImportContinuation = z.infer<typeof ImportContinuationSchema>;

/** How many rejected (and warned) rows an import keeps to show, the first by line; the counts have them all. */
export const IMPORT_ROWS_SHOWN = 100;

const ImportRowNoteSchema = z.strictObject({ line: PositiveIntSchema, reason: NonEmptyStringSchema, message: z.string() });
export type ImportRowNote = z.infer<typeof ImportRowNoteSchema>;
const ImportRowNotesSchema = z.array(ImportRowNoteSchema).check(z.maxLength(IMPORT_ROWS_SHOWN));

/** What an import did so far: rows by result, and the first rejected and warned rows by line. */
export const ImportTallySchema = z.strictObject({
  imported: CountSchema,
  /** Orders recorded before (a re-import changes nothing). */
  unchanged: CountSchema,
  rejected: OutcomeCountsSchema,
  /** Customers whose phone no SMS can reach (masked, landline, invalid): imported all the same. */
  warnings: OutcomeCountsSchema,
  /** Opt-out files: numbers by what became of them (opted-out, unknown-number). */
  results: OutcomeCountsSchema,
  rejectedRows: ImportRowNotesSchema,
  warningRows: ImportRowNotesSchema,
  /** Header columns recall does not read. */
  ignoredColumns: z.array(z.string()),
});
export type ImportTally = z.infer<typeof ImportTallySchema>;

/**
 * Where an import goes on: every record before `offset` is written. A record boundary found on the
 * bytes (lib/import/record-bounds.ts), so never inside a quoted cell or a character; the header's
 * bytes are read again before it, and rows keep the file's own line numbers.
 */
export const ImportCheckpointSchema = z
  .strictObject({
    kind: KindSchema,
    /** The object's upload time: the import's as-of in every segment. */
    asOf: UtcInstantSchema,
    /** The header's record (and any blank lines after it) is the file's first `headerBytes` bytes, ending before line `headerEndLine`. */
    headerBytes: PositiveIntSchema,
    headerEndLine: LineAfterHeaderSchema,
    offset: PositiveIntSchema,
    /** The line the record at `offset` starts on. */
    line: LineAfterHeaderSchema,
    /** Invocations so far. */
    segments: PositiveIntSchema,
    tally: ImportTallySchema,
  })
  .check(z.refine((checkpoint) => checkpoint.headerBytes <= checkpoint.offset && checkpoint.headerEndLine <= checkpoint.line, { message: 'the resume point is inside the header' }));
export type ImportCheckpoint = z.infer<typeof ImportCheckpointSchema>;

/** A file imported: counts only, no row, number or name (the rows are in the result file next to it). */
export const ImportCompletedSchema = z.strictObject({
  bucket: NonEmptyStringSchema,
  key: NonEmptyStringSchema,
  versionId: NonEmptyStringSchema,
  kind: KindSchema,
  /** `failed`: the file broke off (`error` says where and why); the rows before that line are imported. */
  status: z.enum(['completed', 'failed']),
  asOf: UtcInstantSchema,
  imported: CountSchema,
  unchanged: CountSchema,
  rejected: OutcomeCountsSchema,
  warnings: OutcomeCountsSchema,
  results: OutcomeCountsSchema,
  error: OptionalNonEmptyStringSchema,
  segments: PositiveIntSchema,
  /** The result file: `<key>.result.json`, in the same bucket. */
  resultKey: NonEmptyStringSchema,
  completedAt: InstantSchema,
});
export type ImportCompleted = z.infer<typeof ImportCompletedSchema>;

/** The result file next to an imported file, as the claim keeps it until ImportCompleted is out. */
export const ImportResultSchema = z.strictObject({
  ...ImportCompletedSchema.shape,
  rejectedRows: ImportTallySchema.shape.rejectedRows,
  warningRows: ImportTallySchema.shape.warningRows,
  ignoredColumns: ImportTallySchema.shape.ignoredColumns,
});
export type ImportResult = z.infer<typeof ImportResultSchema>;
