import { BadInputError } from '../errors.ts';

/** Calendar dates (`YYYY-MM-DD`) in a time zone. Due-ness is decided on these, never on instants. */
export type CalendarDate = string;

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function zonedParts(instant: Date, timeZone: string): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** The calendar date of `instant` in `timeZone`. */
export function localDate(instant: Date, timeZone: string): CalendarDate {
  const p = zonedParts(instant, timeZone);
  return `${pad(p.year ?? 0, 4)}-${pad(p.month ?? 0)}-${pad(p.day ?? 0)}`;
}

/** Minutes since local midnight of `instant` in `timeZone`. */
export function localMinutes(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  return (p.hour ?? 0) * 60 + (p.minute ?? 0);
}

/** Offset of `timeZone` from UTC at `instant`, in minutes (Asia/Shanghai: +480). */
export function zoneOffsetMinutes(instant: Date, timeZone: string): number {
  const p = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** Throws RangeError when Intl does not know `timeZone`; returns it otherwise. */
export function knownTimeZone(timeZone: string): string {
  formatterFor(timeZone);
  return timeZone;
}

const HOUR_MS = 3_600_000;
/** Local days cached per zone before its cache is dropped: imports span years, not centuries. */
const MAX_CACHED_DAYS = 20_000;
/** Zone -> local day (days since 1970-01-01) -> its offset in minutes, or null on a day the offset changes. */
const steadyOffsets = new Map<string, Map<number, number | null>>();

function steadyOffset(day: number, timeZone: string): number | null {
  let days = steadyOffsets.get(timeZone);
  if (!days) steadyOffsets.set(timeZone, (days = new Map()));
  let offset = days.get(day);
  if (offset === undefined) {
    // 14 hours either side of the local day covers every zone's offset; offsets do not change
    // twice within those ~52 hours anywhere, so equal ends mean one offset all day.
    const start = zoneOffsetMinutes(new Date(day * DAY_MS - 14 * HOUR_MS), timeZone);
    const end = zoneOffsetMinutes(new Date((day + 1) * DAY_MS + 14 * HOUR_MS), timeZone);
    offset = start === end ? start : null;
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(day, offset);
  }
  return offset;
}

/**
 * The instant (epoch ms) of a local wall-clock time in `timeZone`, with the zone's offset then (in
 * minutes). `wallClock` is that time written as if it were UTC: `Date.UTC` of its fields. A time
 * that happens twice (DST ends) is the earlier one; a time that does not exist (DST starts) is
 * read with the offset from before the change, so it moves forward by the gap (02:30 becomes
 * 03:30). Asking Intl costs microseconds and the CSV import asks once a row, so the offset is
 * cached per local day on the days it does not change.
 */
export function localToInstant(wallClock: number, timeZone: string): { instant: number; offsetMinutes: number } {
  const steady = steadyOffset(Math.floor(wallClock / DAY_MS), timeZone);
  if (steady !== null) return { instant: wallClock - steady * 60_000, offsetMinutes: steady };

  const offsetAt = (instant: number) => zoneOffsetMinutes(new Date(instant), timeZone);
  const before = offsetAt(wallClock - 14 * HOUR_MS);
  const after = offsetAt(wallClock + 14 * HOUR_MS);
  const early = wallClock - before * 60_000;
  const late = wallClock - after * 60_000;
  const earlyValid = offsetAt(early) === before;
  const lateValid = offsetAt(late) === after;
  const instant = earlyValid && lateValid ? Math.min(early, late) : lateValid && !earlyValid ? late : early;
  return { instant, offsetMinutes: offsetAt(instant) };
}

/** The instant at local `time` (`HH:MM`) on `date` in `timeZone` (see localToInstant for DST). */
export function zonedInstant(date: CalendarDate, time: string, timeZone: string): Date {
  return new Date(localToInstant(Date.parse(`${date}T${time}:00Z`), timeZone).instant);
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The calendar month after `month` (`YYYY-MM`). */
export function nextMonth(month: string): string {
  const [year = 0, number = 0] = month.split('-').map(Number);
  return number === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${String(year).padStart(4, '0')}-${String(number + 1).padStart(2, '0')}`;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

export function laterDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return a >= b ? a : b;
}

/** `HH:MM` as minutes since midnight. */
export function minutesOfDay(time: string): number {
  const [hours = 0, minutes = 0] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

/** `YYYY-MM-DD` naming a real day (2026-13-01 and 2026-02-30 do not). */
export function isCalendarDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && addDays(text, 0) === text;
}

/** A `--as-of` / `asOf` that is neither a date nor an ISO 8601 instant. */
export class InvalidRunDateError extends BadInputError {
  override name = 'InvalidRunDateError';
}

/**
 * The run date and the instant a run stands for. A date alone means the daily run of that date
 * at `runTime` in the merchant zone; an ISO instant means that moment (quiet hours apply);
 * nothing means `now`.
 */
export function runMoment(asOf: string | undefined, timeZone: string, runTime: string, now: Date): { runDate: CalendarDate; now: Date } {
  if (asOf === undefined) return { runDate: localDate(now, timeZone), now };
  if (isCalendarDate(asOf)) return { runDate: asOf, now: zonedInstant(asOf, runTime, timeZone) };
  const instant = new Date(asOf);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(asOf) || Number.isNaN(instant.getTime())) {
    throw new InvalidRunDateError(`--as-of: expected a date (YYYY-MM-DD) or an ISO 8601 date-time, got "${asOf}"`);
  }
  return { runDate: localDate(instant, timeZone), now: instant };
}

/**
 * How far ahead a date may be of the moment it is judged against: a real run of the clock, an
 * imported order of its import's as-of (a merchant day ahead, nothing more).
 */
export const FUTURE_TOLERANCE_MS = DAY_MS;

/** A real run dated more than a day ahead of the clock: refused unless asked for (`--allow-future`). */
export class FutureRunError extends BadInputError {
  override name = 'FutureRunError';
}

/**
 * Refuses a real run whose moment is more than a day after the wall clock: it would judge every
 * waiting customer stale and end their journeys for good. A dry run writes nothing: always allowed.
 */
export function refuseFutureRun(moment: Date, clock: Date, options: { dryRun: boolean; allowFuture: boolean }): void {
  if (options.dryRun || options.allowFuture) return;
  if (moment.getTime() - clock.getTime() <= FUTURE_TOLERANCE_MS) return;
  throw new FutureRunError(
    `--as-of ${moment.toISOString()} is more than a day after the clock (${clock.toISOString()}): a real run in the future ` +
      'would end waiting journeys as stale. Use --dry-run to look ahead, or --allow-future to time-travel on purpose (a demo store).',
  );
}
