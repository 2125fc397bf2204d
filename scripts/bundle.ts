// Bundles every Lambda function with esbuild, with the options the CDK stack uses (infra/bundling.ts).
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { loadConfigFile, loadDefaultConfig } from '../lib/config/load.ts';
import { bundlingOptions, configDefine, functionEntry } from '../infra/bundling.ts';
import { FUNCTION_NAMES, type FunctionName } from '../lib/store/access.ts';

export interface BuiltBundle {
  name: FunctionName;
  file: string;
  bytes: number;
}

/** One bundle, with the functions' esbuild options (infra/bundling.ts). */
export async function buildBundle(entry: string, outfile: string, define: Record<string, string> = {}): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: bundlingOptions.target,
    format: bundlingOptions.format,
    minify: bundlingOptions.minify,
    sourcemap: bundlingOptions.sourceMap,
    mainFields: [...bundlingOptions.mainFields],
    external: [...bundlingOptions.externalModules],
    banner: { js: bundlingOptions.banner },
    define,
    logLevel: 'warning',
  });
}

export async function bundleFunctions(outDir: string, configFile?: string): Promise<BuiltBundle[]> {
  const config = configFile ? await loadConfigFile(configFile) : await loadDefaultConfig();
  const built: BuiltBundle[] = [];
  for (const name of FUNCTION_NAMES) {
    const dir = join(outDir, name);
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'index.mjs');
    await buildBundle(functionEntry(name), file, configDefine(config));
    built.push({ name, file, bytes: (await stat(file)).size });
  }
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const outDir = process.argv[2] ?? 'dist/functions';
  for (const bundle of await bundleFunctions(outDir, process.argv[3])) {
    console.log(`${bundle.name.padEnd(18)} ${(bundle.bytes / 1024).toFixed(0).padStart(5)} KB  ${bundle.file}`);
  }
}
