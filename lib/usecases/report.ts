/**
 * `recall report` (docs/architecture.md#measurement): reads a period's ledger entries and the
 * order markers around it by date (the store's date index: queries, never a Scan) and builds the
 * report with the pure `buildReport`.
 */
import pLimit from 'p-limit';
import { REPORT_HORIZON_DAYS, type CampaignConfig } from '../config/schema.ts';
import { addDays, daysBetween, type CalendarDate } from '../domain/dates.ts';
import { buildReport, datesOf, type Report, type ReportRows } from '../domain/report.ts';
import { NEXT_MONTH_DAYS, type ReportPeriod } from '../domain/repurchase.ts';
import { BadInputError } from '../errors.ts';
import type { ReportReader } from '../ports/store.ts';

/** One report covers at most this many days (a Query per day and shard): the horizon ledger retention counts with. */
export const MAX_REPORT_DAYS = REPORT_HORIZON_DAYS;

/** A bad period: bad input, exit code 2. */
export class ReportPeriodError extends BadInputError {
  override name = 'ReportPeriodError';
}

export function checkPeriod(period: ReportPeriod): ReportPeriod {
  if (period.from > period.to) throw new ReportPeriodError(`--from ${period.from} is after --to ${period.to}`);
  const days = daysBetween(period.from, period.to) + 1;
  if (days > MAX_REPORT_DAYS) throw new ReportPeriodError(`--from/--to: ${days} days; a report covers at most ${MAX_REPORT_DAYS}`);
  return period;
}

/**
 * The rows of a report: ledger entries decided in the period, and order markers from a month
 * before the period to 30 days after it (up to `asOf`), read by date (the store's date index:
 * queries, never a Scan), `concurrency` days at a time.
 */
export async function readReportRows(store: ReportReader, period: ReportPeriod, asOf: CalendarDate, concurrency = 2): Promise<Required<ReportRows>> {
  const orderTo = [addDays(period.to, NEXT_MONTH_DAYS), asOf].sort()[0] ?? period.to;
  const limit = pLimit(concurrency);
  const ledgerTasks = datesOf(period).map((date) => limit(() => store.ledgerOfDay(date)));
  const orderFrom = [addDays(period.from, -NEXT_MONTH_DAYS), addDays(period.to, -2 * NEXT_MONTH_DAYS + 1)].sort()[0] ?? period.from;
  const orderTasks = datesOf({ from: orderFrom, to: orderTo < period.to ? period.to : orderTo }).map((date) => limit(() => store.ordersOfDay(date)));
  // Every task awaited at once; the first failure stops the days not yet started.
  const [ledger, orders] = await Promise.all([Promise.all(ledgerTasks), Promise.all(orderTasks)]).catch((error: unknown) => {
    limit.clearQueue();
    throw error;
  });
  return {
    ledger: ledger.flatMap((page) => page.items),
    orders: orders.flatMap((page) => page.items),
    invalidItems: [...ledger, ...orders].reduce((sum, page) => sum + page.invalid, 0),
  };
}

/** Reads and builds the report of a period. */
export async function makeReport(deps: { store: ReportReader; config: CampaignConfig }, period: ReportPeriod, asOf: CalendarDate): Promise<Report> {
  const rows = await readReportRows(deps.store, checkPeriod(period), asOf);
  return buildReport(deps.config, rows, period, asOf);
}

