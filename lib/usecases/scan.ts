import type { Cursor, Page } from '../ports/store.ts';

/** Segments of a batch job's parallel Scan. */
export const SCAN_SEGMENTS = 4;

/**
 * Every item of a parallel Scan (an explicit batch job only), `segments` at once, each handed to
 * `onItem`; returns how many items failed validation.
 */
export async function scanAll<T>(scan: (segment: number, total: number, cursor?: Cursor) => Promise<Page<T>>, onItem: (item: T) => void, segments = SCAN_SEGMENTS): Promise<number> {
  let invalid = 0;
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let cursor: Cursor | undefined;
      do {
        const page = await scan(segment, segments, cursor);
        for (const item of page.items) onItem(item);
        invalid += page.invalid;
        cursor = page.next;
      } while (cursor);
    }),
  );
  return invalid;
}
