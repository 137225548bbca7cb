// Issue #6: every task and deliverable event reaches the right people, exactly once: in the notification
// list, live as notification.new / task.status_changed, and by e-mail.
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { connectSocket } from '../support/ws.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { mailsTo } from '../support/mail.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString();

async function createTask(student: Actor, deliverables: string[] = ['Draft']) {
  const res = await api.post(
    '/tasks',
    { title: 'Thesis chapter', type: 'research_paper', description: 'Chapter 2', subject: 'computer_science', academicLevel: 'graduate', pages: 5, deadline: inDays(20), budget: 120, deliverables },
    { token: student.token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

const notificationsOf = async (actor: Actor) => (await api.get('/notifications', { token: actor.token })).body.data as any[];

describe('task status changes', () => {
  it('notify the student once, live and by e-mail, and push task.status_changed; nobody else is notified', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const bystander = await seedStudent();
    const task = await createTask(student);
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      const moved = await api.put(`/tasks/${task.id}/status`, { status: 'rejected', reason: 'Out of scope' }, { token: admin.token });
      expect(moved.status).toBe(200);

      const live = await socket.next('task.status_changed');
      expect(live.data).toMatchObject({ taskId: task.id, status: 'rejected', previousStatus: 'pending' });
      const notice = await socket.next('notification.new');
      expect(notice.data).toMatchObject({ type: 'task_update', title: 'Task rejected', data: { taskId: task.id, status: 'rejected' } });
      expect(notice.data.message).toContain('Out of scope');
    } finally {
      await socket.close();
    }
    const list = await notificationsOf(student);
    expect(list).toHaveLength(1);
    expect((await mailsTo(stack, student.user.email)).map((m) => m.subject)).toEqual(['Task rejected']);
    expect(await notificationsOf(admin)).toEqual([]);
    expect(await notificationsOf(bystander)).toEqual([]);
  });

  it('tell the assigned admin, not the student, when the student cancels', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const task = await createTask(student);
    expect((await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token })).status).toBe(200);
    const before = (await notificationsOf(student)).length;

    const cancelled = await api.del(`/tasks/${task.id}`, { reason: 'No longer needed' }, { token: student.token });
    expect(cancelled.status).toBe(200);
    const adminNotices = await notificationsOf(admin);
    expect(adminNotices.map((n) => n.title)).toEqual(['Task cancelled']);
    expect((await notificationsOf(student)).length).toBe(before);
  });

  it('push a new task live to connected admins without notifying anyone', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const socket = await connectSocket(stack.wsUrl, admin.token);
    try {
      const task = await createTask(student);
      expect((await socket.next('task.status_changed')).data).toMatchObject({ taskId: task.id, status: 'pending' });
    } finally {
      await socket.close();
    }
    expect(await notificationsOf(admin)).toEqual([]);
    expect(await notificationsOf(student)).toEqual([]);
  });
});

describe('assignment', () => {
  it('tells the student and the newly assigned admin, but not the admin who assigned', async () => {
    const student = await seedStudent();
    const lead = await seedAdmin();
    const expert = await seedAdmin();
    const task = await createTask(student);
    expect((await api.post(`/tasks/${task.id}/assign`, { adminId: expert.user.id }, { token: lead.token })).status).toBe(200);

    expect((await notificationsOf(student)).map((n) => n.title)).toEqual(['Task assigned']);
    expect((await notificationsOf(expert)).map((n) => n.title)).toEqual(['Task assigned to you']);
    expect(await notificationsOf(lead)).toEqual([]);
  });
});

describe('deliverables', () => {
  it('tell the student about a submission and the assigned admin about the review', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const task = await createTask(student, ['Draft']);
    const [draft] = task.deliverables;
    await api.post(`/tasks/${task.id}/assign`, { adminId: admin.user.id }, { token: admin.token });
    await api.put(`/tasks/${task.id}/status`, { status: 'in_progress' }, { token: admin.token });
    const studentBefore = (await notificationsOf(student)).length;

    const form = new FormData();
    form.append('notes', 'First draft');
    form.append('files', new File([new Uint8Array(fixtures.pdf())], 'draft.pdf', { type: 'application/pdf' }));
    const submitted = await api.post(`/deliverables/${draft.id}/submit`, undefined, { token: admin.token, form });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const studentNotices = await notificationsOf(student);
    expect(studentNotices).toHaveLength(studentBefore + 1);
    expect(studentNotices[0]).toMatchObject({ title: 'Deliverable submitted', data: { taskId: task.id, deliverableId: draft.id } });

    const reviewed = await api.post(`/deliverables/${draft.id}/approve`, { approved: false, feedback: 'More sources' }, { token: student.token });
    expect(reviewed.status).toBe(200);
    const adminNotices = await notificationsOf(admin);
    expect(adminNotices).toHaveLength(1);
    expect(adminNotices[0]).toMatchObject({ title: 'Revision requested', data: { deliverableId: draft.id, approved: false } });
    expect(adminNotices[0].message).toContain('More sources');
  });
});
