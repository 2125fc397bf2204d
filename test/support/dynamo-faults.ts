import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';

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

export interface HeldRequests {
  /** Requests held so far. */
  readonly held: number;
  /** Lets every held request (and any later match) through to dynalite. */
  release(): void;
}

interface Hold {
  operation: string;
  when: (request: Record<string, unknown>) => boolean;
  held: number;
  released: Promise<void>;
  release: () => void;
  open: boolean;
}

interface PlannedFault {
  operation: string;
  code: DynamoErrorCode;
  remaining: number;
  when: (request: Record<string, unknown>) => boolean;
}

/**
 * An HTTP proxy in front of dynalite that answers chosen requests with a DynamoDB error, exactly
 * as DynamoDB does on the wire (status, `__type`, JSON 1.0), so the handler's own client and its
 * SDK retry strategy meet it. Everything else is passed through untouched.
 */
export class DynamoFaults {
  /** Every error answered, in order. */
  readonly injected: { operation: string; code: DynamoErrorCode }[] = [];
  private planned: PlannedFault[] = [];
  private holds: Hold[] = [];

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

  /** The next `times` requests of `operation` (e.g. `UpdateItem`) that satisfy `when` fail with `code`. */
  fail(operation: string, code: DynamoErrorCode, options: { times?: number; when?: (request: Record<string, unknown>) => boolean } = {}): void {
    this.planned.push({ operation, code, remaining: options.times ?? 1, when: options.when ?? (() => true) });
  }

  /**
   * Holds every request of `operation` that satisfies `when` until `release()`: a slow round trip
   * of one Lambda instance, so another can overtake it in a race.
   */
  hold(operation: string, when: (request: Record<string, unknown>) => boolean = () => true): HeldRequests {
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

  /** Drops faults planned but not yet used, and releases every hold. */
  clear(): void {
    this.planned = [];
    for (const hold of this.holds) hold.release();
    this.holds = [];
  }

  async close(): Promise<void> {
    this.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const body = Buffer.concat(chunks);
    const operation = String(incoming.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const hold = this.holds.find((candidate) => !candidate.open && candidate.operation === operation && candidate.when(parseJson(body)));
    if (hold) {
      hold.held += 1;
      await hold.released;
    }
    const fault = this.planned.find((planned) => planned.remaining > 0 && planned.operation === operation && planned.when(parseJson(body)));
    if (fault) {
      fault.remaining -= 1;
      this.injected.push({ operation, code: fault.code });
      const { status, message } = DYNAMODB_ERRORS[fault.code];
      const text = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.code}`, message });
      outgoing.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
      outgoing.end(text);
      return;
    }
    const forwarded = request(
      { host: this.target.hostname, port: this.target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: this.target.host } },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    forwarded.on('error', (error) => outgoing.destroy(error));
    forwarded.end(body);
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JsonObjectSchema.catch({}).parse(JSON.parse(body.toString('utf8')));
  } catch {
    return {};
  }
}
