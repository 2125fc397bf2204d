import { BatchGetCommand, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { shardOf } from '../../domain/hashing.ts';
import { CategoryHistorySchema, JourneyStateSchema, ProfileSchema, type CategoryHistory, type JourneyState, type LedgerEntry, type Profile } from '../../domain/records.ts';
import type { CustomerHistory, DueSlot, ProfileLookup } from '../../ports/store.ts';
import { keys, recallTable } from '../../store/tables.ts';
import { BATCH_GET_LIMIT, chunk, PortAdapter, type DynamoTable } from './table.ts';

/*
 * Item shapes and reads that several ports share: keys are added here and only here, on top of
 * the domain records (docs/architecture.md, "Data model").
 */

/** Where a ledger entry sits in the date index (the report reads a period by date). */
export function ledgerDateKeys(entry: Pick<LedgerEntry, 'customerId' | 'journeyId' | 'cycle' | 'stepId' | 'runDate'>): Record<string, string> {
  const { dateIndex } = recallTable;
  return {
    [dateIndex.partitionKey]: keys.ledgerDay(entry.runDate, shardOf(entry.customerId, dateIndex.shards)),
    [dateIndex.sortKey]: keys.dateSort(entry.customerId, keys.ledger(entry.journeyId, entry.cycle, entry.stepId)),
  };
}

/** Where an order marker sits in the date index. */
export function orderDateKeys(customerId: string, orderId: string, orderDate: string): Record<string, string> {
  const { dateIndex } = recallTable;
  return {
    [dateIndex.partitionKey]: keys.orderDay(orderDate, shardOf(customerId, dateIndex.shards)),
    [dateIndex.sortKey]: keys.dateSort(customerId, keys.order(orderId)),
  };
}

/** A journey state's item: in the due index while it waits for a step. */
export function journeyItem(scope: string, state: JourneyState, waitsFor: DueSlot | undefined): Record<string, unknown> {
  const { dueIndex } = recallTable;
  const position = waitsFor
    ? {
        [dueIndex.partitionKey]: keys.duePartition(state.journeyId, waitsFor.stepId, waitsFor.shard, state.category),
        [dueIndex.sortKey]: keys.dueSort(state.fromDate, state.customerId),
      }
    : {};
  return { pk: keys.customer(state.customerId), sk: keys.journey(scope), ...state, ...position };
}

/** Items by key, batched (100 keys a request), unprocessed keys retried; missing items are absent. */
export async function batchGetItems(table: DynamoTable, itemKeys: readonly { pk: string; sk: string }[], consistent: boolean): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const requests of chunk(itemKeys, BATCH_GET_LIMIT)) {
    await table.untilProcessed([...requests], async (requested) => {
      const result = await table.doc.send(
        table.checked(
          new BatchGetCommand({
            RequestItems: { [table.tableName]: { Keys: requested, ...(consistent ? { ConsistentRead: true } : {}) } },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        ),
      );
      table.count(result.ConsumedCapacity, 'read');
      items.push(...(result.Responses?.[table.tableName] ?? []));
      return (result.UnprocessedKeys?.[table.tableName]?.Keys ?? []).map((key) => ({ pk: String(key.pk), sk: String(key.sk) }));
    });
  }
  return items;
}

/** Profiles by customer id, batched; a profile that does not parse is reported, never used. */
export async function readProfiles(table: DynamoTable, customerIds: readonly string[], consistent: boolean): Promise<ProfileLookup> {
  const profiles = new Map<string, Profile>();
  const invalid = new Set<string>();
  const items = await batchGetItems(table, [...new Set(customerIds)].map((id) => ({ pk: keys.customer(id), sk: keys.profile })), consistent);
  for (const item of items) {
    const parsed = ProfileSchema.safeParse(item);
    if (parsed.success) profiles.set(parsed.data.customerId, parsed.data);
    else invalid.add(String(item.pk).slice(keys.customer('').length));
  }
  return { profiles, invalid };
}

/** A journey state written on the conditions `JourneyWrites.saveJourneyState` states. */
export function putJourneyState(table: DynamoTable, scope: string, state: JourneyState, waitsFor: DueSlot | undefined, expected?: JourneyState): Promise<boolean> {
  const condition: Pick<PutCommandInput, 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'> = expected
    ? {
        ConditionExpression: '#cycle = :cycle AND #step = :step',
        ExpressionAttributeNames: { '#cycle': 'cycle', '#step': 'stepIndex' },
        ExpressionAttributeValues: { ':cycle': expected.cycle, ':step': expected.stepIndex },
      }
    : {
        ConditionExpression: 'attribute_not_exists(pk) OR #anchor < :anchor',
        ExpressionAttributeNames: { '#anchor': 'anchorDate' },
        ExpressionAttributeValues: { ':anchor': state.anchorDate },
      };
  return table.conditional(new PutCommand({ TableName: table.tableName, Item: journeyItem(scope, state, waitsFor), ...condition, ReturnConsumedCapacity: 'TOTAL' }));
}

/** One customer's category histories and journey states: one Query on their partition. */
export async function readCustomerHistory(table: DynamoTable, customerId: string): Promise<CustomerHistory> {
  const categories = new Map<string, CategoryHistory>();
  const corruptCategories = new Set<string>();
  const journeys = new Map<string, JourneyState>();
  const items = await table.queryPartition({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: { ':pk': keys.customer(customerId), ':from': keys.category(''), ':to': keys.journey('\uffff') },
  });
  for (const item of items) {
    const sk = String(item.sk);
    if (sk.startsWith(keys.category(''))) {
      const parsed = CategoryHistorySchema.safeParse(item);
      if (parsed.success) categories.set(parsed.data.category, parsed.data);
      else corruptCategories.add(sk.slice(keys.category('').length));
    } else {
      const parsed = JourneyStateSchema.safeParse(item);
      if (parsed.success) journeys.set(sk.slice(keys.journey('').length), parsed.data);
    }
  }
  return { categories, journeys, corruptCategories };
}

/** A port adapter whose port also reads profiles (the run, the sender, the test campaign, imports). */
export abstract class ProfileReadingAdapter extends PortAdapter {
  getProfiles(customerIds: readonly string[], options: { consistent?: boolean } = {}): Promise<ProfileLookup> {
    return readProfiles(this.table, customerIds, options.consistent ?? false);
  }
}
