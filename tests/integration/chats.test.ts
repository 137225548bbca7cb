// Chats through the real gateway: the one support chat per student (also under concurrent first use), admin
// chats with any student, the conversation lists of students and admins, and who may see which chat.
import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { chatKeys } from '../../shared/db/entities/chat.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const openSupport = (actor: Actor) => api.post('/chats/support', undefined, { token: actor.token });
const send = (actor: Actor, chatId: string, content: string) => api.post(`/chats/${chatId}/messages`, { content }, { token: actor.token });

describe('POST /chats/support (the student\'s support chat)', () => {
  it('creates the support chat on first use (201) and returns the same chat afterwards (200)', async () => {
    const student = await seedStudent();

    const first = await openSupport(student);
    const second = await openSupport(student);

    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ type: 'support', studentId: student.user.id, participantIds: [student.user.id], unreadCount: 0, lastMessage: null });
    expect(second.status).toBe(200);
    expect(second.body.data.id).toBe(first.body.data.id);
  });

  it('creates exactly one chat when five first requests race', async () => {
    const student = await seedStudent();

    const results = await Promise.all(Array.from({ length: 5 }, () => openSupport(student)));

    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.data.id)).size).toBe(1);
    const db = getDb();
    const members = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': chatKeys.byUser(student.user.id).gsi1pk },
      }),
    );
    expect(members.Items).toHaveLength(1);
  });

  it('refuses an admin (403): admins open a student\'s chat with POST /chats', async () => {
    const admin = await seedAdmin();
    const res = await openSupport(admin);
    expect(res.status).toBe(403);
  });

  it('refuses a request without a token (401)', async () => {
    const res = await api.post('/chats/support');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });
});

describe('POST /chats', () => {
  it('lets an admin open the support chat of any student, the same one the student gets', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);

    const byAdmin = await api.post('/chats', { type: 'support', studentId: student.user.id }, { token: admin.token });
    const byStudent = await openSupport(student);

    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body.data.student).toMatchObject({ id: student.user.id, name: student.user.name, role: 'student' });
    expect(byStudent.status).toBe(200);
    expect(byStudent.body.data.id).toBe(byAdmin.body.data.id);
  });

  it('treats `{studentId}` alone as a support chat', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const res = await api.post('/chats', { studentId: student.user.id }, { token: admin.token });
    expect(res.status).toBe(201);
    expect(res.body.data.type).toBe('support');
  });

  it('lets a student open their own support chat with `{type:"support"}`', async () => {
    const student = await seedStudent();
    const res = await api.post('/chats', { type: 'support' }, { token: student.token });
    expect(res.status).toBe(201);
    expect(res.body.data.studentId).toBe(student.user.id);
  });

  it("answers 404 when a student names another student's support chat", async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const res = await api.post('/chats', { type: 'support', studentId: other.user.id }, { token: student.token });
    expect(res.status).toBe(404);
  });

  it('answers 404 when an admin names a user who is not a student', async () => {
    const [admin, otherAdmin] = await Promise.all([seedAdmin(), seedAdmin()]);
    const res = await api.post('/chats', { type: 'support', studentId: otherAdmin.user.id }, { token: admin.token });
    expect(res.status).toBe(404);
  });

  it('opens a new general chat between the admin and the student each time', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);

    const a = await api.post('/chats', { type: 'general', studentId: student.user.id }, { token: admin.token });
    const b = await api.post('/chats', { type: 'general', studentId: student.user.id }, { token: admin.token });

    expect(a.status).toBe(201);
    expect(a.body.data.participantIds.sort()).toEqual([admin.user.id, student.user.id].sort());
    expect(b.body.data.id).not.toBe(a.body.data.id);
  });

  it('refuses a general chat opened by a student (403)', async () => {
    const student = await seedStudent();
    const res = await api.post('/chats', { type: 'general', studentId: student.user.id }, { token: student.token });
    expect(res.status).toBe(403);
  });

  it.each([
    ['an unknown type', { type: 'group' }, 'type'],
    ['a task chat without taskId', { type: 'task' }, 'taskId'],
    ['a taskId on a support chat', { type: 'support', taskId: 'task_01JAAAAAAAAAAAAAAAAAAAAAAA' }, 'taskId'],
    ['a malformed studentId', { type: 'support', studentId: 'bob' }, 'studentId'],
    ['an unknown field', { type: 'support', participantIds: [] }, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_what, body, field) => {
    const admin = await seedAdmin();
    const res = await api.post('/chats', body, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(res.body.error.details)).toContain(field === 'body' ? 'participantIds' : field);
  });

  it('answers 400 when an admin opens a support chat without naming the student', async () => {
    const admin = await seedAdmin();
    const res = await api.post('/chats', { type: 'support' }, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('studentId');
  });
});

describe('GET /chats/{chatId}', () => {
  it('shows the chat to its student and to any admin, and 404 to another student', async () => {
    const [student, other, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
    const chatId = (await openSupport(student)).body.data.id;

    expect((await api.get(`/chats/${chatId}`, { token: student.token })).status).toBe(200);
    expect((await api.get(`/chats/${chatId}`, { token: admin.token })).status).toBe(200);
    const res = await api.get(`/chats/${chatId}`, { token: other.token });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('answers 400 for a malformed chat id and 404 for an unknown one', async () => {
    const student = await seedStudent();
    expect((await api.get('/chats/nope', { token: student.token })).status).toBe(400);
    expect((await api.get('/chats/chat_01JAAAAAAAAAAAAAAAAAAAAAAA', { token: student.token })).status).toBe(404);
  });
});

describe('GET /chats', () => {
  // Three students with support chats, the middle one with messages; one admin with a general chat.
  let students: Actor[];
  let admin: Actor;
  let otherAdmin: Actor;
  let chatIds: string[];
  let generalChatId: string;

  beforeAll(async () => {
    students = [await seedStudent({ name: 'Ada Student', avatar: 'https://cdn.test/ada.png' }), await seedStudent(), await seedStudent()];
    [admin, otherAdmin] = await Promise.all([seedAdmin(), seedAdmin()]);
    chatIds = [];
    for (const s of students) chatIds.push((await openSupport(s)).body.data.id);
    generalChatId = (await api.post('/chats', { type: 'general', studentId: students[2].user.id }, { token: admin.token })).body.data.id;
    // Activity order (newest first): Ada's chat (3 messages), then the general chat, then the others.
    for (const text of ['Hello?', 'Anyone there?', 'I need help with my essay']) {
      expect((await send(students[0], chatIds[0], text)).status).toBe(201);
    }
  });

  it('lists a student\'s own chats only, with their unread counts', async () => {
    const res = await api.get('/chats', { token: students[0].token });

    expect(res.status).toBe(200);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([chatIds[0]]);
    expect(res.body.data[0]).toMatchObject({ unreadCount: 0, lastMessage: { preview: 'I need help with my essay', senderId: students[0].user.id } });
    expect(res.body.pagination).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it("shows admins every support chat, newest activity first, with the student's name, avatar, last message and the admin's unread count", async () => {
    const res = await api.get('/chats?type=support', { token: admin.token });

    expect(res.status).toBe(200);
    const mine = res.body.data.filter((c: { id: string }) => chatIds.includes(c.id));
    expect(mine.map((c: { id: string }) => c.id)).toEqual([chatIds[0], chatIds[2], chatIds[1]]);
    expect(mine[0]).toMatchObject({
      type: 'support',
      student: { id: students[0].user.id, name: 'Ada Student', avatar: 'https://cdn.test/ada.png', role: 'student' },
      lastMessage: { preview: 'I need help with my essay', type: 'text', deleted: false },
      unreadCount: 3,
    });
  });

  it("keeps each admin's unread count separate", async () => {
    const messages = await api.get(`/chats/${chatIds[0]}/messages`, { token: admin.token });
    await api.post(`/messages/${messages.body.data[0].id}/read`, undefined, { token: admin.token });

    const mine = await api.get('/chats?type=support', { token: admin.token });
    const theirs = await api.get('/chats?type=support', { token: otherAdmin.token });

    expect(mine.body.data.find((c: { id: string }) => c.id === chatIds[0]).unreadCount).toBe(0);
    expect(theirs.body.data.find((c: { id: string }) => c.id === chatIds[0]).unreadCount).toBe(3);
  });

  it('gives an admin without a type filter the support chats and their own general chat, merged by activity', async () => {
    const res = await api.get('/chats?limit=100', { token: admin.token });
    const ids = res.body.data.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining([...chatIds, generalChatId]));
    expect(ids.indexOf(chatIds[0])).toBeLessThan(ids.indexOf(generalChatId));
    expect(ids.indexOf(generalChatId)).toBeLessThan(ids.indexOf(chatIds[2]));

    const other = await api.get('/chats?limit=100', { token: otherAdmin.token });
    expect(other.body.data.map((c: { id: string }) => c.id)).not.toContain(generalChatId);
  });

  it('walks an admin\'s merged list in pages with the cursor, without repeats', async () => {
    const all = (await api.get('/chats?limit=100', { token: admin.token })).body.data.map((c: { id: string }) => c.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await api.get(`/chats?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      cursor = res.body.pagination.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('pages a support list with `page`', async () => {
    const first = await api.get('/chats?type=support&limit=1&page=1', { token: admin.token });
    const second = await api.get('/chats?type=support&limit=1&page=2', { token: admin.token });
    expect(first.body.data).toHaveLength(1);
    expect(second.body.data).toHaveLength(1);
    expect(second.body.data[0].id).not.toBe(first.body.data[0].id);
    expect(second.body.pagination.page).toBe(2);
  });

  it('filters by type for students (general) and admins (general)', async () => {
    const student = await api.get('/chats?type=general', { token: students[2].token });
    const adminGeneral = await api.get('/chats?type=general', { token: admin.token });
    expect(student.body.data.map((c: { id: string }) => c.id)).toEqual([generalChatId]);
    expect(adminGeneral.body.data.map((c: { id: string }) => c.id)).toEqual([generalChatId]);
    const supportOnly = await api.get('/chats?type=support', { token: students[2].token });
    expect(supportOnly.body.data.map((c: { id: string }) => c.id)).toEqual([chatIds[2]]);
  });

  it('refuses a cursor from another list (400)', async () => {
    const page = await api.get('/chats?type=support&limit=1', { token: admin.token });
    const res = await api.get(`/chats?limit=1&cursor=${page.body.pagination.nextCursor}`, { token: students[0].token });
    expect(res.status).toBe(400);
  });

  it('answers 400 for an unknown type', async () => {
    const res = await api.get('/chats?type=group', { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('type');
  });

  it('refuses a request without a token (401)', async () => {
    expect((await api.get('/chats')).status).toBe(401);
  });
});
