// Routes of the analytics endpoint group: the spec's Analytics (dashboard, tasks and revenue over time) and the
// admin statistics (users, tasks). All admin only, all read from counter items the writes keep in their own
// transactions. Definitions (what each figure counts): docs/analytics.md. Keys and costs: docs/data-model.md,
// "Analytics and statistics".
//
// The admin statistics are served by this function, not `admin`: they need only the table (and the rate limiter),
// while the admin function's system logs need CloudWatch Logs; one function each keeps both least-privilege.
import * as z from '../zod.ts';
import { DateFrom, DateTo, defineRoute, Id, IsoDateTime, refineDateRange, type RouteDef } from '../http/contract.ts';
import { CURRENCIES } from '../db/entities/bill.ts';

export const GROUP_BYS = ['day', 'week', 'month'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** The longest range `GET /analytics/tasks|revenue` accept: two years of days (two calendar years with a leap day). */
export const MAX_RANGE_DAYS = 731;
/** Without `dateFrom`, the range is this many days ending at `dateTo` (default: today, UTC). */
export const DEFAULT_RANGE_DAYS = 30;

const Currency = z.enum(CURRENCIES as [string, ...string[]]);

export const AnalyticsRangeQuery = z
  .object({
    dateFrom: z.optional(DateFrom),
    dateTo: z.optional(DateTo),
    groupBy: z._default(z.enum(GROUP_BYS, { error: 'must be day, week or month' }), 'day'),
  })
  .check(z.superRefine(refineDateRange));
export type AnalyticsRangeQuery = z.infer<typeof AnalyticsRangeQuery>;

export const RevenueRangeQuery = z.safeExtend(AnalyticsRangeQuery, { currency: z.optional(Currency) });

const Count = z.number().check(z.int());
const Money = z.number();
const Day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/));

const rangeFields = {
  /** The range read, as UTC days (`YYYY-MM-DD`), both included. */
  dateFrom: Day,
  dateTo: Day,
  groupBy: z.enum(GROUP_BYS),
};

/** One period: `2025-03-09` (day), `2025-W10` (ISO week), `2025-03` (month), with the days of it inside the range. */
const periodFields = { period: z.string(), startDate: Day, endDate: Day };

export const TaskAnalyticsView = z.object({
  ...rangeFields,
  totals: z.object({ created: Count, completed: Count }),
  series: z.array(z.object({ ...periodFields, created: Count, completed: Count })),
});

export const RevenueAnalyticsView = z.object({
  ...rangeFields,
  currency: Currency,
  totals: z.object({ amount: Money, payments: Count, refunded: Money }),
  series: z.array(z.object({ ...periodFields, amount: Money, payments: Count, refunded: Money })),
});

/** The spec's `tasksByStatus`: every spec status (cancelled tasks are this API's extension and are not counted). */
export const TasksByStatus = z.object({ pending: Count, in_progress: Count, completed: Count, revision_needed: Count, rejected: Count });

export const DashboardView = z.object({
  totalTasks: Count,
  activeTasks: Count,
  completedTasks: Count,
  totalRevenue: Money,
  monthlyRevenue: Money,
  activeStudents: Count,
  tasksByStatus: TasksByStatus,
  /** The last 12 calendar months (UTC), newest first, zeros included. */
  revenueByMonth: z.array(z.object({ month: z.string().check(z.regex(/^\d{4}-\d{2}$/)), amount: Money })),
  currency: Currency,
});

export const UserStatisticsView = z.object({
  totalUsers: Count,
  activeUsers: Count,
  newUsersThisMonth: Count,
  usersByRole: z.object({ student: Count, admin: Count }),
  usersByStatus: z.object({ active: Count, inactive: Count, suspended: Count }),
});

export const TaskStatisticsView = z.object({
  totalTasks: Count,
  activeTasks: Count,
  completedTasks: Count,
  cancelledTasks: Count,
  tasksByStatus: TasksByStatus,
  tasksByType: z.record(z.string(), Count),
  tasksBySubject: z.record(z.string(), Count),
  /** Open tasks (pending, in_progress, revision_needed) whose due date has passed; the most overdue first. */
  overdue: z.object({
    /** At least this many; exact unless `capped`. */
    count: Count,
    capped: z.boolean(),
    tasks: z.array(z.object({ id: Id('task'), title: z.string(), status: z.string(), dueDate: IsoDateTime })),
  }),
  /** Mean hours from creation to completion over every counted completion; null before the first. */
  averageCompletionHours: z.nullable(z.number()),
  completionsCounted: Count,
});

const admin = { fn: 'analytics', access: 'admin', rateLimit: 'general' } as const;

export const analyticsRoutes = {
  getDashboard: defineRoute({
    method: 'GET',
    path: '/analytics/dashboard',
    ...admin,
    summary: 'Dashboard figures: tasks by status, revenue (total, this month, the last 12 months), active students',
    query: z.object({ currency: z.optional(Currency) }),
    response: DashboardView,
  }),
  getTaskAnalytics: defineRoute({
    method: 'GET',
    path: '/analytics/tasks',
    ...admin,
    summary: 'Tasks created and completed per day, ISO week or month over a date range (by creation/completion date, UTC)',
    query: AnalyticsRangeQuery,
    response: TaskAnalyticsView,
  }),
  getRevenueAnalytics: defineRoute({
    method: 'GET',
    path: '/analytics/revenue',
    ...admin,
    summary: 'Net revenue and payments per day, ISO week or month over a date range (by payment or refund date, UTC)',
    query: RevenueRangeQuery,
    response: RevenueAnalyticsView,
  }),
  getUserStatistics: defineRoute({
    method: 'GET',
    path: '/admin/users/statistics',
    ...admin,
    summary: 'Users by role and status, active users, sign-ups this month',
    response: UserStatisticsView,
  }),
  getTaskStatistics: defineRoute({
    method: 'GET',
    path: '/admin/tasks/statistics',
    ...admin,
    summary: 'Tasks by status, type and subject, overdue open tasks, average time to completion',
    response: TaskStatisticsView,
  }),
} satisfies Record<string, RouteDef>;
