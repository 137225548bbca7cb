// Tasks through the real gateway against DynamoDB Local and s3rver: create, detail, edit, the status machine
// (every illegal move, racing admins, history), cancel, assign, counters after each move, domain events,
// and who may do each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { dayOf, getTaskStats, listTaskDays, monthOf } from '../../shared/db/entities/task-stats.ts';
import { TASK_STATUSES, taskKeys } from '../../shared/db/entities/task.ts';
import { getFileById } from '../../shared/db/entities/file.ts';
import { subscribeToTaskEvents, type TaskEvent } from '../../shared/events/task-events.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const DAY_MS = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

const taskBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Machine Learning Research Paper',
  type: 'research_paper',
  description: 'Detailed description...',
  subject: 'computer_science',
  academicLevel: 'undergraduate',
  pages: 10,
  deadline: inDays(30),
  budget: 200,
  requirements: 'Specific requirements...',
  deliverables: ['Draft version', 'Final document', 'Presentation slides'],
  citations: 'APA format required',
  ...overrides,
});

async function createTask(actor: Actor, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/tasks', taskBody(overrides), { token: actor.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

const setStatus = (actor: Actor, taskId: string, status: string, extra: Record<string, unknown> = {}) =>
  api.put(`/tasks/${taskId}/status`, { status, ...extra }, { token: actor.token });

async function moveTo(actor: Actor, taskId: string, status: string, extra: Record<string, unknown> = {}) {
  const res = await setStatus(actor, taskId, status, extra);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

async function uploadFile(actor: Actor, name = 'requirements.pdf'): Promise<any> {
  const form = new FormData();
  form.append('category', 'task_attachment');
  form.append('files', new File([new Uint8Array(fixtures.pdf())], name, { type: 'application/pdf' }));
  const res = await api.post('/files/upload', undefined, { token: actor.token, form });
  expect(res.status).toBe(201);
  return res.body.data[0];
}

/** The counters the analytics read, through their readers (which sum the counter shards). */
async function counters() {
  const db = getDb();
  const now = new Date();
  const [{ totals, month }, [day]] = await Promise.all([getTaskStats(db, monthOf(now)), listTaskDays(db, dayOf(now), dayOf(now))]);
  const out: Record<string, number> = { total: totals.total };
  for (const s of TASK_STATUSES) out[s] = totals[s];
  out.createdToday = day?.created ?? 0;
  out.completedToday = day?.completed ?? 0;
  out.createdThisMonth = month!.created;
  out.completedThisMonth = month!.completed;
  return out;
}

function delta(before: Record<string, number>, after: Record<string, number>) {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) if (after[k] !== before[k]) out[k] = after[k] - before[k];
  return out;
}

const events: TaskEvent[] = [];
let unsubscribe: () => void;
let student: Actor;
let otherStudent: Actor;
let admin: Actor;
let otherAdmin: Actor;

beforeAll(async () => {
  unsubscribe = subscribeToTaskEvents((e) => {
    events.push(e);
  });
  [student, otherStudent, admin, otherAdmin] = await Promise.all([seedStudent({ name: 'John Doe' }), seedStudent(), seedAdmin({ name: 'Dr. Smith' }), seedAdmin()]);
});
afterAll(() => unsubscribe());

describe('POST /tasks', () => {
  it('creates a pending task owned by the caller, with one deliverable per title, and answers the spec detail shape', async () => {
    const deadline = inDays(20);
    const res = await api.post('/tasks', taskBody({ deadline, budget: 199.99, priority: 'high' }), { token: student.token });

    expect(res.status).toBe(201);
    const task = res.body.data;
    expect(task).toMatchObject({
      title: 'Machine Learning Research Paper',
      description: 'Detailed description...',
      status: 'pending',
      priority: 'high',
      dueDate: new Date(deadline).toISOString(),
      budget: 199.99,
      type: 'research_paper',
      subject: 'computer_science',
      academicLevel: 'undergraduate',
      pages: 10,
      requirements: 'Specific requirements...',
      citations: 'APA format required',
      student: { id: student.user.id, name: 'John Doe', email: student.user.email },
      assignedAdmin: null,
      attachments: [],
    });
    expect(task.id).toMatch(/^task_/);
    expect(task.createdAt).toBe(task.updatedAt);
    expect(task.deliverables.map((d: any) => [d.title, d.status, d.files, d.dueDate])).toEqual([
      ['Draft version', 'pending', [], task.dueDate],
      ['Final document', 'pending', [], task.dueDate],
      ['Presentation slides', 'pending', [], task.dueDate],
    ]);
    expect(task.history).toEqual([expect.objectContaining({ from: null, to: 'pending', by: student.user.id, byRole: 'student' })]);
  });

  it('stores the budget as integer cents', async () => {
    const task = await createTask(student, { budget: 199.99 });
    const db = getDb();
    const item = (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: taskKeys.task(task.id) }))).Item!;
    expect(item.budgetCents).toBe(19_999);
    expect(item.budget).toBeUndefined();
  });

  it('defaults the priority to medium and accepts a task without deliverables or attachments', async () => {
    const task = await createTask(student, { deliverables: undefined, requirements: undefined, citations: undefined });
    expect(task).toMatchObject({ priority: 'medium', deliverables: [], attachments: [], requirements: null, citations: null });
  });

  it('attaches uploaded files: they appear with a URL and are marked attached to the task', async () => {
    const file = await uploadFile(student, 'requirements.pdf');

    const task = await createTask(student, { attachments: [file.id] });

    expect(task.attachments).toEqual([{ id: file.id, name: 'requirements.pdf', url: expect.stringMatching(/^http/), size: file.size, type: 'application/pdf' }]);
    const record = await getFileById(getDb(), file.id);
    expect(record).toMatchObject({ attachedTo: `task#${task.id}`, taskId: task.id });
    const detail = await api.get(`/tasks/${task.id}`, { token: admin.token });
    expect(detail.body.data.attachments.map((a: any) => a.id)).toEqual([file.id]);
  });

  it('refuses a file already attached to another task (400 naming the file) and writes nothing', async () => {
    const file = await uploadFile(student);
    await createTask(student, { attachments: [file.id] });
    const before = await counters();

    const res = await api.post('/tasks', taskBody({ attachments: [file.id] }), { token: student.token });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'attachments', fileId: file.id } });
    expect(delta(before, await counters())).toEqual({});
  });

  it('gives a file to exactly one of two tasks created at once with it; the other writes nothing', async () => {
    for (let round = 0; round < 3; round++) {
      const file = await uploadFile(student);
      const before = await counters();

      const results = await Promise.all([1, 2].map(() => api.post('/tasks', taskBody({ attachments: [file.id] }), { token: student.token })));

      const created = results.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      const refused = results.find((r) => r.status !== 201)!;
      // Refused by the check before writing (400), or by the attach condition inside the transaction (409).
      expect([400, 409]).toContain(refused.status);
      expect(refused.body.error.details.fileId).toBe(file.id);
      expect(delta(before, await counters())).toEqual({ total: 1, pending: 1, createdToday: 1, createdThisMonth: 1 });
      expect(await getFileById(getDb(), file.id)).toMatchObject({ attachedTo: `task#${created[0].body.data.id}` });
    }
  });

  it('increments the counters in the same write: total, pending, created today and this month', async () => {
    const before = await counters();
    await createTask(student);
    expect(delta(before, await counters())).toEqual({ total: 1, pending: 1, createdToday: 1, createdThisMonth: 1 });
  });

  it('publishes task.status_changed from null to pending after the commit', async () => {
    const task = await createTask(student);
    expect(events).toContainEqual({
      type: 'task.status_changed',
      data: expect.objectContaining({ taskId: task.id, studentId: student.user.id, from: null, to: 'pending', by: { id: student.user.id, role: 'student' } }),
    });
  });

  it.each([
    ['a deadline in the past', { deadline: inDays(-1) }, 'deadline'],
    ['a deadline that is not a date', { deadline: 'next friday' }, 'deadline'],
    ['a negative budget', { budget: -5 }, 'budget'],
    ['a zero budget', { budget: 0 }, 'budget'],
    ['a budget with fractions of a cent', { budget: 10.005 }, 'budget'],
    ['no title', { title: undefined }, 'title'],
    ['a blank title', { title: '   ' }, 'title'],
    ['zero pages', { pages: 0 }, 'pages'],
    ['an unknown academic level', { academicLevel: 'kindergarten' }, 'academicLevel'],
    ['an unknown priority', { priority: 'asap' }, 'priority'],
    ['an attachment id that is not a file id', { attachments: ['file_1'] }, 'attachments.0'],
    ['an unknown attachment id', { attachments: ['file_01JAAAAAAAAAAAAAAAAAAAAAAA'] }, 'attachments'],
    ['a status (server-owned)', { status: 'completed' }, 'status'],
    ['a studentId (server-owned)', { studentId: 'user_01JAAAAAAAAAAAAAAAAAAAAAAA' }, 'studentId'],
    ['more than 10 deliverables', { deliverables: Array.from({ length: 11 }, (_, i) => `Part ${i}`) }, 'deliverables'],
  ])('refuses %s with 400 VALIDATION_ERROR naming the field', async (_name, overrides, field) => {
    const res = await api.post('/tasks', taskBody(overrides), { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.field).toBe(field);
  });

  it("refuses another student's file as an attachment, as if it did not exist", async () => {
    const file = await uploadFile(otherStudent);
    const res = await api.post('/tasks', taskBody({ attachments: [file.id] }), { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toMatchObject({ field: 'attachments', fileId: file.id, issue: 'file does not exist' });
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await api.post('/tasks', '{"title":', { token: student.token });
    expect(res.status).toBe(400);
  });

  it('is for students: an admin gets 403, no token 401', async () => {
    expect((await api.post('/tasks', taskBody(), { token: admin.token })).status).toBe(403);
    expect((await api.post('/tasks', taskBody())).status).toBe(401);
  });
});

describe('GET /tasks/{taskId}', () => {
  it('shows the task to its student and to any admin', async () => {
    const task = await createTask(student);
    for (const actor of [student, admin, otherAdmin]) {
      const res = await api.get(`/tasks/${task.id}`, { token: actor.token });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual(task);
    }
  });

  it("answers 404 to another student (the task's existence is not revealed)", async () => {
    const task = await createTask(student);
    const res = await api.get(`/tasks/${task.id}`, { token: otherStudent.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 404 for an unknown task, 400 for a malformed id and 401 without a token', async () => {
    expect((await api.get('/tasks/task_01JAAAAAAAAAAAAAAAAAAAAAAA', { token: admin.token })).status).toBe(404);
    expect((await api.get('/tasks/123', { token: admin.token })).status).toBe(400);
    expect((await api.get('/tasks/task_01JAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
  });
});

describe('PUT /tasks/{taskId}', () => {
  it('lets the student edit the task while pending; the lists show the new title and due date', async () => {
    const task = await createTask(student, { title: 'Old title' });
    const deadline = inDays(45);

    const res = await api.put(`/tasks/${task.id}`, { title: 'Updated title', deadline, budget: 250.5, requirements: null }, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ title: 'Updated title', dueDate: new Date(deadline).toISOString(), budget: 250.5, requirements: null, status: 'pending' });
    expect(res.body.data.updatedAt >= task.updatedAt).toBe(true);
    for (const [actor, query] of [[student, ''], [admin, ''], [admin, '?status=pending']] as const) {
      const list = await api.get(`/tasks${query}${query ? '&' : '?'}limit=100`, { token: actor.token });
      expect(list.body.data.find((t: any) => t.id === task.id)).toMatchObject({ title: 'Updated title', dueDate: new Date(deadline).toISOString(), budget: 250.5 });
    }
  });

  it('lets the student edit the task while revision_needed', async () => {
    const task = await createTask(student);
    await moveTo(admin, task.id, 'in_progress');
    await moveTo(admin, task.id, 'revision_needed', { feedback: 'Which dataset?' });

    const res = await api.put(`/tasks/${task.id}`, { description: 'Use the UCI dataset' }, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data.description).toBe('Use the UCI dataset');
  });

  it.each(['in_progress', 'rejected', 'cancelled'])('refuses edits while %s with 409 and the current status', async (status) => {
    const task = await createTask(student);
    if (status === 'cancelled') await api.del(`/tasks/${task.id}`, { reason: 'No longer needed' }, { token: student.token });
    else await moveTo(admin, task.id, status);

    const res = await api.put(`/tasks/${task.id}`, { title: 'Too late' }, { token: student.token });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: { currentStatus: status } });
  });

  it('refuses a past deadline, an empty body and server-owned fields (400)', async () => {
    const task = await createTask(student);
    for (const [body, field] of [[{ deadline: inDays(-2) }, 'deadline'], [{}, 'body'], [{ status: 'completed' }, 'status'], [{ attachments: [] }, 'attachments']] as const) {
      const res = await api.put(`/tasks/${task.id}`, body, { token: student.token });
      expect(res.status).toBe(400);
      expect(res.body.error.details.field).toBe(field);
    }
  });

  it('answers 404 to another student, 403 to an admin and 401 without a token', async () => {
    const task = await createTask(student);
    expect((await api.put(`/tasks/${task.id}`, { title: 'Mine now' }, { token: otherStudent.token })).status).toBe(404);
    expect((await api.put(`/tasks/${task.id}`, { title: 'Mine now' }, { token: admin.token })).status).toBe(403);
    expect((await api.put(`/tasks/${task.id}`, { title: 'Mine now' })).status).toBe(401);
  });
});

// The state machine as the product defines it, written out here independently of the code's table.
const LEGAL_ADMIN_MOVES: Record<string, string[]> = {
  pending: ['in_progress', 'rejected'],
  in_progress: ['completed', 'revision_needed'],
  revision_needed: ['in_progress', 'rejected'],
  completed: [],
  rejected: [],
  cancelled: [],
};
const ADMIN_TARGETS = ['in_progress', 'completed', 'revision_needed', 'rejected'];
/** Legal admin moves that bring a new task to each status. */
const PATH_TO: Record<string, string[]> = {
  pending: [],
  in_progress: ['in_progress'],
  revision_needed: ['in_progress', 'revision_needed'],
  completed: ['in_progress', 'completed'],
  rejected: ['rejected'],
  cancelled: [],
};

async function taskIn(status: string): Promise<string> {
  const task = await createTask(student, { deliverables: [] });
  for (const step of PATH_TO[status]) await moveTo(admin, task.id, step);
  if (status === 'cancelled') expect((await api.del(`/tasks/${task.id}`, { reason: 'Changed my mind' }, { token: student.token })).status).toBe(200);
  return task.id;
}

describe('PUT /tasks/{taskId}/status: the state machine', () => {
  const illegal = Object.entries(LEGAL_ADMIN_MOVES).flatMap(([from, legal]) => ADMIN_TARGETS.filter((to) => !legal.includes(to)).map((to) => [from, to] as const));

  it.each(illegal)('refuses %s -> %s with 409 CONFLICT naming the current status, and changes nothing', async (from, to) => {
    const taskId = await taskIn(from);
    const before = await counters();

    const res = await setStatus(admin, taskId, to, { reason: 'Trying' });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: { currentStatus: from, requestedStatus: to } });
    expect(delta(before, await counters())).toEqual({});
    const detail = await api.get(`/tasks/${taskId}`, { token: admin.token });
    expect(detail.body.data.status).toBe(from);
  });

  it.each(Object.entries(LEGAL_ADMIN_MOVES).flatMap(([from, legal]) => legal.map((to) => [from, to] as const)))(
    'lets an admin move %s -> %s',
    async (from, to) => {
      const taskId = await taskIn(from);
      const res = await setStatus(admin, taskId, to);
      expect(res.status).toBe(200);
      expect(res.body.data.status).toBe(to);
    },
  );

  it('keeps every move in the history with who made it, the reason and the feedback', async () => {
    const task = await createTask(student);
    await moveTo(admin, task.id, 'in_progress', { reason: 'Picked up' });
    await moveTo(otherAdmin, task.id, 'revision_needed', { reason: 'Unclear scope', feedback: 'Please name the dataset' });
    await api.put(`/tasks/${task.id}`, { requirements: 'UCI Adult dataset' }, { token: student.token });
    const done = await moveTo(admin, task.id, 'in_progress');

    expect(done.history.map((h: any) => [h.from, h.to, h.by, h.byRole, h.reason, h.feedback])).toEqual([
      [null, 'pending', student.user.id, 'student', null, null],
      ['pending', 'in_progress', admin.user.id, 'admin', 'Picked up', null],
      ['in_progress', 'revision_needed', otherAdmin.user.id, 'admin', 'Unclear scope', 'Please name the dataset'],
      ['revision_needed', 'in_progress', admin.user.id, 'admin', null, null],
    ]);
    const at = done.history.map((h: any) => h.at);
    expect([...at].sort()).toEqual(at);
  });

  it('moves the counters with each move: -1 old status, +1 new, and completed today on completion', async () => {
    const task = await createTask(student);
    const steps: [string, Record<string, number>][] = [
      ['in_progress', { pending: -1, in_progress: 1 }],
      ['revision_needed', { in_progress: -1, revision_needed: 1 }],
      ['in_progress', { revision_needed: -1, in_progress: 1 }],
      ['completed', { in_progress: -1, completed: 1, completedToday: 1, completedThisMonth: 1 }],
    ];
    for (const [status, expected] of steps) {
      const before = await counters();
      await moveTo(admin, task.id, status);
      expect(delta(before, await counters()), `-> ${status}`).toEqual(expected);
    }
  });

  it('lets exactly one of two racing admins win; the other gets 409 with the status the winner set', async () => {
    for (let round = 0; round < 5; round++) {
      const task = await createTask(student, { deliverables: [] });
      const before = await counters();

      const [a, b] = await Promise.all([setStatus(admin, task.id, 'in_progress'), setStatus(otherAdmin, task.id, 'rejected')]);

      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 409]);
      const winner = a.status === 200 ? a : b;
      const loser = a.status === 200 ? b : a;
      expect(loser.body.error.details.currentStatus).toBe(winner.body.data.status);
      expect(delta(before, await counters())).toEqual({ pending: -1, [winner.body.data.status]: 1 });
      const detail = await api.get(`/tasks/${task.id}`, { token: admin.token });
      expect(detail.body.data.history).toHaveLength(2);
    }
  });

  it('lets exactly one of two admins making the same move win', async () => {
    for (let round = 0; round < 5; round++) {
      const task = await createTask(student, { deliverables: [] });
      const before = await counters();
      const results = await Promise.all([setStatus(admin, task.id, 'in_progress'), setStatus(otherAdmin, task.id, 'in_progress')]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.details.currentStatus).toBe('in_progress');
      expect(delta(before, await counters())).toEqual({ pending: -1, in_progress: 1 });
    }
  });

  it('publishes task.status_changed with the move, its author and feedback', async () => {
    const task = await createTask(student);
    await moveTo(admin, task.id, 'in_progress');
    await moveTo(admin, task.id, 'revision_needed', { reason: 'Scope', feedback: 'More detail please' });
    expect(events.filter((e) => e.type === 'task.status_changed' && e.data.taskId === task.id).map((e) => e.data)).toEqual([
      expect.objectContaining({ from: null, to: 'pending' }),
      expect.objectContaining({ from: 'pending', to: 'in_progress', by: { id: admin.user.id, role: 'admin' } }),
      expect.objectContaining({ from: 'in_progress', to: 'revision_needed', reason: 'Scope', feedback: 'More detail please' }),
    ]);
  });

  it('refuses an unknown status, cancelled (the student cancels through DELETE) and extra fields (400)', async () => {
    const task = await createTask(student);
    for (const body of [{ status: 'done' }, { status: 'cancelled' }, { status: 'pending' }, { status: 'in_progress', by: 'me' }, {}]) {
      const res = await api.put(`/tasks/${task.id}/status`, body, { token: admin.token });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('is for admins: a student (even the owner) gets 403, no token 401; an unknown task is 404', async () => {
    const task = await createTask(student);
    expect((await setStatus(student, task.id, 'in_progress')).status).toBe(403);
    expect((await api.put(`/tasks/${task.id}/status`, { status: 'in_progress' })).status).toBe(401);
    expect((await setStatus(admin, 'task_01JAAAAAAAAAAAAAAAAAAAAAAA', 'in_progress')).status).toBe(404);
  });
});

describe('DELETE /tasks/{taskId} (cancel)', () => {
  it.each(['pending', 'in_progress', 'revision_needed'])('lets the student cancel a %s task with a reason, kept as history', async (from) => {
    const taskId = await taskIn(from);
    const before = await counters();

    const res = await api.del(`/tasks/${taskId}`, { reason: 'Found another way' }, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('cancelled');
    expect(res.body.data.history.at(-1)).toMatchObject({ from, to: 'cancelled', by: student.user.id, byRole: 'student', reason: 'Found another way' });
    expect(delta(before, await counters())).toEqual({ [from]: -1, cancelled: 1 });
    const mine = await api.get('/tasks?status=cancelled&limit=100', { token: student.token });
    expect(mine.body.data.map((t: any) => t.id)).toContain(taskId);
  });

  it('takes the task out of the default lists of its student and of the admins (every sort, all and assigned scopes); status=cancelled lists it', async () => {
    const task = await createTask(student, { deliverables: [] });
    await moveTo(admin, task.id, 'in_progress');
    expect((await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token })).status).toBe(200);
    const lists: [string, Actor, string][] = [
      ['the student', student, ''],
      ["an admin's all", otherAdmin, ''],
      ['assignedToMe', admin, '&assignedToMe=true'],
      ['assignedTo', otherAdmin, `&assignedTo=${admin.user.id}`],
    ];
    const sorts = ['created_at', 'due_date', 'title'].flatMap((sortBy) => ['asc', 'desc'].map((order) => `sortBy=${sortBy}&sortOrder=${order}`));
    const ids = async (actor: Actor, query: string) => (await api.get(`/tasks?${query}&limit=100`, { token: actor.token })).body.data.map((t: any) => t.id);
    for (const [name, actor, scope] of lists) expect(await ids(actor, `sortBy=title${scope}`), name).toContain(task.id);
    const before = await counters();

    expect((await api.del(`/tasks/${task.id}`, { reason: 'Found another way' }, { token: student.token })).status).toBe(200);

    for (const [name, actor, scope] of lists) {
      for (const sort of sorts) expect(await ids(actor, `${sort}${scope}`), `${name} ${sort}`).not.toContain(task.id);
      expect(await ids(actor, `status=in_progress${scope}`), name).not.toContain(task.id);
      expect(await ids(actor, `status=cancelled${scope}`), name).toContain(task.id);
    }
    // The counters move once, from in_progress to cancelled; the task counts in the total as before.
    expect(delta(before, await counters())).toEqual({ in_progress: -1, cancelled: 1 });
    expect((await api.get(`/tasks/${task.id}`, { token: student.token })).body.data.status).toBe('cancelled');
  });

  it.each(['completed', 'rejected', 'cancelled'])('refuses to cancel a %s task with 409 and the current status', async (from) => {
    const taskId = await taskIn(from);
    const res = await api.del(`/tasks/${taskId}`, { reason: 'Again' }, { token: student.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details.currentStatus).toBe(from);
  });

  it('needs a reason (400)', async () => {
    const task = await createTask(student);
    expect((await api.del(`/tasks/${task.id}`, {}, { token: student.token })).status).toBe(400);
    expect((await api.del(`/tasks/${task.id}`, undefined, { token: student.token })).status).toBe(400);
  });

  it('answers 404 to another student, 403 to admins (they reject instead) and 401 without a token', async () => {
    const task = await createTask(student);
    expect((await api.del(`/tasks/${task.id}`, { reason: 'x' }, { token: otherStudent.token })).status).toBe(404);
    expect((await api.del(`/tasks/${task.id}`, { reason: 'x' }, { token: admin.token })).status).toBe(403);
    expect((await api.del(`/tasks/${task.id}`, { reason: 'x' })).status).toBe(401);
    expect((await api.get(`/tasks/${task.id}`, { token: student.token })).body.data.status).toBe('pending');
  });
});

describe('POST /tasks/{taskId}/assign', () => {
  it('assigns the task to an admin, who then finds it under assignedToMe; reassigning moves it', async () => {
    const task = await createTask(student);

    const res = await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: otherAdmin.token });

    expect(res.status).toBe(200);
    expect(res.body.data.assignedAdmin).toEqual({ id: admin.user.id, name: 'Dr. Smith' });
    const mine = await api.get('/tasks?assignedToMe=true&limit=100', { token: admin.token });
    expect(mine.body.data.map((t: any) => t.id)).toContain(task.id);
    expect(mine.body.data.find((t: any) => t.id === task.id).assignedAdmin).toEqual({ id: admin.user.id, name: 'Dr. Smith' });

    const again = await api.post(`/tasks/${task.id}/assign`, { adminId: otherAdmin.user.id }, { token: admin.token });
    expect(again.status).toBe(200);
    const mineAfter = await api.get('/tasks?assignedToMe=true&limit=100', { token: admin.token });
    expect(mineAfter.body.data.map((t: any) => t.id)).not.toContain(task.id);
    const theirs = await api.get(`/tasks?assignedTo=${otherAdmin.user.id}&status=pending&limit=100`, { token: admin.token });
    expect(theirs.body.data.map((t: any) => t.id)).toContain(task.id);
    expect(events).toContainEqual({
      type: 'task.assigned',
      data: expect.objectContaining({ taskId: task.id, assignedAdminId: otherAdmin.user.id, previousAdminId: admin.user.id }),
    });
  });

  it('keeps the assignee list in step with status changes', async () => {
    const task = await createTask(student);
    await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token });
    await moveTo(admin, task.id, 'in_progress');

    const pending = await api.get('/tasks?assignedToMe=true&status=pending&limit=100', { token: admin.token });
    const working = await api.get('/tasks?assignedToMe=true&status=in_progress&limit=100', { token: admin.token });

    expect(pending.body.data.map((t: any) => t.id)).not.toContain(task.id);
    expect(working.body.data.map((t: any) => t.id)).toContain(task.id);
  });

  it('is idempotent for the current assignee', async () => {
    const task = await createTask(student);
    const first = await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token });
    const second = await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token });
    expect(second.status).toBe(200);
    expect(second.body.data.updatedAt).toBe(first.body.data.updatedAt);
  });

  it('refuses a student as assignee (400), an unknown user (404), a suspended admin (400) and a malformed id (400)', async () => {
    const task = await createTask(student);
    const suspended = await seedAdmin({ status: 'suspended' });
    const cases: [string, number][] = [
      [student.user.id, 400],
      ['user_01JAAAAAAAAAAAAAAAAAAAAAAA', 404],
      [suspended.user.id, 400],
      ['admin_456', 400],
    ];
    for (const [adminId, status] of cases) {
      const res = await api.post(`/tasks/${task.id}/assign`, { adminId }, { token: admin.token });
      expect(res.status, adminId).toBe(status);
    }
    expect((await api.get(`/tasks/${task.id}`, { token: admin.token })).body.data.assignedAdmin).toBeNull();
  });

  it('refuses to assign a closed task (409 with the current status) and an unknown task (404)', async () => {
    const taskId = await taskIn('rejected');
    const res = await api.post(`/tasks/${taskId}/assign`, { adminId: admin.user.id }, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details.currentStatus).toBe('rejected');
    expect((await api.post('/tasks/task_01JAAAAAAAAAAAAAAAAAAAAAAA/assign', { adminId: admin.user.id }, { token: admin.token })).status).toBe(404);
  });

  it('is for admins: a student gets 403, no token 401', async () => {
    const task = await createTask(student);
    expect((await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: student.token })).status).toBe(403);
    expect((await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id })).status).toBe(401);
  });
});
