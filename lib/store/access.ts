import { recallTable } from './tables.ts';

/*
 * What each persistence port may do to the table, declared once (docs/architecture.md, "Least
 * privilege"). Each DynamoDB adapter sends its commands through a check against its port's
 * declaration (lib/adapters/dynamo/table.ts), so a command outside it fails in every test on
 * dynalite; the stack grants each function the union of its ports' declarations
 * (infra/constructs/recall-function.ts), and the AWS composition root gives a function's handler
 * only those ports (lib/runtime/aws/store.ts), so the compiler holds the two together.
 *
 * IAM can condition item actions on the partition key only (`dynamodb:LeadingKeys`), so the
 * declarations name partition-key patterns: `C#*` a customer's items, `RUN#*` a run's bookkeeping,
 * `PACER` the SMS pacer, `IMPORTS` the import log, `P#*` a person's frequency cap and the links from a number to its customers,
 * `CONFIG` the campaign config's versions, `IMPORT#*` the claim on a file dropped into the import bucket.
 */

export type ItemAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

export const WRITE_ACTIONS: readonly ItemAction[] = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'];

export interface ItemAccess {
  actions: readonly ItemAction[];
  /** Partition-key patterns (`*` at the end matches any rest). */
  partitions: readonly string[];
}

export interface TableAccess {
  items: readonly ItemAccess[];
  /** Global secondary indexes the port queries. */
  indexes: readonly string[];
  /** A parallel Scan of the base table: explicit batch jobs only. */
  scan: boolean;
}

const CUSTOMERS = 'C#*';
const RUNS = 'RUN#*';
const PACER = 'PACER';
const IMPORTS = 'IMPORTS';
const PERSONS = 'P#*';
const CONFIG = 'CONFIG';
const IMPORT_FILES = 'IMPORT#*';

const access = (items: ItemAccess[], extra: Partial<Omit<TableAccess, 'items'>> = {}): TableAccess => ({ items, indexes: extra.indexes ?? [], scan: extra.scan ?? false });

/** Every persistence port and what it may do. */
export const PORT_ACCESS = {
  /** Journey states waiting for a step, by partition and cutoff: the daily run's reads. */
  dueIndex: access([], { indexes: [recallTable.dueIndex.name] }),
  /** Birthdays and last orders by day, in one shard: the daily run's birthday and holiday reads. */
  calendarReads: access([], { indexes: [recallTable.calendarIndex.name] }),
  /** scan-shard's writes: ledger claims, cap slots, journey states; the profiles it decides on. */
  decisions: access([
    { actions: ['BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem'], partitions: [CUSTOMERS] },
    { actions: ['UpdateItem'], partitions: [PERSONS] },
  ]),
  /** A run's shard counts and its one completion. */
  runProgress: access([{ actions: ['GetItem', 'PutItem', 'Query', 'UpdateItem'], partitions: [RUNS] }]),
  /** A run recorded once and planned once. */
  runPlans: access([{ actions: ['PutItem', 'GetItem', 'UpdateItem'], partitions: [RUNS] }]),
  /** send-message: the profile re-read, the ledger status, an opt-out. */
  deliveries: access([{ actions: ['BatchGetItem', 'UpdateItem'], partitions: [CUSTOMERS] }]),
  /** The senders' shared sliding-window log of SMS parts. */
  pacer: access([{ actions: ['GetItem', 'PutItem'], partitions: [PACER] }]),
  /** record-order: order markers, histories, journey restarts, attribution on the ledger, member figures on the profile; `recall migrate`'s reads of a customer's markers. */
  orderHistory: access([{ actions: ['GetItem', 'PutItem', 'UpdateItem', 'Query'], partitions: [CUSTOMERS] }]),
  /** The test campaign's reads of real customers. */
  customerReads: access([{ actions: ['BatchGetItem', 'Query'], partitions: [CUSTOMERS] }]),
  /** Batch jobs: window learning, `--backfill`. */
  batchScans: access([], { scan: true }),
  /** The report's reads by date; a message's status from its item. */
  reportReader: access([{ actions: ['BatchGetItem'], partitions: [CUSTOMERS] }], { indexes: [recallTable.dateIndex.name] }),
  /** Customer imports, bulk seeding and bulk order histories (whether a customer has any); each number's link to its customers (`P#<person>`). */
  customerImport: access([
    { actions: ['BatchGetItem', 'Query', 'UpdateItem', 'BatchWriteItem'], partitions: [CUSTOMERS] },
    { actions: ['PutItem', 'BatchWriteItem'], partitions: [PERSONS] },
  ]),
  /** record-delivery: provider events move messages. */
  receipts: access([{ actions: ['GetItem', 'UpdateItem'], partitions: [CUSTOMERS] }]),
  /** record-reply: a number's customers, their consent, the messages a reply answers. */
  replies: access([
    { actions: ['BatchGetItem', 'Query', 'UpdateItem'], partitions: [CUSTOMERS] },
    { actions: ['Query'], partitions: [PERSONS] },
  ]),
  /** The latest import's as-of, so a run dated before it can say so. */
  importLog: access([{ actions: ['GetItem', 'UpdateItem'], partitions: [IMPORTS] }]),
  /** Every function's read of the campaign config version it runs with. */
  configReads: access([{ actions: ['GetItem', 'Query'], partitions: [CONFIG] }]),
  /** New config versions: `recall config push|rollback`, `windows --apply`, the deploy's seed. */
  configPushes: access([{ actions: ['GetItem', 'Query', 'PutItem'], partitions: [CONFIG] }]),
  /** import-file: one claim per file version, its checkpoint and its result. */
  importClaims: access([{ actions: ['GetItem', 'PutItem', 'UpdateItem'], partitions: [IMPORT_FILES] }]),
} as const satisfies Record<string, TableAccess>;

export type PortName = keyof typeof PORT_ACCESS;

/** The deployed Lambda functions: `functions/<name>.ts` each. */
export const FUNCTION_NAMES = ['plan-recall', 'scan-shard', 'send-message', 'record-order', 'run-test-campaign', 'learn-windows', 'record-delivery', 'record-reply', 'import-file'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** The ports each deployed function's use case takes: its grant, and all its handler gets. */
export const FUNCTION_PORTS = {
  'plan-recall': ['runPlans', 'configReads'],
  'scan-shard': ['dueIndex', 'calendarReads', 'decisions', 'runProgress', 'configReads'],
  'send-message': ['deliveries', 'pacer', 'configReads'],
  'record-order': ['orderHistory', 'configReads'],
  'run-test-campaign': ['dueIndex', 'calendarReads', 'customerReads', 'pacer', 'configReads'],
  'learn-windows': ['batchScans', 'configReads'],
  'record-delivery': ['receipts'],
  'record-reply': ['replies', 'configReads'],
  'import-file': ['customerImport', 'orderHistory', 'replies', 'importLog', 'importClaims', 'configReads'],
} as const satisfies Record<FunctionName, readonly PortName[]>;

/**
 * What an operator's `recall ... --aws` commands use on the deployed table (import, report,
 * windows, reconcile, config, forecast: the due and calendar indexes): the stack's operator
 * policy grants exactly these.
 */
export const OPERATOR_PORTS = ['customerImport', 'importLog', 'orderHistory', 'replies', 'reportReader', 'batchScans', 'dueIndex', 'calendarReads', 'deliveries', 'configPushes'] as const satisfies readonly PortName[];

/** The union of the ports' declarations, merged per partition pattern. */
export function accessOf(ports: readonly PortName[]): TableAccess {
  const byPartitions = new Map<string, Set<ItemAction>>();
  const indexes = new Set<string>();
  let scan = false;
  for (const port of ports) {
    const declared: TableAccess = PORT_ACCESS[port];
    for (const item of declared.items) {
      const key = [...item.partitions].sort().join(',');
      const actions = byPartitions.get(key) ?? new Set<ItemAction>();
      for (const action of item.actions) actions.add(action);
      byPartitions.set(key, actions);
    }
    for (const index of declared.indexes) indexes.add(index);
    scan ||= declared.scan;
  }
  return {
    items: [...byPartitions].map(([partitions, actions]) => ({ actions: [...actions].sort(), partitions: partitions.split(',') })),
    indexes: [...indexes].sort(),
    scan,
  };
}

/** True when `partition` (a partition-key value) matches one of `patterns`. */
export function partitionMatches(partition: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => (pattern.endsWith('*') ? partition.startsWith(pattern.slice(0, -1)) : partition === pattern));
}
