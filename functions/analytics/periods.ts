// Date ranges and their periods (UTC days, ISO weeks, calendar months) for the analytics series.
import { validationError } from '#shared/errors.ts';
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, type GroupBy } from '#shared/contract/analytics.ts';

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` (UTC) of an ISO time or Date. */
export const utcDay = (at: string | Date) => (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 10);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00.000Z`);
const addDays = (day: string, n: number) => utcDay(new Date(dayMs(day) + n * DAY_MS));

export interface DayRange {
  from: string;
  to: string;
}

/**
 * The days a request covers (both included), from the parsed `dateFrom`/`dateTo` (ISO times; a date-only
 * `dateTo` is the end of its day). Defaults: `dateTo` today, `dateFrom` DEFAULT_RANGE_DAYS days ending at
 * `dateTo`. An inverted range or one longer than MAX_RANGE_DAYS is a 400 naming the field to change.
 */
export function resolveRange(q: { dateFrom?: string; dateTo?: string }, now: Date): DayRange {
  const to = q.dateTo ? utcDay(q.dateTo) : utcDay(now);
  const from = q.dateFrom ? utcDay(q.dateFrom) : addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw validationError(q.dateTo ? 'dateTo' : 'dateFrom', q.dateTo ? 'must not be before dateFrom' : 'must not be after today when dateTo is absent');
  const days = (dayMs(to) - dayMs(from)) / DAY_MS + 1;
  if (days > MAX_RANGE_DAYS) {
    throw validationError(q.dateTo ? 'dateTo' : 'dateFrom', `the range may span at most two years (${MAX_RANGE_DAYS} days); it spans ${days}`);
  }
  return { from, to };
}

/** ISO 8601 week of a day: `2025-W01` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(day: string): string {
  const d = new Date(dayMs(day));
  const weekday = (d.getUTCDay() + 6) % 7; // Monday 0 .. Sunday 6
  const thursday = new Date(d.getTime() + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export const periodOf = (day: string, groupBy: GroupBy): string => (groupBy === 'day' ? day : groupBy === 'month' ? day.slice(0, 7) : isoWeek(day));

export interface Period {
  period: string;
  /** The first and last day of the period inside the range. */
  startDate: string;
  endDate: string;
}

/** Every period the range touches, in order, each with its days inside the range: the buckets of a series. */
export function periodsOf(range: DayRange, groupBy: GroupBy): Period[] {
  const periods: Period[] = [];
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) {
    const period = periodOf(day, groupBy);
    const last = periods.at(-1);
    if (last?.period === period) last.endDate = day;
    else periods.push({ period, startDate: day, endDate: day });
  }
  return periods;
}

/**
 * A series with a bucket for every period of the range, zeros included: `perDay` (day -> counts, only days that
 * have any) summed into the periods.
 */
export function bucket<F extends string>(range: DayRange, groupBy: GroupBy, fields: readonly F[], perDay: Map<string, Record<F, number>>): (Period & Record<F, number>)[] {
  const zeros = () => Object.fromEntries(fields.map((f) => [f, 0])) as Record<F, number>;
  const series = periodsOf(range, groupBy).map((p) => ({ ...p, ...zeros() }));
  const index = new Map(series.map((p, i) => [p.period, i]));
  for (const [day, counts] of perDay) {
    if (day < range.from || day > range.to) continue;
    const target = series[index.get(periodOf(day, groupBy))!];
    for (const f of fields) (target as Record<F, number>)[f] += counts[f] ?? 0;
  }
  return series;
}

/** The last `n` calendar months (UTC) ending with the month of `now`, newest first: `2025-03`, `2025-02`, ... */
export function lastMonths(now: Date, n: number): string[] {
  const months: string[] = [];
  for (let i = 0; i < n; i++) months.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString().slice(0, 7));
  return months;
}
