import { Readable } from 'node:stream';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutOptedOutNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandInput } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/import-file.ts';
import { ImportContinuationSchema, ImportResultSchema, S3ObjectCreatedEventSchema, type ImportContinuation, type S3ObjectCreatedEvent } from '../../lib/events/imports.ts';
import { readCustomerRows } from '../../lib/import/customers.ts';
import { readOrders } from '../../lib/import/orders.ts';
import { CsvFormatError } from '../../lib/import/results.ts';
import { campaignConfig } from '../../lib/runtime/aws/env.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { importCustomers, importOrders, type ImportCounts, type ImportHooks } from '../../lib/usecases/import.ts';
import type { ImportFileOutcome } from '../../lib/usecases/import-file.ts';
import { awsError, mockAws, putEvents } from '../support/aws-mocks.ts';
import { COUPON_SECRET } from '../support/handler-env.ts';
import { changedKeys, type HandlerTable, profileItem, startHandlerTable, tableItems } from '../support/handler-table.ts';
import { loadEvent } from '../support/sample-events.ts';
import { canonical, type TableState } from '../support/table-state.ts';

/**
 * import-file as deployed (docs/architecture.md#imports-on-aws), on dynalite, with S3 and Lambda
 * mocked at the SDK: GetObject streams the file's bytes in small chunks (so multi-byte characters and
 * quoted cells are cut between chunks) and honours Range and VersionId; Invoke records the
 * continuation the function hands itself, which the test then delivers as Lambda would. Each file
 * is resumed across timeouts and delivered more than once, and the table must end exactly as a
 * one-shot `recall import` of the same file leaves a fresh one.
 */

const BUCKET = 'recallcampaigns-test-importsbucket';
const SHANGHAI = 'Asia/Shanghai';

interface StoredObject {
  bytes: Buffer;
  lastModified: Date;
}

/** The import bucket behind the S3 mock: versions by key and version id, result files as written. */
class FakeBucket {
  readonly objects = new Map<string, StoredObject>();
  readonly results = new Map<string, unknown>();
  /** The next GetObject of the rest of a file breaks off after `after` bytes, once `when` settles (a read cut by a dying invocation). */
  breakNextRead: { after: number; when: () => Promise<void> } | undefined;

  put(key: string, bytes: Buffer, lastModified: Date): { key: string; versionId: string; size: number } {
    const versionId = `version.${this.objects.size + 1}`;
    this.objects.set(`${key}#${versionId}`, { bytes, lastModified });
    return { key, versionId, size: bytes.length };
  }

  get(input: GetObjectCommandInput) {
    const object = this.objects.get(`${input.Key}#${input.VersionId}`);
    if (!object) throw awsError('NoSuchKey', 'The specified key does not exist.', 404);
    const range = /^bytes=(\d+)-(\d*)$/.exec(input.Range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) + 1 : object.bytes.length;
    const bytes = object.bytes.subarray(start, end);
    const breaking = start > 0 || input.Range === undefined ? this.breakNextRead : undefined;
    if (breaking) this.breakNextRead = undefined;
    return { Body: sdkStreamMixin(Readable.from(chunksOf(bytes, 61, breaking))), LastModified: object.lastModified, ContentLength: bytes.length };
  }
}

/** Bytes in chunks of `size` (odd, so they cut characters and cells); breaking off as `breaking` says. */
async function* chunksOf(bytes: Buffer, size: number, breaking?: { after: number; when: () => Promise<void> }): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) {
    if (breaking && at >= breaking.after) {
      await breaking.when();
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    yield bytes.subarray(at, at + size);
  }
}

let requests = 0;
/** A request id that no phone-number check in the logs could mistake for a number (a UUID's digits might). */
const requestId = () => `request-${(requests += 1)}`;

/** An invocation whose remaining time runs out after `calls` looks at it (one for its lease, then one per row or order). */
function contextRunningOutAfter(calls: number, id: string = requestId()): Context {
  let left = calls;
  return { ...lambdaContext('import-file'), awsRequestId: id, getRemainingTimeInMillis: () => (left-- > 0 ? 600_000 : 5_000) };
}

const roomy = (id?: string) => contextRunningOutAfter(Number.MAX_SAFE_INTEGER, id);

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await condition()); ) {
    if (Date.now() - started > 10_000) throw new Error('waited 10 s for a write');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('import-file (the deployed handler on dynalite, S3 and Lambda mocked)', () => {
  const aws = mockAws();
  const s3 = mockClient(S3Client);
  const lambda = mockClient(LambdaClient);
  const bucket = new FakeBucket();
  let continuations: ImportContinuation[] = [];
  /** Lambda taking an asynchronous invocation of the function by itself: the test delivers it later. */
  const invokeAsync = (input: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array }) => {
    expect(input).toMatchObject({ FunctionName: 'recall-import-file', InvocationType: 'Event' });
    continuations.push(ImportContinuationSchema.parse(JSON.parse(Buffer.from(input.Payload ?? new Uint8Array()).toString('utf8'))));
    return { StatusCode: 202 };
  };
  let table: HandlerTable;
  let sample: S3ObjectCreatedEvent;

  beforeAll(async () => {
    table = await startHandlerTable();
    process.env.SMS_OPT_OUT_LIST_NAME = 'recall-test';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'recall-import-file';
    sample = S3ObjectCreatedEventSchema.parse(await loadEvent('import-file.s3-object-created.json'));
  });
  beforeEach(() => {
    aws.reset();
    s3.reset();
    lambda.reset();
    s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => bucket.get(input));
    s3.on(PutObjectCommand).callsFake((input: { Key?: string; Body?: unknown }) => {
      bucket.results.set(input.Key ?? '', JSON.parse(String(input.Body)));
      return {};
    });
    continuations = [];
    lambda.on(InvokeCommand).callsFake(invokeAsync);
  });
  afterAll(async () => {
    aws.restore();
    s3.restore();
    lambda.restore();
    await table.stop();
  });

  /** The sample notification for an object of the fake bucket: only the object's fields change. */
  function notification(object: { key: string; versionId: string; size: number }): unknown {
    const [record] = sample.Records;
    if (!record) throw new Error('the sample has no record');
    const encodedKey = encodeURIComponent(object.key).replace(/%2F/g, '/').replace(/%20/g, '+');
    return { Records: [{ ...record, s3: { ...record.s3, bucket: { ...record.s3.bucket, name: BUCKET }, object: { ...record.s3.object, key: encodedKey, versionId: object.versionId, size: object.size } } }] };
  }

  async function deliver(event: unknown, context: Context = roomy()): Promise<ImportFileOutcome[]> {
    const { outcomes } = await handler(event, context);
    return outcomes;
  }

  /** Delivers the continuations the function handed itself, each with `calls` looks at the clock, until none is left. */
  async function deliverContinuations(calls: number): Promise<ImportFileOutcome[]> {
    const outcomes: ImportFileOutcome[] = [];
    for (let next = continuations.shift(); next; next = continuations.shift()) outcomes.push(...(await deliver(next, contextRunningOutAfter(calls))));
    return outcomes;
  }

  /** What `recall import KIND` does with the same bytes, on a fresh table: the state, counts and rejected lines to match. */
  async function importedOnce(kind: 'orders' | 'customers', key: string, bytes: Buffer, asOf: Date) {
    const store = await table.dynamo.freshStore();
    const config = campaignConfig();
    const rejectedRows: { line: number; reason: string }[] = [];
    const hooks: ImportHooks = { onRejected: (line, reason) => rejectedRows.push({ line, reason }) };
    const input = Readable.from([bytes]);
    let counts: ImportCounts | undefined;
    let error: string | undefined;
    try {
      counts =
        kind === 'orders'
          ? await importOrders({ store, config, clock: { now: () => asOf }, couponSecret: COUPON_SECRET }, readOrders(input, key, { timeZone: SHANGHAI, asOf, categories: config.categories }), asOf, hooks)
          : await importCustomers({ store }, readCustomerRows(input, key, { timeZone: SHANGHAI, defaultCountry: config.defaultCountry }), asOf, hooks);
    } catch (caught) {
      if (!(caught instanceof CsvFormatError)) throw caught;
      error = caught.message;
    }
    return { state: await tableItems(store), counts, error, rejectedRows: rejectedRows.sort((a, b) => a.line - b.line) };
  }

  /** The items the import added or changed (its claim aside) are exactly the one-shot import's, item for item. */
  function expectSameImport(before: TableState, after: TableState, once: TableState): void {
    const changed = changedKeys(before, after).filter((key) => !key.startsWith('IMPORT#'));
    expect(changed).toEqual([...once.keys()]);
    for (const key of changed) expect(canonical(after.get(key)), key).toBe(canonical(once.get(key)));
  }

  function resultOf(key: string) {
    return ImportResultSchema.parse(bucket.results.get(`${key}.result.json`));
  }

  const importsCompleted = () => putEvents(aws).filter((event) => event.type === 'ImportCompleted');

  describe('an orders file (UTF-8): quoted cells with line breaks, multi-line orders, rejected rows', () => {
    const key = 'imports/orders/taobao 2026-10 订单.csv';
    const asOf = new Date('2026-11-20T02:00:00.000Z');
    const file = Buffer.from(ordersCsv('o'), 'utf8');
    let once: Awaited<ReturnType<typeof importedOnce>>;

    it('is resumed across timeouts and delivered twice, and ends as a one-shot import of the same file', async () => {
      // Prepare
      const object = bucket.put(key, file, asOf);
      const event = notification(object);
      const before = await tableItems(table.store);
      once = await importedOnce('orders', key, file, asOf);

      // Act: each invocation runs out of time after a few orders; the notification comes twice,
      // and the first continuation is delivered again after it was handed on.
      const first = await deliver(event, contextRunningOutAfter(4));
      const duplicate = await deliver(event);
      const [firstContinuation] = continuations;
      const rest = await deliverContinuations(3);
      const lateCopy = firstContinuation ? await deliver(firstContinuation) : [];
      const afterwards = await deliver(event);

      // Assess
      // It stops before the fourth order, whose run of rows starts with a rejected row (line 7).
      expect(first).toEqual([{ status: 'continued', key, line: 7, segments: 1 }]);
      expect(duplicate).toEqual([{ status: 'busy', key, leaseUntil: expect.any(String) }]);
      // Lines 16 and 23 start right after records whose quoted remarks hold line breaks (\r\n too), "" and Chinese.
      expect(rest.map((outcome) => (outcome.status === 'continued' ? outcome.line : outcome.status))).toEqual([16, 19, 23, 'completed']);
      expect(rest.at(-1)).toMatchObject({ status: 'completed', key, imported: once.counts?.imported, unchanged: 0, rejected: once.counts?.rejected, segments: rest.length + 1 });
      expect(lateCopy).toEqual([{ status: 'already-imported', key }]);
      expect(afterwards).toEqual([{ status: 'already-imported', key }]);
      expectSameImport(before, await tableItems(table.store), once.state);
      const [completed, ...more] = importsCompleted();
      expect(more).toEqual([]);
      expect(completed?.detail).toEqual(rest.at(-1));
    });

    it('writes its result beside the file: the counts ImportCompleted carried, rejected rows by their real line', () => {
      const result = resultOf(key);

      expect(result).toMatchObject({ bucket: BUCKET, key, kind: 'orders', status: 'completed', asOf: asOf.toISOString(), resultKey: `${key}.result.json`, ignoredColumns: ['"备注"'] });
      expect(result.rejectedRows.map(({ line, reason }) => ({ line, reason }))).toEqual(once.rejectedRows);
      expect(result.rejectedRows.map(({ reason }) => reason).sort()).toEqual(['bad-amount', 'date-mismatch', 'date-mismatch', 'unknown-category', 'wrong-column-count']);
      expect(result.imported).toBe(once.counts?.imported);
    });
  });

  describe('a customers file in GBK with CRLF (a Windows export): multi-line quoted names and addresses', () => {
    const key = 'imports/customers/会员 导出.csv';
    const asOf = new Date('2026-11-21T02:00:00.000Z');
    const file = iconv.encode(customersCsv(), 'gb18030');

    it('is resumed row by row across timeouts, warns of unreachable phones, and ends as a one-shot import', async () => {
      const object = bucket.put(key, file, asOf);
      const before = await tableItems(table.store);
      const once = await importedOnce('customers', key, file, asOf);

      const first = await deliver(notification(object), contextRunningOutAfter(3));
      const rest = await deliverContinuations(4);
      const again = await deliver(notification(object));

      expect(first).toMatchObject([{ status: 'continued', segments: 1 }]);
      expect(rest.at(-1)).toMatchObject({ status: 'completed', imported: once.counts?.imported, rejected: once.counts?.rejected, warnings: once.counts?.warnings });
      expect(rest.length).toBeGreaterThanOrEqual(3);
      expect(again).toEqual([{ status: 'already-imported', key }]);
      expectSameImport(before, await tableItems(table.store), once.state);
      const result = resultOf(key);
      expect(result.rejectedRows.map(({ line, reason }) => ({ line, reason }))).toEqual(once.rejectedRows);
      expect(result.warningRows.map(({ reason }) => reason).sort()).toEqual(['landline-phone', 'masked-phone', 'masked-phone']);
      expect(result.ignoredColumns).toEqual(['"地址"']);
    });
  });

  it("an opt-out list: every customer with a listed number opted out, the number onto the provider's list too, resumed across a timeout", async () => {
    // The numbers of g-001 and g-002, whom the customers file above imported; one nobody has (it goes onto the list all the same); one that is no number.
    const key = 'imports/opt-outs/provider-list.csv';
    const file = Buffer.from('phone,opted_out_at\n13800138001,2026-11-20 10:00\n+86 138 0013 8002,\n13800139999,\nnot-a-number,\n', 'utf8');
    const object = bucket.put(key, file, new Date('2026-11-23T02:00:00.000Z'));

    await deliver(notification(object), contextRunningOutAfter(3));
    const rest = await deliverContinuations(100);

    expect(rest).toMatchObject([{ status: 'completed', kind: 'opt-outs', imported: 3, results: { 'opted-out': 2, 'unknown-number': 1 }, rejected: { 'bad-phone': 1 }, segments: 2 }]);
    expect(await profileItem(table.store, 'g-001')).toMatchObject({ optedOut: true, optedOutAt: '2026-11-20T02:00:00.000Z' });
    expect(await profileItem(table.store, 'g-002')).toMatchObject({ optedOut: true, optedOutAt: '2026-11-23T02:00:00.000Z' });
    expect(aws.smsVoice.commandCalls(PutOptedOutNumberCommand).map((call) => call.args[0].input.OptedOutNumber)).toEqual(['+8613800138001', '+8613800138002', '+8613800139999']);
  });

  describe('an invocation that dies mid-file', () => {
    const key = 'imports/customers/crash.csv';
    const asOf = new Date('2026-11-22T02:00:00.000Z');
    const file = iconv.encode(customersCsv().replace(/g-/g, 'k-'), 'gb18030');

    it('leaves its claim until its lease runs out; then a repeated notification takes over from the last checkpoint, and the stale continuation imports nothing', async () => {
      const object = bucket.put(key, file, asOf);
      const event = notification(object);
      const before = await tableItems(table.store);
      const once = await importedOnce('customers', key, file, asOf);

      // The first segment hands on (3 rows); the continuation's read breaks off once it wrote the 6th.
      await deliver(event, contextRunningOutAfter(3));
      const [dying] = continuations.splice(0);
      if (!dying) throw new Error('expected a continuation');
      bucket.breakNextRead = { after: 400, when: () => until(async () => (await profileItem(table.store, 'k-006')) !== undefined) };
      const dyingId = requestId();
      await expect(deliver(dying, roomy(dyingId))).rejects.toThrow('socket hang up');
      const writtenByTheDead = await profileItem(table.store, 'k-006');
      const whileLeased = await deliver(event);
      await expireLease();
      const takeover = await deliver(event, contextRunningOutAfter(3));
      // Lambda retries the failed continuation (same request id, same token): the claim is no longer its.
      const retried = await deliver(dying, roomy(dyingId));
      const rest = await deliverContinuations(100);

      expect(writtenByTheDead).toMatchObject({ name: '王\n小明6' });
      expect(whileLeased).toMatchObject([{ status: 'busy' }]);
      expect(takeover).toMatchObject([{ status: 'continued', segments: 2 }]);
      expect(retried).toMatchObject([{ status: 'busy' }]);
      const done = rest.at(-1);
      if (done?.status !== 'completed') throw new Error('expected the import to complete');
      // The rows the dead invocation wrote were written again from the checkpoint, changing nothing;
      // its counts were never stored, so every row counts once.
      expect(done).toMatchObject({ imported: once.counts?.imported, rejected: once.counts?.rejected, warnings: once.counts?.warnings });
      expectSameImport(before, await tableItems(table.store), once.state);
    });

    /** What a timed-out invocation's claim looks like once its lease is over. */
    async function expireLease(): Promise<void> {
      const claims = [...(await tableItems(table.store)).values()].filter((item) => String(item.pk).startsWith('IMPORT#') && item.key === key);
      expect(claims).toHaveLength(1);
      const doc = DynamoDBDocumentClient.from(table.store.client);
      await doc.send(
        new UpdateCommand({ TableName: table.store.tableName, Key: { pk: claims[0]?.pk, sk: claims[0]?.sk }, UpdateExpression: 'SET leaseUntil = :past', ExpressionAttributeValues: { ':past': new Date(Date.now() - 1000).toISOString() } }),
      );
    }
  });

  it('a continuation that cannot be handed on fails the invocation; Lambda retrying it (same request id) takes the claim back at once', async () => {
    const key = 'imports/customers/retry.csv';
    const object = bucket.put(key, iconv.encode(customersCsv().replace(/g-/g, 'r-'), 'gb18030'), new Date('2026-11-22T03:00:00.000Z'));
    lambda.on(InvokeCommand).rejectsOnce(awsError('TooManyRequestsException', 'Rate exceeded', 429)).callsFake(invokeAsync);
    const failing = requestId();

    await expect(deliver(notification(object), contextRunningOutAfter(4, failing))).rejects.toThrow('Rate exceeded');
    const retry = await deliver(notification(object), contextRunningOutAfter(4, failing));
    const rest = await deliverContinuations(100);

    expect(retry).toMatchObject([{ status: 'continued', segments: 2 }]);
    expect(rest).toMatchObject([{ status: 'completed', segments: 3 }]);
  });

  it('a file that breaks off after a checkpoint fails with its real line, the rows before it imported', async () => {
    const key = 'imports/customers/unclosed.csv';
    const asOf = new Date('2026-11-22T04:00:00.000Z');
    const file = iconv.encode(`${customersCsv().replace(/g-/g, 'u-')}u-999,13800138999,"never closed\r\n`, 'gb18030');
    const before = await tableItems(table.store);
    const once = await importedOnce('customers', key, file, asOf);
    const object = bucket.put(key, file, asOf);

    await deliver(notification(object), contextRunningOutAfter(3));
    const rest = await deliverContinuations(100);

    expect(once.error).toMatch(/^imports\/customers\/unclosed\.csv:30: a quoted cell starting on this line is never closed/);
    expect(rest).toMatchObject([{ status: 'failed', error: once.error, segments: 2 }]);
    expectSameImport(before, await tableItems(table.store), once.state);
  });

  it('ignores the result files it writes, folders and keys outside the import prefixes, and refuses other events by name', async () => {
    const ignored = await deliver(notification({ key: 'imports/orders/taobao 2026-10 订单.csv.result.json', versionId: 'v1', size: 10 }));
    const folder = await deliver(notification({ key: 'imports/orders/', versionId: 'v2', size: 0 }));
    const elsewhere = await deliver(notification({ key: 'exports/orders.csv', versionId: 'v3', size: 10 }));

    expect([...ignored, ...folder, ...elsewhere].map((outcome) => outcome.status)).toEqual(['ignored', 'ignored', 'ignored']);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    await expect(deliver({ Records: [{ eventSource: 'aws:sqs' }] })).rejects.toThrow(/^import-file: neither an S3 ObjectCreated notification nor a continuation: Records\.0\.eventSource/);
  });
});

/**
 * An orders export as a shop writes one: a remarks column recall ignores, whose quoted cells hold
 * line breaks, commas, "" and Chinese; orders of several lines; amounts with ¥ and thousands
 * separators; a category by its Chinese name; bad rows of several kinds.
 */
function ordersCsv(prefix: string): string {
  const rows = ['order_id,customer_id,ordered_at,category,amount,coupon_code,备注'];
  for (let i = 1; i <= 10; i++) {
    const order = `${prefix.toUpperCase()}TB202610${String(i).padStart(4, '0')}`;
    const customer = `${prefix}-${String(1 + (i % 5)).padStart(3, '0')}`;
    const at = `2026-10-${String(1 + (i % 27)).padStart(2, '0')} ${String(8 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
    const note = i % 4 === 1 ? `"送货前请电话联系，\n门口放""快递柜""\r\n谢谢"` : i % 4 === 2 ? '尽快发货' : '';
    const amount = i === 4 ? 'abc' : i % 3 === 0 ? '"¥1,299.00"' : `${100 + i}.5`;
    const category = i === 6 ? '未知类目' : i % 2 === 0 ? '女鞋' : 'cosmetics';
    rows.push(`${order},${customer},${at},${category},${amount},,${note}`);
    if (i % 5 === 0) {
      rows.push(`${order},${customer},${at},彩妆,89,,"第二件\n半价"`);
      // The same order on another date: rejected, its neighbours kept in the order.
      rows.push(`${order},${customer},2026-09-01 10:00,护肤,20,,`);
      rows.push(`${order},${customer},${at},护肤,59,,`);
    }
    // A run whose first row is rejected: its order starts on the next line, its rows on this one.
    if (i === 4) rows.push(`${order},${customer},${at},护肤,59,,`);
    if (i === 7) rows.push(`${order}X,${customer},${at},cosmetics,1,2,3,4`);
  }
  return `${rows.join('\n')}\n`;
}

/** A member export from a Chinese shop: names and addresses with line breaks, masked and landline phones, a bad opt-in. */
function customersCsv(): string {
  const rows = ['customer_id,phone,name,timezone,sms_opt_in,地址'];
  for (let i = 1; i <= 12; i++) {
    const phone = i === 4 || i === 10 ? '138****8001' : i === 8 ? '010-62345678' : `1380013${String(8000 + i)}`;
    const name = i % 3 === 0 ? `"王\n小明${i}"` : `李静${i}`;
    const optIn = i === 5 ? '也许' : i % 2 === 0 ? '是' : '否';
    rows.push(`g-${String(i).padStart(3, '0')},${phone},${name},Asia/Shanghai,${optIn},"北京市朝阳区\r\n建国路${i}号"`);
  }
  return `${rows.join('\r\n')}\r\n`;
}
