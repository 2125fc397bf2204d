import type { CampaignConfig } from '../lib/config/schema.ts';
import type { FunctionName } from '../lib/store/access.ts';

/**
 * How every Lambda function is bundled: the CDK stack passes these to NodejsFunction, and
 * `npm run bundle` (which the bundle tests run) passes the same values to esbuild, so the
 * artefact that is tested is the artefact that deploys.
 */

export const functionEntry = (name: FunctionName) => `functions/${name}.ts`;

export const bundlingOptions = {
  /**
   * Nothing external: the AWS SDK is bundled (tree-shaken, one file), so the tested SDK version is
   * the deployed one and init loads one module instead of hundreds (about half the init time).
   */
  externalModules: [] as string[],
  target: 'node24',
  format: 'esm',
  minify: true,
  sourceMap: false,
  mainFields: ['module', 'main'],
  /** ESM bundles of CommonJS dependencies still call `require`. */
  banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} as const;

/** The campaign config, validated at synth, baked into each bundle instead of an env var (4 KB limit). */
export function configDefine(config: CampaignConfig): Record<string, string> {
  return { 'process.env.RECALL_CONFIG_JSON': JSON.stringify(JSON.stringify(config)) };
}
