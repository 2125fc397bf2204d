import { ImportCompletedSchema } from '../lib/events/imports.ts';
import { DynamoCustomerImport, DynamoImportLog } from '../lib/adapters/dynamo/batch.ts';
import { DynamoConfigReads } from '../lib/adapters/dynamo/config-versions.ts';
import { DynamoOrderHistory } from '../lib/adapters/dynamo/customers.ts';
import { DynamoImportClaims } from '../lib/adapters/dynamo/import-claims.ts';
import { DynamoReplies } from '../lib/adapters/dynamo/replies.ts';
import { configReader, withConfig } from '../lib/runtime/aws/config.ts';
import { once, systemClock } from '../lib/runtime/aws/env.ts';
import { eventPublisher } from '../lib/runtime/aws/events.ts';
import { importBucket, selfContinuations } from '../lib/runtime/aws/imports.ts';
import { couponSecret } from '../lib/runtime/aws/secret.ts';
import { smsOptOutList } from '../lib/runtime/aws/sms.ts';
import { functionStore } from '../lib/runtime/aws/store.ts';
import { createHandler } from '../lib/runtime/handlers/import-file.ts';

const deps = once(async () => {
  const store = functionStore('import-file', {
    customerImport: DynamoCustomerImport,
    orderHistory: DynamoOrderHistory,
    replies: DynamoReplies,
    importLog: DynamoImportLog,
    importClaims: DynamoImportClaims,
    configReads: DynamoConfigReads,
  });
  return {
    store,
    configs: configReader(store),
    clock: systemClock,
    events: eventPublisher({ ImportCompleted: ImportCompletedSchema }),
    couponSecret: await couponSecret(),
    bucket: importBucket(),
    continuations: selfContinuations(),
    optOutList: smsOptOutList(),
  };
});

export const handler = createHandler(async () => withConfig(await deps()));
