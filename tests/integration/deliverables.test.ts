// Deliverables through the gateway: the whole life of a task from creation to completed deliverables,
// the deliverable state machine, submission by multipart and by file ids (and who may then read the files),
// review by the task's student, removal, limits, events, and who may do each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { testBucket } from '../support/s3.ts';
import { getFileById } from '../../shared/db/entities/file.ts';
import { dayOf, listTaskDays } from '../../shared/db/entities/task-stats.ts';
import { subscribeToTaskEvents, type TaskEvent } from '../../shared/events/task-events.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const DAY_MS = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

let student: Actor;
let otherStudent: Actor;
let admin: Actor;
const events: TaskEvent[] = [];
let unsubscribe: () => void;

beforeAll(async () => {
  unsubscribe = subscribeToTaskEvents((e) => {
    events.push(e);
  });
  [student, otherStudent, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
});
afterAll(() => unsubscribe());

async function createTask(deliverables: string[] = ['Draft version', 'Final document']): Promise<any> {
  const res = await api.post(
    '/tasks',
    {
      title: 'Machine Learning Research Paper',
      type: 'research_paper',
      description: 'Detailed description...',
      subject: 'computer_science',
      academicLevel: 'undergraduate',
      pages: 10,
      deadline: inDays(30),
      budget: 200,
      deliverables,
    },
    { token: student.token },
  );
  expect(res.status).toBe(201);
  return res.body.data;
}

/** A task an admin has started, with its deliverables. */
async function workingTask(deliverables?: string[]): Promise<any> {
  const task = await createTask(deliverables);
  const res = await api.put(`/tasks/${task.id}/status`, { status: 'in_progress' }, { token: admin.token });
  expect(res.status).toBe(200);
  return res.body.data;
}

function filesForm(names: string[], notes?: string): FormData {
  const form = new FormData();
  if (notes !== undefined) form.append('notes', notes);
  for (const name of names) form.append('files', new File([new Uint8Array(fixtures.pdf())], name, { type: 'application/pdf' }));
  return form;
}

const submitMultipart = (actor: Actor, deliverableId: string, names: string[], notes?: string) =>
  api.post(`/deliverables/${deliverableId}/submit`, undefined, { token: actor.token, form: filesForm(names, notes) });

async function uploadAs(actor: Actor, name: string, category = 'deliverable'): Promise<any> {
  const form = new FormData();
  form.append('category', category);
  form.append('files', new File([new Uint8Array(fixtures.pdf())], name, { type: 'application/pdf' }));
  const res = await api.post('/files/upload', undefined, { token: actor.token, form });
  expect(res.status).toBe(201);
  return res.body.data[0];
}

async function objectCount(): Promise<number> {
  const { s3, bucket } = testBucket();
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return out.KeyCount ?? 0;
}

/** The spec's deliverable statuses: no response may carry another. */
const SPEC_STATUSES = ['pending', 'in_progress', 'completed', 'revision_needed'];

/** Status, awaitingApproval and whether submittedAt is set: the review state a frontend shows. */
const reviewState = (d: any) => ({ status: d.status, awaitingApproval: d.awaitingApproval, submitted: d.submittedAt !== null });

async function completedToday(): Promise<number> {
  const today = dayOf(new Date());
  const [day] = await listTaskDays(getDb(), today, today);
  return day?.completed ?? 0;
}

describe('the whole life of a task', () => {
  it('goes from creation through submissions, a revision and approvals to a completed task, in spec statuses only', async () => {
    const seen: any[] = [];
    const see = <T extends { body: any }>(res: T): T => {
      const data = res.body?.data;
      seen.push(...(Array.isArray(data?.deliverables) ? data.deliverables : data && 'awaitingApproval' in data ? [data] : []));
      return res;
    };

    // The student creates the task with two deliverables.
    const task = await createTask(['Draft version', 'Final document']);
    const [draft, final] = task.deliverables;
    expect(task.deliverables.map(reviewState)).toEqual([
      { status: 'pending', awaitingApproval: false, submitted: false },
      { status: 'pending', awaitingApproval: false, submitted: false },
    ]);

    // An admin assigns it to themself, starts it and starts on the draft.
    expect((await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token })).status).toBe(200);
    expect(see(await api.put(`/tasks/${task.id}/status`, { status: 'in_progress' }, { token: admin.token })).status).toBe(200);
    const started = see(await api.put(`/deliverables/${draft.id}`, { status: 'in_progress' }, { token: admin.token }));
    expect(reviewState(started.body.data)).toEqual({ status: 'in_progress', awaitingApproval: false, submitted: false });

    // The draft is submitted as multipart files with notes: still in progress, now awaiting the student's
    // approval; the student can read the files.
    const submitted = see(await submitMultipart(admin, draft.id, ['draft.pdf', 'outline.pdf'], 'First draft attached'));
    expect(submitted.status).toBe(200);
    expect(submitted.body.data).toMatchObject({ status: 'in_progress', awaitingApproval: true, submittedAt: expect.any(String), notes: 'First draft attached' });
    expect(submitted.body.data.files.map((f: any) => f.name)).toEqual(['draft.pdf', 'outline.pdf']);
    for (const f of submitted.body.data.files) {
      const seenFile = await api.get(`/files/${f.id}`, { token: student.token });
      expect(seenFile.status).toBe(200);
      expect(seenFile.body.data).toMatchObject({ taskId: task.id, attached: true });
    }
    const firstSubmittedAt = submitted.body.data.submittedAt;

    // The student asks for a revision with feedback: revision_needed, no longer awaiting approval.
    const revision = see(await api.post(`/deliverables/${draft.id}/approve`, { approved: false, feedback: 'Add the related work section' }, { token: student.token }));
    expect(revision.status).toBe(200);
    expect(revision.body.data).toMatchObject({ status: 'revision_needed', awaitingApproval: false, submittedAt: firstSubmittedAt, feedback: 'Add the related work section' });

    // The admin resubmits with a file uploaded beforehand (JSON file ids): in progress, awaiting approval again.
    const revised = await uploadAs(admin, 'draft-v2.pdf');
    const resubmitted = see(await api.post(`/deliverables/${draft.id}/submit`, { fileIds: [revised.id], notes: 'Related work added' }, { token: admin.token }));
    expect(resubmitted.status).toBe(200);
    expect(reviewState(resubmitted.body.data)).toEqual({ status: 'in_progress', awaitingApproval: true, submitted: true });
    expect(resubmitted.body.data.files.map((f: any) => f.name)).toEqual(['draft.pdf', 'outline.pdf', 'draft-v2.pdf']);
    expect(see(await api.get(`/tasks/${task.id}`, { token: student.token })).body.data.deliverables.map(reviewState)).toEqual([
      { status: 'in_progress', awaitingApproval: true, submitted: true },
      { status: 'pending', awaitingApproval: false, submitted: false },
    ]);

    // The student approves: the draft is completed.
    const approved = see(await api.post(`/deliverables/${draft.id}/approve`, { approved: true, feedback: 'Great' }, { token: student.token }));
    expect(approved.body.data).toMatchObject({ status: 'completed', awaitingApproval: false, feedback: 'Great' });

    // The final document goes straight from pending to a submission awaiting approval, and is approved.
    const finalSubmitted = see(await submitMultipart(admin, final.id, ['final.pdf']));
    expect(reviewState(finalSubmitted.body.data)).toEqual({ status: 'in_progress', awaitingApproval: true, submitted: true });
    expect(see(await api.post(`/deliverables/${final.id}/approve`, { approved: true }, { token: student.token })).body.data.status).toBe('completed');

    // The admin completes the task; the detail shows everything.
    const before = await completedToday();
    const done = see(await api.put(`/tasks/${task.id}/status`, { status: 'completed', feedback: 'All deliverables approved' }, { token: admin.token }));
    expect(done.status).toBe(200);
    expect(await completedToday()).toBe(before + 1);
    const detail = see(await api.get(`/tasks/${task.id}`, { token: student.token })).body.data;
    expect(detail).toMatchObject({ status: 'completed', assignedAdmin: { id: admin.user.id } });
    expect(detail.deliverables.map((d: any) => [d.title, d.status, d.awaitingApproval, d.files.length])).toEqual([
      ['Draft version', 'completed', false, 3],
      ['Final document', 'completed', false, 1],
    ]);
    expect(detail.history.map((h: any) => h.to)).toEqual(['pending', 'in_progress', 'completed']);
    see(await api.get(`/tasks/${task.id}/deliverables`, { token: admin.token }));
    expect(seen.length).toBeGreaterThan(10);
    for (const d of seen) expect(SPEC_STATUSES).toContain(d.status);
    expect(events.filter((e) => e.type.startsWith('deliverable.') && e.data.taskId === task.id).map((e) => [e.type, (e.data as any).deliverableId, (e.data as any).status])).toEqual([
      ['deliverable.submitted', draft.id, undefined],
      ['deliverable.approved', draft.id, 'revision_needed'],
      ['deliverable.submitted', draft.id, undefined],
      ['deliverable.approved', draft.id, 'completed'],
      ['deliverable.submitted', final.id, undefined],
      ['deliverable.approved', final.id, 'completed'],
    ]);
  });
});

describe('POST /tasks/{taskId}/deliverables', () => {
  it('adds a pending deliverable with its own due date; it appears in the list and the detail', async () => {
    const task = await createTask([]);
    const dueDate = inDays(10);

    const res = await api.post(`/tasks/${task.id}/deliverables`, { title: 'Research Draft', description: 'First draft', dueDate, requirements: 'IEEE' }, { token: admin.token });

    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ taskId: task.id, title: 'Research Draft', description: 'First draft', requirements: 'IEEE', dueDate: new Date(dueDate).toISOString(), status: 'pending', awaitingApproval: false, submittedAt: null, files: [] });
    const list = await api.get(`/tasks/${task.id}/deliverables`, { token: student.token });
    expect(list.body.data).toEqual([res.body.data]);
    expect((await api.get(`/tasks/${task.id}`, { token: student.token })).body.data.deliverables).toEqual([res.body.data]);
  });

  it('refuses a closed task (409 with its status) and an unknown task (404)', async () => {
    const task = await createTask([]);
    await api.put(`/tasks/${task.id}/status`, { status: 'rejected' }, { token: admin.token });
    const res = await api.post(`/tasks/${task.id}/deliverables`, { title: 'Late' }, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details.currentStatus).toBe('rejected');
    expect((await api.post('/tasks/task_01JAAAAAAAAAAAAAAAAAAAAAAA/deliverables', { title: 'x' }, { token: admin.token })).status).toBe(404);
  });

  it('holds at most 50 deliverables per task (the 51st is 409)', async () => {
    const task = await createTask(Array.from({ length: 10 }, (_, i) => `Part ${i}`));
    for (let i = 10; i < 50; i++) {
      expect((await api.post(`/tasks/${task.id}/deliverables`, { title: `Part ${i}` }, { token: admin.token })).status).toBe(201);
    }
    const res = await api.post(`/tasks/${task.id}/deliverables`, { title: 'One too many' }, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details.max).toBe(50);
    expect((await api.get(`/tasks/${task.id}/deliverables`, { token: admin.token })).body.data).toHaveLength(50);
  });

  it('refuses a missing title and unknown fields (400)', async () => {
    const task = await createTask([]);
    expect((await api.post(`/tasks/${task.id}/deliverables`, { description: 'no title' }, { token: admin.token })).status).toBe(400);
    expect((await api.post(`/tasks/${task.id}/deliverables`, { title: 'x', status: 'completed' }, { token: admin.token })).status).toBe(400);
  });

  it('is for admins: a student gets 403, no token 401', async () => {
    const task = await createTask([]);
    expect((await api.post(`/tasks/${task.id}/deliverables`, { title: 'Mine' }, { token: student.token })).status).toBe(403);
    expect((await api.post(`/tasks/${task.id}/deliverables`, { title: 'Mine' })).status).toBe(401);
  });
});

describe('GET /tasks/{taskId}/deliverables', () => {
  it("lists them in creation order to the task's student and admins, 404 to another student, 401 without a token", async () => {
    const task = await createTask(['One', 'Two', 'Three']);
    for (const actor of [student, admin]) {
      const res = await api.get(`/tasks/${task.id}/deliverables`, { token: actor.token });
      expect(res.status).toBe(200);
      expect(res.body.data.map((d: any) => d.title)).toEqual(['One', 'Two', 'Three']);
    }
    expect((await api.get(`/tasks/${task.id}/deliverables`, { token: otherStudent.token })).status).toBe(404);
    expect((await api.get(`/tasks/${task.id}/deliverables`)).status).toBe(401);
  });
});

describe('PUT /deliverables/{deliverableId}', () => {
  it('edits the title, description and due date; null clears', async () => {
    const task = await createTask(['Draft']);
    const id = task.deliverables[0].id;
    const res = await api.put(`/deliverables/${id}`, { title: 'Draft v1', description: 'Short', dueDate: null }, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ title: 'Draft v1', description: 'Short', dueDate: null, status: 'pending' });
  });

  const taskOf = new Map<string, string>();
  const stored = async (id: string) => (await api.get(`/tasks/${taskOf.get(id)}/deliverables`, { token: admin.token })).body.data[0];

  /** A deliverable of a working task in `from`; `awaiting` = in_progress with a submission awaiting approval. */
  async function deliverableIn(from: 'pending' | 'in_progress' | 'awaiting' | 'revision_needed' | 'completed'): Promise<string> {
    const task = await workingTask(['D']);
    taskOf.set(task.deliverables[0].id, task.id);
    const id = task.deliverables[0].id;
    if (from === 'in_progress') expect((await api.put(`/deliverables/${id}`, { status: 'in_progress' }, { token: admin.token })).status).toBe(200);
    if (from === 'awaiting' || from === 'revision_needed' || from === 'completed') expect((await submitMultipart(admin, id, ['a.pdf'])).status).toBe(200);
    if (from === 'revision_needed') expect((await api.post(`/deliverables/${id}/approve`, { approved: false, feedback: 'Redo' }, { token: student.token })).status).toBe(200);
    if (from === 'completed') expect((await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: student.token })).status).toBe(200);
    return id;
  }

  it.each([
    ['pending', 'in_progress'],
    ['in_progress', 'pending'],
    ['revision_needed', 'in_progress'],
  ] as const)("makes the admin's move %s -> %s", async (from, to) => {
    const id = await deliverableIn(from);
    const res = await api.put(`/deliverables/${id}`, { status: to }, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: to, awaitingApproval: false });
  });

  it.each(['pending', 'in_progress', 'awaiting', 'revision_needed'] as const)(
    "refuses an admin's completed from %s: 409 saying only the student's approval completes a deliverable",
    async (from) => {
      const id = await deliverableIn(from);

      const res = await api.put(`/deliverables/${id}`, { status: 'completed' }, { token: admin.token });

      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('CONFLICT');
      expect(res.body.error.message).toMatch(/only the task's student completes a deliverable, by approving/i);
      expect(res.body.error.details).toMatchObject({ currentStatus: from === 'awaiting' ? 'in_progress' : from, awaitingApproval: from === 'awaiting', requestedStatus: 'completed' });
      expect((await stored(id)).status).toBe(from === 'awaiting' ? 'in_progress' : from);
    },
  );

  it.each(['pending', 'in_progress', 'revision_needed'] as const)('refuses withdrawing a submission awaiting approval by setting %s (409)', async (to) => {
    const id = await deliverableIn('awaiting');

    const res = await api.put(`/deliverables/${id}`, { status: to }, { token: admin.token });

    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ currentStatus: 'in_progress', awaitingApproval: true, requestedStatus: to, allowedStatuses: [] });
    expect(await stored(id)).toMatchObject({ status: 'in_progress', awaitingApproval: true });
  });

  // Every spec status parses (never 400); a move that is not the admin's is 409 naming the admin's moves.
  it.each([
    ['pending', 'revision_needed', ['in_progress']],
    ['in_progress', 'revision_needed', ['pending']],
    ['revision_needed', 'pending', ['in_progress']],
    ['pending', 'completed', ['in_progress']],
  ] as const)('refuses %s -> %s with 409, the current status and the allowed moves', async (from, to, allowed) => {
    const id = await deliverableIn(from);

    const res = await api.put(`/deliverables/${id}`, { status: to }, { token: admin.token });

    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ currentStatus: from, awaitingApproval: false, requestedStatus: to, allowedStatuses: allowed });
  });

  it('refuses a status outside the spec list (400): the old approved and submitted included', async () => {
    const id = await deliverableIn('pending');
    for (const status of ['approved', 'submitted', 'done']) {
      const res = await api.put(`/deliverables/${id}`, { status }, { token: admin.token });
      expect(res.status, status).toBe(400);
      expect(res.body.error.details.field).toBe('status');
    }
  });

  it('refuses any change to a completed deliverable (409)', async () => {
    const id = await deliverableIn('completed');
    for (const body of [{ title: 'Renamed' }, { status: 'in_progress' }, { status: 'completed' }]) {
      const res = await api.put(`/deliverables/${id}`, body, { token: admin.token });
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(res.body.error.details).toMatchObject({ currentStatus: 'completed', awaitingApproval: false });
    }
  });

  it('refuses changes once the task is closed (409 naming the task status)', async () => {
    const task = await createTask(['D']);
    await api.del(`/tasks/${task.id}`, { reason: 'Not needed' }, { token: student.token });
    const res = await api.put(`/deliverables/${task.deliverables[0].id}`, { title: 'x' }, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({ currentStatus: 'pending', awaitingApproval: false, taskStatus: 'cancelled' });
  });

  it('answers 404 for an unknown deliverable, 400 for an empty body, 403 to a student and 401 without a token', async () => {
    const task = await createTask(['D']);
    const id = task.deliverables[0].id;
    expect((await api.put('/deliverables/deliv_01JAAAAAAAAAAAAAAAAAAAAAAA', { title: 'x' }, { token: admin.token })).status).toBe(404);
    expect((await api.put(`/deliverables/${id}`, {}, { token: admin.token })).status).toBe(400);
    expect((await api.put(`/deliverables/${id}`, { title: 'x' }, { token: student.token })).status).toBe(403);
    expect((await api.put(`/deliverables/${id}`, { title: 'x' })).status).toBe(401);
  });
});

describe('POST /deliverables/{deliverableId}/submit', () => {
  it('makes files given by id visible to the task student, who could not read them before', async () => {
    const task = await workingTask(['D']);
    const file = await uploadAs(admin, 'analysis.pdf');
    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(404);

    const res = await api.post(`/deliverables/${task.deliverables[0].id}/submit`, { fileIds: [file.id] }, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.body.data.files).toEqual([{ id: file.id, name: 'analysis.pdf', url: expect.any(String), size: file.size, type: 'application/pdf' }]);
    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(200);
    expect((await api.get(`/files/${file.id}`, { token: otherStudent.token })).status).toBe(404);
    expect(await getFileById(getDb(), file.id)).toMatchObject({ taskId: task.id, deliverableId: task.deliverables[0].id });
  });

  it('refuses while the task is not in progress (409 with both statuses) and stores nothing', async () => {
    const task = await createTask(['D']);
    const objects = await objectCount();
    const res = await submitMultipart(admin, task.deliverables[0].id, ['early.pdf']);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({ currentStatus: 'pending', taskStatus: 'pending' });
    expect(await objectCount()).toBe(objects);
  });

  it('refuses a deliverable awaiting approval or completed (409 with its status)', async () => {
    const task = await workingTask(['D']);
    const id = task.deliverables[0].id;
    await submitMultipart(admin, id, ['a.pdf']);
    const again = await submitMultipart(admin, id, ['b.pdf']);
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ currentStatus: 'in_progress', awaitingApproval: true });
    await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: student.token });
    const res = await submitMultipart(admin, id, ['c.pdf']);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({ currentStatus: 'completed', awaitingApproval: false });
  });

  it('refuses a submission without files, an unknown file id, a file attached elsewhere and a disallowed type (400)', async () => {
    const task = await workingTask(['D', 'E']);
    const [d, e] = task.deliverables;
    const used = await uploadAs(admin, 'used.pdf');
    expect((await api.post(`/deliverables/${e.id}/submit`, { fileIds: [used.id] }, { token: admin.token })).status).toBe(200);

    const cases: [unknown, string][] = [
      [{ notes: 'nothing attached' }, 'files'],
      [{ fileIds: [] }, 'fileIds'],
      [{ fileIds: ['file_01JAAAAAAAAAAAAAAAAAAAAAAA'] }, 'fileIds'],
      [{ fileIds: [used.id] }, 'fileIds'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post(`/deliverables/${d.id}/submit`, body, { token: admin.token });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.field).toBe(field);
    }
    const form = new FormData();
    form.append('files', new File([new Uint8Array(Buffer.from('#!/bin/sh\necho hi\n'))], 'run.sh', { type: 'application/x-sh' }));
    expect((await api.post(`/deliverables/${d.id}/submit`, undefined, { token: admin.token, form })).status).toBe(400);
    const list = await api.get(`/tasks/${task.id}/deliverables`, { token: admin.token });
    expect(list.body.data[0]).toMatchObject({ status: 'pending', awaitingApproval: false, files: [] });
  });

  it('is for admins: a student (even the owner) gets 403, no token 401, unknown deliverable 404', async () => {
    const task = await workingTask(['D']);
    expect((await submitMultipart(student, task.deliverables[0].id, ['mine.pdf'])).status).toBe(403);
    expect((await api.post(`/deliverables/${task.deliverables[0].id}/submit`, undefined, { form: filesForm(['x.pdf']) })).status).toBe(401);
    expect((await submitMultipart(admin, 'deliv_01JAAAAAAAAAAAAAAAAAAAAAAA', ['x.pdf'])).status).toBe(404);
  });
});

describe('POST /deliverables/{deliverableId}/approve', () => {
  async function submittedDeliverable(): Promise<{ task: any; id: string }> {
    const task = await workingTask(['D']);
    const id = task.deliverables[0].id;
    expect((await submitMultipart(admin, id, ['work.pdf'])).status).toBe(200);
    return { task, id };
  }

  it('needs feedback to ask for a revision (400)', async () => {
    const { id } = await submittedDeliverable();
    const res = await api.post(`/deliverables/${id}/approve`, { approved: false }, { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('feedback');
  });

  it('refuses a deliverable that awaits no approval (409 with its status)', async () => {
    const task = await workingTask(['D']);
    const res = await api.post(`/deliverables/${task.deliverables[0].id}/approve`, { approved: true }, { token: student.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toMatchObject({ currentStatus: 'pending', awaitingApproval: false });
  });

  it('refuses a second review of the same submission (409)', async () => {
    const { id } = await submittedDeliverable();
    expect((await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: student.token })).status).toBe(200);
    const again = await api.post(`/deliverables/${id}/approve`, { approved: false, feedback: 'Changed my mind' }, { token: student.token });
    expect(again.status).toBe(409);
    expect(again.body.error.details.currentStatus).toBe('completed');
  });

  it('refuses once the task was cancelled (409 naming the task status)', async () => {
    const { task, id } = await submittedDeliverable();
    await api.del(`/tasks/${task.id}`, { reason: 'Stop' }, { token: student.token });
    const res = await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: student.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details.taskStatus).toBe('cancelled');
  });

  it("answers 404 to another student, 403 to an admin and 401 without a token", async () => {
    const { id } = await submittedDeliverable();
    expect((await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: otherStudent.token })).status).toBe(404);
    expect((await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: admin.token })).status).toBe(403);
    expect((await api.post(`/deliverables/${id}/approve`, { approved: true })).status).toBe(401);
  });

  it('publishes deliverable.approved for both outcomes', async () => {
    const { id } = await submittedDeliverable();
    await api.post(`/deliverables/${id}/approve`, { approved: false, feedback: 'Fix the charts' }, { token: student.token });
    expect(events.at(-1)).toEqual({
      type: 'deliverable.approved',
      data: expect.objectContaining({ deliverableId: id, approved: false, status: 'revision_needed', feedback: 'Fix the charts', by: { id: student.user.id, role: 'student' } }),
    });
  });
});

describe('DELETE /deliverables/{deliverableId}', () => {
  it('removes it; its files stay readable by the task people and become deletable by their owner', async () => {
    const task = await workingTask(['Keep', 'Drop']);
    const drop = task.deliverables[1];
    const submitted = await submitMultipart(admin, drop.id, ['dropped.pdf']);
    const fileId = submitted.body.data.files[0].id;
    expect((await api.del(`/files/${fileId}`, undefined, { token: admin.token })).status).toBe(409);

    const res = await api.del(`/deliverables/${drop.id}`, undefined, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: drop.id, deleted: true });
    expect((await api.get(`/tasks/${task.id}/deliverables`, { token: student.token })).body.data.map((d: any) => d.title)).toEqual(['Keep']);
    expect((await api.get(`/files/${fileId}`, { token: student.token })).status).toBe(200);
    expect(await getFileById(getDb(), fileId)).toMatchObject({ taskId: task.id });
    expect((await getFileById(getDb(), fileId))?.attachedTo).toBeUndefined();
    expect((await api.put(`/deliverables/${drop.id}`, { title: 'x' }, { token: admin.token })).status).toBe(404);
    expect((await api.del(`/files/${fileId}`, undefined, { token: admin.token })).status).toBe(200);
    // The slot is free again.
    const db = getDb();
    const item = (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { pk: `TASK#${task.id}`, sk: 'TASK' }, ConsistentRead: true }))).Item!;
    expect(item.deliverableCount).toBe(1);
  });

  it('refuses a completed deliverable (409)', async () => {
    const task = await workingTask(['D']);
    const id = task.deliverables[0].id;
    await submitMultipart(admin, id, ['a.pdf']);
    await api.post(`/deliverables/${id}/approve`, { approved: true }, { token: student.token });
    const res = await api.del(`/deliverables/${id}`, undefined, { token: admin.token });
    expect(res.status).toBe(409);
    expect(res.body.error.details.currentStatus).toBe('completed');
  });

  it('is for admins: a student gets 403, no token 401, an unknown deliverable 404', async () => {
    const task = await createTask(['D']);
    const id = task.deliverables[0].id;
    expect((await api.del(`/deliverables/${id}`, undefined, { token: student.token })).status).toBe(403);
    expect((await api.del(`/deliverables/${id}`)).status).toBe(401);
    expect((await api.del('/deliverables/deliv_01JAAAAAAAAAAAAAAAAAAAAAAA', undefined, { token: admin.token })).status).toBe(404);
  });
});
