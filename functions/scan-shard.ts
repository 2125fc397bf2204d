import { RunCompletedSchema } from '../lib/events/domain-events.ts';
import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoCalendarReads, DynamoDecisions, DynamoDueIndex, DynamoRunProgress } from '../lib/adapters/dynamo/daily-run.ts';
import { once } from '../lib/runtime/aws/env.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { sendQueue, workQueue } from '../lib/runtime/aws/queues.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/scan-shard.ts';

const deps = once(async () => {
  const store = functionStore('scan-shard', { dueIndex: DynamoDueIndex, calendarReads: DynamoCalendarReads, decisions: DynamoDecisions, runProgress: DynamoRunProgress, configReads: DynamoConfigReads });
  return { store, configs: configReader(store), sendQueue: sendQueue(), workQueue: workQueue(), events: eventPublisher({ RunCompleted: RunCompletedSchema }), couponSecret: await couponSecret() };
});

/** Built at cold start (a missing secret fails the invocation); each job then gets its run's config version. */
export const handler = createHandler(async () => {
  const resolved = await deps();
  return (configVersion) => withConfig(resolved, configVersion);
});
