// Documentation of the analytics, reports, statistics, system-logs and health routes (see ./index.ts). Examples
// are the spec's where it has them; definitions of every figure: docs/analytics.md.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

const rangeParams = {
  dateFrom: 'Start of the range: a date (`2025-01-15`) or an ISO-8601 time (UTC day). Default: 30 days before `dateTo`.',
  dateTo: 'End of the range, inclusive: a date or an ISO-8601 time (UTC day). Default: today. At most 731 days after `dateFrom`.',
  groupBy: '`day` (default), `week` (ISO weeks, `2025-W10`) or `month`.',
};
const currencyParam = { currency: 'Figures in this currency (`usd`, `eur`, `gbp`, `cad`, `aud`); default `BILLING_DEFAULT_CURRENCY`.' };
const fromCounters = 'Read from counters the writes keep in their own transactions: a constant number of reads whatever the table size.';

export const adminDocs: Record<string, RouteDoc> = {
  'GET /analytics/dashboard': {
    description: `The spec's dashboard: tasks by status (cancelled tasks are not counted), total revenue and this month's (net of refunds, in \`currency\`), revenue of the last 12 months (newest first, zeros included), active students. ${fromCounters}`,
    params: currencyParam,
    responseExample: {
      totalTasks: 156,
      activeTasks: 42,
      completedTasks: 98,
      totalRevenue: 45600,
      monthlyRevenue: 12400,
      activeStudents: 89,
      tasksByStatus: { pending: 15, in_progress: 27, completed: 98, revision_needed: 8, rejected: 8 },
      revenueByMonth: [
        { month: '2025-01', amount: 12400 },
        { month: '2024-12', amount: 10800 },
      ],
      currency: 'usd',
    },
  },
  'GET /analytics/tasks': {
    description: `Tasks created (by creation date) and completed (by completion date) per period over a range of UTC days, with totals. ${fromCounters}`,
    params: rangeParams,
    responseExample: {
      dateFrom: '2025-01-01',
      dateTo: '2025-01-31',
      groupBy: 'week',
      totals: { created: 48, completed: 31 },
      series: [{ period: '2025-W01', startDate: '2025-01-01', endDate: '2025-01-05', created: 9, completed: 4 }],
    },
  },
  'GET /analytics/revenue': {
    description: `Net revenue (payments minus refunds, by payment or refund date) and the number of payments per period over a range of UTC days, in one currency, with totals. ${fromCounters}`,
    params: { ...rangeParams, ...currencyParam },
    responseExample: {
      dateFrom: '2025-01-01',
      dateTo: '2025-03-31',
      groupBy: 'month',
      currency: 'usd',
      totals: { amount: 31200, payments: 142, refunded: 400 },
      series: [{ period: '2025-01', startDate: '2025-01-01', endDate: '2025-01-31', amount: 12400, payments: 57, refunded: 200 }],
    },
  },
  'GET /admin/users/statistics': {
    description: `The spec's user statistics: users by role and by status, active users, sign-ups this calendar month (UTC). ${fromCounters}`,
    responseExample: {
      totalUsers: 245,
      activeUsers: 198,
      newUsersThisMonth: 23,
      usersByRole: { student: 220, admin: 25 },
      usersByStatus: { active: 198, inactive: 32, suspended: 15 },
    },
  },
  'GET /admin/tasks/statistics': {
    description: `Tasks by status, type and subject, open tasks past their due date (the most overdue first; \`capped\` when there are more than listed), and the mean time from creation to completion. ${fromCounters}`,
    responseExample: {
      totalTasks: 164,
      activeTasks: 42,
      completedTasks: 98,
      cancelledTasks: 8,
      tasksByStatus: { pending: 15, in_progress: 27, completed: 98, revision_needed: 8, rejected: 8 },
      tasksByType: { research_paper: 61, essay: 54, presentation: 49 },
      tasksBySubject: { computer_science: 70, history: 44, biology: 50 },
      overdue: { count: 1, capped: false, tasks: [{ id: exampleId('task'), title: 'Machine Learning Research Paper', status: 'in_progress', dueDate: '2025-01-10T23:59:59.000Z' }] },
      averageCompletionHours: 96.5,
      completionsCounted: 98,
    },
  },
  'GET /reports/tasks': {
    description:
      "Writes a task report of the tasks created in `dateFrom..dateTo` (optionally of one status; without it every task, cancelled ones included) and answers 302 to a presigned GET (5 minutes) of the file, saved as `gradhelper-tasks-<time>.csv|pdf`. CSV follows RFC 4180 (cells that a spreadsheet would run as a formula are prefixed with `'`); PDF adds charts. More than `REPORT_MAX_ROWS` (50 000) tasks is refused: ask for a narrower range.",
    params: {
      format: '`csv` (default) or `pdf`.',
      status: 'Only tasks in this status (any task status, `cancelled` included).',
      dateFrom: 'Tasks created at or after: a date (`2025-01-15`, from 00:00:00Z) or an ISO-8601 time.',
      dateTo: 'Tasks created at or before: a date (its whole day) or an ISO-8601 time.',
    },
    success: { status: 302, description: 'Redirect to the report', location: 'A presigned S3 URL of the report (5 minutes), with `Content-Disposition: attachment`.' },
    errors: { 400: 'Also: more than `REPORT_MAX_ROWS` tasks in the range.' },
  },
  'GET /admin/system-logs': {
    description:
      "The functions' structured log lines, oldest first: `level` and every more severe level, one `service` (function) or all, in `dateFrom..dateTo` (default the last 24 hours; a `dateFrom` before the log retention is raised to it). Read from CloudWatch Logs in AWS, from `.local/logs/` locally; secrets and tokens are redacted. Paged by an opaque `cursor`.",
    params: {
      level: 'The least severe level shown: `debug`, `info`, `warn` or `error` (`warn` shows warnings and errors).',
      service: 'One function by name, e.g. `auth`, `tasks`, `realtime`.',
      limit: 'Lines per page (1-200, default 50).',
      cursor: 'The `pagination.nextCursor` of the previous page (opaque).',
    },
    responseExample: [
      {
        id: '38412097165346812783914623587640191207516413984560545792',
        timestamp: EXAMPLE_TIME,
        level: 'warn',
        service: 'tasks',
        message: 'throttled by DynamoDB',
        requestId: 'req_3f1c8a9e-52b4-4c27-9d0e-7a1b2c3d4e5f',
        fields: { route: 'POST /tasks', userId: exampleId('user') },
      },
    ],
  },
  'GET /system/health': {
    description:
      "Public health check for load balancers and uptime monitors: the table and the bucket are reachable, with each check's latency. When one is not, 503 `SERVICE_UNAVAILABLE` names it in `details.failing`, with every check in `details.checks`. Not rate limited.",
    responseExample: { status: 'ok', time: EXAMPLE_TIME, checks: { database: { ok: true, latencyMs: 12 }, storage: { ok: true, latencyMs: 18 } } },
    errors: { 503: 'Also: the table or the bucket is unreachable (`details.failing`, `details.checks`).' },
  },
};
