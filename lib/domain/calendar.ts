import type { CampaignConfig, Holiday, Journey } from '../config/schema.ts';
import { addDays, type CalendarDate } from './dates.ts';
import { BadInputError } from '../errors.ts';

/*
 * Birthdays and holidays (docs/architecture.md#birthdays-and-holidays): which days' customers a
 * run reads. Each birthday or holiday message is found once, on the day it is first due; a
 * message deferred that day (cap, priority, quiet hours, contact) waits in the due index until it
 * is sent or its day (plus `lateDays`) has passed.
 */

/** A birthday cell that is not a day of the calendar. */
export class BadBirthdayError extends BadInputError {
  override name = 'BadBirthdayError';
}

/** A birthday as stored: `MM-DD` (the year is not needed, nor always known). */
export type MonthDay = string;

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A birthday cell (`MM-DD`, `YYYY-MM-DD`, `YYYY/MM/DD` or `MM/DD`) as its month-day; a date that
 * cannot be a birthday (13th month, 30 February, a year in the future) is a BadBirthdayError.
 */
export function parseBirthday(text: string, today: CalendarDate): MonthDay {
  const match = /^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$/.exec(text.trim());
  if (!match) throw new BadBirthdayError(`birthday "${text}": expected MM-DD or YYYY-MM-DD`);
  const [, year, month, day] = match;
  const m = Number(month);
  const d = Number(day);
  const days = year !== undefined && m === 2 && !isLeapYear(Number(year)) ? 28 : DAYS_IN_MONTH[m - 1];
  if (days === undefined || d < 1 || d > days) throw new BadBirthdayError(`birthday "${text}": not a day of the calendar`);
  if (year !== undefined && `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` > today) {
    throw new BadBirthdayError(`birthday "${text}": in the future`);
  }
  return `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The day a birthday falls on in `year`: 29 February is kept on 28 February in other years. */
export function birthdayIn(monthDay: MonthDay, year: number): CalendarDate {
  const date = monthDay === '02-29' && !isLeapYear(year) ? '02-28' : monthDay;
  return `${String(year).padStart(4, '0')}-${date}`;
}

/** A run's new birthday or holiday candidates in one journey: whom to read and the cycle they start. */
export type DateRead =
  /** Customers whose birthday is one of `monthDays`: the cycle is the birthday's year, anchored on the birthday. */
  | { journey: Journey; kind: 'birthday'; monthDays: MonthDay[]; anchorDate: CalendarDate; cycle: string }
  /** Customers whose last order is on or after `lastOrderFrom`: the cycle is the holiday, anchored on its date. */
  | { journey: Journey; kind: 'holiday'; holiday: Holiday; lastOrderFrom: CalendarDate; anchorDate: CalendarDate; cycle: string };

/**
 * The reads that find a run's new birthday and holiday candidates: the birthdays and holidays
 * whose message is first due on `runDate` (`daysBefore` ahead of it). The birthday's year is the
 * cycle, also when `daysBefore` reaches back across 1 January.
 */
export function dateReadsOn(config: Pick<CampaignConfig, 'journeys'>, runDate: CalendarDate): DateRead[] {
  const reads: DateRead[] = [];
  for (const journey of config.journeys) {
    if (!journey.enabled) continue;
    const { trigger } = journey;
    if (trigger.type === 'birthday') {
      const day = addDays(runDate, trigger.daysBefore);
      const year = Number(day.slice(0, 4));
      const monthDay = day.slice(5);
      // In a year without 29 February, its birthdays are kept on the 28th.
      const monthDays = monthDay === '02-28' && !isLeapYear(year) ? ['02-28', '02-29'] : [monthDay];
      reads.push({ journey, kind: 'birthday', monthDays, anchorDate: day, cycle: String(year) });
    } else if (trigger.type === 'holiday') {
      for (const holiday of trigger.dates) {
        if (addDays(holiday.date, -trigger.daysBefore) !== runDate) continue;
        const within = journey.audience?.lastOrderWithinDays ?? 0;
        reads.push({ journey, kind: 'holiday', holiday, lastOrderFrom: addDays(runDate, -within), anchorDate: holiday.date, cycle: holiday.date });
      }
    }
  }
  return reads;
}
