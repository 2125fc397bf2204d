import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RecallStore } from '../../ports/store.ts';
import type { PortName } from '../../store/access.ts';
import type { DynamoBatchScans, DynamoCustomerImport, DynamoImportLog, DynamoReportReader } from './batch.ts';
import type { DynamoConfigReads, DynamoConfigVersions } from './config-versions.ts';
import type { DynamoCustomerReads, DynamoDeliveries, DynamoOrderHistory } from './customers.ts';
import type { DynamoCalendarReads, DynamoDecisions, DynamoDueIndex, DynamoRunPlans, DynamoRunProgress } from './daily-run.ts';
import type { DynamoImportClaims } from './import-claims.ts';
import type { DynamoReceipts, DynamoReplies } from './replies.ts';
import type { CapacityMeter } from './table.ts';

/*
 * Type imports only: a deployed function passes the adapter classes of its own ports
 * (lib/runtime/aws/store.ts), so its bundle carries and evaluates no other adapter module.
 */

/** The ports on the table (the pacer is built apart: lib/adapters/dynamo-pacer.ts). */
export type TablePort = Exclude<PortName, 'pacer'>;

/** The adapter serving each table port. */
interface PortAdapters {
  dueIndex: DynamoDueIndex;
  calendarReads: DynamoCalendarReads;
  decisions: DynamoDecisions;
  runPlans: DynamoRunPlans;
  runProgress: DynamoRunProgress;
  deliveries: DynamoDeliveries;
  orderHistory: DynamoOrderHistory;
  customerReads: DynamoCustomerReads;
  batchScans: DynamoBatchScans;
  reportReader: DynamoReportReader;
  customerImport: DynamoCustomerImport;
  importLog: DynamoImportLog;
  receipts: DynamoReceipts;
  replies: DynamoReplies;
  configReads: DynamoConfigReads;
  configPushes: DynamoConfigVersions;
  importClaims: DynamoImportClaims;
}

/** The class of each table port's adapter. */
export type AdapterClasses = { [P in TablePort]: new (client: DynamoDBClient, tableName: string, usage: CapacityMeter) => PortAdapters[P] };

type Adapters = { [P in TablePort]?: PortAdapters[P] };

/** A port this store was not given: on AWS the function has no grant for it. */
export class PortNotGrantedError extends Error {
  override name = 'PortNotGrantedError';
}

/**
 * The persistence ports on one table, each method served by the adapter of a port this store
 * holds, so every command passes that port's access check (lib/store/access.ts). It holds the
 * `ports` it is given, built from the `adapters` classes it is given (a port without one, like the
 * pacer, is skipped): the local runtime and the tests hold every port (DynamoStore, ./store.ts); a
 * deployed function holds only its own (lib/runtime/aws/store.ts), so its handler tests on
 * dynalite fail on any command outside its grant.
 */
export class PortStore implements RecallStore {
  readonly usage: CapacityMeter = { readUnits: 0, writeUnits: 0 };
  private readonly adapters: Adapters = {};

  constructor(
    readonly client: DynamoDBClient,
    readonly tableName: string,
    adapters: Partial<AdapterClasses>,
    ports: readonly PortName[],
  ) {
    for (const port of new Set(ports)) if (port !== 'pacer') this.hold(port, adapters[port]);
  }

  private hold<P extends TablePort>(port: P, Adapter: AdapterClasses[P] | undefined): void {
    if (Adapter) this.adapters[port] = new Adapter(this.client, this.tableName, this.usage);
  }

  /** The first held adapter among `ports` (in the order given). */
  private held<P extends TablePort>(method: string, ...ports: P[]): NonNullable<Adapters[P]> {
    for (const port of ports) {
      const adapter = this.adapters[port];
      if (adapter) return adapter;
    }
    throw new PortNotGrantedError(`${method}: this store holds none of the ports ${ports.join(', ')} (see lib/store/access.ts)`);
  }

  readonly queryDue: RecallStore['queryDue'] = async (...args) => this.held('queryDue', 'dueIndex').queryDue(...args);

  readonly birthdaysOn: RecallStore['birthdaysOn'] = async (...args) => this.held('birthdaysOn', 'calendarReads').birthdaysOn(...args);

  readonly orderedSince: RecallStore['orderedSince'] = async (...args) => this.held('orderedSince', 'calendarReads').orderedSince(...args);

  readonly claimLedger: RecallStore['claimLedger'] = async (...args) => this.held('claimLedger', 'decisions').claimLedger(...args);

  readonly takeCapSlot: RecallStore['takeCapSlot'] = async (...args) => this.held('takeCapSlot', 'decisions').takeCapSlot(...args);

  readonly releaseCapSlot: RecallStore['releaseCapSlot'] = async (...args) => this.held('releaseCapSlot', 'decisions').releaseCapSlot(...args);

  readonly takePersonSlot: RecallStore['takePersonSlot'] = async (...args) => this.held('takePersonSlot', 'decisions').takePersonSlot(...args);

  readonly releasePersonSlot: RecallStore['releasePersonSlot'] = async (...args) => this.held('releasePersonSlot', 'decisions').releasePersonSlot(...args);

  readonly saveJourneyState: RecallStore['saveJourneyState'] = async (...args) => this.held('saveJourneyState', 'decisions', 'orderHistory').saveJourneyState(...args);

  readonly getProfiles: RecallStore['getProfiles'] = async (...args) => this.held('getProfiles', 'decisions', 'deliveries', 'customerReads', 'customerImport', 'replies').getProfiles(...args);

  readonly startRun: RecallStore['startRun'] = async (...args) => this.held('startRun', 'runPlans').startRun(...args);

  readonly markRunPlanned: RecallStore['markRunPlanned'] = async (...args) => this.held('markRunPlanned', 'runPlans').markRunPlanned(...args);

  readonly putShardPart: RecallStore['putShardPart'] = async (...args) => this.held('putShardPart', 'runProgress').putShardPart(...args);
  readonly getShardPart: RecallStore['getShardPart'] = async (...args) => this.held('getShardPart', 'runProgress').getShardPart(...args);

  readonly getRun: RecallStore['getRun'] = async (...args) => this.held('getRun', 'runProgress').getRun(...args);

  readonly completeRun: RecallStore['completeRun'] = async (...args) => this.held('completeRun', 'runProgress').completeRun(...args);

  readonly moveLedgerStatus: RecallStore['moveLedgerStatus'] = async (...args) => this.held('moveLedgerStatus', 'deliveries', 'receipts', 'decisions').moveLedgerStatus(...args);

  readonly openMessage: RecallStore['openMessage'] = async (...args) => this.held('openMessage', 'deliveries').openMessage(...args);

  readonly isCorruptMessage: RecallStore['isCorruptMessage'] = async (...args) => this.held('isCorruptMessage', 'deliveries').isCorruptMessage(...args);

  readonly markOptedOut: RecallStore['markOptedOut'] = async (...args) => this.held('markOptedOut', 'deliveries', 'replies').markOptedOut(...args);

  readonly hasLedgerEntry: RecallStore['hasLedgerEntry'] = async (...args) => this.held('hasLedgerEntry', 'receipts').hasLedgerEntry(...args);

  readonly customersLinkedTo: RecallStore['customersLinkedTo'] = async (...args) => this.held('customersLinkedTo', 'replies').customersLinkedTo(...args);

  readonly recordReply: RecallStore['recordReply'] = async (...args) => this.held('recordReply', 'replies').recordReply(...args);

  readonly markOptedOutAfter: RecallStore['markOptedOutAfter'] = async (...args) => this.held('markOptedOutAfter', 'replies').markOptedOutAfter(...args);

  readonly getCustomerHistory: RecallStore['getCustomerHistory'] = async (...args) => this.held('getCustomerHistory', 'orderHistory', 'customerReads').getCustomerHistory(...args);

  readonly saveCategoryHistory: RecallStore['saveCategoryHistory'] = async (...args) => this.held('saveCategoryHistory', 'orderHistory').saveCategoryHistory(...args);

  readonly beginOrder: RecallStore['beginOrder'] = async (...args) => this.held('beginOrder', 'orderHistory').beginOrder(...args);

  readonly completeOrder: RecallStore['completeOrder'] = async (...args) => this.held('completeOrder', 'orderHistory').completeOrder(...args);

  readonly getCustomerLedger: RecallStore['getCustomerLedger'] = async (...args) => this.held('getCustomerLedger', 'orderHistory', 'replies').getCustomerLedger(...args);

  readonly markConverted: RecallStore['markConverted'] = async (...args) => this.held('markConverted', 'orderHistory').markConverted(...args);

  readonly markRedeemed: RecallStore['markRedeemed'] = async (...args) => this.held('markRedeemed', 'orderHistory').markRedeemed(...args);

  readonly getMember: RecallStore['getMember'] = async (...args) => this.held('getMember', 'orderHistory').getMember(...args);

  readonly saveMember: RecallStore['saveMember'] = async (...args) => this.held('saveMember', 'orderHistory').saveMember(...args);

  readonly ordersOf: RecallStore['ordersOf'] = async (...args) => this.held('ordersOf', 'orderHistory').ordersOf(...args);

  readonly scanDormant: RecallStore['scanDormant'] = async (...args) => this.held('scanDormant', 'batchScans').scanDormant(...args);

  readonly scanCategories: RecallStore['scanCategories'] = async (...args) => this.held('scanCategories', 'batchScans').scanCategories(...args);

  readonly scanOrders: RecallStore['scanOrders'] = async (...args) => this.held('scanOrders', 'batchScans').scanOrders(...args);

  readonly scanProfiles: RecallStore['scanProfiles'] = async (...args) => this.held('scanProfiles', 'batchScans').scanProfiles(...args);

  readonly ledgerOfDay: RecallStore['ledgerOfDay'] = async (...args) => this.held('ledgerOfDay', 'reportReader').ledgerOfDay(...args);

  readonly ordersOfDay: RecallStore['ordersOfDay'] = async (...args) => this.held('ordersOfDay', 'reportReader').ordersOfDay(...args);

  readonly saveCustomer: RecallStore['saveCustomer'] = async (...args) => this.held('saveCustomer', 'customerImport').saveCustomer(...args);

  readonly putSnapshots: RecallStore['putSnapshots'] = async (...args) => this.held('putSnapshots', 'customerImport').putSnapshots(...args);

  readonly customersWithHistory: RecallStore['customersWithHistory'] = async (...args) => this.held('customersWithHistory', 'customerImport').customersWithHistory(...args);

  readonly putOrderHistories: RecallStore['putOrderHistories'] = async (...args) => this.held('putOrderHistories', 'customerImport').putOrderHistories(...args);

  readonly noteImport: RecallStore['noteImport'] = async (...args) => this.held('noteImport', 'importLog').noteImport(...args);

  readonly latestImportAsOf: RecallStore['latestImportAsOf'] = async (...args) => this.held('latestImportAsOf', 'importLog').latestImportAsOf(...args);

  readonly currentConfig: RecallStore['currentConfig'] = async (...args) => this.held('currentConfig', 'configReads', 'configPushes').currentConfig(...args);

  readonly configVersion: RecallStore['configVersion'] = async (...args) => this.held('configVersion', 'configReads', 'configPushes').configVersion(...args);

  readonly configHistory: RecallStore['configHistory'] = async (...args) => this.held('configHistory', 'configPushes').configHistory(...args);

  readonly putConfigVersion: RecallStore['putConfigVersion'] = async (...args) => this.held('putConfigVersion', 'configPushes').putConfigVersion(...args);

  readonly claimImport: RecallStore['claimImport'] = async (...args) => this.held('claimImport', 'importClaims').claimImport(...args);

  readonly handOffImport: RecallStore['handOffImport'] = async (...args) => this.held('handOffImport', 'importClaims').handOffImport(...args);

  readonly finishImport: RecallStore['finishImport'] = async (...args) => this.held('finishImport', 'importClaims').finishImport(...args);

  readonly markImportAnnounced: RecallStore['markImportAnnounced'] = async (...args) => this.held('markImportAnnounced', 'importClaims').markImportAnnounced(...args);
}
