// Sockets do not outlive the session they were opened in: access tokens name their session, each connection
// records it, and whatever ends a session closes its sockets (logout: that session's; password reset, reuse
// detection: the account's). Plus the per-user connection bound and the per-connection action limit.
// (Suspension: users-status.test.ts; a Google takeover: auth-google.test.ts.)
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent } from '../support/users.ts';
import { connectSocket, eventually, UpgradeRefused, type TestSocket } from '../support/ws.ts';
import { getDb } from '../../shared/db/client.ts';
import { listConnectionsByUser } from '../../shared/db/entities/connection.ts';
import { verifyAccessToken } from '../../shared/auth/tokens.ts';
import { mailsTo } from '../support/mail.ts';

const MAX_CONNECTIONS = 2;
const ACTIONS_PER_MINUTE = 3;
const stack = useTestStack({
  WEBSOCKET_MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS),
  RATE_LIMIT_SOCKET_ACTIONS_PER_MINUTE: String(ACTIONS_PER_MINUTE),
  REFRESH_REUSE_GRACE_SECONDS: '0',
});
const api = apiClient(() => stack.apiUrl);

const PASSWORD = 'correct horse 1';

interface Session {
  userId: string;
  token: string;
  refreshToken: string;
}

/** Registers, then signs in a second time: two sessions of one account. */
async function accountWithTwoSessions(): Promise<{ email: string; first: Session; second: Session }> {
  const email = `sockets-${randomBytes(5).toString('hex')}@example.test`;
  const registered = await api.post('/auth/register', { name: 'Two Tabs', email, password: PASSWORD });
  expect(registered.status).toBe(201);
  const loggedIn = await api.post('/auth/login', { email, password: PASSWORD });
  expect(loggedIn.status).toBe(200);
  const session = (d: any): Session => ({ userId: d.user.id, token: d.token, refreshToken: d.refreshToken });
  return { email, first: session(registered.body.data), second: session(loggedIn.body.data) };
}

const connectionCount = async (userId: string) => (await listConnectionsByUser(getDb(), userId, new Date())).length;

/** Connects and waits until the connection is stored (what the closing reads). */
async function connected(token: string, userId: string): Promise<TestSocket> {
  const before = await connectionCount(userId);
  const socket = await connectSocket(stack.wsUrl, token);
  await eventually(async () => (await connectionCount(userId)) > before, 5_000, 'connection stored');
  return socket;
}

async function stillOpen(socket: TestSocket): Promise<void> {
  socket.send({ action: 'ping' });
  await socket.next('pong');
}

async function refusal(token: string): Promise<number> {
  const err = await connectSocket(stack.wsUrl, token).then(
    async (s) => {
      await s.close();
      return new Error('the upgrade was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpgradeRefused);
  return (err as UpgradeRefused).status;
}

describe('sockets and sessions', () => {
  it('gives every access token the session it was issued in', async () => {
    const { first, second } = await accountWithTwoSessions();
    const a = await verifyAccessToken(first.token);
    const b = await verifyAccessToken(second.token);
    expect(a.sessionId).toMatch(/^fam_/);
    expect(b.sessionId).toMatch(/^fam_/);
    expect(a.sessionId).not.toBe(b.sessionId);
    const refreshed = await api.post('/auth/refresh', { refreshToken: first.refreshToken });
    expect((await verifyAccessToken(refreshed.body.data.token)).sessionId).toBe(a.sessionId);
  });

  it("closes the signed-out session's sockets, saying why, and leaves the account's other sessions connected", async () => {
    const { first, second } = await accountWithTwoSessions();
    const signedOutTab = await connected(first.token, first.userId);
    const otherDevice = await connected(second.token, second.userId);

    expect((await api.post('/auth/logout', { refreshToken: first.refreshToken })).status).toBe(200);

    const farewell = await signedOutTab.next('connection.closing');
    expect(farewell.data).toMatchObject({ reason: 'signed_out' });
    await signedOutTab.closed;
    await stillOpen(otherDevice);
    await otherDevice.close();
  });

  it('refuses a new socket for a signed-out session although its access token has not expired', async () => {
    const { first, second } = await accountWithTwoSessions();
    await api.post('/auth/logout', { refreshToken: first.refreshToken });

    expect(await refusal(first.token)).toBe(401);
    const otherSession = await connected(second.token, second.userId);
    await otherSession.close();
  });

  it("closes every socket of the account when its password is reset, and its sessions' tokens open no new ones", async () => {
    const { email, first, second } = await accountWithTwoSessions();
    const tabs = [await connected(first.token, first.userId), await connected(second.token, second.userId)];
    await api.post('/auth/forgot-password', { email });
    const mail = (await mailsTo(stack, email)).find((m) => m.subject.includes('Reset'))!;
    const resetToken = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];

    expect((await api.post('/auth/reset-password', { token: resetToken, newPassword: 'brand new secret 2' })).status).toBe(200);

    for (const tab of tabs) {
      expect((await tab.next('connection.closing')).data.reason).toBe('session_ended');
      await tab.closed;
    }
    expect(await refusal(second.token)).toBe(401);
  });

  it('closes the sockets of a session revoked for refresh-token reuse', async () => {
    const { first, second } = await accountWithTwoSessions();
    const stolenSessionTab = await connected(first.token, first.userId);
    const otherDevice = await connected(second.token, second.userId);
    expect((await api.post('/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(200);

    const replay = await api.post('/auth/refresh', { refreshToken: first.refreshToken });

    expect(replay.status).toBe(401);
    expect((await stolenSessionTab.next('connection.closing')).data.reason).toBe('session_ended');
    await stolenSessionTab.closed;
    await stillOpen(otherDevice);
    await otherDevice.close();
  });
});

describe('connections per user', () => {
  it(`closes the oldest connection when a user opens more than ${MAX_CONNECTIONS}, telling it why`, async () => {
    const { user, token } = await seedStudent();
    const oldest = await connected(token, user.id);
    const middle = await connected(token, user.id);

    const newest = await connectSocket(stack.wsUrl, token);

    const farewell = await oldest.next('connection.closing');
    expect(farewell.data).toMatchObject({ reason: 'connection_limit' });
    await oldest.closed;
    await stillOpen(middle);
    await stillOpen(newest);
    await eventually(async () => (await connectionCount(user.id)) === MAX_CONNECTIONS, 5_000, 'the oldest connection item removed');
    await Promise.all([middle.close(), newest.close()]);
  });
});

describe('socket actions per connection', () => {
  it(`answers the ${ACTIONS_PER_MINUTE + 1}th chat.typing of a minute with a RATE_LIMIT_EXCEEDED error frame; other connections and ping are not affected`, async () => {
    const into = Date.now() % 60_000;
    if (into > 50_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
    const student = await seedStudent();
    const chat = await api.post('/chats/support', {}, { token: student.token });
    expect(chat.status).toBeLessThan(300);
    const chatId = chat.body.data.id as string;
    const busy = await connected(student.token, student.user.id);
    const calm = await connected(student.token, student.user.id);

    for (let i = 0; i <= ACTIONS_PER_MINUTE; i++) busy.send({ action: 'chat.typing', chatId, isTyping: i % 2 === 0 });

    const error = await busy.next('error');
    expect(error.data).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', action: 'chat.typing', details: { limit: ACTIONS_PER_MINUTE, windowSeconds: 60 } });
    expect(error.data.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(await busy.receives('error', 500)).toBe(false);
    await stillOpen(busy);
    calm.send({ action: 'chat.typing', chatId, isTyping: true });
    expect(await calm.receives('error', 500)).toBe(false);
    await Promise.all([busy.close(), calm.close()]);
  });
});
