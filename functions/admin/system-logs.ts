// GET /admin/system-logs: the range rules, then one read of whichever log source is configured.
import type { LogPage, LogReader } from '#shared/system-logs/reader.ts';
import type { SystemLogsQuery } from '#shared/contract/admin.ts';

const HOUR_MS = 3_600_000;
/** Without dateFrom: the last day before dateTo (or now). */
export const DEFAULT_RANGE_MS = 24 * HOUR_MS;

/**
 * The range read: dateTo (at most now) back to dateFrom (default a day before), raised to the retention horizon
 * (older lines no longer exist, and a range that starts there reads nothing more).
 */
export function effectiveRange(query: Pick<SystemLogsQuery, 'dateFrom' | 'dateTo'>, now: Date, retentionDays: number): { from: number; to: number } {
  const to = Math.min(query.dateTo ? Date.parse(query.dateTo) : now.getTime(), now.getTime());
  const requested = query.dateFrom ? Date.parse(query.dateFrom) : to - DEFAULT_RANGE_MS;
  return { from: Math.max(requested, now.getTime() - retentionDays * 24 * HOUR_MS), to };
}

export async function readSystemLogs(reader: LogReader, query: SystemLogsQuery, now: Date, retentionDays: number): Promise<LogPage> {
  const { from, to } = effectiveRange(query, now, retentionDays);
  if (from > to) return { entries: [] };
  return reader.read({ services: query.service ? [query.service] : [], level: query.level, from, to, limit: query.limit, cursor: query.cursor });
}
