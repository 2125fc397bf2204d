import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PORT_ACCESS, type PortName } from '../../store/access.ts';
import { DynamoBatchScans, DynamoCustomerImport, DynamoImportLog, DynamoReportReader } from './batch.ts';
import { DynamoCustomerReads, DynamoDeliveries, DynamoOrderHistory } from './customers.ts';
import { DynamoCalendarReads, DynamoDecisions, DynamoDueIndex, DynamoRunPlans, DynamoRunProgress } from './daily-run.ts';
import { PortStore, type AdapterClasses } from './port-store.ts';
import { ensureTable } from './provision.ts';
import { DynamoReceipts, DynamoReplies } from './replies.ts';
import { DynamoConfigReads, DynamoConfigVersions } from './config-versions.ts';
import { DynamoImportClaims } from './import-claims.ts';

const ADAPTERS: AdapterClasses = {
  dueIndex: DynamoDueIndex,
  calendarReads: DynamoCalendarReads,
  decisions: DynamoDecisions,
  runPlans: DynamoRunPlans,
  runProgress: DynamoRunProgress,
  deliveries: DynamoDeliveries,
  orderHistory: DynamoOrderHistory,
  customerReads: DynamoCustomerReads,
  batchScans: DynamoBatchScans,
  reportReader: DynamoReportReader,
  customerImport: DynamoCustomerImport,
  importLog: DynamoImportLog,
  receipts: DynamoReceipts,
  replies: DynamoReplies,
  configReads: DynamoConfigReads,
  configPushes: DynamoConfigVersions,
  importClaims: DynamoImportClaims,
};

/**
 * The store with every adapter at hand, holding the `ports` given (all by default): the local
 * runtime, the operator's (OPERATOR_PORTS) and the tests. A deployed function's bundle does not
 * import it (lib/runtime/aws/store.ts builds a PortStore from its own ports' adapters only).
 */
export class DynamoStore extends PortStore {
  constructor(client: DynamoDBClient, tableName: string, ports: readonly PortName[] = Object.keys(PORT_ACCESS).filter((port): port is PortName => port in PORT_ACCESS)) {
    super(client, tableName, ADAPTERS, ports);
  }

  /** Creates the table when missing (the local runtime and tests; the stack makes it on AWS). */
  ensureTable(): Promise<void> {
    return ensureTable(this.client, this.tableName);
  }
}
