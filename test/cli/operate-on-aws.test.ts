import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutOptedOutNumberCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoStore } from '../../lib/adapters/dynamo/store.ts';
import { defaultConfigPath, loadDefaultConfig } from '../../lib/config/load.ts';
import type { CampaignConfig } from '../../lib/config/schema.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { storeVersion } from '../../lib/usecases/config-versions.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { awsError, mockAws, putEvents } from '../support/aws-mocks.ts';
import { recall as recallAt } from '../support/cli.ts';
import { COUPON_SECRET, COUPON_SECRET_ARN, EVENT_BUS_NAME } from '../support/handler-env.ts';
import { TestDynamo } from '../support/store.ts';

const TODAY = '2026-11-22';
const NOW = '2026-11-22T02:00:00Z';
const STACK = 'RecallCampaigns-test';
const recall = (args: string[], now = NOW) => recallAt(args, now);

interface OutboxLine {
  customerId: string;
  to: string;
  journey: string;
  step: string;
  couponCode?: string;
}

/**
 * `recall --aws` (docs/architecture.md#operating-on-aws) on dynalite through `--endpoint`: the
 * stack's outputs from a CloudFormation mock, its coupon secret, bus and opt-out list from SDK
 * mocks, the table on dynalite. Every data command goes through the same use cases as locally.
 */
describe('recall --aws: every data command on the deployed table (CloudFormation, Secrets Manager, EventBridge, SMS mocked)', () => {
  const aws = mockAws();
  const cloudFormation = mockClient(CloudFormationClient);
  let dynamo: TestDynamo;
  let store: DynamoStore;
  let dir: string;
  let config: CampaignConfig;
  let onAws: (args: string[]) => string[];

  const outputs = (tableName: string) => [
    { OutputKey: 'TableName', OutputValue: tableName },
    { OutputKey: 'CouponSecretArn', OutputValue: COUPON_SECRET_ARN },
    { OutputKey: 'EventBusName', OutputValue: EVENT_BUS_NAME },
    { OutputKey: 'SmsOptOutListName', OutputValue: 'recall-test' },
  ];

  beforeAll(async () => {
    dynamo = await TestDynamo.start();
    store = await dynamo.freshStore();
    dir = await mkdtemp(join(tmpdir(), 'recall-aws-'));
    config = await loadDefaultConfig();
    await seedCustomers({ store, config }, TODAY, generateDemoShop({ customers: 150, seed: 2, today: TODAY, categories: config.categories, timeZone: config.merchantTimeZone }));
    onAws = (args) => ['--aws', '--stack', STACK, '--region', 'ap-southeast-1', '--endpoint', dynamo.endpoint, ...args];
  });
  beforeEach(() => {
    aws.reset();
    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand, { StackName: STACK }).resolves({ Stacks: [{ StackName: STACK, CreationTime: new Date(NOW), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(store.tableName) }] });
  });
  afterAll(async () => {
    aws.restore();
    cloudFormation.restore();
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('names the stack that is missing, and a table with no config version, instead of working on nothing', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', `Stack with id ${STACK}-typo does not exist`));
    const missing = await recall(['--aws', '--stack', `${STACK}-typo`, '--endpoint', dynamo.endpoint, 'report']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`stack ${STACK}-typo: Stack with id ${STACK}-typo does not exist`);

    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: STACK, CreationTime: new Date(NOW), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(store.tableName).slice(1) }] });
    const old = await recall(onAws(['report']));
    expect(old.code).toBe(2);
    expect(old.err).toMatch(/has no output TableName: deploy this version of recall/);

    cloudFormation.reset();
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: STACK, CreationTime: new Date(NOW), StackStatus: 'CREATE_COMPLETE', Outputs: outputs(store.tableName) }] });
    const unseeded = await recall(onAws(['report']));
    expect(unseeded.code).toBe(1);
    expect(unseeded.err).toMatch(/holds no config version: `npx cdk deploy` seeds version 1/);
  });

  it('imports, reports, reconciles and learns windows on the deployed table: coupon codes verified with the stack secret, conversions published on its bus', async () => {
    await storeVersion(store, config, 'deploy', 0, { now: () => new Date(NOW) });
    // The daily run (the deployed functions' job), here locally on the same table with the same coupon secret.
    process.env.RECALL_COUPON_SECRET = COUPON_SECRET;
    process.env.RECALL_TABLE = store.tableName;
    // The forecast's first day is the next run's candidates, step by step (no orders in between).
    const forecast = JSON.parse((await recall(onAws(['forecast', '--from', TODAY, '--days', '3', '--json']))).out) as { days: { day: string; journeyId: string; stepId: string; candidates: number }[] };
    const firstDay = Object.fromEntries(forecast.days.filter((step) => step.day === TODAY).map((step) => [`${step.journeyId}/${step.stepId}`, step.candidates]));
    try {
      const run = await recall(['--endpoint', dynamo.endpoint, '--store', join(dir, 'local'), 'run', '--as-of', TODAY, '--json']);
      expect(run.code, run.err).toBe(0);
      const summary = JSON.parse(run.out) as { configVersion: number; due: number; byJourney: Record<string, Record<string, { due: number }>> };
      expect(summary.configVersion).toBe(1);
      const due = Object.fromEntries(Object.entries(summary.byJourney).flatMap(([journey, steps]) => Object.entries(steps).map(([step, counts]) => [`${journey}/${step}`, counts.due])));
      expect(firstDay).toEqual(due);
      expect(summary.due).toBeGreaterThan(5);
      const experiment = await recall(['--endpoint', dynamo.endpoint, '--store', join(dir, 'local'), '--config', defaultConfigPath, 'run', '--as-of', TODAY, '--dry-run', '--json']);
      expect(JSON.parse(experiment.out)).toMatchObject({ dryRun: true, configVersion: null });
    } finally {
      delete process.env.RECALL_COUPON_SECRET;
      delete process.env.RECALL_TABLE;
    }
    const outbox = (await readFile(join(dir, 'local', 'outbox.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as OutboxLine);
    const couponed = outbox.find((line) => line.couponCode);
    expect(couponed).toBeDefined();
    const { customerId, couponCode } = couponed as Required<OutboxLine>;

    await writeFile(join(dir, 'orders.csv'), `order_id,customer_id,ordered_at,category,amount,coupon_code\nA-1,${customerId},2026-11-23 15:00,cosmetics,268.50,${couponCode}\n`);
    const imported = await recall(onAws(['import', 'orders', join(dir, 'orders.csv'), '--as-of', '2026-11-24']), '2026-11-24T02:00:00Z');
    expect(imported.code).toBe(0);
    expect(imported.out).toMatch(/Imported 1 orders; rejected 0/);
    const converted = putEvents(aws).filter((event) => event.type === 'CustomerConverted');
    expect(converted).toEqual([expect.objectContaining({ bus: EVENT_BUS_NAME, detail: expect.objectContaining({ customerId, orderId: 'A-1', couponCode }) })]);

    const report = JSON.parse((await recall(onAws(['report', '--json', '--from', TODAY, '--to', TODAY]), '2026-11-24T02:00:00Z')).out);
    expect(report.totals.sent).toBe(outbox.length);
    expect(report.totals.redemptions).toBe(1);
    expect(report.totals.conversions.sent).toBe(1);

    const reconcile = await recall(onAws(['reconcile', '--from', TODAY, '--to', TODAY]));
    expect(reconcile.out).toMatch(/^Unconfirmed messages decided 2026-11-22 to 2026-11-22: 0$/m);

    // The repurchase analysis: every customer with an order counted once in each measure.
    const analysis = JSON.parse((await recall(onAws(['analyze', '--json']), '2026-11-24T02:00:00Z')).out);
    const lifecycle = analysis.lifecycle as Record<string, number>;
    expect(Object.values(lifecycle).reduce((sum, count) => sum + count, 0)).toBe(analysis.customers);
    expect(analysis.nextOrder[0].customers).toBe(analysis.customers);
    expect(analysis.cohorts.reduce((sum: number, cohort: { customers: number }) => sum + cohort.customers, 0)).toBe(analysis.customers);
    expect(analysis.rfm.cells.reduce((sum: number, cell: { customers: number }) => sum + cell.customers, 0)).toBe(analysis.customers);
    expect(analysis.windows.map((window: { category: string }) => window.category)).toEqual(config.categories.map((category) => category.id));
    expect(analysis.customers).toBeGreaterThan(100);

    const windows = JSON.parse((await recall(onAws(['windows', '--json']))).out);
    expect(windows.windows.map((window: { category: string }) => window.category)).toEqual(config.categories.map((category) => category.id));

    // A new customer with consent, then a reply with the opt-out keyword from them, then the provider's opt-out list.
    await writeFile(join(dir, 'customers.csv'), 'customer_id,phone,name,sms_opt_in\nN-1,+8613800138999,林黛玉,是\n');
    const customers = await recall(onAws(['import', 'customers', join(dir, 'customers.csv')]));
    expect(customers.out).toMatch(/^Imported 1 customers/m);
    await writeFile(join(dir, 'replies.csv'), 'phone,text,received_at\n+8613800138999,退订,2026-11-22 11:00\n');
    const replies = await recall(onAws(['import', 'replies', join(dir, 'replies.csv')]));
    expect(replies.code, replies.err).toBe(0);
    await writeFile(join(dir, 'opt-outs.csv'), `phone\n${couponed?.to}\n`);
    const optOuts = await recall(onAws(['import', 'opt-outs', join(dir, 'opt-outs.csv')]));
    expect(optOuts.code).toBe(0);
    expect(aws.smsVoice.commandCalls(PutOptedOutNumberCommand).map((call) => call.args[0].input)).toEqual([
      { OptOutListName: 'recall-test', OptedOutNumber: '+8613800138999' },
      { OptOutListName: 'recall-test', OptedOutNumber: couponed?.to },
    ]);
    const { profiles } = await store.getProfiles(['N-1', customerId], { consistent: true });
    expect(profiles.get('N-1')).toMatchObject({ smsOptIn: true, optedOut: true });
    expect(profiles.get(customerId)).toMatchObject({ optedOut: true });
  });

  it('config push shows the diff and its warnings, refuses deploy-time settings, and stores a version that show, history and rollback see', async () => {
    const [first] = config.journeys;
    const edited: CampaignConfig = {
      ...config,
      holdoutPercent: 20,
      journeys: config.journeys.map((journey) =>
        journey === first ? { ...journey, steps: journey.steps.slice(0, 1).map((step) => ({ ...step, template: `${step.template} ` })) } : journey,
      ),
    };
    const file = join(dir, 'edited.json');
    await writeFile(file, JSON.stringify(edited, null, 2));
    const deployOnly = join(dir, 'deploy-only.json');
    await writeFile(deployOnly, JSON.stringify({ ...config, shards: config.shards * 2 }, null, 2));

    const refused = await recall(onAws(['config', 'push', deployOnly]));
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`refused: shards ${config.shards} -> ${config.shards * 2} only change with a deploy`);

    const pushed = await recall(onAws(['config', 'push', file]));
    expect(pushed.code).toBe(0);
    expect(pushed.out).toMatch(/^-\s+"holdoutPercent": 10,\n\+\s+"holdoutPercent": 20,/m);
    expect(pushed.out).toContain(`warning: 1 template new or changed (${first?.id}/${first?.steps[0]?.id})`);
    for (const step of first?.steps.slice(1) ?? []) expect(pushed.out).toMatch(new RegExp(`warning: removes step ${first?.id}/${step.id}: \\d+ customers? waits? there`));
    // The first journey keeps one step of its ladder and the holdout doubles: fewer messages expected.
    const [, before, after] = /forecast, \S+ to \S+: messages (\d+) -> (\d+)/.exec(pushed.out) ?? [];
    expect(Number(after)).toBeLessThan(Number(before));
    expect(pushed.out).toMatch(/Stored version 2 \(push .*edited\.json, 2026-11-22T02:00:00\.000Z\) in stack RecallCampaigns-test's table/);

    const shown = await recall(onAws(['config', 'show']));
    expect(JSON.parse(shown.out)).toEqual(edited);
    const rolled = await recall(onAws(['config', 'rollback', '1']));
    expect(rolled.out).toMatch(/Stored version 3 \(rollback 1/);
    expect(JSON.parse((await recall(onAws(['config', 'show']))).out)).toEqual(config);
    const history = await recall(onAws(['config', 'history']));
    expect(history.out).toMatch(/Config versions in .*: 3/);
    expect(history.out).toMatch(/3\s+2026-11-22T02:00:00.000Z\s+rollback 1/);
  });
});
