import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { stackName } from './names.ts';
import { nagPacks } from './nag.ts';
import { RecallStack } from './recall-stack.ts';
import { readSettings, type RecallSettings } from './settings.ts';

export interface RecallAppOptions extends Pick<AppProps, 'outdir'> {
  /** Extra context, as `-c key=value` gives it (tests pass cdk.json's context here). */
  context?: Record<string, unknown>;
  /** Run the cdk-nag packs as validation plugins at synth (the CLI entry does). */
  nag?: boolean;
  /** false: skip esbuild, the function code is a placeholder asset (template-only tests). */
  bundle?: boolean;
}

/**
 * The CDK app: settings from context (a bad config file throws the ConfigError `recall config
 * check` prints), and the stack `RecallCampaigns-<stage>`.
 */
export async function buildRecallApp(options: RecallAppOptions = {}): Promise<{ app: App; stack: RecallStack; settings: RecallSettings }> {
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: { ...options.context, ...(options.bundle === false ? { [BUNDLING_STACKS]: [] } : {}) },
  });
  const settings = await readSettings(app.node);
  const stack = new RecallStack(app, stackName(settings.stage), {
    settings,
    description: `Recall campaigns (${settings.stage}): scheduled recall SMS and push for lapsed customers`,
  });
  if (options.nag) Validations.of(app).addPlugins(...nagPacks(app));
  return { app, stack, settings };
}
