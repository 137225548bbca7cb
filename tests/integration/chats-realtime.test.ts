// Live chat over real WebSocket clients: messages, edits, deletes and typing reach the other party through
// the local API Gateway emulation and the production push module; other students never hear of them.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { connectSocket, eventually, type Frame, type TestSocket } from '../support/ws.ts';
import { getDb } from '../../shared/db/client.ts';
import { isUserConnected } from '../../shared/realtime/push.ts';
import { checkEvent } from '../../shared/realtime/events.ts';
import { newId } from '../../shared/ids.ts';
import { toTaskItem, type Task } from '../../shared/db/entities/task.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const open: TestSocket[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function connect(actor: Actor): Promise<TestSocket> {
  const socket = await connectSocket(stack.wsUrl, actor.token);
  open.push(socket);
  await eventually(() => isUserConnected(actor.user.id), 5_000, 'connection stored');
  return socket;
}

const chatFrame = (kind: string, messageId?: string) => (f: Frame) =>
  f.type === 'chat.message' && f.data?.kind === kind && (!messageId || f.data?.message?.id === messageId);
const isChatEvent = (f: Frame) => f.type === 'chat.message' || f.type === 'chat.typing';

async function supportChatOf(student: Actor): Promise<string> {
  return (await api.post('/chats/support', undefined, { token: student.token })).body.data.id;
}

async function send(actor: Actor, chatId: string, content: string) {
  const res = await api.post(`/chats/${chatId}/messages`, { content }, { token: actor.token });
  expect(res.status).toBe(201);
  return res.body.data;
}

let student: Actor;
let admin: Actor;
let chatId: string;

beforeAll(async () => {
  [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
  chatId = await supportChatOf(student);
});

describe('chat.message over the socket', () => {
  it("delivers a student's message to the admin team and to the student's other tabs, as a valid event", async () => {
    const [adminSocket, studentTab] = await Promise.all([connect(admin), connect(student)]);

    const message = await send(student, chatId, 'Live hello');

    const atAdmin = await adminSocket.next(chatFrame('new', message.id));
    const echo = await studentTab.next(chatFrame('new', message.id));
    expect(checkEvent(atAdmin as { type: string; data: unknown })).toEqual({ ok: true });
    expect(atAdmin.data).toMatchObject({ kind: 'new', chatId, message: { id: message.id, content: 'Live hello', senderId: student.user.id, status: 'sent' } });
    expect(echo.data.message).toEqual(atAdmin.data.message);
  });

  it("delivers the admin's reply to the student", async () => {
    const studentSocket = await connect(student);
    const reply = await send(admin, chatId, 'Hi, we are here');
    const frame = await studentSocket.next(chatFrame('new', reply.id));
    expect(frame.data.message).toMatchObject({ content: 'Hi, we are here', sender: { role: 'admin' } });
  });

  it('delivers edits and deletes to the other side', async () => {
    const adminSocket = await connect(admin);
    const message = await send(student, chatId, 'Draft');
    await adminSocket.next(chatFrame('new', message.id));

    await api.put(`/messages/${message.id}`, { content: 'Final' }, { token: student.token });
    const edited = await adminSocket.next(chatFrame('edited', message.id));
    expect(edited.data.message).toMatchObject({ content: 'Final', editedAt: expect.any(String) });

    await api.del(`/messages/${message.id}`, undefined, { token: student.token });
    const deleted = await adminSocket.next(chatFrame('deleted', message.id));
    expect(deleted.data.message).toMatchObject({ content: '', deleted: true });
  });

  it('delivers a task chat message to its participants only, not to every admin', async () => {
    const [taskStudent, assigned, bystander] = await Promise.all([seedStudent(), seedAdmin(), seedAdmin()]);
    const now = new Date().toISOString();
    const task: Task = {
      id: newId('task'), studentId: taskStudent.user.id, assignedAdminId: assigned.user.id, title: 'Lab report', type: 'report',
      description: 'x', subject: 'Chemistry', academicLevel: 'undergraduate', pages: 2, dueDate: now, budgetCents: 5000,
      priority: 'low', status: 'in_progress', attachments: [], deliverableCount: 0, version: 1, createdAt: now, updatedAt: now,
    };
    const db = getDb();
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toTaskItem(task) }));
    const taskChat = (await api.post('/chats', { type: 'task', taskId: task.id }, { token: taskStudent.token })).body.data.id;
    const [assignedSocket, bystanderSocket] = await Promise.all([connect(assigned), connect(bystander)]);

    const message = await send(taskStudent, taskChat, 'About my lab report');

    expect((await assignedSocket.next(chatFrame('new', message.id))).data.chatId).toBe(taskChat);
    expect(await bystanderSocket.receives(chatFrame('new', message.id), 500)).toBe(false);
  });

  it('measures the local send-to-receive latency (median of 20)', async () => {
    const adminSocket = await connect(admin);
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      const sending = api.post(`/chats/${chatId}/messages`, { content: `latency ${i}` }, { token: student.token });
      const frame = await adminSocket.next((f) => chatFrame('new')(f) && f.data.message.content === `latency ${i}`);
      latencies.push(performance.now() - started);
      expect(frame.data.chatId).toBe(chatId);
      expect((await sending).status).toBe(201);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const median = (sorted[9] + sorted[10]) / 2;
    console.log(`chat.message send-to-receive latency over 20 messages: median ${median.toFixed(1)} ms, min ${sorted[0].toFixed(1)} ms, max ${sorted[19].toFixed(1)} ms`);
    expect(median).toBeLessThan(1_000);
  });
});

describe('chat.typing', () => {
  it('relays the socket action to the other party, not back to the typing connection', async () => {
    const [studentSocket, adminSocket] = await Promise.all([connect(student), connect(admin)]);

    studentSocket.send({ action: 'chat.typing', chatId, isTyping: true });

    const frame = await adminSocket.next('chat.typing');
    expect(frame.data).toEqual({ chatId, userId: student.user.id, isTyping: true });
    expect(await studentSocket.receives('chat.typing', 300)).toBe(false);
    // Socket typists show up for clients without a socket too.
    const typing = await api.get(`/chats/${chatId}/typing`, { token: admin.token });
    expect(typing.body.data.typing.map((t: { userId: string }) => t.userId)).toEqual([student.user.id]);

    adminSocket.send({ action: 'chat.typing', chatId, isTyping: true });
    expect((await studentSocket.next('chat.typing')).data).toEqual({ chatId, userId: admin.user.id, isTyping: true });
  });

  it('pushes typing sent over HTTP as well', async () => {
    const adminSocket = await connect(admin);
    await api.post(`/chats/${chatId}/typing`, { isTyping: false }, { token: student.token });
    expect((await adminSocket.next('chat.typing')).data).toEqual({ chatId, userId: student.user.id, isTyping: false });
  });

  it("answers an error frame when a student types in another student's chat, and relays nothing", async () => {
    const intruder = await seedStudent();
    const [intruderSocket, adminSocket, studentSocket] = await Promise.all([connect(intruder), connect(admin), connect(student)]);

    intruderSocket.send({ action: 'chat.typing', chatId, isTyping: true });

    const error = await intruderSocket.next('error');
    expect(error.data).toMatchObject({ code: 'NOT_FOUND', action: 'chat.typing' });
    expect(await adminSocket.receives('chat.typing', 300)).toBe(false);
    expect(await studentSocket.receives('chat.typing', 100)).toBe(false);
  });
});

describe("another student's socket", () => {
  it('never receives events of a chat it is not part of', async () => {
    const outsider = await seedStudent();
    const outsiderChat = await supportChatOf(outsider);
    const [outsiderSocket, adminSocket, studentSocket] = await Promise.all([connect(outsider), connect(admin), connect(student)]);

    const message = await send(student, chatId, 'private');
    await api.put(`/messages/${message.id}`, { content: 'private, edited' }, { token: student.token });
    await api.del(`/messages/${message.id}`, undefined, { token: student.token });
    studentSocket.send({ action: 'chat.typing', chatId, isTyping: true });
    await api.post(`/chats/${chatId}/typing`, { isTyping: false }, { token: student.token });
    const reply = await send(admin, chatId, 'reply');
    await adminSocket.next(chatFrame('new', reply.id));

    // A message in the outsider's own chat arrives: the socket works and the silence above is real.
    const own = await send(admin, outsiderChat, 'for the outsider');
    const first = await outsiderSocket.next(isChatEvent);
    expect(first.data).toMatchObject({ kind: 'new', chatId: outsiderChat, message: { id: own.id } });
    expect(outsiderSocket.frames.filter(isChatEvent).every((f) => f.data.chatId === outsiderChat)).toBe(true);
  });
});
