/**
 * The one table of the system, as plain data: the local runtime creates it from this module and
 * the CDK stack declares it from the same module, so the two can never drift apart.
 *
 * Items, all under the customer's partition `C#<customerId>`:
 *   PROFILE                      contact, consent, rolling frequency cap
 *   CAT#<category>               first / second / last purchase in the category
 *   J#<journey>[#<scope>]        where the customer stands in a journey cycle; in the due index
 *                                (duePk / dueSk set) only while it waits for a step
 *   L#<journey>#<cycle>#<step>   the send ledger: one item per decided step, claimed by a
 *                                conditional put, so no step is ever decided twice
 *   O#<orderId>                  processed-order marker (with the order's date and total)
 *   BDAY                         the customer's birthday, in the calendar index (`B#<MM-DD>#<shard>`)
 *
 * Ledger items and order markers are also in the date index (`byDatePk` = `L#<runDate>#<shard>` or
 * `O#<orderDate>#<shard>`), so the report reads a period by date with queries, never a Scan.
 *
 * and, under `RUN#<runId>`, the bookkeeping of one pipeline run: META, and SHARD#<n>#<part> with
 * each shard job's counts, so the last job to finish can publish RunCompleted; and PACER / SMS,
 * the senders' shared sliding-window log of SMS parts (lib/adapters/dynamo-pacer.ts); and
 * IMPORTS / LATEST, the latest as-of of any import, so a run dated before it can say so; and
 * CONFIG / V#<version>, the campaign config's versions (lib/adapters/dynamo/config-versions.ts).
 */
export const recallTable = {
  partitionKey: 'pk',
  sortKey: 'sk',
  dueIndex: {
    name: 'due',
    partitionKey: 'duePk',
    sortKey: 'dueSk',
    /** What the daily run needs from a waiting item, so the index query alone is enough. */
    projectedAttributes: ['customerId', 'journeyId', 'category', 'cycle', 'anchorDate', 'stepIndex', 'fromDate'],
  },
  /**
   * Sparse and write-sharded by date: ledger items under `L#<runDate>#<shard>`, order markers
   * under `O#<orderDate>#<shard>`, sorted by customer. Its shard count is part of the table's
   * layout (not the config's `shards`), so a report never depends on the config it runs with.
   */
  dateIndex: {
    name: 'byDate',
    partitionKey: 'byDatePk',
    sortKey: 'byDateSk',
    shards: 8,
    /**
     * What a report needs from a ledger item or an order marker. A message's `status` and `sentAt`
     * are not here: the report reads them from the item (ReportReader.ledgerOfDay), so a status
     * move writes the item alone, never its index entry (issue 16: billed write units per message).
     */
    projectedAttributes: [
      'customerId',
      'journeyId',
      'cycle',
      'stepId',
      'runDate',
      'outcome',
      'channel',
      'couponCode',
      'couponValue',
      'parts',
      'convertedBy',
      'convertedAt',
      'revenue',
      'redeemedBy',
      'orderId',
      'orderDate',
      'total',
      'applied',
    ],
  },
  /**
   * Sparse and write-sharded by the config's `shards` (as the due index): a customer's birthday
   * (`BDAY` item, `B#<MM-DD>#<shard>`) and last order (on the profile, `A#<YYYY-MM>#<shard>`), so
   * a shard job reads its own birthday and holiday customers (docs/architecture.md#the-calendar-index).
   */
  calendarIndex: {
    name: 'calendar',
    partitionKey: 'calPk',
    sortKey: 'calSk',
    projectedAttributes: ['customerId'],
  },
  timeToLiveAttribute: 'expiresAt',
} as const;

export const keys = {
  customer: (customerId: string) => `C#${customerId}`,
  profile: 'PROFILE',
  category: (category: string) => `CAT#${category}`,
  journey: (scope: string) => `J#${scope}`,
  ledger: (journeyId: string, cycle: string, stepId: string) => `L#${journeyId}#${cycle}#${stepId}`,
  order: (orderId: string) => `O#${orderId}`,
  run: (runId: string) => `RUN#${runId}`,
  runMeta: 'META',
  /** A person's frequency cap (lib/domain/hashing.ts personKey), under `P#<person>`. */
  person: (person: string) => `P#${person}`,
  personCap: 'CAP',
  imports: 'IMPORTS',
  config: 'CONFIG',
  /** A config version's sort key: zero-padded, so the newest sorts last. */
  configVersion: (version: number) => `V#${String(version).padStart(8, '0')}`,
  latestImport: 'LATEST',
  shardPart: (shard: number, part: string) => `SHARD#${shard}#${part}`,
  /** Calendar-index partition of the customers whose last order is in `month` (YYYY-MM), in one shard. */
  lastOrderMonth: (month: string, shard: number) => `A#${month}#${shard}`,
  /** Calendar-index sort key of a customer's last order: by date, then customer. */
  lastOrderSort: (lastOrderDate: string, customerId: string) => `${lastOrderDate}#${customerId}`,
  /** One partition of the due index: a step of a journey in one shard (and category). */
  duePartition: (journeyId: string, stepId: string, shard: number, category?: string) =>
    category ? `${journeyId}#${stepId}#${shard}#${category}` : `${journeyId}#${stepId}#${shard}`,
  dueSort: (fromDate: string, customerId: string) => `${fromDate}#${customerId}`,
  /** Sorts after every `dueSort` of `date`: the upper bound of a due query. */
  dueSortUpTo: (date: string) => `${date}#\uffff`,
  /** Date-index partitions: one day's ledger items or order markers in one shard. */
  ledgerDay: (runDate: string, shard: number) => `L#${runDate}#${shard}`,
  orderDay: (orderDate: string, shard: number) => `O#${orderDate}#${shard}`,
  /** Date-index sort key: the customer, then the item's own sort key. */
  dateSort: (customerId: string, sk: string) => `${customerId}#${sk}`,
  /** A customer's birthday item (`C#<customer>` / `BDAY`), in the calendar index. */
  birthday: 'BDAY',
  /** Calendar-index partition of one month-day's birthdays (`MM-DD`) in one shard; the sort key is the customer id. */
  birthdayDay: (monthDay: string, shard: number) => `B#${monthDay}#${shard}`,
} as const;
