// One task report: read the rows (Queries on the task list entries), render CSV or PDF, write it under
// reports/ and hand back a short-lived presigned GET that saves it under a readable name.
import type { Db } from '#shared/db/client.ts';
import type { Storage } from '#shared/storage/s3.ts';
import { presignGet, type SignedUrl } from '#shared/storage/presign.ts';
import { readRevenue } from '#shared/db/entities/bill.ts';
import { TASK_STATUSES } from '#shared/db/entities/task.ts';
import { newId } from '#shared/ids.ts';
import type { Logger } from '#shared/log.ts';
import type { TaskReportQuery } from '#shared/contract/reports.ts';
import { readReportEntries, withStudents, type ReportRow } from './rows.ts';
import { taskReportCsv } from './csv.ts';

/** Every report object lives under this prefix, which the bucket's lifecycle expires after a day. */
export const REPORT_PREFIX = 'reports/';
/** The redirect's presigned GET: followed by the browser at once. */
export const REPORT_URL_SECONDS = 5 * 60;
/** Months of revenue the PDF chart shows, ending with the month of dateTo (or now). */
const REVENUE_MONTHS = 12;

export interface ReportDeps {
  db: Db;
  storage: Storage;
  now: Date;
  log: Logger;
  maxRows: number;
  currency: string;
}

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

export async function makeTaskReport(deps: ReportDeps, query: TaskReportQuery): Promise<SignedUrl & { key: string; rows: number; bytes: number }> {
  const started = performance.now();
  const entries = await readReportEntries(deps.db, query, deps.maxRows);
  const rows = await withStudents(deps.db, entries);
  const body = query.format === 'csv' ? taskReportCsv(rows) : await pdfOf(deps, query, rows);
  const name = `gradhelper-tasks-${stamp(deps.now)}.${query.format}`;
  const key = `${REPORT_PREFIX}${deps.now.toISOString().slice(0, 10)}/${newId('rpt', deps.now)}.${query.format}`;
  await deps.storage.s3.putObject({
    Bucket: deps.storage.bucket,
    Key: key,
    Body: body,
    ContentType: query.format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/pdf',
  });
  const url = await presignGet(deps.storage, { key, expiresInSeconds: REPORT_URL_SECONDS, now: deps.now, downloadName: name });
  deps.log.info('task report', { format: query.format, rows: rows.length, bytes: body.length, key, ms: Math.round(performance.now() - started) });
  return { ...url, key, rows: rows.length, bytes: body.length };
}

/**
 * PDFKit is loaded with the first PDF report, not at the function's cold start: CSV is the default format, and
 * PDFKit's start-up was three quarters of this function's cold import (issue #15). esbuild keeps it in the one
 * bundle; only its evaluation waits.
 */
async function pdfOf(deps: ReportDeps, query: TaskReportQuery, rows: ReportRow[]): Promise<Buffer> {
  const { taskReportPdf } = await import('./pdf.ts');
  return taskReportPdf({ rows, generatedAt: deps.now, filters: filterLines(query), ...(await chartData(deps, query, rows)) });
}

function filterLines(query: TaskReportQuery): string[] {
  return [
    `Created from ${query.dateFrom ?? 'the first task'} to ${query.dateTo ?? 'now'}`,
    `Status: ${query.status ?? 'all (cancelled included)'}`,
  ];
}

const monthsBack = (end: Date, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7));

/** The two charts: the report's tasks by status (counted from its rows), revenue by month from the revenue counters. */
async function chartData(deps: ReportDeps, query: TaskReportQuery, rows: ReportRow[]) {
  const end = query.dateTo && new Date(query.dateTo) < deps.now ? new Date(query.dateTo) : deps.now;
  const months = monthsBack(end, REVENUE_MONTHS);
  const revenue = await readRevenue(deps.db, { granularity: 'month', from: months[0], to: months[months.length - 1] });
  const byStatus = new Map<string, number>();
  for (const row of rows) byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + 1);
  const byMonth = new Map(revenue.map((f) => [f.period, f.byCurrency[deps.currency as keyof typeof f.byCurrency]?.amountCents ?? 0]));
  return {
    tasksByStatus: (query.status ? [query.status] : TASK_STATUSES).map((s) => ({ label: s.replace('_', ' '), value: byStatus.get(s) ?? 0 })),
    revenueByMonth: months.map((m) => ({ label: m, value: (byMonth.get(m) ?? 0) / 100 })),
    revenueCurrency: deps.currency,
  };
}
