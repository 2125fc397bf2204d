import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RecallStore } from '../../ports/store.ts';
import { DynamoBatchScans, DynamoCustomerImport, DynamoImportLog, DynamoReportReader } from './batch.ts';
import { DynamoDeliveries, DynamoOrderHistory } from './customers.ts';
import { DynamoDecisions, DynamoDueIndex, DynamoRunPlans, DynamoRunProgress } from './daily-run.ts';
import { ensureTable } from './provision.ts';
import type { CapacityMeter } from './table.ts';

/**
 * Every port on one table, for the local runtime (one process holds them all) and the tests: each
 * method is its port adapter's, so every command still passes its own port's access check. The
 * deployed functions never get this: lib/runtime/aws/store.ts gives each only its own ports.
 */
export class DynamoStore implements RecallStore {
  readonly usage: CapacityMeter = { readUnits: 0, writeUnits: 0 };
  private readonly dueIndex: DynamoDueIndex;
  private readonly decisions: DynamoDecisions;
  private readonly runPlans: DynamoRunPlans;
  private readonly runProgress: DynamoRunProgress;
  private readonly deliveries: DynamoDeliveries;
  private readonly orderHistory: DynamoOrderHistory;
  private readonly batchScans: DynamoBatchScans;
  private readonly reportReader: DynamoReportReader;
  private readonly customerImport: DynamoCustomerImport;
  private readonly importLog: DynamoImportLog;

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
  ) {
    this.dueIndex = new DynamoDueIndex(client, tableName, this.usage);
    this.decisions = new DynamoDecisions(client, tableName, this.usage);
    this.runPlans = new DynamoRunPlans(client, tableName, this.usage);
    this.runProgress = new DynamoRunProgress(client, tableName, this.usage);
    this.deliveries = new DynamoDeliveries(client, tableName, this.usage);
    this.orderHistory = new DynamoOrderHistory(client, tableName, this.usage);
    this.batchScans = new DynamoBatchScans(client, tableName, this.usage);
    this.reportReader = new DynamoReportReader(client, tableName, this.usage);
    this.customerImport = new DynamoCustomerImport(client, tableName, this.usage);
    this.importLog = new DynamoImportLog(client, tableName, this.usage);
  }

  /** Creates the table when missing (the local runtime and tests; the stack makes it on AWS). */
  ensureTable(): Promise<void> {
    return ensureTable(this.client, this.tableName);
  }

  readonly queryDue: RecallStore['queryDue'] = (...args) => this.dueIndex.queryDue(...args);

  readonly claimLedger: RecallStore['claimLedger'] = (...args) => this.decisions.claimLedger(...args);
  readonly takeCapSlot: RecallStore['takeCapSlot'] = (...args) => this.decisions.takeCapSlot(...args);
  readonly saveJourneyState: RecallStore['saveJourneyState'] = (...args) => this.decisions.saveJourneyState(...args);
  readonly getProfiles: RecallStore['getProfiles'] = (...args) => this.decisions.getProfiles(...args);

  readonly startRun: RecallStore['startRun'] = (...args) => this.runPlans.startRun(...args);
  readonly markRunPlanned: RecallStore['markRunPlanned'] = (...args) => this.runPlans.markRunPlanned(...args);

  readonly putShardPart: RecallStore['putShardPart'] = (...args) => this.runProgress.putShardPart(...args);
  readonly getRun: RecallStore['getRun'] = (...args) => this.runProgress.getRun(...args);
  readonly completeRun: RecallStore['completeRun'] = (...args) => this.runProgress.completeRun(...args);

  readonly moveLedgerStatus: RecallStore['moveLedgerStatus'] = (...args) => this.deliveries.moveLedgerStatus(...args);
  readonly markOptedOut: RecallStore['markOptedOut'] = (...args) => this.deliveries.markOptedOut(...args);

  readonly getCustomerHistory: RecallStore['getCustomerHistory'] = (...args) => this.orderHistory.getCustomerHistory(...args);
  readonly saveCategoryHistory: RecallStore['saveCategoryHistory'] = (...args) => this.orderHistory.saveCategoryHistory(...args);
  readonly beginOrder: RecallStore['beginOrder'] = (...args) => this.orderHistory.beginOrder(...args);
  readonly completeOrder: RecallStore['completeOrder'] = (...args) => this.orderHistory.completeOrder(...args);
  readonly getCustomerLedger: RecallStore['getCustomerLedger'] = (...args) => this.orderHistory.getCustomerLedger(...args);
  readonly markConverted: RecallStore['markConverted'] = (...args) => this.orderHistory.markConverted(...args);
  readonly markRedeemed: RecallStore['markRedeemed'] = (...args) => this.orderHistory.markRedeemed(...args);

  readonly scanDormant: RecallStore['scanDormant'] = (...args) => this.batchScans.scanDormant(...args);
  readonly scanCategories: RecallStore['scanCategories'] = (...args) => this.batchScans.scanCategories(...args);

  readonly ledgerOfDay: RecallStore['ledgerOfDay'] = (...args) => this.reportReader.ledgerOfDay(...args);
  readonly ordersOfDay: RecallStore['ordersOfDay'] = (...args) => this.reportReader.ordersOfDay(...args);

  readonly saveCustomer: RecallStore['saveCustomer'] = (...args) => this.customerImport.saveCustomer(...args);
  readonly putSnapshots: RecallStore['putSnapshots'] = (...args) => this.customerImport.putSnapshots(...args);

  readonly noteImport: RecallStore['noteImport'] = (...args) => this.importLog.noteImport(...args);
  readonly latestImportAsOf: RecallStore['latestImportAsOf'] = (...args) => this.importLog.latestImportAsOf(...args);
}
