import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { FunctionName } from '../../lib/store/access.ts';
import { buildRecallApp } from '../../infra/recall-app.ts';
import type { RecallStack } from '../../infra/recall-stack.ts';

/** cdk.json's context (feature flags and defaults), so a test synthesises what `cdk synth` does. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(readFileSync('cdk.json', 'utf8')).context;

export interface Synthesized {
  stack: RecallStack;
  template: Template;
}

/** The app as the CLI builds it, with `-c` overrides; `bundle: false` skips esbuild (template-only tests). */
export async function synthesize(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): Promise<Synthesized> {
  const outdir = mkdtempSync(join(tmpdir(), 'recall-cdk-'));
  const { stack } = await buildRecallApp({ context: { ...cdkJsonContext, ...context }, outdir, bundle: options.bundle ?? false });
  return { stack, template: Template.fromStack(stack) };
}

/** A campaign config file in a temp dir: the default config with `change` applied. */
export function writeConfig(change: (config: Record<string, unknown>) => void): string {
  const config: Record<string, unknown> = JSON.parse(readFileSync('config/default.json', 'utf8'));
  change(config);
  const file = join(mkdtempSync(join(tmpdir(), 'recall-config-')), 'campaign.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
}
type Resources = Record<string, Resource>;

export function resourcesOf(template: Template, type: string): Resources {
  const found: Record<string, Record<string, unknown>> = template.findResources(type);
  return Object.fromEntries(Object.entries(found).map(([id, resource]) => [id, { ...resource, Type: type }]));
}

/** The logical id of a function's Lambda resource, found by its POWERTOOLS_SERVICE_NAME. */
export function functionLogicalId(template: Template, name: FunctionName): string {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(
    ([, resource]) => (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.POWERTOOLS_SERVICE_NAME === name,
  );
  if (found.length !== 1) throw new Error(`expected one function ${name}, found ${found.length}`);
  return found[0]![0];
}

export function functionProperties(template: Template, name: FunctionName): Record<string, unknown> {
  return resourcesOf(template, 'AWS::Lambda::Function')[functionLogicalId(template, name)]!.Properties ?? {};
}

export function environmentOf(template: Template, name: FunctionName): Record<string, unknown> {
  return (functionProperties(template, name).Environment as { Variables: Record<string, unknown> }).Variables;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every Allow statement of the identity policies attached to a function's role. */
export function statementsOf(template: Template, name: FunctionName): Statement[] {
  const role = (functionProperties(template, name).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties?.Roles as { Ref: string }[]).some((ref) => ref.Ref === role))
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((statement) => statement.Effect === 'Allow');
}

export const actionsOf = (statement: Statement): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** Every action a function's role allows, on any resource. */
export function allowedActions(template: Template, name: FunctionName): Set<string> {
  return new Set(statementsOf(template, name).flatMap(actionsOf));
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at (or undefined). */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('Ref' in value && typeof value.Ref === 'string') return value.Ref;
  if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) return String(value['Fn::GetAtt'][0]);
  return undefined;
}
