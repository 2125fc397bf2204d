import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.ts';
import { ConfigError } from '../../lib/config/load.ts';
import { buildRecallApp } from '../../infra/recall-app.ts';
import { readSettings, SettingsError } from '../../infra/settings.ts';
import { cdkJsonContext, resourcesOf, synthesize, writeConfig } from './support.ts';

async function configCheckErrors(file: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await main(['config', 'check', file], { out: () => undefined, err: (text) => void err.push(text), now: () => new Date() });
  return { code, err: err.join('\n') };
}

describe('context settings', () => {
  it('a bad -c config fails the app with the field paths, exactly as `recall config check` reports them', async () => {
    const file = writeConfig((config) => {
      config.merchantTimeZone = 'Mars/Olympus_Mons';
      (config.categories as { windowDays: number }[])[0]!.windowDays = 0;
    });
    const error = await buildRecallApp({ context: { ...cdkJsonContext, config: file }, bundle: false }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(`${file}: merchantTimeZone: not an IANA time zone`);
    expect(message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: categories\\[0\\]\\.windowDays: `, 'm'));
    expect(await configCheckErrors(file)).toEqual({ code: 2, err: message });
  });

  it('a missing -c config file names the file', async () => {
    await expect(buildRecallApp({ context: { ...cdkJsonContext, config: 'no/such/campaign.json' }, bundle: false })).rejects.toThrow(
      'no/such/campaign.json: file not found',
    );
  });

  it.each([
    [{ stage: 'staging' }, '-c stage: expected one of dev, prod, got "staging"'],
    [{ scheduleTime: '25:00' }, '-c scheduleTime: expected a time as HH:MM (24h), got "25:00"'],
    [{ shopBusName: 'shop bus' }, '-c shopBusName: not an EventBridge bus name'],
    [{ alarmEmail: 'devops' }, '-c alarmEmail: not an e-mail address'],
    [{ smsOriginationIdentities: '+14155550123' }, '-c smsOriginationIdentities: not a phone number or sender id ARN of End User Messaging SMS: "+14155550123"'],
    [{ smsOriginationIdentities: 'arn:aws:sns:us-east-1:123456789012:phone-number/phone-1' }, '-c smsOriginationIdentities: not a phone number or sender id ARN'],
    [
      { smsOriginationIdentities: 'arn:aws:sms-voice:ap-southeast-1:123456789012:sender-id/YOUXUAN/SG', smsTwoWay: 'true' },
      '-c smsTwoWay: two-way SMS needs a phone number among -c smsOriginationIdentities (sender ids take no replies)',
    ],
    [{ smsTwoWay: 'yes' }, '-c smsTwoWay: expected true or false, got "yes"'],
    [{ smsMonthlySpendAlarmUsd: 'lots' }, '-c smsMonthlySpendAlarmUsd: expected a positive amount in USD, got "lots"'],
    [{ smsMonthlySpendAlarmUsd: '0' }, '-c smsMonthlySpendAlarmUsd: expected a positive amount in USD'],
  ])('refuses %j', async (context, message) => {
    const error = await buildRecallApp({ context: { ...cdkJsonContext, ...context }, bundle: false }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SettingsError);
    expect(String(error)).toContain(message);
  });

  it('scheduleTime, the config time zone, the MPS and the shop bus come from context', async () => {
    const file = writeConfig((config) => {
      config.merchantTimeZone = 'Europe/Berlin';
      (config.sms as { mps: number }).mps = 150;
    });
    const { template, stack } = await synthesize({ config: file, scheduleTime: '07:30', shopBusName: 'shop-orders' });
    expect(stack.stackName).toBe('RecallCampaigns-dev');
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 7 * * ? *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, ScalingConfig: { MaximumConcurrency: 15 } });
    template.hasResourceProperties('AWS::Events::Rule', { EventBusName: 'shop-orders', EventPattern: { 'detail-type': ['OrderPlaced'] } });
    // No alarm e-mail given: the one subscription is the delivery events' to record-delivery.
    expect(Object.values(resourcesOf(template, 'AWS::SNS::Subscription')).map((subscription) => subscription.Properties!.Protocol)).toEqual(['lambda']);
  });

  it('SMS: the identities (a comma list, trimmed, deduplicated), two-way and the spend alarm threshold; none given: no pool, one-way, USD 100', async () => {
    const phone = 'arn:aws:sms-voice:ap-southeast-1:123456789012:phone-number/phone-0123456789abcdef0123456789abcdef';
    const senderId = 'arn:aws:sms-voice:ap-southeast-1:123456789012:sender-id/YOUXUAN/SG';
    const given = await buildRecallApp({ context: { ...cdkJsonContext, smsOriginationIdentities: ` ${phone}, ${senderId},${phone}`, smsTwoWay: 'true', smsMonthlySpendAlarmUsd: '80.5' }, bundle: false });
    expect(given.settings.sms).toEqual({ originationIdentities: [phone, senderId], twoWay: true, monthlySpendAlarmUsd: 80.5 });
    const none = await buildRecallApp({ context: cdkJsonContext, bundle: false });
    expect(none.settings.sms).toEqual({ originationIdentities: [], twoWay: false, monthlySpendAlarmUsd: 100 });
    expect(await readSettings(none.app.node)).toMatchObject({ sms: { originationIdentities: [] } });
  });
});
