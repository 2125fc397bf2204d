/**
 * The CDK entry (cdk.json: `npx tsx infra/app.ts`). Context: stage, config, scheduleTime,
 * shopBusName, alarmEmail (infra/settings.ts). A bad setting or config file prints the same
 * `FILE: path: message` lines as `recall config check` and fails the synth with exit code 2;
 * a cdk-nag finding fails it through the validation report.
 */
import { ConfigError } from '../lib/config/load.ts';
import { buildRecallApp } from './recall-app.ts';
import { SettingsError } from './settings.ts';

try {
  const { app } = await buildRecallApp({ nag: true });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError || error instanceof SettingsError)) throw error;
  console.error(error.message);
  process.exit(2);
}
