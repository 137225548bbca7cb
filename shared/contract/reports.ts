// Routes of the reports endpoint group: the spec's task report export (CSV or PDF). The report is written to
// S3 under reports/ and answered with a 302 to a short-lived presigned GET (docs/data-model.md, "Reports").
import * as z from '../zod.ts';
import { DateRangeQuery, defineRoute, refineDateRange, type RouteDef } from '../http/contract.ts';
import { TASK_STATUSES } from '../db/entities/task.ts';

export const REPORT_FORMATS = ['csv', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `format`, the creation-date range and an optional status; without `status` every task, cancelled ones included. */
export const TaskReportQuery = z
  .extend(DateRangeQuery, {
    format: z._default(z.enum(REPORT_FORMATS), 'csv'),
    status: z.optional(z.enum(TASK_STATUSES)),
  })
  .check(z.superRefine(refineDateRange));
export type TaskReportQuery = z.infer<typeof TaskReportQuery>;

export const reportsRoutes = {
  taskReport: defineRoute({
    method: 'GET',
    path: '/reports/tasks',
    fn: 'reports',
    access: 'admin',
    rateLimit: 'general',
    summary:
      'Task report (CSV per RFC 4180, or PDF with charts) of the tasks created in dateFrom..dateTo, optionally of one status: 302 to a presigned GET (5 minutes) of the file',
    query: TaskReportQuery,
    successStatus: 302,
  }),
} satisfies Record<string, RouteDef>;
