import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.ts';
import { resourcesOf, synthesize, type Synthesized } from './support.ts';

/** `cdk deploy -c stage=prod -c alarmEmail=...`: template only (bundling is covered by the dev stack). */
describe('RecallCampaigns-prod', () => {
  let synth: Synthesized;

  beforeAll(async () => {
    synth = await synthesize({ stage: 'prod', alarmEmail: 'devops@example.com' });
  });

  it('is its own stack with its own bus and schedule group', () => {
    expect(synth.stack.stackName).toBe('RecallCampaigns-prod');
    synth.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'recall-prod' });
    synth.template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'recall-prod' });
  });

  it('keeps its data: deletion protection on the table, RETAIN on the table, key, secret and logs', () => {
    synth.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: true, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    for (const type of ['AWS::KMS::Key', 'AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']) {
      const resources = Object.values(resourcesOf(synth.template, type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy, type).toBe('Retain');
    }
  });

  it('keeps its SMS opt-out list (RETAIN): the numbers that said STOP outlive a stack', () => {
    synth.template.hasResource('AWS::SMSVOICE::OptOutList', { Properties: { OptOutListName: 'recall-prod' }, DeletionPolicy: 'Retain' });
    synth.template.hasResourceProperties('AWS::SMSVOICE::ConfigurationSet', { ConfigurationSetName: 'recall-prod' });
  });

  it('subscribes the alarm e-mail, with a DLQ of its own and an alarm on it', () => {
    synth.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'devops@example.com',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    const alarmed = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible',
    );
    expect(alarmed).toHaveLength(12);
  });

  it('cdk-nag AwsSolutions and Serverless: no unacknowledged error or warning', () => {
    const findings = nagPacks(synth.stack).flatMap((pack) =>
      pack.validateScope(synth.stack).violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });
});
