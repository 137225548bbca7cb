// Task chats: one per task, between the task's student and its assigned admin, opened by either.
import { describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { taskKeys } from '../../shared/db/entities/task.ts';
import { seedTask as seedTaskItem } from '../support/tasks.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

/** A task item written straight to the table (the tasks domain's own tests cover creating tasks). */
const seedTask = (student: Actor, assignedAdmin?: Actor) => seedTaskItem(student.user.id, assignedAdmin?.user.id);

async function assign(taskId: string, admin: Actor) {
  const db = getDb();
  await db.doc.send(
    new UpdateCommand({ TableName: db.tableName, Key: taskKeys.task(taskId), UpdateExpression: 'SET assignedAdminId = :a', ExpressionAttributeValues: { ':a': admin.user.id } }),
  );
}

const openTaskChat = (actor: Actor, taskId: string) => api.post('/chats', { type: 'task', taskId }, { token: actor.token });

describe('task chats (POST /chats {type:"task"})', () => {
  it("opens one chat between the task's student and its assigned admin, whoever opens it first", async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student, admin);

    const byStudent = await openTaskChat(student, taskId);
    const byAdmin = await openTaskChat(admin, taskId);

    expect(byStudent.status).toBe(201);
    expect(byStudent.body.data).toMatchObject({ type: 'task', taskId, studentId: student.user.id });
    expect(byStudent.body.data.participantIds.sort()).toEqual([student.user.id, admin.user.id].sort());
    expect(byStudent.body.data.participants.map((p: { role: string }) => p.role).sort()).toEqual(['admin', 'student']);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.data.id).toBe(byStudent.body.data.id);
  });

  it('creates exactly one chat when five first requests race', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student, admin);

    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => openTaskChat(i % 2 ? admin : student, taskId)));

    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
  });

  it('lists the task chat for both participants under type=task', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student, admin);
    const chatId = (await openTaskChat(student, taskId)).body.data.id;
    await api.post(`/chats/${chatId}/messages`, { content: 'About the essay' }, { token: student.token });

    const forStudent = await api.get('/chats?type=task', { token: student.token });
    const forAdmin = await api.get('/chats?type=task', { token: admin.token });

    expect(forStudent.body.data.map((c: { id: string }) => c.id)).toEqual([chatId]);
    expect(forAdmin.body.data.map((c: { id: string }) => c.id)).toEqual([chatId]);
    expect(forAdmin.body.data[0]).toMatchObject({ unreadCount: 1, lastMessage: { preview: 'About the essay' } });
    expect((await api.get('/chats?type=support', { token: student.token })).body.data).toEqual([]);
  });

  it('adds an admin assigned after the chat was opened as a participant when the chat is opened again', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student);
    const opened = await openTaskChat(student, taskId);
    expect(opened.body.data.participantIds).toEqual([student.user.id]);
    await api.post(`/chats/${opened.body.data.id}/messages`, { content: 'Is anyone on this?' }, { token: student.token });

    await assign(taskId, admin);
    const reopened = await openTaskChat(admin, taskId);

    expect(reopened.status).toBe(200);
    expect(reopened.body.data.id).toBe(opened.body.data.id);
    expect(reopened.body.data.participantIds).toEqual([student.user.id, admin.user.id]);
    // The new assignee starts with the history read.
    expect(reopened.body.data.unreadCount).toBe(0);
    expect((await api.get('/chats?type=task', { token: admin.token })).body.data.map((c: { id: string }) => c.id)).toEqual([opened.body.data.id]);
  });

  it("answers 404 to another student, and for an unknown task", async () => {
    const [student, other, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student, admin);
    const chatId = (await openTaskChat(student, taskId)).body.data.id;

    expect((await openTaskChat(other, taskId)).status).toBe(404);
    expect((await api.get(`/chats/${chatId}/messages`, { token: other.token })).status).toBe(404);
    expect((await api.post(`/chats/${chatId}/messages`, { content: 'hi' }, { token: other.token })).status).toBe(404);
    expect((await openTaskChat(student, 'task_01JAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
  });

  it('lets another admin read and answer in the task chat without joining it', async () => {
    const [student, admin, otherAdmin] = await Promise.all([seedStudent(), seedAdmin(), seedAdmin()]);
    const taskId = await seedTask(student, admin);
    const chatId = (await openTaskChat(student, taskId)).body.data.id;

    expect((await api.get(`/chats/${chatId}/messages`, { token: otherAdmin.token })).status).toBe(200);
    expect((await api.post(`/chats/${chatId}/messages`, { content: 'Covering for a colleague' }, { token: otherAdmin.token })).status).toBe(201);
    expect((await api.get(`/chats/${chatId}`, { token: otherAdmin.token })).body.data.participantIds).not.toContain(otherAdmin.user.id);
    expect((await api.get('/chats?type=task', { token: otherAdmin.token })).body.data).toEqual([]);
  });
});
