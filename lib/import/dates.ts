import { localToInstant } from '../domain/dates.ts';

/*
 * Dates in import cells (`ordered_at`, `opt_in_at`): ISO 8601 instants kept as they are, wall-clock
 * times placed in the merchant's zone. Alone because spreadsheets write dates in many shapes and
 * both readers must accept the same ones.
 */

const WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
// Excel re-saves dates as 2024/3/5 14:30, so slashes and one-digit fields are accepted too.
const WALL_CLOCK = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/** Years before this are typing errors or spreadsheet zero dates, not orders. */
const EARLIEST_YEAR = 1970;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** Chinese dates as shop exports write them: 2024年3月7日 10:05 is 2024-3-7 10:05. */
const CHINESE_DATE = /^(\d{4})年(\d{1,2})月(\d{1,2})日\s*/;

/** `ordered_at` as an ISO 8601 instant with an offset, or undefined when it is not a real date. */
export function parseOrderedAt(cell: string, zone: string): string | undefined {
  const text = cell.replace(CHINESE_DATE, (_match, year: string, month: string, day: string) => `${year}-${month}-${day} `).trim();
  const withOffset = WITH_OFFSET.exec(text);
  if (withOffset) {
    const wall = wallClockOf(withOffset.slice(1, 8));
    const offset = offsetMinutesOf(withOffset[8] ?? '');
    if (!wall || offset === undefined) return undefined;
    return formatIso(wall, offset);
  }
  const local = WALL_CLOCK.exec(text);
  if (local) {
    const wall = wallClockOf(local.slice(1, 8));
    if (!wall) return undefined;
    const { instant, offsetMinutes } = localToInstant(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond), zone);
    return formatIso(wallClockAt(instant + offsetMinutes * 60_000), offsetMinutes);
  }
  return undefined;
}

function wallClockOf(fields: (string | undefined)[]): WallClock | undefined {
  const [year, month, day, hour, minute, second] = fields.slice(0, 6).map((field) => Number(field ?? 0));
  const fraction = fields[6] ?? '';
  const wall: WallClock = {
    year: year ?? 0,
    month: month ?? 0,
    day: day ?? 0,
    hour: hour ?? 0,
    minute: minute ?? 0,
    second: second ?? 0,
    millisecond: Number(fraction.padEnd(3, '0').slice(0, 3)),
  };
  if (wall.year < EARLIEST_YEAR || wall.hour > 23 || wall.minute > 59 || wall.second > 59) return undefined;
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
  // Date.UTC rolls 2024-02-30 over to March; a real date comes back unchanged.
  if (date.getUTCMonth() !== wall.month - 1 || date.getUTCDate() !== wall.day) return undefined;
  return wall;
}

function offsetMinutesOf(text: string): number | undefined {
  if (text.toUpperCase() === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 14 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function wallClockAt(ms: number): WallClock {
  const date = new Date(ms);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function formatIso(wall: WallClock, offsetMinutes: number): string {
  const date = `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
  const time = `${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;
  const fraction = wall.millisecond === 0 ? '' : `.${pad(wall.millisecond, 3)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${date}T${time}${fraction}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
