import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The rule packs the stack is held to: at `cdk synth` (a finding fails it) and in test/infra. */
export function nagPacks(scope: IConstruct): NagPack[] {
  return [new AwsSolutionsChecks(scope), new ServerlessChecks(scope)];
}

/**
 * Acknowledges one cdk-nag finding on a construct and everything under it. cdk-nag 3 matches the
 * exact id, so a wildcard finding is acknowledged as `AwsSolutions-IAM5[Resource::*]`, never as a
 * whole rule. The reason must say why the finding is safe here, not just that it exists.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
