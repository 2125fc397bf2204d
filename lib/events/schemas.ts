import * as z from 'zod';
import { CalendarDateSchema } from '../config/schema.ts';
import { OUTCOMES } from '../domain/guardrails.ts';
import { OrderInputSchema } from '../domain/model.ts';
import { eventBridgeEnvelope } from './eventbridge-envelope.ts';

/**
 * Every payload that crosses a boundary of the pipeline: what invokes each function, what travels
 * on its queues, and the domain events it publishes. Samples of each live in `events/`.
 */

// --- Invocations --------------------------------------------------------------------------------

/**
 * plan-recall by hand (or `recall invoke`): every field optional. `--backfill` is not here: it is
 * a one-off batch job that scans, run from the CLI against the deployed table.
 */
export const PlanRecallInputSchema = z.strictObject({
  asOf: z.union([CalendarDateSchema, z.iso.datetime({ offset: true })]).optional(),
  journeys: z.array(z.string().min(1)).min(1).optional(),
  dryRun: z.boolean().default(false),
  /** A real run more than a day ahead of the clock is refused unless this is set (time travel on a test stack). */
  allowFuture: z.boolean().default(false),
});
export type PlanRecallInput = z.infer<typeof PlanRecallInputSchema>;

/**
 * plan-recall from EventBridge Scheduler: the schedule's input template carries the scheduler's
 * context attributes (`<aws.scheduler.scheduled-time>`, `<aws.scheduler.execution-id>`).
 */
export const ScheduledInvocationSchema = z.strictObject({
  source: z.literal('aws.scheduler'),
  scheduleArn: z.string().startsWith('arn:'),
  scheduledTime: z.iso.datetime({ offset: true }),
  executionId: z.string().min(1),
  attemptNumber: z.coerce.number().int().positive().optional(),
});
export type ScheduledInvocation = z.infer<typeof ScheduledInvocationSchema>;

/** learn-windows by hand (or `recall invoke`): nothing to choose. */
export const LearnWindowsInputSchema = z.strictObject({});

/** The shop's `OrderPlaced` event on its EventBridge bus. */
export const OrderPlacedEventSchema = eventBridgeEnvelope('OrderPlaced', OrderInputSchema);
export type OrderPlacedEvent = z.infer<typeof OrderPlacedEventSchema>;

// --- Queue messages -----------------------------------------------------------------------------

/** One job of the work queue: a shard of a run, or the continuation of one. */
export const ShardJobMessageSchema = z.strictObject({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  /** The instant the run stands for (quiet hours). */
  now: z.iso.datetime({ offset: true }),
  shard: z.number().int().nonnegative(),
  shards: z.number().int().positive(),
  dryRun: z.boolean(),
  journeys: z.array(z.string().min(1)).optional(),
  afterCustomer: z.string().optional(),
  /** The run's config version: every job of a run decides with it, whatever is pushed meanwhile. */
  configVersion: z.number().int().positive().optional(),
}).refine((job) => job.shard < job.shards, { path: ['shard'], message: 'must be below shards' });
export type ShardJobMessage = z.infer<typeof ShardJobMessageSchema>;

/** One claimed message on the send queue (the queue is KMS-encrypted: it holds the number). */
export const SendJobMessageSchema = z.strictObject({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  cycle: z.string().min(1),
  stepId: z.string().min(1),
  channel: z.enum(['sms', 'push']),
  to: z.string().min(1),
  text: z.string().min(1),
  parts: z.number().int().positive(),
  couponCode: z.string().optional(),
  /** The last day the coupon is valid, as the message says. */
  couponExpiry: CalendarDateSchema.optional(),
  /** The customer's time zone: the sender checks the send window again when it sends. */
  timeZone: z.string().min(1).optional(),
  /** The config version of the run that decided it: the sender's window and SMS settings come from it. */
  configVersion: z.number().int().positive().optional(),
  /**
   * What the sender writes in the message's ledger item, which the run no longer writes
   * (docs/architecture.md#sending): the run's date, the customer's tier and variant on it, the
   * coupon's value, and the day the table's TTL may delete the item. A message queued by an
   * earlier version has none of them: its item was claimed by the run, and the sender moves it.
   */
  runDate: CalendarDateSchema.optional(),
  tier: z.string().min(1).optional(),
  variant: z.string().min(1).optional(),
  couponValue: z.number().nonnegative().optional(),
  keepUntil: CalendarDateSchema.optional(),
});

// --- What comes back from the phone --------------------------------------------------------------

/** An inbound SMS from End User Messaging's two-way SNS topic (the fields we read). */
export const InboundSmsSchema = z.object({
  originationNumber: z.string().min(1),
  destinationNumber: z.string().min(1),
  messageKeyword: z.string().optional(),
  messageBody: z.string(),
  inboundMessageId: z.string().min(1),
  previousPublishedMessageId: z.string().optional(),
});
export type InboundSms = z.infer<typeof InboundSmsSchema>;

/**
 * The body another SMS provider's reply callback posts to record-reply's function URL, signed:
 * `x-recall-timestamp` (Unix seconds) and `x-recall-signature` = hex HMAC-SHA256 of
 * `<timestamp>.<body>` with the stack's callback secret.
 */
export const ReplyCallbackSchema = z.strictObject({
  /** The customer's number (E.164, or national in the config's default country). */
  phone: z.string().min(1).max(40),
  text: z.string().max(1600),
  /** ISO 8601 with an offset. */
  receivedAt: z.iso.datetime({ offset: true }),
  /** The provider's id of the inbound message. */
  id: z.string().min(1).max(200),
});
export type ReplyCallback = z.infer<typeof ReplyCallbackSchema>;

// --- Domain events on our bus (detail schemas) --------------------------------------------------

export const EVENT_SOURCE = 'recall.campaigns';

const OutcomeCountsSchema = z.record(z.string(), z.number().int().nonnegative());

export const RunStartedSchema = z.strictObject({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  shards: z.number().int().positive(),
  dryRun: z.boolean(),
  /** The stored config version the run uses from start to end. */
  configVersion: z.number().int().positive().optional(),
});

export const RunCompletedSchema = z.strictObject({
  runId: z.string().min(1),
  runDate: CalendarDateSchema,
  dryRun: z.boolean(),
  evaluated: z.number().int().nonnegative(),
  due: z.number().int().nonnegative(),
  sent: z.number().int().nonnegative(),
  heldOut: z.number().int().nonnegative(),
  skipped: OutcomeCountsSchema,
  deferred: OutcomeCountsSchema,
  configVersion: z.number().int().positive().optional(),
});

/** No phone number or text: subscribers get the facts, not the PII. */
export const MessageSentSchema = z.strictObject({
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  stepId: z.string().min(1),
  cycle: z.string().min(1),
  channel: z.enum(['sms', 'push']),
  parts: z.number().int().positive(),
  sentAt: z.iso.datetime({ offset: true }),
});

/** What the shop's coupon service needs to honour a code. */
export const CouponIssuedSchema = z.strictObject({
  couponCode: z.string().min(1),
  customerId: z.string().min(1),
  journeyId: z.string().min(1),
  stepId: z.string().min(1),
  value: z.number().positive(),
  minSpend: z.number().nonnegative(),
  validFrom: CalendarDateSchema,
  validUntil: CalendarDateSchema,
});

export const CustomerConvertedSchema = z.strictObject({
  customerId: z.string().min(1),
  orderId: z.string().min(1),
  journeyId: z.string().min(1),
  stepId: z.string().min(1),
  outcome: z.enum(OUTCOMES),
  amount: z.number().nonnegative(),
  couponCode: z.string().optional(),
  convertedAt: z.iso.datetime({ offset: true }),
});

/** One category of a weekly window learning (lib/domain/windows.ts): no customer data, only counts. */
export const LearnedWindowSchema = z.strictObject({
  category: z.string().min(1),
  configuredWindowDays: z.number().int().positive(),
  /** The median days to a second purchase; absent when flagged (too few repeaters). */
  learnedWindowDays: z.number().int().nonnegative().optional(),
  repeaters: z.number().int().nonnegative(),
  customers: z.number().int().nonnegative(),
  /** repeaters / customers; null when no customer bought in the category. */
  cameBackShare: z.number().min(0).max(1).nullable(),
  flagged: z.boolean(),
});

/** The weekly learn-windows job: every configured category, learned or flagged. */
export const WindowsLearnedSchema = z.strictObject({
  categories: z.array(LearnedWindowSchema),
  learnedAt: z.iso.datetime({ offset: true }),
});

// --- Files dropped into the import bucket (docs/architecture.md#imports-on-aws) ---------------

/** What a file under `imports/<kind>/` holds, read as `recall import <kind>` reads it. */
export const IMPORT_KINDS = ['customers', 'orders', 'opt-outs'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** Where a file of `kind` is dropped: the bucket notifies import-file of new objects under it. */
export const importPrefix = (kind: ImportKind): string => `imports/${kind}/`;

/** The result of `<key>` is written to `<key>.result.json`, beside it and never imported itself. */
export const IMPORT_RESULT_SUFFIX = '.result.json';

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
        eventName: z.string().startsWith('ObjectCreated:'),
        eventTime: z.iso.datetime(),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({ key: z.string().min(1), size: z.number().int().nonnegative(), eTag: z.string().optional(), versionId: z.string().min(1).nullish() }),
        }),
      }),
    )
    .nonempty(),
});
export type S3ObjectCreatedEvent = z.infer<typeof S3ObjectCreatedEventSchema>;

/** import-file invoking itself for the rest of a file: the object and the token the claim was handed to (the checkpoint is on the claim). */
export const ImportContinuationSchema = z.strictObject({
  source: z.literal('recall.import-file'),
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1),
  token: z.string().min(1),
});
export type ImportContinuation = z.infer<typeof ImportContinuationSchema>;

/** How many rejected (and warned) rows an import keeps to show, the first by line; the counts have them all. */
export const IMPORT_ROWS_SHOWN = 100;

const ImportRowNoteSchema = z.strictObject({ line: z.number().int().positive(), reason: z.string().min(1), message: z.string() });
export type ImportRowNote = z.infer<typeof ImportRowNoteSchema>;

/** What an import did so far: rows by result, and the first rejected and warned rows by line. */
export const ImportTallySchema = z.strictObject({
  imported: z.number().int().nonnegative(),
  /** Orders recorded before (a re-import changes nothing). */
  unchanged: z.number().int().nonnegative(),
  rejected: OutcomeCountsSchema,
  /** Customers whose phone no SMS can reach (masked, landline, invalid): imported all the same. */
  warnings: OutcomeCountsSchema,
  /** Opt-out files: numbers by what became of them (opted-out, unknown-number). */
  results: OutcomeCountsSchema,
  rejectedRows: z.array(ImportRowNoteSchema).max(IMPORT_ROWS_SHOWN),
  warningRows: z.array(ImportRowNoteSchema).max(IMPORT_ROWS_SHOWN),
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
    kind: z.enum(IMPORT_KINDS),
    /** The object's upload time: the import's as-of in every segment. */
    asOf: z.iso.datetime(),
    /** The header's record (and any blank lines after it) is the file's first `headerBytes` bytes, ending before line `headerEndLine`. */
    headerBytes: z.number().int().positive(),
    headerEndLine: z.number().int().min(2),
    offset: z.number().int().positive(),
    /** The line the record at `offset` starts on. */
    line: z.number().int().min(2),
    /** Invocations so far. */
    segments: z.number().int().positive(),
    tally: ImportTallySchema,
  })
  .refine((checkpoint) => checkpoint.headerBytes <= checkpoint.offset && checkpoint.headerEndLine <= checkpoint.line, { message: 'the resume point is inside the header' });
export type ImportCheckpoint = z.infer<typeof ImportCheckpointSchema>;

/** A file imported: counts only, no row, number or name (the rows are in the result file next to it). */
export const ImportCompletedSchema = z.strictObject({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1),
  kind: z.enum(IMPORT_KINDS),
  /** `failed`: the file broke off (`error` says where and why); the rows before that line are imported. */
  status: z.enum(['completed', 'failed']),
  asOf: z.iso.datetime(),
  imported: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  rejected: OutcomeCountsSchema,
  warnings: OutcomeCountsSchema,
  results: OutcomeCountsSchema,
  error: z.string().min(1).optional(),
  segments: z.number().int().positive(),
  /** The result file: `<key>.result.json`, in the same bucket. */
  resultKey: z.string().min(1),
  completedAt: z.iso.datetime({ offset: true }),
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

export const DOMAIN_EVENTS = {
  RunStarted: RunStartedSchema,
  RunCompleted: RunCompletedSchema,
  MessageSent: MessageSentSchema,
  CouponIssued: CouponIssuedSchema,
  CustomerConverted: CustomerConvertedSchema,
  WindowsLearned: WindowsLearnedSchema,
  ImportCompleted: ImportCompletedSchema,
} as const;
export type DomainEventType = keyof typeof DOMAIN_EVENTS;
export type DomainEvent = {
  [K in DomainEventType]: { type: K; detail: z.infer<(typeof DOMAIN_EVENTS)[K]> };
}[DomainEventType];
