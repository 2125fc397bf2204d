import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import dynalite from 'dynalite';

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * The server's thread: dynalite and its LevelDB work beside the process's own thread, as a real
 * DynamoDB would, so a command's requests and the store's work share the machine's cores. The
 * thread does nothing else, so it reads LevelDB synchronously (classic-level's getSync): a read
 * from the memtable or block cache takes microseconds, less than its round trip through libuv's
 * thread pool, and dynalite reads the table's description and the old item before each write.
 * Writes stay asynchronous; dynalite answers a request only once they are done.
 */
const SERVER_THREAD = `
const { createRequire } = require('node:module');
const { parentPort, workerData } = require('node:worker_threads');
const { ClassicLevel } = createRequire(createRequire(workerData.dynalite).resolve('level'))('classic-level');
ClassicLevel.prototype._get = async function (key, options) { return this._getSync(key, options); };
const server = require(workerData.dynalite)(workerData.options);
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.once('message', () => server.close(() => parentPort.close()));
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
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        worker.removeAllListeners('exit');
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
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
