// The spec's chat flow is "GET /chats?type=support, then post to that chat", and no spec route creates a chat:
// every student has exactly one support chat from sign-up on. Accounts from before that get theirs from the
// backfill. Admins see every support chat as a queue: chats with messages by last message, newest first,
// then chats without messages by the student's sign-up, newest first.
import { describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { chatKeys } from '../../shared/db/entities/chat.ts';
import { runMigrations } from '../../bin/backfill.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const supportChats = (actor: Actor | string, query = '') =>
  api.get(`/chats?type=support${query}`, { token: typeof actor === 'string' ? actor : actor.token });
const send = (token: string, chatId: string, content: string) => api.post(`/chats/${chatId}/messages`, { content }, { token });
const supportChatsBackfill = async () => (await runMigrations(getDb())).find((r) => r.name === 'support-chats')!;

describe('a new student\'s support chat', () => {
  it('is listed by the first GET /chats?type=support after sign-up, once, and is the same chat the second time', async () => {
    const registered = await api.post('/auth/register', { name: 'New Student', email: `new-${Date.now()}@example.test`, password: 'Str0ng-password!' });
    expect(registered.status).toBe(201);
    const token = registered.body.data.token as string;
    const studentId = registered.body.data.user.id as string;

    const first = await supportChats(token);
    const second = await supportChats(token);

    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.data[0]).toMatchObject({ type: 'support', studentId, participantIds: [studentId], lastMessage: null, unreadCount: 0 });
    const profile = await api.get('/users/profile', { token });
    expect(first.body.data[0].createdAt).toBe(profile.body.data.createdAt);
    expect(second.body.data.map((c: { id: string }) => c.id)).toEqual([first.body.data[0].id]);
  });

  it('takes a message straight away, and POST /chats/support answers the same chat (200)', async () => {
    const registered = await api.post('/auth/register', { name: 'Chatty Student', email: `chatty-${Date.now()}@example.test`, password: 'Str0ng-password!' });
    const token = registered.body.data.token as string;
    const [chat] = (await supportChats(token)).body.data;

    const sent = await send(token, chat.id, 'Hello, I need help with my thesis');
    const opened = await api.post('/chats/support', undefined, { token });

    expect(sent.status).toBe(201);
    expect(opened.status).toBe(200);
    expect(opened.body.data).toMatchObject({ id: chat.id, lastMessage: { preview: 'Hello, I need help with my thesis' } });
  });
});

describe('npm run backfill: support chats for students who signed up before', () => {
  it('gives an existing student without one a support chat dated from their sign-up, and is safe to run twice', async () => {
    const student = await seedStudent({ createdAt: '2025-03-01T09:00:00.000Z' });
    expect((await supportChats(student)).body.data).toEqual([]);

    const firstRun = await supportChatsBackfill();
    const afterFirst = await supportChats(student);
    const secondRun = await supportChatsBackfill();
    const afterSecond = await supportChats(student);

    expect(firstRun.changed).toBeGreaterThanOrEqual(1);
    expect(afterFirst.body.data).toHaveLength(1);
    expect(afterFirst.body.data[0]).toMatchObject({ type: 'support', studentId: student.user.id, createdAt: '2025-03-01T09:00:00.000Z' });
    expect(secondRun.changed).toBe(0);
    expect(afterSecond.body.data.map((c: { id: string }) => c.id)).toEqual([afterFirst.body.data[0].id]);
  });

  it('puts a support chat opened before the support queue existed into the queue, in its place', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const opened = await api.post('/chats/support', undefined, { token: student.token });
    await send(student.token, opened.body.data.id, 'an old question');
    // The chat item as the previous version wrote it: no queue keys.
    const db = getDb();
    await db.doc.send(new UpdateCommand({ TableName: db.tableName, Key: chatKeys.chat(opened.body.data.id), UpdateExpression: 'REMOVE gsi2pk, gsi2sk, studentSignedUpAt' }));
    const before = await supportChats(admin, '&limit=100');

    await supportChatsBackfill();
    const after = await supportChats(admin, '&limit=100');

    expect(before.body.data.map((c: { id: string }) => c.id)).not.toContain(opened.body.data.id);
    expect(after.body.data.map((c: { id: string }) => c.id)).toContain(opened.body.data.id);
  });
});

describe('an admin\'s GET /chats?type=support', () => {
  it('lists chats with messages by last message (newest first), then chats without by student sign-up (newest first), across pages', async () => {
    const admin = await seedAdmin();
    const signedUp = (day: number) => ({ createdAt: `2024-01-0${day}T12:00:00.000Z` });
    const [oldest, older, newer, newest] = await Promise.all([seedStudent(signedUp(1)), seedStudent(signedUp(2)), seedStudent(signedUp(3)), seedStudent(signedUp(4))]);
    await supportChatsBackfill();
    const chatOf = async (s: Actor) => (await supportChats(s)).body.data[0].id as string;
    // `newer` writes first, `oldest` later: `oldest` has the most recent message.
    await send(newer.token, await chatOf(newer), 'first question');
    await send(oldest.token, await chatOf(oldest), 'second question');
    const ours = new Set([oldest, older, newer, newest].map((s) => s.user.id));

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await supportChats(admin, `&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((c: { studentId: string }) => c.studentId).filter((id: string) => ours.has(id)));
      cursor = page.body.pagination.nextCursor ?? undefined;
    } while (cursor);

    expect(seen).toEqual([oldest.user.id, newer.user.id, newest.user.id, older.user.id]);
  });

  it('moves a waiting chat to the top when its student writes', async () => {
    const admin = await seedAdmin();
    const [early, late] = await Promise.all([seedStudent({ createdAt: '2023-06-01T00:00:00.000Z' }), seedStudent({ createdAt: '2023-06-02T00:00:00.000Z' })]);
    await supportChatsBackfill();
    const earlyChat = (await supportChats(early)).body.data[0].id;

    await send(early.token, earlyChat, 'anyone there?');
    const queue = (await supportChats(admin, '&limit=100')).body.data.map((c: { studentId: string }) => c.studentId);

    expect(queue[0]).toBe(early.user.id);
    expect(queue.indexOf(early.user.id)).toBeLessThan(queue.indexOf(late.user.id));
  });
});
