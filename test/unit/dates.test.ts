import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, knownTimeZone, localDate, localMinutes, localToInstant, zonedInstant, type CalendarDate } from '../../lib/domain/dates.ts';

/** Calendar dates from 2000-01-01 to 2100-12-31, as `YYYY-MM-DD`. */
const calendarDate = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((instant): CalendarDate => instant.toISOString().slice(0, 10));

const timeOfDay = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([hours, minutes]) => `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`);

describe('localDate', () => {
  it('puts an instant after midnight in Shanghai on the next day there, while UTC is still on the day before', () => {
    // Prepare: 2024-03-31 16:30Z is 2024-04-01 00:30 in Shanghai (UTC+8)
    const instant = new Date('2024-03-31T16:30:00Z');

    // Act
    const shanghai = localDate(instant, 'Asia/Shanghai');
    const utc = localDate(instant, 'UTC');

    // Assess
    expect(shanghai).toBe('2024-04-01');
    expect(utc).toBe('2024-03-31');
  });

  it('keeps an instant just before midnight in Shanghai on that day', () => {
    // Prepare: 15:59:59Z is 23:59:59 in Shanghai
    const instant = new Date('2024-12-31T15:59:59Z');

    // Act
    const shanghai = localDate(instant, 'Asia/Shanghai');

    // Assess
    expect(shanghai).toBe('2024-12-31');
    expect(localDate(new Date('2024-12-31T16:00:00Z'), 'Asia/Shanghai')).toBe('2025-01-01');
  });
});

describe('addDays', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-01'],
    ['2024-12-31', 1, '2025-01-01'],
    ['2025-01-01', -1, '2024-12-31'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2024-02-29', 1, '2024-03-01'],
    ['2023-02-28', 1, '2023-03-01'],
    ['2024-03-01', -1, '2024-02-29'],
    ['2024-02-29', 365, '2025-02-28'],
    ['2000-02-28', 1, '2000-02-29'],
    ['2100-02-28', 1, '2100-03-01'],
    ['2024-05-15', 0, '2024-05-15'],
  ])('%s + %i days = %s', (date, days, expected) => {
    // Act
    const result = addDays(date, days);

    // Assess
    expect(result).toBe(expected);
  });

  it('adds a day across the New York DST change as a plain calendar day', () => {
    // Act: dates carry no zone; a DST change must not shift them by an hour into another day
    const result = addDays('2024-03-10', 1);

    // Assess
    expect(result).toBe('2024-03-11');
  });
});

describe('daysBetween', () => {
  it.each([
    ['2024-01-01', '2024-01-01', 0],
    ['2024-01-01', '2024-01-02', 1],
    ['2024-01-02', '2024-01-01', -1],
    ['2024-02-01', '2024-03-01', 29],
    ['2023-02-01', '2023-03-01', 28],
    ['2024-01-01', '2025-01-01', 366],
    ['2025-01-01', '2026-01-01', 365],
    ['2024-12-25', '2025-01-08', 14],
  ])('from %s to %s is %i days', (from, to, expected) => {
    // Act
    const result = daysBetween(from, to);

    // Assess
    expect(result).toBe(expected);
  });

  it('is the inverse of addDays for any date and offset', () => {
    fc.assert(
      fc.property(calendarDate, fc.integer({ min: -5000, max: 5000 }), (date, days) => {
        // Act
        const result = daysBetween(date, addDays(date, days));

        // Assess
        expect(result).toBe(days);
      }),
    );
  });

  it('adding a then b days is adding a + b days', () => {
    fc.assert(
      fc.property(calendarDate, fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -5000, max: 5000 }), (date, a, b) => {
        // Act
        const stepwise = addDays(addDays(date, a), b);
        const atOnce = addDays(date, a + b);

        // Assess
        expect(stepwise).toBe(atOnce);
      }),
    );
  });
});

describe('zonedInstant', () => {
  it('puts 10:00 in Shanghai at 02:00Z', () => {
    // Act
    const instant = zonedInstant('2024-06-01', '10:00', 'Asia/Shanghai');

    // Assess
    expect(instant.toISOString()).toBe('2024-06-01T02:00:00.000Z');
  });

  it('puts 00:30 in Shanghai on the UTC day before', () => {
    // Act
    const instant = zonedInstant('2024-01-01', '00:30', 'Asia/Shanghai');

    // Assess
    expect(instant.toISOString()).toBe('2023-12-31T16:30:00.000Z');
  });

  it('uses the offset in force at that local time on the New York spring-forward day', () => {
    // Prepare: on 2024-03-10 New York moves from EST (-5) to EDT (-4) at 02:00 local (07:00Z)
    const date = '2024-03-10';

    // Act
    const beforeChange = zonedInstant(date, '01:30', 'America/New_York');
    const afterChange = zonedInstant(date, '10:00', 'America/New_York');

    // Assess
    expect(beforeChange.toISOString()).toBe('2024-03-10T06:30:00.000Z');
    expect(afterChange.toISOString()).toBe('2024-03-10T14:00:00.000Z');
  });

  it('uses EST again after the New York fall-back change', () => {
    // Prepare: on 2024-11-03 New York moves from EDT back to EST at 02:00 local (06:00Z)
    const date = '2024-11-03';

    // Act
    const afterChange = zonedInstant(date, '10:00', 'America/New_York');
    const dayBefore = zonedInstant('2024-11-02', '10:00', 'America/New_York');

    // Assess
    expect(afterChange.toISOString()).toBe('2024-11-03T15:00:00.000Z');
    expect(dayBefore.toISOString()).toBe('2024-11-02T14:00:00.000Z');
  });

  it('lands on the same local date and time it was given, for several zones and times', () => {
    // Zones whose DST changes (if any) are not at midnight, so every HH:MM of every date exists
    // at least once or is moved within the same day.
    const zones = [
      'Asia/Shanghai',
      'UTC',
      'America/New_York',
      'America/Los_Angeles',
      'Europe/London',
      'Europe/Berlin',
      'Australia/Sydney',
      'Pacific/Auckland',
      'Asia/Kolkata',
      'Pacific/Kiritimati',
      'Pacific/Pago_Pago',
    ];
    fc.assert(
      fc.property(calendarDate, timeOfDay, fc.constantFrom(...zones), (date, time, zone) => {
        // Act
        const instant = zonedInstant(date, time, zone);

        // Assess
        expect(localDate(instant, zone)).toBe(date);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips the local time of day when that time exists', () => {
    fc.assert(
      fc.property(calendarDate, fc.constantFrom('08:00', '10:00', '12:34', '19:59', '23:59'), fc.constantFrom('Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Sydney'), (date, time, zone) => {
        // Prepare
        const [hours = 0, minutes = 0] = time.split(':').map(Number);

        // Act
        const instant = zonedInstant(date, time, zone);

        // Assess
        expect(localMinutes(instant, zone)).toBe(hours * 60 + minutes);
      }),
    );
  });

  // Where DST starts at midnight (America/Santiago, America/Havana, ...), a time inside the
  // skipped hour moves forward by the gap, on the same date.
  it('stays on the given date when local midnight is skipped by a DST change (America/Santiago 2022-09-11)', () => {
    // Act: 00:30 does not exist on 2022-09-11 in Santiago (clocks go from 00:00 to 01:00)
    const instant = zonedInstant('2022-09-11', '00:30', 'America/Santiago');

    // Assess
    expect(localDate(instant, 'America/Santiago')).toBe('2022-09-11');
    expect(localMinutes(instant, 'America/Santiago')).toBe(90);
  });
});

describe('localToInstant', () => {
  const wall = (text: string) => Date.parse(`${text}Z`);

  it('gives the instant and the offset in force, per zone, on the same local day', () => {
    // Act: the same wall-clock time in two zones (the per-day offset cache is per zone)
    const shanghai = localToInstant(wall('2024-07-15T12:00:00'), 'Asia/Shanghai');
    const newYork = localToInstant(wall('2024-07-15T12:00:00'), 'America/New_York');

    // Assess
    expect(shanghai).toEqual({ instant: Date.parse('2024-07-15T04:00:00Z'), offsetMinutes: 480 });
    expect(newYork).toEqual({ instant: Date.parse('2024-07-15T16:00:00Z'), offsetMinutes: -240 });
  });

  it('moves a time in the spring-forward gap forward by the gap, with the new offset', () => {
    // Act: 02:30 never happened in New York on 2024-03-10 (02:00 EST -> 03:00 EDT)
    const gap = localToInstant(wall('2024-03-10T02:30:00'), 'America/New_York');

    // Assess: 03:30 EDT
    expect(gap).toEqual({ instant: Date.parse('2024-03-10T07:30:00Z'), offsetMinutes: -240 });
  });

  it('takes the earlier of a time that happens twice when clocks fall back', () => {
    // Act: 01:30 happened at 05:30Z (EDT) and again at 06:30Z (EST) on 2024-11-03
    const overlap = localToInstant(wall('2024-11-03T01:30:00'), 'America/New_York');

    // Assess
    expect(overlap).toEqual({ instant: Date.parse('2024-11-03T05:30:00Z'), offsetMinutes: -240 });
  });

  it('keeps milliseconds', () => {
    expect(localToInstant(wall('2024-03-05T14:30:00.250'), 'Asia/Shanghai').instant).toBe(Date.parse('2024-03-05T06:30:00.250Z'));
  });
});

describe('knownTimeZone', () => {
  it('returns an IANA zone and refuses one Intl does not know', () => {
    expect(knownTimeZone('Asia/Shanghai')).toBe('Asia/Shanghai');
    expect(() => knownTimeZone('Mars/Olympus')).toThrow(RangeError);
  });
});

describe('localMinutes', () => {
  it('counts minutes since local midnight in the given zone', () => {
    // Prepare: 02:00Z is 10:00 in Shanghai and 19:00 (PDT) the day before in Los Angeles
    const instant = new Date('2024-06-01T02:00:00Z');

    // Act
    const shanghai = localMinutes(instant, 'Asia/Shanghai');
    const losAngeles = localMinutes(instant, 'America/Los_Angeles');
    const utc = localMinutes(instant, 'UTC');

    // Assess
    expect(shanghai).toBe(600);
    expect(losAngeles).toBe(19 * 60);
    expect(utc).toBe(120);
  });

  it('is 0 at local midnight and 1439 a minute before it', () => {
    // Act
    const midnight = localMinutes(new Date('2024-06-01T16:00:00Z'), 'Asia/Shanghai');
    const beforeMidnight = localMinutes(new Date('2024-06-01T15:59:00Z'), 'Asia/Shanghai');

    // Assess
    expect(midnight).toBe(0);
    expect(beforeMidnight).toBe(1439);
  });

  it('uses a half-hour offset zone correctly', () => {
    // Act: India is UTC+5:30
    const minutes = localMinutes(new Date('2024-06-01T00:00:00Z'), 'Asia/Kolkata');

    // Assess
    expect(minutes).toBe(5 * 60 + 30);
  });
});
