import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as planRecall } from '../../functions/plan-recall.ts';
import { handler as scanShard } from '../../functions/scan-shard.ts';
import { generateDemoShop } from '../../lib/demo/shop.ts';
import { SendJobMessageSchema, ShardJobMessageSchema, type ShardJobMessage } from '../../lib/events/schemas.ts';
import { campaignConfig } from '../../lib/runtime/aws/env.ts';
import { lambdaContext } from '../../lib/runtime/local-pipeline.ts';
import { CONFIG_CACHE_MS, storeVersion } from '../../lib/usecases/config-versions.ts';
import { ledgerEntryOf } from '../../lib/usecases/deliver.ts';
import { seedCustomers } from '../../lib/usecases/seed.ts';
import { mockAws, putEvents, sendMessageBatches } from '../support/aws-mocks.ts';
import { SEND_QUEUE_URL, WORK_QUEUE_URL } from '../support/handler-env.ts';
import { startHandlerTable, type HandlerTable } from '../support/handler-table.ts';
import { loadSqsEvent, withBodies } from '../support/sample-events.ts';

const TODAY = '2026-11-22';
const clock = { now: () => new Date() };

/**
 * The campaign config at run time (docs/architecture.md#config-versions), through the deployed
 * handlers: a push reaches the next run without a deploy or a cold start, and a run keeps its own
 * version when a push lands in the middle of it.
 */
describe('config versions in the deployed functions (dynalite; SQS and EventBridge mocked)', () => {
  const aws = mockAws();
  let table: HandlerTable;
  const deployed = campaignConfig();
  /** The same config with another opt-out line: every SMS text shows which version wrote it. */
  const pushed = { ...deployed, sms: { ...deployed.sms, optOutText: '退订回TD' } };

  beforeAll(async () => {
    table = await startHandlerTable();
    await seedCustomers({ store: table.store, config: deployed }, TODAY, generateDemoShop({ customers: 150, seed: 2, today: TODAY, categories: deployed.categories, timeZone: deployed.merchantTimeZone }));
    await storeVersion(table.store, deployed, 'deploy', 0, clock);
  });
  beforeEach(() => aws.reset());
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    aws.restore();
    await table.stop();
  });

  const plan = async () => {
    const from = sendMessageBatches(aws, WORK_QUEUE_URL).length;
    await planRecall({ asOf: TODAY, dryRun: false }, lambdaContext('plan-recall'));
    return sendMessageBatches(aws, WORK_QUEUE_URL).slice(from).flat().map((body) => ShardJobMessageSchema.parse(body));
  };
  const scan = async (job: ShardJobMessage) => {
    const from = sendMessageBatches(aws, SEND_QUEUE_URL).length;
    const sample = await loadSqsEvent('scan-shard.sqs-batch.json');
    expect(await scanShard(withBodies(sample, [job]), lambdaContext('scan-shard'))).toEqual({ batchItemFailures: [] });
    return sendMessageBatches(aws, SEND_QUEUE_URL).slice(from).flat().map((body) => SendJobMessageSchema.parse(body));
  };

  it('a run keeps the version it was planned with when a push lands mid-run; the next run (no deploy, no restart) uses the pushed one', async () => {
    const first = await plan();
    expect(first.map((job) => job.configVersion)).toEqual(Array(deployed.shards).fill(1));
    expect(putEvents(aws).find((event) => event.type === 'RunStarted')?.detail).toMatchObject({ configVersion: 1 });

    await storeVersion(table.store, pushed, 'push shop.json', 1, clock);

    // Shard 7 of the first run, after the push: decided with version 1.
    const sends = await scan(first[7] as ShardJobMessage);
    expect(sends.length).toBeGreaterThan(0);
    for (const send of sends) {
      expect(send.text.endsWith(deployed.sms.optOutText)).toBe(true);
      expect(send.configVersion).toBe(1);
      // What the sender writes in the ledger when it sends it.
      expect(ledgerEntryOf(send)).toMatchObject({ configVersion: 1, runDate: TODAY });
    }

    // The warm function reads the current version again once its cache ages out: the next run is version 2.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + CONFIG_CACHE_MS + 1_000 });
    aws.reset();
    const second = await plan();
    expect(second.map((job) => job.configVersion)).toEqual(Array(deployed.shards).fill(2));
    expect(putEvents(aws).find((event) => event.type === 'RunStarted')?.detail).toMatchObject({ configVersion: 2 });
    const later = await scan(second[5] as ShardJobMessage);
    expect(later.length).toBeGreaterThan(0);
    for (const send of later) {
      expect(send.text.endsWith('退订回TD')).toBe(true);
      expect(ledgerEntryOf(send)).toMatchObject({ configVersion: 2 });
    }
  });
});
