// Analytics and the admin statistics through the real gateway: the dashboard moves with every task write and
// every payment (through the billing API, the local Stripe emulator and the signed webhook), the counters equal a
// recount of the items after a burst of concurrent writes, series have a bucket for every period (zeros, ISO
// weeks), ranges are validated, and the admin statistics have the spec's shape and the right values.
import { beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { countDbRequests } from '../support/request-cost.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { seedTask } from '../support/tasks.ts';
import { eventually } from '../support/ws.ts';
import { getDb } from '../../shared/db/client.ts';
import { stripeOptionsFor } from '../../shared/payments/stripe.ts';
import { taskKeys, TASK_STATUSES } from '../../shared/db/entities/task.ts';
import { isoWeek, periodsOf, resolveRange } from '../../functions/analytics/periods.ts';

const stack = useTestStack({ LOCAL_SCHEDULER_TICK_MS: '200', LOCAL_STRIPE_RETRY_MS: '100' });
const api = apiClient(() => stack.apiUrl);
const stripe = () => new Stripe(process.env.STRIPE_SECRET_KEY!, stripeOptionsFor(process.env.STRIPE_API_URL));

let admin: Actor;
let student: Actor;
beforeAll(async () => {
  [admin, student] = await Promise.all([seedAdmin(), seedStudent()]);
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const today = () => new Date().toISOString().slice(0, 10);
const thisMonth = () => today().slice(0, 7);

async function get(path: string, actor: Actor = admin) {
  const res = await api.get(path, { token: actor.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}
const dashboard = () => get('/analytics/dashboard');

async function createTask(actor: Actor, overrides: Record<string, unknown> = {}) {
  const res = await api.post(
    '/tasks',
    { title: 'Analytics task', type: 'essay', description: 'Counted', subject: 'history', academicLevel: 'undergraduate', pages: 2, deadline: inDays(10), budget: 100, ...overrides },
    { token: actor.token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data as { id: string };
}
async function moveTo(taskId: string, status: string, extra: Record<string, unknown> = {}) {
  const res = await api.put(`/tasks/${taskId}/status`, { status, ...extra }, { token: admin.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('GET /analytics/dashboard', () => {
  it('has the spec shape: every spec status, 12 months newest first with zeros, amounts in dollars', async () => {
    const d = await dashboard();
    expect(Object.keys(d.tasksByStatus).sort()).toEqual(['completed', 'in_progress', 'pending', 'rejected', 'revision_needed']);
    expect(d.revenueByMonth).toHaveLength(12);
    expect(d.revenueByMonth[0].month).toBe(thisMonth());
    expect(d.revenueByMonth.map((m: { month: string }) => m.month)).toEqual([...d.revenueByMonth.map((m: { month: string }) => m.month)].sort().reverse());
    expect(d).toMatchObject({ totalTasks: expect.any(Number), activeTasks: expect.any(Number), totalRevenue: expect.any(Number), monthlyRevenue: expect.any(Number), activeStudents: expect.any(Number), currency: 'usd' });
  });

  it('moves at once when a task is created, changes status and is cancelled', async () => {
    const before = await dashboard();
    const task = await createTask(student);
    const created = await dashboard();
    expect(created.totalTasks).toBe(before.totalTasks + 1);
    expect(created.activeTasks).toBe(before.activeTasks + 1);
    expect(created.tasksByStatus.pending).toBe(before.tasksByStatus.pending + 1);

    await moveTo(task.id, 'in_progress');
    const working = await dashboard();
    expect(working.tasksByStatus.pending).toBe(before.tasksByStatus.pending);
    expect(working.tasksByStatus.in_progress).toBe(before.tasksByStatus.in_progress + 1);
    expect(working.activeTasks).toBe(before.activeTasks + 1);

    await moveTo(task.id, 'completed');
    const done = await dashboard();
    expect(done.completedTasks).toBe(before.completedTasks + 1);
    expect(done.activeTasks).toBe(before.activeTasks);
    expect(done.totalTasks).toBe(before.totalTasks + 1);

    const other = await createTask(student);
    const cancel = await api.del(`/tasks/${other.id}`, { reason: 'changed my mind' }, { token: student.token });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    const cancelled = await dashboard();
    // Cancelled tasks are in no figure (the spec has no cancelled status).
    expect(cancelled.totalTasks).toBe(done.totalTasks);
    expect(cancelled.activeTasks).toBe(done.activeTasks);
  });

  it('moves when a payment succeeds and when it is refunded (net, on the refund date), through Stripe and the webhook', async () => {
    const before = await dashboard();
    const bill = await api.post(
      '/bills',
      { taskId: await seedTask(student.user.id), studentId: student.user.id, description: 'Analytics bill', items: [{ description: 'Work', amount: 120.5 }], dueDate: inDays(7) },
      { token: admin.token },
    );
    expect(bill.status, JSON.stringify(bill.body)).toBe(201);
    const intent = await api.post(`/bills/${bill.body.data.id}/payment-intent`, { currency: 'usd' }, { token: student.token });
    expect(intent.status, JSON.stringify(intent.body)).toBe(200);
    await stripe().paymentIntents.confirm(intent.body.data.paymentIntentId, { payment_method: 'pm_card_visa' });

    await eventually(async () => (await dashboard()).totalRevenue === before.totalRevenue + 120.5, 8000, 'revenue counted');
    const paid = await dashboard();
    expect(paid.monthlyRevenue).toBeCloseTo(before.monthlyRevenue + 120.5, 2);
    expect(paid.revenueByMonth[0].amount).toBeCloseTo(before.revenueByMonth[0].amount + 120.5, 2);
    const revenue = await get(`/analytics/revenue?dateFrom=${today()}&dateTo=${today()}`);
    expect(revenue.series).toHaveLength(1);
    expect(revenue.series[0].payments).toBeGreaterThanOrEqual(1);

    await stripe().refunds.create({ payment_intent: intent.body.data.paymentIntentId, amount: 2050 });
    await eventually(async () => Math.abs((await dashboard()).totalRevenue - (before.totalRevenue + 100)) < 0.001, 8000, 'refund counted');
    const refunded = await get(`/analytics/revenue?dateFrom=${today()}&dateTo=${today()}`);
    expect(refunded.series[0].refunded).toBeCloseTo(revenue.series[0].refunded + 20.5, 2);
    expect(refunded.totals.amount).toBeCloseTo(revenue.totals.amount - 20.5, 2);
  });
});

/** Tasks per status in the all-tasks status lists, read item by item: what the counters must say. */
async function recount() {
  const db = getDb();
  const byStatus: Record<string, number> = {};
  const byType: Record<string, number> = {};
  const bySubject: Record<string, number> = {};
  for (const status of TASK_STATUSES) {
    let startKey: Record<string, unknown> | undefined;
    byStatus[status] = 0;
    do {
      const out = await db.doc.send(new QueryCommand({ TableName: db.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': taskKeys.listPartition({ kind: 'all' }, status) }, ExclusiveStartKey: startKey }));
      for (const item of out.Items ?? []) {
        byStatus[status]++;
        if (status === 'cancelled') continue;
        byType[item.type as string] = (byType[item.type as string] ?? 0) + 1;
        bySubject[item.subject as string] = (bySubject[item.subject as string] ?? 0) + 1;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }
  return { byStatus, byType, bySubject };
}

describe('counters under concurrent writes', () => {
  it('equal a recount of the items after a burst of creates, edits, moves and cancels', async () => {
    const students = await Promise.all(Array.from({ length: 4 }, () => seedStudent()));
    const types = ['essay', 'lab_report', 'thesis'];
    const subjects = ['math', 'physics'];
    const created = await Promise.all(
      Array.from({ length: 24 }, (_, i) => createTask(students[i % 4], { type: types[i % 3], subject: subjects[i % 2] }).then((t) => ({ ...t, student: students[i % 4], i }))),
    );
    await Promise.all(
      created.map(async (t) => {
        if (t.i % 4 === 0) await moveTo(t.id, 'in_progress');
        else if (t.i % 4 === 1) {
          const res = await api.del(`/tasks/${t.id}`, { reason: 'no longer needed' }, { token: t.student.token });
          expect(res.status).toBe(200);
        } else if (t.i % 4 === 2) {
          const res = await api.put(`/tasks/${t.id}`, { type: 'thesis', subject: 'chemistry' }, { token: t.student.token });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
        }
      }),
    );
    await Promise.all(created.filter((t) => t.i % 8 === 0).map((t) => moveTo(t.id, 'completed')));

    const counted = await recount();
    const d = await dashboard();
    const stats = await get('/admin/tasks/statistics');
    for (const s of ['pending', 'in_progress', 'completed', 'revision_needed', 'rejected']) expect(d.tasksByStatus[s], s).toBe(counted.byStatus[s]);
    expect(stats.cancelledTasks).toBe(counted.byStatus.cancelled);
    expect(d.totalTasks).toBe(Object.entries(counted.byStatus).filter(([s]) => s !== 'cancelled').reduce((n, [, c]) => n + c, 0));
    expect(stats.tasksByType).toEqual(counted.byType);
    expect(stats.tasksBySubject).toEqual(counted.bySubject);
  });
});

describe('cost', () => {
  it.each([
    ['/analytics/dashboard', { Update: 1, Query: 4 }],
    ['/analytics/tasks?dateFrom=2024-01-01&dateTo=2025-12-31&groupBy=week', { Update: 1, Query: 1 }],
    ['/analytics/revenue?groupBy=month', { Update: 1, Query: 1 }],
    ['/admin/users/statistics', { Update: 1, Query: 2 }],
    ['/admin/tasks/statistics', { Update: 1, Query: 5 }],
  ])('%s reads a constant number of Queries (plus the rate-limit update)', async (path, expected) => {
    const cost = countDbRequests();
    try {
      await get(path);
      expect(cost.counted).toEqual(expected);
    } finally {
      cost.restore();
    }
  });
});

describe('revenue counters under concurrent payments', () => {
  it('equal the sum of the payment history after a burst of payments and refunds', async () => {
    type Payment = { billId: string; status: string; amount: number; refundedAmount: number | null; currency: string };
    const allPayments = async () => (await api.get('/payments/history?limit=100', { token: admin.token })).body.data as Payment[];
    const students = await Promise.all(Array.from({ length: 6 }, () => seedStudent()));
    const burst = await Promise.all(
      students.map(async (s, i) => {
        const bill = await api.post(
          '/bills',
          { taskId: await seedTask(s.user.id), studentId: s.user.id, description: 'Burst bill', items: [{ description: 'Work', amount: 10 + i }], dueDate: inDays(7) },
          { token: admin.token },
        );
        expect(bill.status, JSON.stringify(bill.body)).toBe(201);
        const intent = await api.post(`/bills/${bill.body.data.id}/payment-intent`, { currency: 'usd' }, { token: s.token });
        expect(intent.status, JSON.stringify(intent.body)).toBe(200);
        await stripe().paymentIntents.confirm(intent.body.data.paymentIntentId, { payment_method: 'pm_card_visa' });
        return { billId: bill.body.data.id as string, intentId: intent.body.data.paymentIntentId as string };
      }),
    );
    const ofBurst = async () => (await allPayments()).filter((p) => burst.some((b) => b.billId === p.billId));
    await eventually(async () => (await ofBurst()).filter((p) => p.status === 'succeeded').length === 6, 10_000, 'the burst paid');
    // Refunds once the payments are recorded (Stripe sends charge.refunded after payment_intent.succeeded).
    await Promise.all(burst.filter((_, i) => i % 2 === 0).map((b) => stripe().refunds.create({ payment_intent: b.intentId, amount: 300 })));
    await eventually(async () => (await ofBurst()).filter((p) => p.refundedAmount).length === 3, 10_000, 'the refunds applied');

    // Every payment in the table (this burst and the earlier tests'), recounted from the payment items.
    const succeeded = (await allPayments()).filter((p) => p.status === 'succeeded' && p.currency === 'usd');
    const net = Math.round(succeeded.reduce((n, p) => n + p.amount * 100 - (p.refundedAmount ?? 0) * 100, 0)) / 100;
    const d = await dashboard();
    expect(d.totalRevenue).toBeCloseTo(net, 2);
    const month = await get(`/analytics/revenue?dateFrom=${today()}&dateTo=${today()}&groupBy=month`);
    expect(month.totals.payments).toBe(succeeded.length);
    expect(month.totals.amount).toBeCloseTo(net, 2);
  });
});

describe('GET /analytics/tasks and /analytics/revenue', () => {
  it('have a bucket for every period of the range, zeros included', async () => {
    const from = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10);
    const r = await get(`/analytics/tasks?dateFrom=${from}&dateTo=${today()}&groupBy=day`);
    expect(r).toMatchObject({ dateFrom: from, dateTo: today(), groupBy: 'day' });
    expect(r.series).toHaveLength(10);
    expect(r.series.slice(0, 9).every((p: { created: number; completed: number }) => p.created === 0 && p.completed === 0)).toBe(true);
    expect(r.series[9].period).toBe(today());
    expect(r.series[9].created).toBeGreaterThan(0);
    expect(r.totals.created).toBe(r.series[9].created);

    const months = await get('/analytics/revenue?dateFrom=2024-11-15&dateTo=2025-02-10&groupBy=month');
    expect(months.series.map((p: { period: string }) => p.period)).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
    expect(months.series[0]).toMatchObject({ startDate: '2024-11-15', endDate: '2024-11-30', amount: 0, payments: 0, refunded: 0 });
  });

  it('groups by ISO week (Monday to Sunday, the year of its Thursday)', async () => {
    const r = await get('/analytics/tasks?dateFrom=2024-12-28&dateTo=2025-01-13&groupBy=week');
    expect(r.series.map((p: { period: string; startDate: string; endDate: string }) => [p.period, p.startDate, p.endDate])).toEqual([
      ['2024-W52', '2024-12-28', '2024-12-29'],
      ['2025-W01', '2024-12-30', '2025-01-05'],
      ['2025-W02', '2025-01-06', '2025-01-12'],
      ['2025-W03', '2025-01-13', '2025-01-13'],
    ]);
    expect(isoWeek('2021-01-03')).toBe('2020-W53');
    expect(isoWeek('2026-12-31')).toBe('2026-W53');
  });

  it('defaults to the last 30 days by day', async () => {
    const r = await get('/analytics/tasks');
    expect(r.groupBy).toBe('day');
    expect(r.dateTo).toBe(today());
    expect(r.series).toHaveLength(30);
    expect(periodsOf(resolveRange({}, new Date()), 'day')).toHaveLength(30);
  });

  it.each([
    ['an inverted range', '?dateFrom=2025-03-10&dateTo=2025-03-01', 'dateTo'],
    ['a range over two years', '?dateFrom=2022-01-01&dateTo=2025-01-01', 'dateTo'],
    ['an unknown groupBy', '?groupBy=year', 'groupBy'],
    ['a malformed date', '?dateFrom=2025-02-30', 'dateFrom'],
  ])('answer 400 VALIDATION_ERROR for %s, naming the field', async (_what, query, field) => {
    for (const path of ['/analytics/tasks', '/analytics/revenue']) {
      const res = await api.get(`${path}${query}`, { token: admin.token });
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
  });
});

describe('GET /admin/users/statistics', () => {
  it('has the spec shape and counts a registration in the month and the totals', async () => {
    const before = await get('/admin/users/statistics');
    const dashboardBefore = await dashboard();
    expect(Object.keys(before.usersByRole).sort()).toEqual(['admin', 'student']);
    expect(Object.keys(before.usersByStatus).sort()).toEqual(['active', 'inactive', 'suspended']);
    const email = `stats-${Date.now()}@example.test`;
    const res = await api.post('/auth/register', { name: 'Stats Student', email, password: 'Password123!', role: 'student' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const after = await get('/admin/users/statistics');
    expect(after.newUsersThisMonth).toBe(before.newUsersThisMonth + 1);
    expect(after.totalUsers).toBe(before.totalUsers + 1);
    expect(after.activeUsers).toBe(before.activeUsers + 1);
    expect(after.usersByRole.student).toBe(before.usersByRole.student + 1);
    expect((await dashboard()).activeStudents).toBe(dashboardBefore.activeStudents + 1);
  });
});

describe('GET /admin/tasks/statistics', () => {
  it('lists open tasks past their due date, most overdue first, and averages completion time', async () => {
    const late = await seedTask(student.user.id);
    const db = getDb();
    // Move a seeded task's due date into the past through its list entry the way the task would be listed.
    const { listEntryWrites, getTaskById } = await import('../../shared/db/entities/task.ts');
    const { TransactWriteCommand } = await import('@aws-sdk/lib-dynamodb');
    const task = (await getTaskById(db, late))!;
    const past = { ...task, dueDate: new Date(Date.now() - 3 * 86_400_000).toISOString() };
    await db.doc.send(new TransactWriteCommand({ TransactItems: listEntryWrites(db, undefined, past) }));

    const stats = await get('/admin/tasks/statistics');
    expect(stats.overdue.count).toBeGreaterThanOrEqual(1);
    expect(stats.overdue.tasks.map((t: { id: string }) => t.id)).toContain(late);
    expect(stats.overdue.capped).toBe(false);
    expect(stats.completionsCounted).toBeGreaterThanOrEqual(1);
    expect(stats.averageCompletionHours).toEqual(expect.any(Number));
    expect(stats.averageCompletionHours).toBeGreaterThanOrEqual(0);
  });
});
