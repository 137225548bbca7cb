// The figures of the analytics routes, each from counter items (a constant number of Queries) or, for overdue
// tasks, bounded Queries of the task lists. Definitions: docs/analytics.md.
import type { Db } from '#shared/db/client.ts';
import { getTaskCategoryStats, getTaskStats, listTaskDays, type TaskTotals } from '#shared/db/entities/task-stats.ts';
import { getRegistrations, getUserStats } from '#shared/db/entities/user.ts';
import { readRevenue, type Currency, type RevenueFigure } from '#shared/db/entities/bill.ts';
import { listOverdueTasks, type TaskStatus } from '#shared/db/entities/task.ts';
import type { AnalyticsRangeQuery } from '#shared/contract/analytics.ts';
import { bucket, lastMonths, resolveRange } from './periods.ts';

/** Statuses a task is open (active) in: `activeTasks` counts them, overdue tasks are among them. */
export const ACTIVE_STATUSES = ['pending', 'in_progress', 'revision_needed'] as const satisfies readonly TaskStatus[];
/** The spec's task statuses: every status but `cancelled` (this API's extension). */
export const SPEC_STATUSES = ['pending', 'in_progress', 'completed', 'revision_needed', 'rejected'] as const satisfies readonly TaskStatus[];

/** Cents to the spec's units (dollars), exactly two decimals. */
const units = (cents: number) => Math.round(cents) / 100;

const netCents = (figure: RevenueFigure | undefined, currency: Currency) => figure?.byCurrency[currency]?.amountCents ?? 0;

function taskFigures(totals: TaskTotals) {
  const tasksByStatus = Object.fromEntries(SPEC_STATUSES.map((s) => [s, totals[s]])) as Record<(typeof SPEC_STATUSES)[number], number>;
  return {
    totalTasks: SPEC_STATUSES.reduce((n, s) => n + totals[s], 0),
    activeTasks: ACTIVE_STATUSES.reduce((n, s) => n + totals[s], 0),
    completedTasks: totals.completed,
    tasksByStatus,
  };
}

/** GET /analytics/dashboard: 4 Queries in parallel (task totals, user totals, revenue total, the last 12 months). */
export async function dashboard(db: Db, now: Date, currency: Currency) {
  const months = lastMonths(now, 12);
  const [{ totals }, users, total, byMonth] = await Promise.all([
    getTaskStats(db),
    getUserStats(db),
    readRevenue(db, { granularity: 'total' }),
    readRevenue(db, { granularity: 'month', from: months.at(-1)!, to: months[0] }),
  ]);
  const monthCents = new Map(byMonth.map((f) => [f.period, netCents(f, currency)]));
  return {
    ...taskFigures(totals),
    totalRevenue: units(netCents(total[0], currency)),
    monthlyRevenue: units(monthCents.get(months[0]) ?? 0),
    activeStudents: users.byRoleStatus.student_active ?? 0,
    revenueByMonth: months.map((month) => ({ month, amount: units(monthCents.get(month) ?? 0) })),
    currency,
  };
}

/** GET /analytics/tasks: one Query of the per-day task counters over the range. */
export async function taskSeries(db: Db, now: Date, q: AnalyticsRangeQuery) {
  const range = resolveRange(q, now);
  const days = await listTaskDays(db, range.from, range.to);
  const series = bucket(range, q.groupBy, ['created', 'completed'] as const, new Map(days.map(({ date, ...counts }) => [date, counts])));
  return {
    dateFrom: range.from,
    dateTo: range.to,
    groupBy: q.groupBy,
    totals: { created: series.reduce((n, p) => n + p.created, 0), completed: series.reduce((n, p) => n + p.completed, 0) },
    series,
  };
}

/** GET /analytics/revenue: one Query of the per-day revenue counters over the range; net of refunds on their dates. */
export async function revenueSeries(db: Db, now: Date, q: AnalyticsRangeQuery, currency: Currency) {
  const range = resolveRange(q, now);
  const days = await readRevenue(db, { granularity: 'day', from: range.from, to: range.to });
  const perDay = new Map(
    days.map((f) => {
      const c = f.byCurrency[currency];
      return [f.period, { amount: c?.amountCents ?? 0, payments: c?.payments ?? 0, refunded: c?.refundedCents ?? 0 }];
    }),
  );
  const cents = bucket(range, q.groupBy, ['amount', 'payments', 'refunded'] as const, perDay);
  const series = cents.map((p) => ({ ...p, amount: units(p.amount), refunded: units(p.refunded) }));
  return {
    dateFrom: range.from,
    dateTo: range.to,
    groupBy: q.groupBy,
    currency,
    totals: {
      amount: units(cents.reduce((n, p) => n + p.amount, 0)),
      payments: cents.reduce((n, p) => n + p.payments, 0),
      refunded: units(cents.reduce((n, p) => n + p.refunded, 0)),
    },
    series,
  };
}

/** GET /admin/users/statistics: the user totals and this month's registrations, 2 Queries in parallel. */
export async function userStatistics(db: Db, now: Date) {
  const [stats, newUsersThisMonth] = await Promise.all([getUserStats(db), getRegistrations(db, now.toISOString().slice(0, 7))]);
  return {
    totalUsers: stats.total,
    activeUsers: stats.byStatus.active,
    newUsersThisMonth,
    usersByRole: stats.byRole,
    usersByStatus: stats.byStatus,
  };
}

export const OVERDUE_LIMIT = 100;
const OVERDUE_LISTED = 20;

/** GET /admin/tasks/statistics: totals, types and subjects (2 Queries), overdue open tasks (3 bounded Queries). */
export async function taskStatistics(db: Db, now: Date) {
  const [{ totals }, categories, overdue] = await Promise.all([
    getTaskStats(db),
    getTaskCategoryStats(db),
    listOverdueTasks(db, ACTIVE_STATUSES, now.toISOString(), OVERDUE_LIMIT),
  ]);
  return {
    ...taskFigures(totals),
    cancelledTasks: totals.cancelled,
    tasksByType: categories.byType,
    tasksBySubject: categories.bySubject,
    overdue: {
      count: overdue.count,
      capped: overdue.capped,
      tasks: overdue.entries.slice(0, OVERDUE_LISTED).map((e) => ({ id: e.id, title: e.title, status: e.status, dueDate: e.dueDate })),
    },
    averageCompletionHours: totals.completions > 0 ? Math.round((totals.completionSeconds / totals.completions / 3600) * 100) / 100 : null,
    completionsCounted: totals.completions,
  };
}
