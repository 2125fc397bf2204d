import { defineConfig } from 'vitest/config';

/** Real-time measurements: they run last, alone, so other test files cannot steal their CPU. */
const TIMING = ['test/integration/dynamo-pacer.test.ts'];

export default defineConfig({
  test: {
    // Room for the longest files (a bundled cdk synth, the CLI demo, the pipeline's continuation)
    // on a machine with two busy processes beside the suite: each takes 30-55 s loaded, over 60 s
    // with more; a hang still fails.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Vitest runs one fork per core but one by default (cores - 1): on CI's 2 cores that left one
    // idle while the DynamoDB-heavy files ran one after another.
    maxWorkers: 2,
    env: {
      // The SDK's notice about Node 22 (Lambda runs the newest runtime; these machines run Node 20).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'recall-test',
      POWERTOOLS_METRICS_NAMESPACE: 'RecallCampaignsTest',
      AWS_REGION: 'us-east-1',
      // The X-Ray SDK (under Powertools' Tracer) enables a cls-hooked async hook on import unless in
      // manual mode; the tracer is off outside Lambda, so the hook only taxed every promise: about
      // a quarter of the CPU of a DynamoDB-heavy test file. Bundles run with their own env.
      AWS_XRAY_MANUAL_MODE: 'true',
    },
    setupFiles: ['test/support/log-guard.ts'],
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/bench/**', 'node_modules/**', ...TIMING] } },
      { extends: true, test: { name: 'timing', include: TIMING, sequence: { groupOrder: 1 } } },
    ],
  },
});
