// Messages through the real gateway: send, list (newest first, pages, `before`), reply, edit, delete
// (tombstones), read positions, attachments through the files domain, typing over HTTP, and who may do what.
import { beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { chatKeys } from '../../shared/db/entities/chat.ts';
import { MAX_MESSAGE_LENGTH } from '../../shared/contract/chats.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

async function supportChatOf(student: Actor): Promise<string> {
  const res = await api.post('/chats/support', undefined, { token: student.token });
  expect(res.status).toBeLessThan(300);
  return res.body.data.id;
}

async function send(actor: Actor, chatId: string, body: Record<string, unknown> | string) {
  return api.post(`/chats/${chatId}/messages`, typeof body === 'string' ? { content: body } : body, { token: actor.token });
}

async function sent(actor: Actor, chatId: string, body: Record<string, unknown> | string) {
  const res = await send(actor, chatId, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function upload(actor: Actor, name: string, content: Buffer, type: string): Promise<string> {
  const form = new FormData();
  form.append('category', 'chat_attachment');
  form.append('files', new Blob([new Uint8Array(content)], { type }), name);
  const res = await api.call('POST', '/files/upload', { token: actor.token, form });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data[0].id;
}

let student: Actor;
let otherStudent: Actor;
let admin: Actor;
let chatId: string;

beforeAll(async () => {
  [student, otherStudent, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
  chatId = await supportChatOf(student);
});

describe('POST /chats/{chatId}/messages', () => {
  it('sends a text message (201) with its sender, position and status', async () => {
    const message = await sent(student, chatId, 'Hello, I need help');

    expect(message).toMatchObject({
      chatId,
      senderId: student.user.id,
      sender: { id: student.user.id, name: student.user.name, role: 'student' },
      type: 'text',
      content: 'Hello, I need help',
      attachments: [],
      replyTo: null,
      editedAt: null,
      deleted: false,
      readBy: [],
      status: 'sent',
    });
    expect(message.id).toMatch(/^msg_/);
    expect(message.timestamp).toBe(message.createdAt);
    expect(message.seq).toBeGreaterThan(0);
  });

  it('lets an admin answer in any support chat', async () => {
    const message = await sent(admin, chatId, 'Hi! How can we help?');
    expect(message.sender.role).toBe('admin');
  });

  it('numbers messages one after another even when they are sent concurrently', async () => {
    const chat = await supportChatOf(await seedStudent());
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => send(admin, chat, `admin ${i}`)),
      ...Array.from({ length: 4 }, (_, i) => send(admin, chat, `admin again ${i}`)),
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(results.map((r) => r.body.data.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it.each([
    ['an empty text', { content: '   ' }, 'content'],
    ['text over the maximum length', { content: 'x'.repeat(MAX_MESSAGE_LENGTH + 1) }, 'content'],
    ['text with control characters', { content: 'bell\u0007' }, 'content'],
    ['an unknown type', { content: 'hi', type: 'video' }, 'type'],
    ['an image message without attachments', { type: 'image' }, 'attachments'],
    ['a malformed attachment id', { content: 'hi', attachments: ['file-1'] }, 'attachments.0'],
    ['a malformed replyTo', { content: 'hi', replyTo: '42' }, 'replyTo'],
    ['a server-owned field', { content: 'hi', senderId: 'user_01JAAAAAAAAAAAAAAAAAAAAAAA' }, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_what, body, field) => {
    const res = await send(student, chatId, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    if (field !== 'body') expect(res.body.error.details.field).toBe(field);
  });

  it('accepts a reply to a message of the same chat', async () => {
    const original = await sent(student, chatId, 'Question one');
    const reply = await sent(admin, chatId, { content: 'Answer one', replyTo: original.id });
    expect(reply.replyTo).toBe(original.id);
  });

  it('answers 400 for a reply to a message of another chat, or to no message at all', async () => {
    const otherChat = await supportChatOf(otherStudent);
    const elsewhere = await sent(otherStudent, otherChat, 'In my own chat');

    const crossChat = await send(student, chatId, { content: 'Re:', replyTo: elsewhere.id });
    const unknown = await send(student, chatId, { content: 'Re:', replyTo: 'msg_01JAAAAAAAAAAAAAAAAAAAAAAA' });

    expect(crossChat.status).toBe(400);
    expect(crossChat.body.error.details.field).toBe('replyTo');
    expect(unknown.status).toBe(400);
  });

  it("answers 404 when a student posts in another student's chat, and writes nothing", async () => {
    const res = await send(otherStudent, chatId, 'let me in');
    expect(res.status).toBe(404);
    const list = await api.get(`/chats/${chatId}/messages?limit=100`, { token: student.token });
    expect(list.body.data.map((m: { content: string }) => m.content)).not.toContain('let me in');
  });

  it('answers 404 for an unknown chat and 401 without a token', async () => {
    expect((await send(student, 'chat_01JAAAAAAAAAAAAAAAAAAAAAAA', 'hi')).status).toBe(404);
    expect((await api.post(`/chats/${chatId}/messages`, { content: 'hi' })).status).toBe(401);
  });
});

describe('attachments', () => {
  it('sends a file message whose attachment the other side can open, and links the file to the chat', async () => {
    const fileId = await upload(student, 'essay.pdf', fixtures.pdf(), 'application/pdf');

    const message = await sent(student, chatId, { type: 'file', attachments: [fileId] });

    expect(message.attachments).toEqual([expect.objectContaining({ id: fileId, name: 'essay.pdf', type: 'application/pdf' })]);
    const download = await fetch(message.attachments[0].url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(fixtures.pdf())).toBe(true);
    const file = await api.get(`/files/${fileId}`, { token: admin.token });
    expect(file.body.data).toMatchObject({ chatId, attached: true });
    const list = await api.get(`/chats/${chatId}?`, { token: admin.token });
    expect(list.body.data.lastMessage).toMatchObject({ type: 'file', preview: 'File' });
  });

  it('sends an image with a caption', async () => {
    const fileId = await upload(student, 'photo.png', fixtures.png(), 'image/png');
    const message = await sent(student, chatId, { type: 'image', content: 'my graph', attachments: [fileId] });
    expect(message).toMatchObject({ type: 'image', content: 'my graph', attachments: [expect.objectContaining({ id: fileId, type: 'image/png' })] });
  });

  it('refuses a non-image in an image message (400)', async () => {
    const fileId = await upload(student, 'notes.pdf', fixtures.pdf(), 'application/pdf');
    const res = await send(student, chatId, { type: 'image', attachments: [fileId] });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('attachments');
  });

  it("refuses another user's file, an unknown file, and a file already attached to a message (400)", async () => {
    const theirs = await upload(otherStudent, 'theirs.pdf', fixtures.pdf(), 'application/pdf');
    const used = await upload(student, 'used.pdf', fixtures.pdf(), 'application/pdf');
    await sent(student, chatId, { type: 'file', attachments: [used] });

    for (const fileId of [theirs, 'file_01JAAAAAAAAAAAAAAAAAAAAAAA', used]) {
      const res = await send(student, chatId, { type: 'file', attachments: [fileId] });
      expect(res.status, fileId).toBe(400);
      expect(res.body.error.details.field).toBe('attachments');
    }
  });

  it('puts a file sent in several messages at once into exactly one of them (the others 400)', async () => {
    const fileId = await upload(student, 'once.pdf', fixtures.pdf(), 'application/pdf');
    const results = await Promise.all(Array.from({ length: 4 }, () => send(student, chatId, { type: 'file', attachments: [fileId] })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
    const listed = await api.get(`/chats/${chatId}/messages?limit=100`, { token: student.token });
    const carrying = listed.body.data.filter((m: { attachments: { id: string }[] }) => m.attachments.some((a) => a.id === fileId));
    expect(carrying).toHaveLength(1);
  });

  it('detaches the files of a deleted message so their owner may delete them', async () => {
    const fileId = await upload(student, 'draft.pdf', fixtures.pdf(), 'application/pdf');
    const message = await sent(student, chatId, { type: 'file', attachments: [fileId] });
    expect((await api.del(`/files/${fileId}`, undefined, { token: student.token })).status).toBe(409);

    expect((await api.del(`/messages/${message.id}`, undefined, { token: student.token })).status).toBe(200);

    expect((await api.get(`/files/${fileId}`, { token: student.token })).body.data.attached).toBe(false);
    expect((await api.del(`/files/${fileId}`, undefined, { token: student.token })).status).toBeLessThan(300);
  });
});

describe('GET /chats/{chatId}/messages', () => {
  let pagedChat: string;
  let pagedStudent: Actor;
  let ids: string[]; // oldest first

  beforeAll(async () => {
    pagedStudent = await seedStudent();
    pagedChat = await supportChatOf(pagedStudent);
    ids = [];
    for (let i = 1; i <= 25; i++) {
      ids.push((await sent(i % 2 ? pagedStudent : admin, pagedChat, `message ${i}`)).id);
      if (i === 12) await new Promise((r) => setTimeout(r, 5)); // a clean time boundary for `before=<time>`
    }
  });

  it('lists newest first and walks every message with the cursor over three pages', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: any } = await api.get(`/chats/${pagedChat}/messages?limit=10${cursor ? `&cursor=${cursor}` : ''}`, { token: pagedStudent.token });
      expect(res.status).toBe(200);
      sizes.push(res.body.data.length);
      seen.push(...res.body.data.map((m: { id: string }) => m.id));
      cursor = res.body.pagination.nextCursor;
      expect(res.body.pagination.hasMore).toBe(Boolean(cursor));
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual([...ids].reverse());
  });

  it('lists the messages before a message id', async () => {
    const res = await api.get(`/chats/${pagedChat}/messages?before=${ids[10]}&limit=5`, { token: pagedStudent.token });
    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual(ids.slice(5, 10).reverse());
    expect(res.body.pagination.hasMore).toBe(true);
  });

  it('lists the messages created before a time', async () => {
    const all = (await api.get(`/chats/${pagedChat}/messages?limit=100`, { token: pagedStudent.token })).body.data.reverse();
    const thirteenth = all[12];

    const res = await api.get(`/chats/${pagedChat}/messages?before=${encodeURIComponent(thirteenth.createdAt)}&limit=100`, { token: pagedStudent.token });

    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual(ids.slice(0, 12).reverse());
  });

  it('serves the spec\'s `page`', async () => {
    const res = await api.get(`/chats/${pagedChat}/messages?limit=10&page=3`, { token: pagedStudent.token });
    expect(res.body.data.map((m: { id: string }) => m.id)).toEqual(ids.slice(0, 5).reverse());
    expect(res.body.pagination).toMatchObject({ page: 3, hasMore: false });
  });

  it('answers 400 for a malformed `before` or `limit`', async () => {
    expect((await api.get(`/chats/${pagedChat}/messages?before=yesterday`, { token: pagedStudent.token })).status).toBe(400);
    expect((await api.get(`/chats/${pagedChat}/messages?limit=1000`, { token: pagedStudent.token })).status).toBe(400);
  });

  it('says what a malformed `before` should look like', async () => {
    const res = await api.get(`/chats/${pagedChat}/messages?before=1735689600000`, { token: pagedStudent.token });

    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ field: 'before', issue: 'must be a message id (msg_...) or an ISO-8601 time such as 2025-01-15T10:00:00Z' });
  });

  it("answers 404 to another student and 401 without a token", async () => {
    expect((await api.get(`/chats/${pagedChat}/messages`, { token: otherStudent.token })).status).toBe(404);
    expect((await api.get(`/chats/${pagedChat}/messages`)).status).toBe(401);
  });
});

describe('PUT /messages/{messageId}', () => {
  it('edits the text of your own message and marks it edited, in the list too', async () => {
    const message = await sent(student, chatId, 'Teh typo');

    const res = await api.put(`/messages/${message.id}`, { content: 'The typo, fixed' }, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: message.id, content: 'The typo, fixed', deleted: false });
    expect(res.body.data.editedAt).toEqual(expect.any(String));
    const list = await api.get(`/chats/${chatId}/messages?limit=5`, { token: admin.token });
    expect(list.body.data.find((m: { id: string }) => m.id === message.id).content).toBe('The typo, fixed');
    const chat = await api.get(`/chats/${chatId}`, { token: admin.token });
    expect(chat.body.data.lastMessage.preview).toBe('The typo, fixed');
  });

  it("refuses to edit someone else's message (403), and hides it from another student (404)", async () => {
    const message = await sent(admin, chatId, 'Admin says');
    expect((await api.put(`/messages/${message.id}`, { content: 'hijack' }, { token: student.token })).status).toBe(403);
    expect((await api.put(`/messages/${message.id}`, { content: 'hijack' }, { token: otherStudent.token })).status).toBe(404);
  });

  it('refuses to edit a deleted message (409)', async () => {
    const message = await sent(student, chatId, 'soon gone');
    await api.del(`/messages/${message.id}`, undefined, { token: student.token });
    const res = await api.put(`/messages/${message.id}`, { content: 'back' }, { token: student.token });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
  });

  it('answers 400 for empty content, 404 for an unknown message, 401 without a token', async () => {
    const message = await sent(student, chatId, 'text');
    expect((await api.put(`/messages/${message.id}`, { content: ' ' }, { token: student.token })).status).toBe(400);
    expect((await api.put('/messages/msg_01JAAAAAAAAAAAAAAAAAAAAAAA', { content: 'x' }, { token: student.token })).status).toBe(404);
    expect((await api.put(`/messages/${message.id}`, { content: 'x' })).status).toBe(401);
  });
});

describe('DELETE /messages/{messageId}', () => {
  it('leaves a tombstone in the list: no content, deleted, same place', async () => {
    const before = await sent(student, chatId, 'first');
    const message = await sent(student, chatId, 'regrettable');
    const after = await sent(admin, chatId, 'third');

    const res = await api.del(`/messages/${message.id}`, undefined, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: message.id, content: '', deleted: true, attachments: [] });
    expect(res.body.data.deletedAt).toEqual(expect.any(String));
    const list = await api.get(`/chats/${chatId}/messages?limit=3`, { token: admin.token });
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([after.id, message.id, before.id]);
    expect(list.body.data[1]).toMatchObject({ deleted: true, content: '' });
  });

  it('shows a deleted last message as deleted in the chat list', async () => {
    const message = await sent(student, chatId, 'last words');
    await api.del(`/messages/${message.id}`, undefined, { token: student.token });
    const chat = await api.get(`/chats/${chatId}`, { token: admin.token });
    expect(chat.body.data.lastMessage).toMatchObject({ id: message.id, deleted: true, preview: '' });
  });

  it('answers the tombstone again when deleted twice', async () => {
    const message = await sent(student, chatId, 'twice');
    await api.del(`/messages/${message.id}`, undefined, { token: student.token });
    const again = await api.del(`/messages/${message.id}`, undefined, { token: student.token });
    expect(again.status).toBe(200);
    expect(again.body.data.deleted).toBe(true);
  });

  it("refuses to delete someone else's message (403; 404 for another student; 401 without a token)", async () => {
    const message = await sent(admin, chatId, 'keep me');
    expect((await api.del(`/messages/${message.id}`, undefined, { token: student.token })).status).toBe(403);
    expect((await api.del(`/messages/${message.id}`, undefined, { token: otherStudent.token })).status).toBe(404);
    expect((await api.del(`/messages/${message.id}`)).status).toBe(401);
  });
});

describe('POST /messages/{messageId}/read', () => {
  let readStudent: Actor;
  let readChat: string;
  let ids: string[];

  beforeAll(async () => {
    readStudent = await seedStudent();
    readChat = await supportChatOf(readStudent);
    ids = [];
    for (let i = 1; i <= 5; i++) ids.push((await sent(readStudent, readChat, `question ${i}`)).id);
  });

  it("moves the reader's position, so every earlier message reads as read and the unread count drops", async () => {
    const res = await api.post(`/messages/${ids[2]}/read`, undefined, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ chatId: readChat, messageId: ids[2], readSeq: 3, unreadCount: 2 });
    const list = await api.get(`/chats/${readChat}/messages`, { token: readStudent.token });
    const byId = new Map(list.body.data.map((m: { id: string }) => [m.id, m]));
    for (const id of ids.slice(0, 3)) expect(byId.get(id)).toMatchObject({ status: 'read', readBy: [admin.user.id] });
    for (const id of ids.slice(3)) expect(byId.get(id)).toMatchObject({ status: 'sent', readBy: [] });
    const chats = await api.get('/chats?type=support', { token: admin.token });
    expect(chats.body.data.find((c: { id: string }) => c.id === readChat).unreadCount).toBe(2);
  });

  it('never moves the position backwards', async () => {
    await api.post(`/messages/${ids[4]}/read`, undefined, { token: admin.token });
    const res = await api.post(`/messages/${ids[0]}/read`, undefined, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ messageId: ids[4], readSeq: 5, unreadCount: 0 });
  });

  it("counts a reply as having read what came before, and marks the admin's reply read once the student reads it", async () => {
    const reply = await sent(admin, readChat, 'Here is the answer');
    const unreadForStudent = await api.get(`/chats/${readChat}`, { token: readStudent.token });
    expect(unreadForStudent.body.data.unreadCount).toBe(1);

    await api.post(`/messages/${reply.id}/read`, undefined, { token: readStudent.token });

    const list = await api.get(`/chats/${readChat}/messages?limit=1`, { token: admin.token });
    expect(list.body.data[0]).toMatchObject({ id: reply.id, status: 'read', readBy: [readStudent.user.id] });
    expect((await api.get(`/chats/${readChat}`, { token: readStudent.token })).body.data.unreadCount).toBe(0);
  });

  it('answers 404 to another student, for an unknown message, and 401 without a token', async () => {
    expect((await api.post(`/messages/${ids[0]}/read`, undefined, { token: otherStudent.token })).status).toBe(404);
    expect((await api.post('/messages/msg_01JAAAAAAAAAAAAAAAAAAAAAAA/read', undefined, { token: admin.token })).status).toBe(404);
    expect((await api.post(`/messages/${ids[0]}/read`)).status).toBe(401);
  });
});

describe('typing over HTTP', () => {
  it('shows the other side who is typing until they stop', async () => {
    const started = await api.post(`/chats/${chatId}/typing`, { isTyping: true }, { token: student.token });
    expect(started.status).toBe(200);
    expect(started.body.data).toMatchObject({ chatId, isTyping: true });

    const seenByAdmin = await api.get(`/chats/${chatId}/typing`, { token: admin.token });
    expect(seenByAdmin.body.data.typing).toEqual([expect.objectContaining({ userId: student.user.id, name: student.user.name, role: 'student' })]);
    const seenBySelf = await api.get(`/chats/${chatId}/typing`, { token: student.token });
    expect(seenBySelf.body.data.typing).toEqual([]);

    await api.post(`/chats/${chatId}/typing`, { isTyping: false }, { token: student.token });
    expect((await api.get(`/chats/${chatId}/typing`, { token: admin.token })).body.data.typing).toEqual([]);
  });

  it('forgets a typing indicator once it has expired, before TTL removes it', async () => {
    const db = getDb();
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: { ...chatKeys.typing(chatId, admin.user.id), entity: 'typing', chatId, userId: admin.user.id, role: 'admin', until: new Date(Date.now() - 1000).toISOString(), expiresAt: Math.floor(Date.now() / 1000) },
      }),
    );
    expect((await api.get(`/chats/${chatId}/typing`, { token: student.token })).body.data.typing).toEqual([]);
  });

  it('answers 400 without isTyping, 404 to another student, 401 without a token', async () => {
    expect((await api.post(`/chats/${chatId}/typing`, {}, { token: student.token })).status).toBe(400);
    expect((await api.post(`/chats/${chatId}/typing`, { isTyping: true }, { token: otherStudent.token })).status).toBe(404);
    expect((await api.get(`/chats/${chatId}/typing`, { token: otherStudent.token })).status).toBe(404);
    expect((await api.post(`/chats/${chatId}/typing`, { isTyping: true })).status).toBe(401);
  });
});
