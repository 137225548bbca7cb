// The analytics counters' migrations against DynamoDB Local: tasks and users written as older code wrote them
// (no type/subject counters, no completion durations, no registrations per month) are counted once, the ones
// the live writes already counted are not counted again, and a second run changes nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { newId } from '../../shared/ids.ts';
import { toHistoryItem, toTaskItems, type Task, type TaskStatus } from '../../shared/db/entities/task.ts';
import { backfillTaskCategories, backfillUserRegistrations } from '../../shared/db/migrations/analytics-counters.ts';
import { migrations } from '../../shared/db/migrations/index.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

let admin: Actor;
let student: Actor;
beforeAll(async () => {
  [admin, student] = await Promise.all([seedAdmin(), seedStudent()]);
});

const stats = async (path: string) => {
  const res = await api.get(path, { token: admin.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
};

/** A task as older code wrote it: the task item and its list entries, no flags; a completed one with its history entry. */
async function oldTask(status: TaskStatus, type: string, subject: string, hoursToComplete = 10): Promise<Task> {
  const created = new Date(Date.now() - 30 * 86_400_000).toISOString();
  const task: Task = {
    id: newId('task'),
    studentId: student.user.id,
    title: `Old ${type}`,
    type,
    description: 'Written before the counters',
    subject,
    academicLevel: 'undergraduate',
    pages: 1,
    dueDate: new Date(Date.now() + 86_400_000).toISOString(),
    budgetCents: 100,
    priority: 'medium',
    status,
    attachments: [],
    deliverableCount: 0,
    version: 3,
    createdAt: created,
    updatedAt: created,
  };
  const db = getDb();
  const items = toTaskItems(task).map((Item) => ({ Put: { TableName: db.tableName, Item } }));
  if (status === 'completed') {
    const at = new Date(Date.parse(created) + hoursToComplete * 3_600_000).toISOString();
    items.push({ Put: { TableName: db.tableName, Item: toHistoryItem({ id: `h${task.id}`, taskId: task.id, from: 'in_progress', to: 'completed', by: admin.user.id, byRole: 'admin', at }) } });
  }
  await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
  return task;
}

describe('task-categories', () => {
  it('counts older tasks by type and subject (not cancelled ones) and their completion times, once', async () => {
    await Promise.all([
      oldTask('pending', 'old_essay', 'old_history'),
      oldTask('in_progress', 'old_essay', 'old_math'),
      oldTask('completed', 'old_report', 'old_math', 10),
      oldTask('completed', 'old_report', 'old_math', 20),
      oldTask('cancelled', 'old_essay', 'old_history'),
    ]);
    // A task created through the API is already counted: the migration must leave it alone.
    const res = await api.post('/tasks', { title: 'New', type: 'old_essay', description: 'd', subject: 'old_history', academicLevel: 'undergraduate', pages: 1, deadline: new Date(Date.now() + 86_400_000).toISOString(), budget: 10 }, { token: student.token });
    expect(res.status, JSON.stringify(res.body)).toBe(201);

    const before = await stats('/admin/tasks/statistics');
    expect(before.tasksByType).toEqual({ old_essay: 1 });

    const first = await backfillTaskCategories(getDb());
    expect(first.changed).toBe(4);
    const after = await stats('/admin/tasks/statistics');
    expect(after.tasksByType).toEqual({ old_essay: 3, old_report: 2 });
    expect(after.tasksBySubject).toEqual({ old_history: 2, old_math: 3 });
    expect(after.completionsCounted).toBe(2);
    expect(after.averageCompletionHours).toBe(15);

    expect((await backfillTaskCategories(getDb())).changed).toBe(0);
    expect((await stats('/admin/tasks/statistics')).tasksByType).toEqual(after.tasksByType);
  });
});

describe('user-registrations', () => {
  it('counts users who signed up before the counter in their month, once; sign-ups since are not counted again', async () => {
    const register = await api.post('/auth/register', { name: 'Fresh Student', email: `fresh-${Date.now()}@example.test`, password: 'Password123!', role: 'student' });
    expect(register.status, JSON.stringify(register.body)).toBe(201);
    expect((await stats('/admin/users/statistics')).newUsersThisMonth).toBe(1);

    const first = await backfillUserRegistrations(getDb());
    // The admin and the student seeded as older code wrote users; the registered one carries its flag.
    expect(first).toMatchObject({ examined: 3, changed: 2 });
    expect((await stats('/admin/users/statistics')).newUsersThisMonth).toBe(3);
    expect((await backfillUserRegistrations(getDb())).changed).toBe(0);
    expect((await stats('/admin/users/statistics')).newUsersThisMonth).toBe(3);
  });

  it('both are registered with npm run backfill', () => {
    expect(migrations.map((m) => m.name)).toEqual(expect.arrayContaining(['task-categories', 'user-registrations']));
  });
});
