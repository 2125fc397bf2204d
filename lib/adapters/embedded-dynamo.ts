import { chmod, mkdir } from 'node:fs/promises';
import dynalite from 'dynalite';

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite, a DynamoDB-API server, on a free loopback port: on disk under `path` (data survives
 * between commands), or in memory without one. The data directory holds customers' phones: it is
 * made readable by its owner only, also when an older version left it open to everyone.
 */
export async function startEmbeddedDynamo(path?: string): Promise<EmbeddedDynamo> {
  if (path) {
    await mkdir(path, { recursive: true, mode: 0o700 });
    await chmod(path, 0o700);
  }
  const server = dynalite({ ...(path ? { path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
