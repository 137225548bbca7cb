// The WebSocket API end to end: real `ws` clients against the local gateway's API Gateway emulation, the
// production realtime handler, DynamoDB Local, and the push module posting through the Management API.
import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { useTestStack } from '../support/stack.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';
import { apiClient } from '../support/http.ts';
import { connectSocket, eventually, UpgradeRefused, type TestSocket } from '../support/ws.ts';
import { getDb } from '../../shared/db/client.ts';
import { signAccessToken } from '../../shared/auth/tokens.ts';
import {
  CONNECTION_TTL_SECONDS,
  connectionKeys,
  listConnectionsByUser,
  newConnection,
  toConnectionItem,
} from '../../shared/db/entities/connection.ts';
import { Events } from '../../shared/realtime/events.ts';
import { deliverToAudience, deliverToUsers, isUserConnected, pushToAdmins, pushToUsers } from '../../shared/realtime/push.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

async function refusal(token: string | undefined): Promise<UpgradeRefused> {
  const err = await connectSocket(stack.wsUrl, token).then(
    (s) => {
      void s.close();
      throw new Error('the upgrade was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpgradeRefused);
  return err as UpgradeRefused;
}

async function connectionIdsOf(userId: string): Promise<string[]> {
  return (await listConnectionsByUser(getDb(), userId, new Date())).map((c) => c.connectionId);
}

async function connectionItem(connectionId: string) {
  const db = getDb();
  return (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: connectionKeys.connection(connectionId) }))).Item;
}

/** Connects and waits until the connection item is queryable (what a push reads). */
async function connected(token: string, userId: string, expectedCount = 1): Promise<TestSocket> {
  const socket = await connectSocket(stack.wsUrl, token);
  await eventually(async () => (await connectionIdsOf(userId)).length >= expectedCount, 5_000, 'connection stored');
  return socket;
}

const typing = (userId: string) => Events.ChatTyping({ chatId: 'chat_x', userId, isTyping: true });

describe('$connect', () => {
  it('refuses the upgrade with 401 when there is no token', async () => {
    expect((await refusal(undefined)).status).toBe(401);
  });

  it.each([
    ['a malformed token', 'not-a-jwt'],
    ['a token signed with another key', 'eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ1c2VyXzEiLCJyb2xlIjoiYWRtaW4ifQ.c2lnbmF0dXJl'],
  ])('refuses the upgrade with 401 for %s', async (_name, token) => {
    expect((await refusal(token)).status).toBe(401);
  });

  it('refuses the upgrade with 401 for an expired access token', async () => {
    const { user } = await seedStudent();
    const expired = await signAccessToken({ id: user.id, role: 'student' }, new Date(Date.now() - 20 * 60 * 1000));
    expect((await refusal(expired)).status).toBe(401);
    expect(await connectionIdsOf(user.id)).toEqual([]);
  });

  it('refuses the upgrade with 403 for a suspended user whose token is still valid', async () => {
    const { user, token } = await seedStudent({ status: 'suspended' });
    expect((await refusal(token)).status).toBe(403);
    expect(await connectionIdsOf(user.id)).toEqual([]);
  });

  it('stores the connection with the user, role and a TTL past API Gateway 2-hour limit', async () => {
    const { user, token } = await seedAdmin();
    const before = Math.floor(Date.now() / 1000);
    const socket = await connected(token, user.id);
    const [id] = await connectionIdsOf(user.id);
    const item = await connectionItem(id);
    expect(item).toMatchObject({ userId: user.id, role: 'admin', gsi1pk: `USERCONN#${user.id}`, gsi2pk: 'ROLECONN#admin' });
    expect(item!.expiresAt).toBeGreaterThanOrEqual(before + CONNECTION_TTL_SECONDS);
    expect(item!.expiresAt).toBeGreaterThan(before + 2 * 3600);
    await socket.close();
  });
});

describe('$disconnect', () => {
  it('deletes the connection when the client closes it', async () => {
    const { user, token } = await seedStudent();
    const socket = await connected(token, user.id);
    const [id] = await connectionIdsOf(user.id);
    await socket.close();
    await eventually(async () => (await connectionItem(id)) === undefined, 5_000, 'connection deleted');
    expect(await isUserConnected(user.id)).toBe(false);
  });
});

describe('client actions', () => {
  it('answers ping with pong', async () => {
    const { user, token } = await seedStudent();
    const socket = await connected(token, user.id);
    socket.send({ action: 'ping' });
    const pong = await socket.next('pong');
    expect(Events.Pong.schema.safeParse(pong.data).success).toBe(true);
    await socket.close();
  });

  it.each([
    ['bad JSON', '{"action": "ping"', 'VALIDATION_ERROR', /JSON/],
    ['a JSON value that is not an object', '[1,2]', 'VALIDATION_ERROR', /JSON objects/],
    ['a frame without an action', '{"chatId":"chat_1"}', 'VALIDATION_ERROR', /no "action"/],
    ['an unknown action', '{"action":"chat.subscribe","chatId":"chat_1"}', 'NOT_FOUND', /Unknown action "chat.subscribe"; known actions: ping, chat.typing/],
    ['chat.typing without isTyping', '{"action":"chat.typing","chatId":"chat_1"}', 'VALIDATION_ERROR', /isTyping/],
  ])('answers %s with an error frame and keeps the connection open', async (_name, raw, code, message) => {
    const { user, token } = await seedStudent();
    const socket = await connected(token, user.id);
    socket.send(raw);
    const error = await socket.next('error');
    expect(error.data.code).toBe(code);
    expect(error.data.message).toMatch(message);
    socket.send({ action: 'ping' });
    await socket.next('pong');
    await socket.close();
  });

  it("relays chat.typing through the chats domain to the chat's other side, not back to the typing tab", async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const chat = await api.post('/chats/support', {}, { token: student.token });
    expect(chat.status).toBeLessThan(300);
    const chatId = chat.body.data.id as string;
    const studentSocket = await connected(student.token, student.user.id);
    const adminSocket = await connected(admin.token, admin.user.id);

    studentSocket.send({ action: 'chat.typing', chatId, isTyping: true });

    expect((await adminSocket.next('chat.typing')).data).toEqual({ chatId, userId: student.user.id, isTyping: true });
    expect(await studentSocket.receives('chat.typing')).toBe(false);
    await Promise.all([studentSocket.close(), adminSocket.close()]);
  });

  it("answers chat.typing into another student's chat with a NOT_FOUND error frame", async () => {
    const owner = await seedStudent();
    const intruder = await seedStudent();
    const chatId = (await api.post('/chats/support', {}, { token: owner.token })).body.data.id as string;
    const socket = await connected(intruder.token, intruder.user.id);

    socket.send({ action: 'chat.typing', chatId, isTyping: true });

    const error = await socket.next('error');
    expect(error.data).toMatchObject({ code: 'NOT_FOUND', action: 'chat.typing' });
    expect(error.data.message).not.toBe('chat.typing is not available');
    await socket.close();
  });

  it('closes the connection with 1009 when a client frame exceeds 32 KB, as API Gateway does', async () => {
    const { user, token } = await seedStudent();
    const socket = await connected(token, user.id);
    socket.send({ action: 'ping', padding: 'x'.repeat(33 * 1024) });
    expect((await socket.closed).code).toBe(1009);
  });
});

describe('push', () => {
  it('reaches every connection of the user and nobody else', async () => {
    const alice = await seedStudent();
    const bob = await seedStudent();
    const tab1 = await connected(alice.token, alice.user.id, 1);
    const tab2 = await connected(alice.token, alice.user.id, 2);
    const other = await connected(bob.token, bob.user.id);

    const result = await deliverToUsers([alice.user.id], typing('user_x'));

    expect(result).toMatchObject({ connections: 2, sent: 2, gone: 0, failed: 0 });
    expect((await tab1.next('chat.typing')).data).toEqual({ chatId: 'chat_x', userId: 'user_x', isTyping: true });
    expect((await tab2.next('chat.typing')).data.chatId).toBe('chat_x');
    expect(await other.receives('chat.typing')).toBe(false);
    await Promise.all([tab1.close(), tab2.close(), other.close()]);
  });

  it('skips the connection that caused the push (exceptConnectionId)', async () => {
    const alice = await seedStudent();
    const sender = await connected(alice.token, alice.user.id, 1);
    const [senderId] = await connectionIdsOf(alice.user.id);
    const otherTab = await connected(alice.token, alice.user.id, 2);

    await pushToUsers([alice.user.id], typing(alice.user.id), { exceptConnectionId: senderId });

    await otherTab.next('chat.typing');
    expect(await sender.receives('chat.typing')).toBe(false);
    await Promise.all([sender.close(), otherTab.close()]);
  });

  it('cleans up a client that dropped without a close handshake, and the other connections still receive', async () => {
    const alice = await seedStudent();
    const dropped = await connected(alice.token, alice.user.id, 1);
    const [droppedId] = await connectionIdsOf(alice.user.id);
    const alive = await connected(alice.token, alice.user.id, 2);

    dropped.ws.terminate();
    await dropped.closed;
    await pushToUsers([alice.user.id], typing('user_x'));

    await alive.next('chat.typing');
    // Either API Gateway's $disconnect or the push's 410 removed it; never both needed.
    await eventually(async () => (await connectionItem(droppedId)) === undefined, 5_000, 'dropped connection deleted');
    expect(await connectionIdsOf(alice.user.id)).toHaveLength(1);
    await alive.close();
  });

  it('deletes a stale connection (no $disconnect ever came) when the Management API answers 410', async () => {
    const alice = await seedStudent();
    const alive = await connected(alice.token, alice.user.id, 1);
    const db = getDb();
    const stale = newConnection({ connectionId: 'StaleConn0000A=', userId: alice.user.id, role: 'student' }, new Date());
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toConnectionItem(stale) }));

    const result = await deliverToUsers([alice.user.id], typing('user_x'));

    expect(result).toMatchObject({ connections: 2, sent: 1, gone: 1, failed: 0 });
    expect(await connectionItem('StaleConn0000A=')).toBeUndefined();
    await alive.next('chat.typing');
    expect(await connectionIdsOf(alice.user.id)).toHaveLength(1);
    await alive.close();
  });

  it('ignores connection items past their TTL (DynamoDB Local never deletes them)', async () => {
    const alice = await seedStudent();
    const db = getDb();
    const old = newConnection({ connectionId: 'ExpiredConn00A=', userId: alice.user.id, role: 'student' }, new Date(Date.now() - 3 * 3600 * 1000));
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toConnectionItem(old) }));

    expect(await isUserConnected(alice.user.id)).toBe(false);
    expect(await deliverToUsers([alice.user.id], typing('user_x'))).toMatchObject({ connections: 0, sent: 0 });
  });

  it('pushToAdmins reaches every connected admin and no student', async () => {
    const admin1 = await seedAdmin();
    const admin2 = await seedAdmin();
    const student = await seedStudent();
    const a1 = await connected(admin1.token, admin1.user.id);
    const a2 = await connected(admin2.token, admin2.user.id);
    const s = await connected(student.token, student.user.id);

    await pushToAdmins(typing(student.user.id));

    await a1.next('chat.typing');
    await a2.next('chat.typing');
    expect(await s.receives('chat.typing')).toBe(false);
    await Promise.all([a1.close(), a2.close(), s.close()]);
  });

  it.each([
    ['students', { admin: false, student: true }],
    ['all', { admin: true, student: true }],
  ] as const)('pushToAudience(%s) reaches the audience only', async (audience, expected) => {
    const admin = await seedAdmin();
    const student = await seedStudent();
    const a = await connected(admin.token, admin.user.id);
    const s = await connected(student.token, student.user.id);
    const announcement = Events.SystemAnnouncement({ id: 'ann_1', title: 'Maintenance', message: 'Tonight', targetAudience: audience, type: 'info' });

    await deliverToAudience(audience, announcement);

    expect(await a.receives('system.announcement', 500)).toBe(expected.admin);
    expect(await s.receives('system.announcement', 500)).toBe(expected.student);
    await Promise.all([a.close(), s.close()]);
  });

  it('refuses a frame over 32 KB before sending it', async () => {
    const alice = await seedStudent();
    const socket = await connected(alice.token, alice.user.id);
    const huge = Events.ChatMessage({ kind: 'new', chatId: 'chat_x', message: { id: 'msg_1', chatId: 'chat_x', content: 'é'.repeat(17 * 1024) } });

    expect(await deliverToUsers([alice.user.id], huge)).toMatchObject({ skipped: 'frame_too_large', sent: 0 });
    expect(await socket.receives('chat.message')).toBe(false);
    await socket.close();
  });

  it('isUserConnected follows connect and disconnect', async () => {
    const alice = await seedStudent();
    expect(await isUserConnected(alice.user.id)).toBe(false);
    const socket = await connected(alice.token, alice.user.id);
    expect(await isUserConnected(alice.user.id)).toBe(true);
    await socket.close();
    await eventually(async () => !(await isUserConnected(alice.user.id)), 5_000, 'disconnected');
  });
});

describe('Management API emulation (called through the AWS SDK)', () => {
  const client = () => new ApiGatewayManagementApiClient({ endpoint: stack.gatewayUrl });

  it('GET @connections/{id} describes an open connection; 410 once it is gone', async () => {
    const alice = await seedStudent();
    const socket = await connected(alice.token, alice.user.id);
    const [id] = await connectionIdsOf(alice.user.id);

    const out = await client().send(new GetConnectionCommand({ ConnectionId: id }));
    expect(out.ConnectedAt).toBeInstanceOf(Date);
    expect(out.Identity?.SourceIp).toBe('127.0.0.1');
    expect(out.LastActiveAt!.getTime()).toBeGreaterThanOrEqual(out.ConnectedAt!.getTime());

    await socket.close();
    await expect(client().send(new GetConnectionCommand({ ConnectionId: id }))).rejects.toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
  });

  it('DELETE @connections/{id} closes the socket and $disconnect removes the item', async () => {
    const alice = await seedStudent();
    const socket = await connected(alice.token, alice.user.id);
    const [id] = await connectionIdsOf(alice.user.id);

    await client().send(new DeleteConnectionCommand({ ConnectionId: id }));

    expect((await socket.closed).code).toBe(1000);
    await eventually(async () => (await connectionItem(id)) === undefined, 5_000, 'connection deleted');
  });

  it('POST @connections/{id} answers 410 GoneException for an unknown connection and 413 over 32 KB', async () => {
    const alice = await seedStudent();
    const socket = await connected(alice.token, alice.user.id);
    const [id] = await connectionIdsOf(alice.user.id);

    await expect(client().send(new PostToConnectionCommand({ ConnectionId: 'NoSuchConn/+0A=', Data: '{}' }))).rejects.toMatchObject({
      name: 'GoneException',
    });
    await expect(client().send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x'.repeat(33 * 1024) }))).rejects.toMatchObject({
      name: 'PayloadTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
    await socket.close();
  });
});

describe('latency', () => {
  it('measures server push to client receive (median of 50)', async () => {
    const alice = await seedStudent();
    const socket = await connected(alice.token, alice.user.id);
    const samples: number[] = [];
    for (let i = 0; i < 50; i++) {
      const event = Events.ChatTyping({ chatId: `chat_${i}`, userId: 'user_x', isTyping: true });
      const started = performance.now();
      const received = socket.next((f) => f.type === 'chat.typing' && f.data.chatId === `chat_${i}`);
      await pushToUsers([alice.user.id], event);
      await received;
      samples.push(performance.now() - started);
    }
    const lookups: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      await listConnectionsByUser(getDb(), alice.user.id, new Date());
      lookups.push(performance.now() - started);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const p95 = [...samples].sort((a, b) => a - b)[Math.floor(samples.length * 0.95)];
    console.info(
      `[realtime] local push -> receive over ${samples.length} pushes: median ${median(samples).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms` +
        ` (connection lookup alone: median ${median(lookups).toFixed(1)} ms)`,
    );
    expect(median(samples)).toBeLessThan(500);
    await socket.close();
  });

  it('measures a broadcast to 100 connections (audience fan-out, concurrency 10)', async () => {
    const students = await Promise.all(Array.from({ length: 10 }, () => seedStudent()));
    const sockets: TestSocket[] = [];
    for (const s of students) for (let i = 0; i < 10; i++) sockets.push(await connectSocket(stack.wsUrl, s.token));
    await eventually(async () => (await Promise.all(students.map((s) => connectionIdsOf(s.user.id)))).every((ids) => ids.length === 10), 10_000, 'all stored');
    const announcement = Events.SystemAnnouncement({ id: 'ann_bench', title: 'Bench', message: 'Fan-out', targetAudience: 'students' });

    const started = performance.now();
    const received = Promise.all(sockets.map((s) => s.next((f) => f.type === 'system.announcement' && f.data.id === 'ann_bench', 10_000)));
    const result = await deliverToAudience('students', announcement);
    const sentMs = performance.now() - started;
    await received;
    const allMs = performance.now() - started;

    console.info(`[realtime] broadcast to ${result.sent} connections: push returned after ${sentMs.toFixed(0)} ms, all received after ${allMs.toFixed(0)} ms`);
    expect(result.sent).toBeGreaterThanOrEqual(100);
    await Promise.all(sockets.map((s) => s.close()));
  });
});
