// The push module against the local gateway's Management API (a connection without a socket answers 410, as
// API Gateway does) with real `ws` clients and connection items in DynamoDB Local. The requests are tapped on
// the wire to see what was posted where; a failure no emulator produces on demand (a 5xx, throttling, a 410
// under another error name) is answered by the tap.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { seedUser } from '../support/users.ts';
import { connectSocket, eventually, type TestSocket } from '../support/ws.ts';
import { jsonError, QUICK_RETRY, tapTransport, type Around } from '../support/aws-transport.ts';
import { getDb } from '../../shared/db/client.ts';
import { createLogger } from '../../shared/log.ts';
import type { Role } from '../../shared/auth/tokens.ts';
import { createManagementApi } from '../../shared/aws/management-api.ts';
import { getConnection, listConnectionsByUser, newConnection, putConnection } from '../../shared/db/entities/connection.ts';
import { Events } from '../../shared/realtime/events.ts';
import { deliverToAudience, deliverToUsers, replyToConnection, type PushDeps } from '../../shared/realtime/push.ts';
import { resetConfigForTests } from '../../shared/config.ts';

const stack = useTestStack();

/** A Management API client on the local gateway whose requests are recorded (and answered by `around` if given). */
function management(around?: Around) {
  const { sent, transport } = tapTransport(around);
  const client = createManagementApi({ endpoint: stack.gatewayUrl, transport, retry: QUICK_RETRY });
  /** Connection ids posted to, in order (every attempt). */
  const postedTo = () => sent.filter((r) => r.method === 'POST').map((r) => connectionIdOf(r.path));
  return { client, sent, postedTo };
}
const connectionIdOf = (path: string) => decodeURIComponent(path.split('/@connections/')[1]);

const deps = (client: PushDeps['client'], more: Partial<PushDeps> = {}): Partial<PushDeps> => ({ db: getDb(), client, log: createLogger({}), ...more });
const event = Events.ChatTyping({ chatId: 'chat_1', userId: 'user_sender', isTyping: true });

let userSeq = 0;
/** Connection items with no socket behind them: the gateway answers 410 for each (a client that vanished). */
async function userWithConnections(count: number, role: Role = 'student'): Promise<{ userId: string; ids: string[] }> {
  const userId = `user_unit${++userSeq}${randomBytes(3).toString('hex')}`;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomBytes(11).toString('base64');
    await putConnection(getDb(), newConnection({ connectionId: id, userId, role }, new Date()));
    ids.push(id);
  }
  return { userId, ids };
}

const sockets: TestSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});

/** A student with `count` open sockets on the gateway (stored by the production $connect). */
async function connectedStudent(count: number): Promise<{ userId: string; ids: string[]; sockets: TestSocket[] }> {
  const { user, token } = await seedUser('student');
  const mine: TestSocket[] = [];
  for (let i = 0; i < count; i++) mine.push(await connectSocket(stack.wsUrl, token));
  sockets.push(...mine);
  await eventually(async () => (await listConnectionsByUser(getDb(), user.id, new Date())).length === count, 5_000, 'connections stored');
  const ids = (await listConnectionsByUser(getDb(), user.id, new Date())).map((c) => c.connectionId);
  return { userId: user.id, ids, sockets: mine };
}

const exists = async (id: string) => (await getConnection(getDb(), id, new Date())) !== undefined;

describe('a 410 from the Management API', () => {
  it('deletes exactly the stale connection and still delivers to the live ones', async () => {
    const live = await connectedStudent(2);
    const stale = randomBytes(11).toString('base64');
    await putConnection(getDb(), newConnection({ connectionId: stale, userId: live.userId, role: 'student' }, new Date()));
    const { client } = management();

    const result = await deliverToUsers([live.userId], event, {}, deps(client));

    expect(result).toEqual({ connections: 3, sent: 2, gone: 1, failed: 0 });
    for (const socket of live.sockets) expect((await socket.next('chat.typing')).data).toMatchObject({ chatId: 'chat_1' });
    expect(await exists(stale)).toBe(false);
    for (const id of live.ids) expect(await exists(id)).toBe(true);
  });

  it('is recognised by its HTTP status even when the error name differs', async () => {
    const { userId, ids } = await userWithConnections(1);
    const { client } = management(async () => jsonError(410, 'SomethingElse'));

    expect(await deliverToUsers([userId], event, {}, deps(client))).toMatchObject({ gone: 1, failed: 0 });
    expect(await exists(ids[0])).toBe(false);
  });

  it("never deletes the sender's connection: it is not posted to, and only the recipients' stale connections go", async () => {
    const sender = await userWithConnections(2);
    const recipient = await userWithConnections(2);
    const senderConnection = sender.ids[0];
    const { client, postedTo } = management();

    const result = await deliverToUsers([sender.userId, recipient.userId], event, { exceptConnectionId: senderConnection }, deps(client));

    expect(postedTo()).not.toContain(senderConnection);
    expect(result).toEqual({ connections: 3, sent: 0, gone: 3, failed: 0 });
    expect(await exists(senderConnection)).toBe(true);
    expect(await exists(sender.ids[1])).toBe(false);
    expect(await exists(recipient.ids[0])).toBe(false);
    expect(await exists(recipient.ids[1])).toBe(false);
  });

  it('on a reply to the caller deletes nothing (its own $disconnect is on the way)', async () => {
    const { ids } = await userWithConnections(1);
    const { client } = management();

    expect(await replyToConnection(ids[0], Events.Pong({ time: new Date().toISOString() }), deps(client))).toBe('gone');
    expect(await exists(ids[0])).toBe(true);
  });
});

describe('other failures', () => {
  it('are retried as the SDK does, then counted and logged, never thrown, and the connection is kept', async () => {
    const live = await connectedStudent(2);
    const failing = live.ids[0];
    const { client, postedTo } = management(async (request, forward) =>
      connectionIdOf(request.path) === failing ? jsonError(500, 'InternalServerErrorException') : forward(),
    );

    const result = await deliverToUsers([live.userId], event, {}, deps(client));

    expect(result).toEqual({ connections: 2, sent: 1, gone: 0, failed: 1 });
    expect(postedTo().filter((id) => id === failing)).toHaveLength(3);
    expect(await exists(failing)).toBe(true);
  });

  it('a throttled post is retried and delivered', async () => {
    const live = await connectedStudent(1);
    let throttled = 0;
    const { client } = management(async (_request, forward) => (throttled++ === 0 ? jsonError(429, 'TooManyRequestsException') : forward()));

    expect(await deliverToUsers([live.userId], event, {}, deps(client))).toEqual({ connections: 1, sent: 1, gone: 0, failed: 0 });
    expect((await live.sockets[0].next('chat.typing')).type).toBe('chat.typing');
  });

  it('a frame over 32 KB is refused before any call', async () => {
    const { userId } = await userWithConnections(1);
    const huge = Events.ChatMessage({ kind: 'new', chatId: 'c', message: { id: 'm', chatId: 'c', content: 'x'.repeat(33 * 1024) } });
    const { client, sent } = management();

    expect(await deliverToUsers([userId], huge, {}, deps(client))).toMatchObject({ skipped: 'frame_too_large', sent: 0 });
    expect(sent).toEqual([]);
  });

  it('without a Management API endpoint nothing is sent and nothing throws', async () => {
    const { userId } = await userWithConnections(1);
    expect(await deliverToUsers([userId], event, {}, deps(undefined))).toMatchObject({ skipped: 'not_configured' });
  });
});

describe('an event that does not match its definition', () => {
  // VALIDATE_RESPONSES is configuration, read once per cold start: reset the cached config around each case.
  const saved = process.env.VALIDATE_RESPONSES;
  afterEach(() => {
    process.env.VALIDATE_RESPONSES = saved;
    resetConfigForTests();
  });
  const bad = { type: 'chat.typing', data: { chatId: 'c', isTyping: 'yes' } } as never;

  it('fails loudly when responses are validated (tests)', async () => {
    process.env.VALIDATE_RESPONSES = 'true';
    resetConfigForTests();
    await expect(deliverToUsers(['user_x'], bad, {}, deps(management().client))).rejects.toThrow(/Invalid chat.typing event: userId/);
  });

  it('is skipped and logged in production', async () => {
    process.env.VALIDATE_RESPONSES = 'false';
    resetConfigForTests();
    expect(await deliverToUsers(['user_x'], bad, {}, deps(management().client))).toMatchObject({ skipped: 'invalid_event', sent: 0 });
  });
});

describe('fan-out', () => {
  it('keeps at most `concurrency` PostToConnection calls in flight', async () => {
    const { userId } = await userWithConnections(25);
    let inFlight = 0;
    let peak = 0;
    const { client } = management(async (_request, forward) => {
      peak = Math.max(peak, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return await forward();
      } finally {
        inFlight--;
      }
    });

    const result = await deliverToUsers([userId], event, {}, deps(client, { concurrency: 10 }));

    expect(result).toMatchObject({ connections: 25, gone: 25 });
    expect(peak).toBe(10);
  });

  it('reaches each connection once when a user is named twice', async () => {
    const { userId, ids } = await userWithConnections(2);
    const { client, postedTo } = management();
    await deliverToUsers([userId, userId], event, {}, deps(client));
    expect(postedTo().sort()).toEqual([...ids].sort());
  });

  it('to admins reads the admin role index only', async () => {
    const admin = await userWithConnections(2, 'admin');
    const student = await userWithConnections(1, 'student');
    const { client, postedTo } = management();

    await deliverToAudience('admins', event, {}, deps(client));

    expect(postedTo()).toEqual(expect.arrayContaining(admin.ids));
    expect(postedTo()).not.toContain(student.ids[0]);
  });
});

describe('the Management API client', () => {
  it('reads a live connection, closes it, and then finds it gone (410 GoneException)', async () => {
    const live = await connectedStudent(1);
    const { client } = management();

    expect(await client.getConnection(live.ids[0])).toMatchObject({ connectedAt: expect.any(String), lastActiveAt: expect.any(String) });
    await client.deleteConnection(live.ids[0]);

    expect((await live.sockets[0].closed).code).toBe(1000);
    await expect(client.getConnection(live.ids[0])).rejects.toMatchObject({ name: 'GoneException', $metadata: { httpStatusCode: 410 } });
  });
});
