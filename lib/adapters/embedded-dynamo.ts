import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

type RequestHandler = Extract<NonNullable<DynamoDBClientConfig['requestHandler']>, { handle: unknown }>;

/** One DynamoDB operation's JSON request to dynalite, and its status and JSON response. */
export type EmbeddedCall = (operation: string, body: string) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

export interface EmbeddedDynamo {
  endpoint: string;
  /** A store in a thread of its own, reached without TCP: raw calls, and an SDK HTTP handler doing the same. */
  thread?: { call: EmbeddedCall; requestHandler: RequestHandler };
  close(): Promise<void>;
}

/**
 * The server's thread: dynalite and its LevelDB work beside the process's own thread, as a real
 * DynamoDB would, so a command's requests and the store's work share the machine's cores. Requests
 * come over the thread's port (`call`: the headers and JSON body dynalite would read from a
 * socket, handed to its own request handler) or over TCP (`endpoint`). LevelDB is used as suits a
 * thread that does nothing else:
 * - reads are synchronous (classic-level's getSync): a read from the memtable or block cache takes
 *   microseconds, less than its round trip through libuv's thread pool, and dynalite reads the
 *   table's description and the old item before each write;
 * - the writes dynalite issues in one turn of the event loop (an item and its index entries, the
 *   25 items of a batch, every request that arrived together) go to LevelDB as one batch, each
 *   write's promise settled once the batch is written: dynalite still answers a request only when
 *   its writes are done, and still writes an item's index entries before the item;
 * - a 32 MiB write buffer (LevelDB's default is 4 MiB): a seeded shop writes ~200,000 items and
 *   index entries, and smaller memtables made the compaction thread rewrite them several times;
 *   and a 64 MiB block cache (the default is 8 MiB), about a demo shop's store, so the lived days'
 *   reads and the report's scan find their blocks decompressed.
 * Each expression (condition, update, key condition, filter, projection) is parsed once per text,
 * attribute names and value types: dynalite's PEG parser was a quarter of this thread's work in
 * the demo's lived days. The tree keeps markers where the values go, and each request gets a copy
 * with its own values (dynalite writes into the tree it evaluates), marks the same names and values
 * used, and gets the same errors: values are part of the key where the parser reads them (BETWEEN's
 * bounds, attribute_type's type), and an expression that fails is never kept.
 * An active table's description is read and decoded once for the item actions, not before every
 * item (dynalite reads it for each request and again for each of a batch's items); any write of a
 * table description (create, update, delete, status) drops it, and the table actions still read it.
 */
const SERVER_THREAD = `
const { createRequire } = require('node:module');
const { EventEmitter } = require('node:events');
const { parentPort, workerData } = require('node:worker_threads');
const { ClassicLevel } = createRequire(createRequire(workerData.dynalite).resolve('level'))('classic-level');
ClassicLevel.prototype._get = async function (key, options) { return this._getSync(key, options); };
const batch = ClassicLevel.prototype._batch;
const turn = Symbol('writes of this turn');
function write(operation) {
  return new Promise((resolve, reject) => {
    if (!this[turn]) {
      const writes = (this[turn] = []);
      setImmediate(() => {
        this[turn] = undefined;
        batch.call(this, writes.map((entry) => entry.operation), {}).then(
          () => { for (const entry of writes) entry.resolve(); },
          (error) => { for (const entry of writes) entry.reject(error); },
        );
      });
    }
    this[turn].push({ operation, resolve, reject });
  });
}
ClassicLevel.prototype._put = function (key, value) { return write.call(this, { type: 'put', key, value }); };
ClassicLevel.prototype._del = function (key) { return write.call(this, { type: 'del', key }); };
const open = ClassicLevel.prototype._open;
ClassicLevel.prototype._open = function (options) { return open.call(this, { ...options, writeBufferSize: 32 * 1024 * 1024, cacheSize: 64 * 1024 * 1024 }); };
const REF = Symbol('expression attribute value');
function parsedOnce(parser) {
  const parse = parser.parse;
  const trees = new Map();
  const substitute = (node, values) => {
    if (Array.isArray(node)) return node.map((child) => substitute(child, values));
    if (node === null || typeof node !== 'object') return node;
    if (node[REF] !== undefined) return values[node[REF]];
    const copy = {};
    for (const key of Object.keys(node)) copy[key] = substitute(node[key], values);
    return copy;
  };
  parser.parse = function (text, options) {
    const context = options.context;
    const names = context.attrNames;
    const values = context.attrVals;
    const valueKey = !values ? '' : /between|attribute_type/i.test(text) ? JSON.stringify(values) : Object.keys(values).map((name) => name + '=' + Object.keys(values[name]).join('/')).join(',');
    const key = text + '\u0000' + (names ? JSON.stringify(names) : '') + '\u0000' + valueKey;
    const known = trees.get(key);
    if (known) {
      for (const name of known.names) delete context.unusedAttrNames[name];
      for (const name of known.values) delete context.unusedAttrVals[name];
      return substitute(known.tree, values);
    }
    const unusedNames = Object.keys(context.unusedAttrNames || {});
    const unusedValues = Object.keys(context.unusedAttrVals || {});
    const markers = values && Object.fromEntries(Object.keys(values).map((name) => [name, { ...values[name], [REF]: name }]));
    const tree = parse.call(this, text, { ...options, context: { ...context, attrVals: markers } });
    if (tree === null || typeof tree !== 'object') return tree;
    if (trees.size >= 10000) trees.clear();
    trees.set(key, { tree, names: unusedNames.filter((name) => !(name in context.unusedAttrNames)), values: unusedValues.filter((name) => !(name in context.unusedAttrVals)) });
    return substitute(tree, values);
  };
}
const dynaliteRequire = createRequire(workerData.dynalite);
for (const parser of ['conditionParser', 'updateParser', 'projectionParser']) parsedOnce(dynaliteRequire('./db/' + parser));
const dynaliteDb = dynaliteRequire('./db');
const createStore = dynaliteDb.create;
dynaliteDb.create = function (options) {
  const store = createStore.call(this, options);
  const active = new Map();
  const getTable = store.getTable;
  store.getTable = function (name, checkStatus, cb) {
    // Only item actions ask without a checkStatus argument; they never change the description.
    if (typeof checkStatus !== 'function') return getTable(name, checkStatus, cb);
    const known = active.get(name);
    if (known) return queueMicrotask(() => checkStatus(null, known));
    getTable(name, (error, table) => {
      if (!error && table.TableStatus === 'ACTIVE') active.set(name, table);
      checkStatus(error, table);
    });
  };
  for (const method of ['put', 'del']) {
    const write = store.tableDb[method];
    store.tableDb[method] = function (...args) {
      active.clear();
      return write.apply(this, args);
    };
  }
  return store;
};
const server = require(workerData.dynalite)(workerData.options);
const serve = server.listeners('request')[0];
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') return server.close(() => parentPort.close());
  const request = Object.assign(new EventEmitter(), { method: 'POST', url: '/', headers: message.headers });
  const response = {
    statusCode: 200,
    headers: {},
    setHeader(name, value) { this.headers[name.toLowerCase()] = String(value); },
    end(body) { parentPort.postMessage({ id: message.id, statusCode: this.statusCode, headers: this.headers, body: body ?? '' }); },
  };
  serve(request, response);
  request.emit('data', message.body);
  request.emit('end');
});
`;

/**
 * dynalite, a DynamoDB-API server, on a free loopback port: on disk under `path` (data survives
 * between commands), in a thread of its own, or in memory in this thread without one (tests and
 * the bench, whose fault proxies and meters sit beside it). The data directory holds customers'
 * phones: it is made readable by its owner only, also when an older version left it open to
 * everyone.
 */
export async function startEmbeddedDynamo(path?: string): Promise<EmbeddedDynamo> {
  const options = { createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 };
  if (!path) return listen(dynalite(options));
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
  // No inherited flags (--input-type=module, a loader): the thread's script is plain CommonJS.
  const worker = new Worker(SERVER_THREAD, { eval: true, execArgv: [], workerData: { dynalite: createRequire(import.meta.url).resolve('dynalite'), options: { ...options, path } } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the dynalite thread exited (${code}) before listening`)));
    worker.once('message', (message: { port?: number; error?: string }) => (message.port ? resolve(message.port) : reject(new Error(message.error ?? 'dynalite is not listening on a TCP port'))));
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  const channel = threadChannel(worker);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    thread: { call: channel.call, requestHandler: channel.requestHandler },
    close: () =>
      new Promise<void>((resolve) => {
        worker.removeAllListeners('exit');
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
  };
}

/**
 * The headers dynalite requires of every request: the operation, the JSON type and SigV4's
 * (dynalite checks that they are there, never the signature).
 */
function dynaliteHeaders(operation: string): Record<string, string> {
  return {
    'content-type': 'application/x-amz-json-1.0',
    'x-amz-target': `DynamoDB_20120810.${operation}`,
    'x-amz-date': '20260101T000000Z',
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=unsigned',
  };
}

interface ThreadResponse {
  id: number;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Requests to the store's thread over its port, and the SDK's HTTP handler on top of it: the
 * request dynalite would read from a socket (its headers and JSON body) goes over the port, and the
 * response it would write comes back the same way.
 */
function threadChannel(worker: Worker): { call: EmbeddedCall; requestHandler: RequestHandler } {
  const pending = new Map<number, { resolve: (response: ThreadResponse) => void; reject: (error: Error) => void }>();
  let next = 0;
  worker.on('message', (message: ThreadResponse) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    waiting.resolve(message);
  });
  worker.on('exit', () => {
    for (const waiting of pending.values()) waiting.reject(new Error('the dynalite thread exited'));
    pending.clear();
  });
  const send = (headers: Record<string, string>, body: string) =>
    new Promise<ThreadResponse>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, headers, body });
    });
  return {
    call: (operation, body) => send(dynaliteHeaders(operation), body),
    requestHandler: {
      async handle(request: { headers: Record<string, string>; body?: unknown }) {
        const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
        const body: unknown = request.body;
        // The SDK's JSON body is a Uint8Array whose string methods warn: its bytes are decoded here.
        const text = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8') : '';
        const response = await send(headers, text);
        return { response: { statusCode: response.statusCode, headers: response.headers, body: Buffer.from(response.body, 'utf8') } };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs: () => ({}),
      destroy() {},
    },
  };
}

/** An in-memory dynalite listening in this thread. */
async function listen(server: ReturnType<typeof dynalite>): Promise<EmbeddedDynamo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite is not listening on a TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
