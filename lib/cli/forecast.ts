import type { Command } from 'commander';
import { CalendarDateSchema } from '../config/schema.ts';
import { addDays, localDate, localMinutes, minutesOfDay } from '../domain/dates.ts';
import { table } from '../report/table.ts';
import type { OperatorRuntime } from '../runtime/operator.ts';
import { forecastRuns, type Forecast } from '../usecases/forecast.ts';
import { makeReport } from '../usecases/report.ts';
import { UsageError, withOperatorRuntime, type CliIo } from './context.ts';

/* `recall forecast` (docs/architecture.md#forecast). */

/** How far back the send and skip rates are taken from. */
const RECENT_DAYS = 30;

const money = (value: number) => value.toFixed(2);

export function formatForecast(forecast: Forecast): string {
  const byDay = new Map<string, { candidates: number; messages: number; parts: number; cost: number; coupons: number }>();
  for (const step of forecast.days) {
    const day = byDay.get(step.day) ?? { candidates: 0, messages: 0, parts: 0, cost: 0, coupons: 0 };
    day.candidates += step.candidates;
    day.messages += step.expectedMessages;
    day.parts += step.smsParts;
    day.cost += step.smsCost;
    day.coupons += step.couponValue;
    byDay.set(step.day, day);
  }
  const byStep = new Map<string, { candidates: number; messages: number; cost: number }>();
  for (const step of forecast.days) {
    const key = `${step.journeyId}/${step.stepId}`;
    const total = byStep.get(key) ?? { candidates: 0, messages: 0, cost: 0 };
    total.candidates += step.candidates;
    total.messages += step.expectedMessages;
    total.cost += step.smsCost;
    byStep.set(key, total);
  }
  const { totals } = forecast;
  return [
    `Forecast ${forecast.from} to ${forecast.to} (no new orders assumed; read from the due and calendar indexes): ${Math.round(totals.expectedMessages)} messages expected of ${totals.candidates} candidates, ` +
      `${Math.round(totals.smsParts)} SMS parts, SMS ${forecast.currency} ${money(totals.smsCost)}, coupons issued ${forecast.currency} ${money(totals.couponValue)} face value`,
    '',
    table(
      ['day', 'candidates', 'messages', 'SMS parts', `SMS ${forecast.currency}`, `coupons ${forecast.currency}`],
      [...byDay].map(([day, row]) => [day, String(row.candidates), row.messages.toFixed(1), row.parts.toFixed(1), money(row.cost), money(row.coupons)]),
    ),
    '',
    table(
      ['step', 'candidates', 'messages', `SMS ${forecast.currency}`, 'send rate', 'rated on'],
      forecast.rates.map((rate) => {
        const row = byStep.get(`${rate.journeyId}/${rate.stepId}`) ?? { candidates: 0, messages: 0, cost: 0 };
        return [`${rate.journeyId}/${rate.stepId}`, String(row.candidates), row.messages.toFixed(1), money(row.cost), `${(rate.sendRate * 100).toFixed(0)}%`, rate.basis];
      }),
    ),
  ].join('\n');
}

/** The next run's date: today when the merchant's run time has not passed yet, else tomorrow. */
export function nextRunDate(runtime: Pick<OperatorRuntime, 'config'>, now: Date): string {
  const { merchantTimeZone, runTime } = runtime.config;
  const today = localDate(now, merchantTimeZone);
  return localMinutes(now, merchantTimeZone) < minutesOfDay(runTime) ? today : addDays(today, 1);
}

export async function forecastFrom(runtime: OperatorRuntime, from: string, days: number): Promise<Forecast> {
  const recent = await makeReport(runtime, { from: addDays(from, -RECENT_DAYS), to: addDays(from, -1) }, addDays(from, -1));
  return forecastRuns(runtime, recent, from, addDays(from, days - 1));
}

export function registerForecast(program: Command, io: CliIo): void {
  program
    .command('forecast')
    .description('the coming days from the due and calendar indexes (no Scan): per day and step the candidates due (birthdays and holidays included), expected messages at the recent send rates, SMS parts and cost, coupons')
    .option('--days <n>', 'days to forecast', '30')
    .option('--from <date>', 'first day (default: the next run)')
    .option('--json', 'print the forecast as JSON', false)
    .addHelpText('after', '\nExamples:\n  recall forecast\n  recall --aws forecast --days 7 --json')
    .action(async (options: { days: string; from?: string; json: boolean }, command: Command) => {
      const days = Number(options.days);
      if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days: expected a whole number from 1 to 366, got "${options.days}"`);
      if (options.from !== undefined && !CalendarDateSchema.safeParse(options.from).success) throw new UsageError(`--from: expected a date as YYYY-MM-DD, got "${options.from}"`);
      await withOperatorRuntime(command.optsWithGlobals(), io, async (runtime) => {
        const forecast = await forecastFrom(runtime, options.from ?? nextRunDate(runtime, io.now()), days);
        io.out(options.json ? JSON.stringify(forecast, null, 2) : formatForecast(forecast));
      });
    });
}
