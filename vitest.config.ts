import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The SDK's notice about Node 22 (Lambda runs the newest runtime; these machines run Node 20).
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_SERVICE_NAME: 'recall-test',
      POWERTOOLS_METRICS_NAMESPACE: 'RecallCampaignsTest',
      AWS_REGION: 'us-east-1',
    },
    setupFiles: ['test/support/log-guard.ts'],
  },
});
