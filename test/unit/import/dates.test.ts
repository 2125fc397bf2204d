import { describe, expect, it } from 'vitest';
import { parseOrderedAt } from '../../../lib/import/dates.ts';
import { readOrders } from '../../../lib/import/orders.ts';
import { bytes, IMPORT_AS_OF, ORDER_HEADER, SHANGHAI } from '../../support/csv-files.ts';

/**
 * lib/import/dates.ts: the ordered_at cell, read in the merchant's zone.
 */

describe('parseOrderedAt', () => {
  const newYork = 'America/New_York';

  it.each([
    ['2024-03-05T14:30:00+08:00', '2024-03-05T14:30:00+08:00'],
    ['2024-03-05T06:30:00Z', '2024-03-05T06:30:00+00:00'],
    ['2024-03-05 14:30:00.250 -0500', '2024-03-05T14:30:00.250-05:00'],
    ['2024-03-05 14:30', '2024-03-05T14:30:00+08:00'],
    ['2024-03-05 14:30:15', '2024-03-05T14:30:15+08:00'],
    ['2024-03-05', '2024-03-05T00:00:00+08:00'],
    ['2024/3/5 9:05', '2024-03-05T09:05:00+08:00'],
  ])('reads %j in Asia/Shanghai as %s', (text, expected) => {
    expect(parseOrderedAt(text, SHANGHAI)).toBe(expected);
  });

  it.each(['2024-02-30', '2024-13-01', '2024-03-05 24:00', '05/03/2024', '1899-12-30', '2024-03-05T14:30+15:00', 'soon', ''])(
    'refuses %j',
    (text) => {
      expect(parseOrderedAt(text, SHANGHAI)).toBeUndefined();
    },
  );

  it('uses the offset in force on that day, across daylight saving changes', () => {
    expect(parseOrderedAt('2024-01-15 12:00', newYork)).toBe('2024-01-15T12:00:00-05:00');
    expect(parseOrderedAt('2024-07-15 12:00', newYork)).toBe('2024-07-15T12:00:00-04:00');
    // The change days themselves: 2024-03-10 02:00 -> 03:00 and 2024-11-03 02:00 -> 01:00.
    expect(parseOrderedAt('2024-03-10 01:30', newYork)).toBe('2024-03-10T01:30:00-05:00');
    expect(parseOrderedAt('2024-03-10 02:30', newYork)).toBe('2024-03-10T03:30:00-04:00');
    expect(parseOrderedAt('2024-03-10 12:00', newYork)).toBe('2024-03-10T12:00:00-04:00');
    expect(parseOrderedAt('2024-11-03 01:30', newYork)).toBe('2024-11-03T01:30:00-04:00');
    expect(parseOrderedAt('2024-11-03 12:00', newYork)).toBe('2024-11-03T12:00:00-05:00');
  });

  it('refuses a time zone that does not exist when the reader is created', () => {
    expect(() => readOrders(bytes(ORDER_HEADER), 'orders.csv', { timeZone: 'Mars/Olympus', asOf: IMPORT_AS_OF })).toThrow(RangeError);
  });
});
