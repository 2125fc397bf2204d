import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildBundle, bundleFunctions } from '../../scripts/bundle.ts';
import { round } from './read-cost.ts';

const run = promisify(execFile);

export interface ColdStartRow {
  bundle: string;
  kilobytes: number;
  initMs: number;
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

/** Module init of a bundle in a fresh Node process: the median of `runs` imports. */
async function initMs(file: string, runs: number): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(resolve(file))}); console.log(performance.now() - t);`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    samples.push(Number(stdout.trim().split('\n').at(-1)));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

/**
 * Point 4: each function's bundle (minified, the AWS SDK included) and its module init, beside a
 * minimal middy + Powertools handler (logger, metrics, tracer) bundled the same way, and that handler with the DynamoDB
 * client every function needs.
 */
export async function measureColdStart(outDir: string, runs = 7): Promise<ColdStartRow[]> {
  const bundles = await bundleFunctions(join(outDir, 'functions'));
  const hello = await initMs(await bundleEntry(outDir, 'hello', HELLO), runs);
  const helloDynamo = await initMs(await bundleEntry(outDir, 'hello-dynamo', HELLO_DYNAMO), runs);
  const row = (bundle: string, bytes: number, ms: number): ColdStartRow => ({
    bundle,
    kilobytes: round(bytes / 1024, 0),
    initMs: round(ms, 1),
    ratioToHello: round(ms / hello),
    ratioToHelloWithDynamo: round(ms / helloDynamo),
  });
  const rows = [
    row('hello (middy + Powertools)', (await stat(join(outDir, 'hello', 'index.mjs'))).size, hello),
    row('hello + DynamoDB client', (await stat(join(outDir, 'hello-dynamo', 'index.mjs'))).size, helloDynamo),
  ];
  for (const bundle of bundles) rows.push(row(bundle.name, bundle.bytes, await initMs(bundle.file, runs)));
  return rows;
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