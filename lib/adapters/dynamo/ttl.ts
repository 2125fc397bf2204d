import type { CalendarDate } from '../../domain/dates.ts';
import { recallTable } from '../../store/tables.ts';

/**
 * The table's TTL attribute for an item that may go from the start (UTC) of `expiresOn`: epoch
 * seconds, DynamoDB's TTL format. DynamoDB deletes such items some time after that (within days);
 * dynalite never does.
 */
export function expiresOn(date: CalendarDate): Record<typeof recallTable.timeToLiveAttribute, number> {
  return { [recallTable.timeToLiveAttribute]: Date.parse(`${date}T00:00:00Z`) / 1000 };
}
