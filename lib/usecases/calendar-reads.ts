import type { DateRead } from '../domain/calendar.ts';
import type { CalendarDate } from '../domain/dates.ts';
import type { CalendarReads, Cursor, Page } from '../ports/store.ts';

/**
 * The customers of one shard a birthday or holiday read finds for the run of `day`, every page,
 * through index queries only (docs/architecture.md#the-calendar-index): the daily run's reads, and
 * the forecast's. A birthday read holds both 28 and 29 February in a year without the 29th.
 */
export async function dateReadCustomers(store: CalendarReads, read: DateRead, shard: number, day: CalendarDate): Promise<string[]> {
  if (read.kind === 'holiday') return everyPage((cursor) => store.orderedSince(read.lastOrderFrom, day, shard, cursor));
  const found = await Promise.all(read.monthDays.map((monthDay) => everyPage((cursor) => store.birthdaysOn(monthDay, shard, cursor))));
  return [...new Set(found.flat())];
}

async function everyPage(query: (cursor?: Cursor) => Promise<Page<string>>): Promise<string[]> {
  const items: string[] = [];
  let cursor: Cursor | undefined;
  do {
    const page = await query(cursor);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}
