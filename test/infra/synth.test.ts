import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTION_NAMES } from '../../lib/store/access.ts';
import { writeConfig } from './support.ts';

/** `npm run synth` as devops run it: the pinned CLI, no telemetry, version check or notices. */
function npmSynth(args: string[]): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'synth', '--', ...args], {
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, ms: Date.now() - started }));
  });
}

// The CLI spawns `npx tsx infra/app.ts` and bundles five functions: about 20-30 s here.
describe('npm run synth (the pinned aws-cdk CLI, offline)', () => {
  it('synthesises the default stack with no flags, cdk-nag passing', { timeout: 180_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'recall-synth-'));
    const { code, stderr, ms } = await npmSynth(['--quiet', '-o', out]);
    expect(code, stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'RecallCampaigns-dev.template.json'), 'utf8'));
    // Ours, and the CDK's custom-resource provider that seeds config version 1.
    expect(Object.values(template.Resources).filter((r) => (r as { Type: string }).Type === 'AWS::Lambda::Function')).toHaveLength(FUNCTION_NAMES.length + 1);
    // A cdk-nag error would have failed the synth; a report with violations means a warning got through.
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports).toEqual([]);
    if (ms > 60_000) console.warn(`npm run synth took ${(ms / 1000).toFixed(0)} s`);
  });

  it('fails on a bad -c config with the same lines as `recall config check`', { timeout: 120_000 }, async () => {
    const file = writeConfig((config) => {
      config.merchantTimeZone = 'Mars/Olympus_Mons';
      (config.categories as { windowDays: number }[])[0]!.windowDays = 0;
    });
    const out = mkdtempSync(join(tmpdir(), 'recall-synth-'));
    const { code, stderr } = await npmSynth(['--quiet', '-o', out, '-c', `config=${file}`]);
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${file}: merchantTimeZone: not an IANA time zone (e.g. Asia/Shanghai)`);
    expect(stderr).toContain(`${file}: categories[0].windowDays:`);
    expect(existsSync(join(out, 'RecallCampaigns-dev.template.json'))).toBe(false);
  });
});
