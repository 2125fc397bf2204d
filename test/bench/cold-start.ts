import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { bundlingOptions } from '../../infra/bundling.ts';
import { buildBundle, bundleFunctions } from '../../scripts/bundle.ts';
import { round } from './read-cost.ts';

const run = promisify(execFile);

export interface ColdStartRow {
  bundle: string;
  kilobytes: number;
  /** Module init (the import of the bundle) in a fresh Node process: the median wall time. */
  initMs: number;
  /** The process's CPU time (user + system) over the same import: less swayed by a busy machine. */
  cpuMs: number;
  /** Of `initMs`: reading, compiling and linking the file, before its first statement runs. */
  loadMs: number;
  /** Of `initMs`: the bundle's top-level code (module graph evaluation: SDK, Powertools, schemas). */
  topLevelMs: number;
  ratioToHello: number;
  /** Against the hello handler that also creates a DynamoDB document client: the SDK's share. */
  ratioToHelloWithDynamo: number;
}

const HELLO = `import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
const logger = new Logger();
const metrics = new Metrics({ namespace: 'Hello' });
export const tracer = new Tracer({ captureHTTPsRequests: false });
export const handler = middy().use(captureLambdaHandler(tracer, { captureResponse: false })).use(injectLambdaContext(logger)).use(logMetrics(metrics)).handler(async () => 'hello');
`;

/** The same hello handler with the one SDK client every function needs, captured by the tracer as the functions' are. */
const HELLO_DYNAMO = `${HELLO}import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export const doc = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})));
`;

/**
 * Not a baseline, a measured part of what every function carries at import: that handler with
 * zod and the campaign config's schema built (lib/config/schema.ts), which each function parses
 * its config versions with on its first invocation.
 */
const HELLO_DYNAMO_SCHEMA = (repo: string) => `${HELLO_DYNAMO}import { CampaignConfigSchema } from ${JSON.stringify(join(repo, 'lib/config/schema.ts'))};
export { CampaignConfigSchema };
`;

/**
 * Not a baseline, a measured part of what the functions carry: that handler with the campaign
 * config's zod schema built and the baked config parsed, which every function does on its first
 * invocation (the schema at import, the parse in its dependencies).
 */
const HELLO_DYNAMO_CONFIG = (repo: string) => `${HELLO_DYNAMO}import { campaignConfig } from ${JSON.stringify(join(repo, 'lib/runtime/aws/env.ts'))};
export const config = campaignConfig();
`;

/**
 * Not a baseline, a floor: what the functions that validate phone numbers (scan-shard,
 * run-test-campaign, record-reply, import-file) carry before any code of ours, the hello with the
 * DynamoDB client, zod and the config schema, and libphonenumber-js with its metadata.
 */
const HELLO_PHONE = (repo: string) => `${HELLO_DYNAMO_SCHEMA(repo)}import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
export { parsePhoneNumberWithError };
`;

/** Not a baseline, a floor: import-file's libraries with no code of ours (that, and the S3 and Lambda clients it reads files and continues with). */
const HELLO_IMPORT_FILE = (repo: string) => `${HELLO_PHONE(repo)}import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
export { GetObjectCommand, PutObjectCommand, S3Client, InvokeCommand, LambdaClient };
`;

/** The rows that are floors, the libraries with no code of ours, by name (run.ts prints them after the verdict). */
export const FLOOR_ROWS = {
  schema: 'hello + DynamoDB client + config schema',
  phone: 'hello + DynamoDB client + config schema + libphonenumber',
  importFile: 'hello + DynamoDB client + config schema + libphonenumber + S3, Lambda clients',
} as const;

interface Sample {
  wall: number;
  cpu: number;
  load: number;
}

/**
 * One import of `file` in a fresh Node process. The file is a copy of the bundle with one
 * statement after the banner, a timestamp, which splits the import into loading (read, compile,
 * link) and the top-level code; the rest of the file is the artefact as it deploys.
 */
async function importOnce(file: string): Promise<Sample> {
  const script = `const cpu = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(resolve(file))}); const end = performance.now(); const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ wall: end - t, cpu: (used.user + used.system) / 1000, load: globalThis.__coldStartTopLevel - t }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  const sample = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Sample;
  return sample;
}

async function markedCopy(file: string): Promise<string> {
  const source = await readFile(file, 'utf8');
  if (!source.startsWith(bundlingOptions.banner)) throw new Error(`${file}: the bundle does not start with the banner`);
  const marked = join(dirname(file), 'index.marked.mjs');
  await writeFile(marked, `${bundlingOptions.banner}globalThis.__coldStartTopLevel = performance.now();${source.slice(bundlingOptions.banner.length)}`);
  return marked;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/**
 * Point 5: each function's bundle (minified, the AWS SDK included) and its module init, beside a
 * minimal middy + Powertools handler (logger, metrics, tracer) bundled the same way, and that
 * handler with the DynamoDB client every function needs. Every bundle is imported once per round,
 * `runs` interleaved rounds (each starting one bundle later), so a machine busy for a while sways
 * every bundle alike; each figure is its median.
 */
export async function measureColdStart(outDir: string, runs = 9): Promise<ColdStartRow[]> {
  const functions = await bundleFunctions(join(outDir, 'functions'));
  const bundles = [
    { name: 'hello (middy + Powertools)', file: await bundleEntry(outDir, 'hello', HELLO) },
    { name: 'hello + DynamoDB client', file: await bundleEntry(outDir, 'hello-dynamo', HELLO_DYNAMO) },
    { name: FLOOR_ROWS.schema, file: await bundleEntry(outDir, 'hello-dynamo-schema', HELLO_DYNAMO_SCHEMA(process.cwd())) },
    { name: 'hello + DynamoDB client + config check', file: await bundleEntry(outDir, 'hello-dynamo-config', HELLO_DYNAMO_CONFIG(process.cwd())) },
    { name: FLOOR_ROWS.phone, file: await bundleEntry(outDir, 'hello-phone', HELLO_PHONE(process.cwd())) },
    { name: FLOOR_ROWS.importFile, file: await bundleEntry(outDir, 'hello-import-file', HELLO_IMPORT_FILE(process.cwd())) },
    ...functions.map((bundle) => ({ name: bundle.name as string, file: bundle.file })),
  ];
  const marked = await Promise.all(bundles.map((bundle) => markedCopy(bundle.file)));
  const samples: Sample[][] = bundles.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (let step = 0; step < bundles.length; step++) {
      const index = (round + step) % bundles.length;
      samples[index]?.push(await importOnce(marked[index] ?? ''));
    }
  }
  const figures = await Promise.all(
    bundles.map(async (bundle, index) => {
      const taken = samples[index] ?? [];
      const wall = median(taken.map((sample) => sample.wall));
      const load = median(taken.map((sample) => sample.load));
      return { bundle: bundle.name, bytes: (await stat(bundle.file)).size, wall, cpu: median(taken.map((sample) => sample.cpu)), load };
    }),
  );
  const hello = figures[0]?.wall ?? Number.NaN;
  const helloDynamo = figures[1]?.wall ?? Number.NaN;
  return figures.map((figure) => ({
    bundle: figure.bundle,
    kilobytes: round(figure.bytes / 1024, 0),
    initMs: round(figure.wall, 1),
    cpuMs: round(figure.cpu, 1),
    loadMs: round(figure.load, 1),
    topLevelMs: round(figure.wall - figure.load, 1),
    ratioToHello: round(figure.wall / hello),
    ratioToHelloWithDynamo: round(figure.wall / helloDynamo),
  }));
}

/** Bundles a handler's source with the functions' options. */
async function bundleEntry(outDir: string, name: string, source: string): Promise<string> {
  await mkdir(join(outDir, name), { recursive: true });
  const entry = join(outDir, name, 'handler.ts');
  const file = join(outDir, name, 'index.mjs');
  await writeFile(entry, source);
  await buildBundle(entry, file);
  return file;
}
