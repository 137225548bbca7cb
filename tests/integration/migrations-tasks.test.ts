// The tasks domain's data migrations against DynamoDB Local: items in the shape older code wrote them are put
// straight into the test table, each migration runs, the new shape is checked in the table and through the
// API, and a second run changes nothing.
//   backfillTaskListKeys: cancelled tasks leave the default lists (GET /tasks without status).
//   migrateDeliverableStatuses: deliverable statuses become the spec's (approved -> completed, submitted ->
//   in_progress awaiting approval), every deliverable gets awaitingApproval.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { newId } from '../../shared/ids.ts';
import { listEntryKey, listScopesOf, toListEntryItem, toTaskItem, type Task, type TaskListScope, type TaskStatus } from '../../shared/db/entities/task.ts';
import { deliverableKeys, toDeliverablePointerItem } from '../../shared/db/entities/deliverable.ts';
import { taskStatsKeys } from '../../shared/db/entities/task-stats.ts';
import { backfillTaskListKeys } from '../../shared/db/migrations/task-list-keys.ts';
import { migrateDeliverableStatuses } from '../../shared/db/migrations/deliverable-statuses.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const DAY_MS = 24 * 3600 * 1000;
const NOW = new Date('2026-03-01T12:00:00.000Z');

let student: Actor;
let admin: Actor;

beforeAll(async () => {
  [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
});
afterEach(() => vi.restoreAllMocks());

const db = () => getDb();
const put = (Item: Record<string, unknown>) => db().doc.send(new PutCommand({ TableName: db().tableName, Item }));
const get = async (Key: Record<string, string>) => (await db().doc.send(new GetCommand({ TableName: db().tableName, Key, ConsistentRead: true }))).Item;

let seq = 0;
/** A task written as older code wrote it: the task item and an entry in every list of every scope, default lists included whatever the status. */
async function oldTask(status: TaskStatus, assignedAdminId?: string): Promise<Task> {
  const createdAt = new Date(Date.parse('2026-01-01T00:00:00.000Z') + ++seq * 60_000);
  const task: Task = {
    id: newId('task', createdAt),
    studentId: student.user.id,
    ...(assignedAdminId ? { assignedAdminId } : {}),
    title: `Old task ${seq}`,
    type: 'essay',
    description: 'Written before the migrations',
    subject: 'history',
    academicLevel: 'graduate',
    pages: 3,
    dueDate: new Date(createdAt.getTime() + 30 * DAY_MS).toISOString(),
    budgetCents: 5_000,
    priority: 'medium',
    status,
    attachments: [],
    deliverableCount: 0,
    version: 3,
    createdAt: createdAt.toISOString(),
    updatedAt: createdAt.toISOString(),
  };
  await put(toTaskItem(task));
  for (const scope of listScopesOf(task)) {
    await put(toListEntryItem(task, scope));
    await put(toListEntryItem(task, scope, status));
  }
  return task;
}

/** A deliverable item as older code wrote it: an old or current status, no awaitingApproval attribute. */
async function oldDeliverable(task: Task, status: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const id = newId('deliv');
  const item = {
    ...deliverableKeys.deliverable(task.id, id),
    entity: 'deliverable',
    id,
    taskId: task.id,
    title: `Deliverable (${status})`,
    status,
    files: [],
    version: 4,
    createdAt: task.createdAt,
    updatedAt: '2026-02-01T00:00:00.000Z',
    ...extra,
  };
  await put(item);
  await put(toDeliverablePointerItem({ id, taskId: task.id }));
  return item;
}

const listIds = async (actor: Actor, query = '') => (await api.get(`/tasks?limit=100${query}`, { token: actor.token })).body.data.map((t: any) => t.id);

// Runs first: its tasks have no deliverables, so the deliverable counts below are exact.
describe('backfillTaskListKeys', () => {
  it('takes cancelled tasks out of the default lists of their student, all tasks and their admin; a second run changes nothing', async () => {
    const cancelledAssigned = await oldTask('cancelled', admin.user.id);
    const cancelled = await oldTask('cancelled');
    const active = await oldTask('in_progress', admin.user.id);
    const totalsBefore = await get(taskStatsKeys.totals);
    // Before: the old entries show the cancelled tasks in the default lists.
    expect(await listIds(admin)).toEqual(expect.arrayContaining([cancelledAssigned.id, cancelled.id, active.id]));

    const first = await backfillTaskListKeys(db(), NOW);

    // Two cancelled tasks examined; 3 default-list entries of the assigned one (student, all, admin) and 2 of the other removed.
    expect(first).toEqual({ examined: 2, changed: 5 });
    const defaultEntry = (t: Task, scope: TaskListScope) => get(listEntryKey(t, scope));
    for (const t of [cancelledAssigned, cancelled]) {
      for (const scope of listScopesOf(t)) {
        expect(await defaultEntry(t, scope), JSON.stringify(scope)).toBeUndefined();
        expect(await get(listEntryKey(t, scope, 'cancelled')), JSON.stringify(scope)).toMatchObject({ id: t.id, status: 'cancelled' });
      }
    }
    for (const scope of listScopesOf(active)) expect(await defaultEntry(active, scope)).toMatchObject({ id: active.id, status: 'in_progress' });
    expect(await get(taskStatsKeys.totals)).toEqual(totalsBefore);

    // Through the API: out of every default list, listed with status=cancelled.
    for (const [actor, scope] of [[student, ''], [admin, ''], [admin, '&assignedToMe=true']] as const) {
      const ids = await listIds(actor, scope);
      expect(ids).toContain(active.id);
      expect(ids).not.toContain(cancelledAssigned.id);
      expect(ids).not.toContain(cancelled.id);
      expect(await listIds(actor, `${scope}&status=cancelled`)).toContain(cancelledAssigned.id);
    }
    expect(await listIds(student, '&status=cancelled')).toEqual(expect.arrayContaining([cancelledAssigned.id, cancelled.id]));

    expect(await backfillTaskListKeys(db(), NOW)).toEqual({ examined: 2, changed: 0 });
  });
});

describe('migrateDeliverableStatuses', () => {
  it('rewrites approved as completed and submitted as in_progress awaiting approval, gives every deliverable awaitingApproval, and changes nothing on a second run', async () => {
    const task = await oldTask('in_progress', admin.user.id);
    const approved = await oldDeliverable(task, 'approved', { submittedAt: '2026-01-20T00:00:00.000Z', reviewedAt: '2026-01-21T00:00:00.000Z', feedback: 'Great' });
    const submitted = await oldDeliverable(task, 'submitted', { submittedAt: '2026-01-25T00:00:00.000Z', submittedBy: admin.user.id, notes: 'Draft' });
    const pending = await oldDeliverable(task, 'pending');
    const revision = await oldDeliverable(task, 'revision_needed', { submittedAt: '2026-01-22T00:00:00.000Z', feedback: 'More sources' });
    const current = await oldDeliverable(task, 'in_progress', { awaitingApproval: false });
    // A cancelled task still in the default lists (before the list backfill): found once, through either list.
    const cancelledTask = await oldTask('cancelled');
    const ofCancelled = await oldDeliverable(cancelledTask, 'submitted', { submittedAt: '2026-01-26T00:00:00.000Z' });

    // Even before the migration, the API answers spec values only.
    const early = (await api.get(`/tasks/${task.id}`, { token: admin.token })).body.data.deliverables;
    expect(early.map((d: any) => [d.status, d.awaitingApproval])).toEqual([
      ['completed', false],
      ['in_progress', true],
      ['pending', false],
      ['revision_needed', false],
      ['in_progress', false],
    ]);

    const first = await migrateDeliverableStatuses(db(), NOW);

    expect(first).toEqual({ examined: 6, changed: 5 });
    const stored = (d: Record<string, unknown>) => get({ pk: d.pk as string, sk: d.sk as string });
    const unchanged = { version: 4, updatedAt: '2026-02-01T00:00:00.000Z' };
    expect(await stored(approved)).toMatchObject({ status: 'completed', awaitingApproval: false, reviewedAt: '2026-01-21T00:00:00.000Z', feedback: 'Great', ...unchanged });
    expect(await stored(submitted)).toMatchObject({ status: 'in_progress', awaitingApproval: true, submittedAt: '2026-01-25T00:00:00.000Z', notes: 'Draft', ...unchanged });
    expect(await stored(pending)).toMatchObject({ status: 'pending', awaitingApproval: false, ...unchanged });
    expect(await stored(revision)).toMatchObject({ status: 'revision_needed', awaitingApproval: false, submittedAt: '2026-01-22T00:00:00.000Z', ...unchanged });
    expect(await stored(current)).toMatchObject({ status: 'in_progress', awaitingApproval: false, ...unchanged });
    expect(await stored(ofCancelled)).toMatchObject({ status: 'in_progress', awaitingApproval: true, submittedAt: '2026-01-26T00:00:00.000Z' });

    expect(await migrateDeliverableStatuses(db(), NOW)).toEqual({ examined: 6, changed: 0 });

    // The migrated submission goes on through the API: the student approves it, and it is completed.
    const reviewed = await api.post(`/deliverables/${submitted.id}/approve`, { approved: true }, { token: student.token });
    expect(reviewed.status).toBe(200);
    expect(reviewed.body.data).toMatchObject({ status: 'completed', awaitingApproval: false, submittedAt: '2026-01-25T00:00:00.000Z' });
  });

  it('finds the deliverables of a task cancelled after the list backfill (out of the default lists)', async () => {
    const task = await oldTask('cancelled');
    const approved = await oldDeliverable(task, 'approved');
    expect((await backfillTaskListKeys(db(), NOW)).changed).toBeGreaterThan(0);
    expect(await listIds(admin)).not.toContain(task.id);

    const result = await migrateDeliverableStatuses(db(), NOW);

    expect(result.changed).toBe(1);
    expect(await get({ pk: approved.pk as string, sk: approved.sk as string })).toMatchObject({ status: 'completed', awaitingApproval: false });
  });

  it('leaves a deliverable the API rewrote after the migration read it (the update is conditional on the old status)', async () => {
    const task = await oldTask('in_progress', admin.user.id);
    const submitted = await oldDeliverable(task, 'submitted', { submittedAt: '2026-01-25T00:00:00.000Z' });
    const key = { pk: submitted.pk as string, sk: submitted.sk as string };
    // The student's approval lands between the migration's read and its write.
    const doc = db().doc;
    const send = doc.send.bind(doc);
    let raced = false;
    vi.spyOn(doc, 'send').mockImplementation((async (command: unknown) => {
      if (command instanceof UpdateCommand && !raced) {
        raced = true;
        await send(
          new UpdateCommand({
            TableName: db().tableName,
            Key: key,
            UpdateExpression: 'SET #s = :completed, awaitingApproval = :f, version = :v',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':completed': 'completed', ':f': false, ':v': 5 },
          }),
        );
      }
      return send(command as never);
    }) as never);

    const result = await migrateDeliverableStatuses(db(), NOW);

    expect(raced).toBe(true);
    expect(result.changed).toBe(0);
    expect(await get(key)).toMatchObject({ status: 'completed', awaitingApproval: false, version: 5 });
  });
});
