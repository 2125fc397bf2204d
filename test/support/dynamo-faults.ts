import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { SimulatedCrash, type CrashPlan } from './crash.ts';
import { faultRandom } from './fault-rate.ts';

/**
 * The one DynamoDB fault injector of the tests: an HTTP proxy in front of dynalite. Any client
 * pointed at its `endpoint` meets it: a test's own (testDynamoClient) and the handlers', which
 * lib/runtime/aws/ builds from DYNAMODB_ENDPOINT, out of a test's reach. It answers as DynamoDB
 * does on the wire (status, `__type`, JSON 1.0), so the SDK's own deserializer and retry strategy
 * meet every fault; everything else passes through untouched.
 *
 * - `fail`: the next few requests of an operation that match fail (a throttled ledger write);
 * - `failAtRate`: a share of all requests fail (the reliability suite's throttling and 5xx);
 * - either with `landed`: the request takes effect and only its answer is lost on the way back;
 * - `hold`: requests wait until the test releases them (a slow Lambda instance in a race);
 * - `crashWith`: the process dies right after the plan's k-th write (test/support/crash.ts).
 */

const JsonObjectSchema = z.record(z.string(), z.unknown());

const DYNAMODB_ERRORS = {
  ProvisionedThroughputExceededException: {
    status: 400,
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  ThrottlingException: { status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
  InternalServerError: { status: 500, message: 'Internal server error' },
} as const;
export type DynamoErrorCode = keyof typeof DYNAMODB_ERRORS;
const ERROR_CODES: readonly DynamoErrorCode[] = ['ProvisionedThroughputExceededException', 'ThrottlingException', 'InternalServerError'];

/** What the SDK's standard strategy retries besides any 5xx (the throttling codes DynamoDB uses). */
const RETRIED_CODES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);
const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

type Request = Record<string, unknown>;

export interface HeldRequests {
  /** Requests held so far. */
  readonly held: number;
  /** Lets every held request (and any later match) through to dynalite. */
  release(): void;
}

export interface FaultStats {
  /** Commands sent through the proxy (SDK invocations, however many attempts each took). */
  requests: number;
  /** Error answers injected, by code. */
  injected: Record<DynamoErrorCode, number>;
  /** Commands that needed more than one attempt, and the most attempts any one needed. */
  retried: number;
  maxAttempts: number;
  /** The SDK's backoff as seen on the wire (ms): from an error answer to the next attempt of that command. */
  totalRetryDelay: number;
  /**
   * Commands whose last answer was an error (a ConditionalCheckFailed excepted): one on the SDK's
   * last attempt, or one it does not retry. Assumes a retry quota that does not run dry
   * (testDynamoClient's `bottomlessQuota`), or a command given up early is not counted.
   */
  failed: number;
}

interface Hold {
  operation: string;
  when: (request: Request) => boolean;
  held: number;
  released: Promise<void>;
  release: () => void;
  open: boolean;
}

interface PlannedFault {
  operation: string;
  code: DynamoErrorCode;
  remaining: number;
  when: (request: Request) => boolean;
  landed: boolean;
}

interface RateFault {
  rate: number;
  random: () => number;
  only: (operation: string) => boolean;
  codes: readonly DynamoErrorCode[];
  landed: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class DynamoFaults {
  /** Every error answered, in order (a crash is not a DynamoDB error: see the crash plan). */
  readonly injected: { operation: string; code: DynamoErrorCode }[] = [];
  readonly stats: FaultStats = {
    requests: 0,
    injected: { ProvisionedThroughputExceededException: 0, ThrottlingException: 0, InternalServerError: 0 },
    retried: 0,
    maxAttempts: 0,
    totalRetryDelay: 0,
    failed: 0,
  };
  private planned: PlannedFault[] = [];
  private rates: RateFault[] = [];
  private holds: Hold[] = [];
  private crash: CrashPlan | undefined;
  private inFlight = 0;
  /** Per SDK invocation (`amz-sdk-invocation-id`): when its last error was answered, while it may retry. */
  private readonly retrying = new Map<string, number>();
  private readonly retriedInvocations = new Set<string>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(target: string): Promise<DynamoFaults> {
    const server = createServer();
    const faults = new DynamoFaults(server, new URL(target));
    server.on('request', (incoming, outgoing) => void faults.handle(incoming, outgoing));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return faults;
  }

  get endpoint(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the DynamoDB fault proxy is not listening on a TCP port');
    return `http://127.0.0.1:${address.port}`;
  }

  /**
   * The next `times` requests of `operation` (e.g. `UpdateItem`) that satisfy `when` fail with
   * `code`; with `landed`, each reaches dynalite and takes effect, and only its answer is the error.
   */
  fail(operation: string, code: DynamoErrorCode, options: { times?: number; when?: (request: Request) => boolean; landed?: boolean } = {}): void {
    this.planned.push({ operation, code, remaining: options.times ?? 1, when: options.when ?? (() => true), landed: options.landed ?? false });
  }

  /**
   * A share `rate` of the requests (of the operations `only` accepts) fail with one of `codes`,
   * drawn from `random` (seeded: RELIABILITY_SEED); with `landed`, after they took effect.
   */
  failAtRate(rate: number, options: { random?: () => number; only?: (operation: string) => boolean; codes?: readonly DynamoErrorCode[]; landed?: boolean } = {}): void {
    this.rates.push({ rate, random: options.random ?? faultRandom(), only: options.only ?? (() => true), codes: options.codes ?? ERROR_CODES, landed: options.landed ?? false });
  }

  /**
   * Holds every request of `operation` that satisfies `when` until `release()`: a slow round trip
   * of one Lambda instance, so another can overtake it in a race.
   */
  hold(operation: string, when: (request: Request) => boolean = () => true): HeldRequests {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold: Hold = { operation, when, held: 0, released, release, open: false };
    this.holds.push(hold);
    return {
      get held() {
        return hold.held;
      },
      release: () => {
        hold.open = true;
        hold.release();
      },
    };
  }

  /**
   * The process behind this proxy lives and dies by `plan`: each write that takes effect is one
   * of its points, and once it has died every request is answered `SimulatedCrash` (the write
   * that killed it has landed; nothing after it reaches dynalite). The SDK does not retry that
   * answer, so the call fails with an error named SimulatedCrash (`isCrash`).
   */
  crashWith(plan: CrashPlan | undefined): void {
    this.crash = plan;
  }

  /** Resolves once no request is still on its way to dynalite: a dead process has landed all it will. */
  async settled(): Promise<void> {
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }

  /** Drops faults planned but not yet used, the rates and the crash plan, and releases every hold. */
  clear(): void {
    this.planned = [];
    this.rates = [];
    this.crash = undefined;
    for (const hold of this.holds) hold.release();
    this.holds = [];
  }

  async close(): Promise<void> {
    this.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      const body = Buffer.concat(chunks);
      const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const attempt = this.noteAttempt(incoming);
      const answer = await this.answer(incoming, operation, body);
      this.noteAnswer(attempt, answer);
      outgoing.writeHead(answer.status, answer.headers);
      outgoing.end(answer.body);
    } catch (error) {
      outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.inFlight--;
    }
  }

  private async answer(incoming: IncomingMessage, operation: string, body: Buffer): Promise<Answer> {
    const dead = this.crashAnswer(() => this.crash?.ensureAlive(operation));
    if (dead) return dead;
    const hold = this.holds.find((candidate) => !candidate.open && candidate.operation === operation && candidate.when(parseJson(body)));
    if (hold) {
      hold.held += 1;
      await hold.released;
    }
    const fault = this.nextFault(operation, body);
    if (fault && !fault.landed) return this.errorAnswer(operation, fault.code);
    const answer = await this.forward(incoming, body);
    if (fault) return this.errorAnswer(operation, fault.code);
    const ok = answer.status >= 200 && answer.status < 300;
    const crashed = this.crashAnswer(() => (ok && WRITE_OPERATIONS.has(operation) ? this.crash?.completed(operation) : this.crash?.ensureAlive(operation)));
    return crashed ?? answer;
  }

  /** The planned fault, else a fault at a rate, that this request meets, if any (and counts it used). */
  private nextFault(operation: string, body: Buffer): { code: DynamoErrorCode; landed: boolean } | undefined {
    const planned = this.planned.find((candidate) => candidate.remaining > 0 && candidate.operation === operation && candidate.when(parseJson(body)));
    if (planned) {
      planned.remaining -= 1;
      return planned;
    }
    for (const rate of this.rates) {
      if (rate.only(operation) && rate.random() < rate.rate) {
        return { code: rate.codes[Math.floor(rate.random() * rate.codes.length)] ?? 'InternalServerError', landed: rate.landed };
      }
    }
    return undefined;
  }

  private errorAnswer(operation: string, code: DynamoErrorCode): Answer {
    this.injected.push({ operation, code });
    this.stats.injected[code]++;
    return wireError(DYNAMODB_ERRORS[code].status, code, DYNAMODB_ERRORS[code].message);
  }

  /** The SimulatedCrash answer when `step` finds the process dead (or kills it). */
  private crashAnswer(step: () => void): Answer | undefined {
    try {
      step();
      return undefined;
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) throw error;
      return wireError(400, 'SimulatedCrash', error.message);
    }
  }

  private forward(incoming: IncomingMessage, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const forwarded = request(
        { host: this.target.hostname, port: this.target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: this.target.host } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }));
        },
      );
      forwarded.on('error', reject);
      forwarded.end(body);
    });
  }

  /** Counts the command and its attempt from the SDK's retry headers; returns its invocation id and attempt. */
  private noteAttempt(incoming: IncomingMessage): { id: string; attempt: number; max: number } {
    const id = String(incoming.headers['amz-sdk-invocation-id'] ?? randomUUID());
    const header = /attempt=(\d+); max=(\d+)/.exec(String(incoming.headers['amz-sdk-request'] ?? ''));
    const attempt = Number(header?.[1] ?? 1);
    const max = Number(header?.[2] ?? 1);
    const erredAt = this.retrying.get(id);
    if (attempt === 1 || erredAt === undefined) this.stats.requests++;
    if (erredAt !== undefined) this.stats.totalRetryDelay += Date.now() - erredAt;
    if (attempt > 1 && !this.retriedInvocations.has(id)) {
      this.retriedInvocations.add(id);
      this.stats.retried++;
    }
    this.stats.maxAttempts = Math.max(this.stats.maxAttempts, attempt);
    return { id, attempt, max };
  }

  private noteAnswer(request: { id: string; attempt: number; max: number }, answer: Answer): void {
    this.retrying.delete(request.id);
    if (answer.status < 300) return;
    const code = errorCode(answer.body);
    if (code === 'ConditionalCheckFailedException') return;
    const retried = answer.status >= 500 || RETRIED_CODES.has(code);
    if (retried && request.attempt < request.max) this.retrying.set(request.id, Date.now());
    else this.stats.failed++;
  }
}

function wireError(status: number, code: string, message: string): Answer {
  const body = Buffer.from(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message }));
  return { status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': String(body.length) }, body };
}

function errorCode(body: Buffer): string {
  const type = parseJson(body).__type;
  return typeof type === 'string' ? (type.split('#').pop() ?? '') : '';
}

function parseJson(body: Buffer): Request {
  try {
    return JsonObjectSchema.catch({}).parse(JSON.parse(body.toString('utf8')));
  } catch {
    return {};
  }
}
