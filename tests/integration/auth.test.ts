import { describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { getDb } from '../../shared/db/client.ts';
import { getUserById, getUserIdByEmail, getUserStats, userKeys } from '../../shared/db/entities/user.ts';
import { toPasswordResetItem } from '../../shared/db/entities/password-reset.ts';
import { issueSession, revokeAllSessions } from '../../shared/auth/sessions.ts';
import { signAccessToken, verifyAccessToken } from '../../shared/auth/tokens.ts';
import { hashToken, newSecretToken } from '../../shared/ids.ts';
import { mailsTo } from '../support/mail.ts';

// Theft semantics without the two-tabs grace window (that window has its own file: auth-refresh-grace.test.ts).
const stack = useTestStack({ REFRESH_REUSE_GRACE_SECONDS: '0' });
const api = apiClient(() => stack.apiUrl);

const PASSWORD = 'correct horse 1';
const uniqueEmail = (tag = 'user') => `${tag}-${randomBytes(5).toString('hex')}@example.test`;

async function register(overrides: Record<string, unknown> = {}) {
  const body = { name: 'Ada Lovelace', email: uniqueEmail(), password: PASSWORD, ...overrides };
  const res = await api.post('/auth/register', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ...res.body.data, email: body.email as string, password: body.password as string };
}

const login = (email: string, password: string) => api.post('/auth/login', { email, password });
const refresh = (refreshToken: unknown) => api.post('/auth/refresh', { refreshToken });

async function setStatus(userId: string, status: string) {
  const db = getDb();
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: userKeys.user(userId),
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': status },
    }),
  );
}

async function userStats(): Promise<Record<string, number>> {
  return (await getUserStats(getDb())).byRoleStatus;
}

describe('POST /auth/register', () => {
  it('creates a student and answers 201 with the public user, an access token and a refresh token', async () => {
    const email = uniqueEmail('New.Person');
    const res = await api.post('/auth/register', { name: '  Grace Hopper ', email, password: PASSWORD, role: 'student' });

    expect(res.status).toBe(201);
    const { user, token, refreshToken, expiresIn } = res.body.data;
    expect(user).toEqual({
      id: expect.stringMatching(/^user_/),
      name: 'Grace Hopper',
      email: email.toLowerCase(),
      role: 'student',
      avatar: null,
      profile: { isComplete: false, academicLevel: null, institution: null, major: null },
    });
    expect(expiresIn).toBe(900);
    expect(await verifyAccessToken(token)).toEqual({ id: user.id, role: 'student', sessionId: expect.stringMatching(/^fam_/) });
    expect(refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('stores the password only as an scrypt hash and gives the user a referral code', async () => {
    const { user } = await register();
    const stored = await getUserById(getDb(), user.id);
    expect(stored?.passwordHash).toMatch(/^scrypt\$17\$8\$1\$/);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect(stored?.referralCode).toMatch(/^REF[A-Z2-9]{8}$/);
    expect(await getUserIdByEmail(getDb(), user.email)).toBe(user.id);
  });

  it('counts the new student in the user statistics', async () => {
    const before = await userStats();
    await register();
    const after = await userStats();
    expect((after.student_active ?? 0) - (before.student_active ?? 0)).toBe(1);
  });

  it('refuses to create an admin: self sign-up is for students only', async () => {
    const email = uniqueEmail();
    const res = await api.post('/auth/register', { name: 'Mallory', email, password: PASSWORD, role: 'admin' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'role' } });
    expect(res.body.error.message).toContain('student');
    expect(await getUserIdByEmail(getDb(), email)).toBeUndefined();
  });

  it('answers 409 CONFLICT for an e-mail already registered, whatever its case', async () => {
    const { email } = await register();
    const res = await api.post('/auth/register', { name: 'Again', email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ success: false, error: { code: 'CONFLICT' } });
  });

  it('lets exactly one of five concurrent registrations of one e-mail win; the others get 409', async () => {
    const email = uniqueEmail('race');
    const before = await userStats();

    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api.post('/auth/register', { name: `Racer ${i}`, email, password: PASSWORD })),
    );

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    const winner = results.find((r) => r.status === 201)!.body.data.user;
    expect(await getUserIdByEmail(getDb(), email)).toBe(winner.id);
    const after = await userStats();
    expect((after.student_active ?? 0) - (before.student_active ?? 0)).toBe(1);
  });

  it('records who referred the new user when a known referral code is given (case-insensitive)', async () => {
    const referrer = await register();
    const referrerCode = (await getUserById(getDb(), referrer.user.id))!.referralCode;

    const referred = await register({ referralCode: referrerCode.toLowerCase() });

    const stored = await getUserById(getDb(), referred.user.id);
    expect(stored?.referredBy).toBe(referrer.user.id);
    const db = getDb();
    const record = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.referral(referrer.user.id, referred.user.id) }));
    expect(record.Item).toMatchObject({ referrerId: referrer.user.id, referredUserId: referred.user.id, code: referrerCode });
  });

  it('answers 400 for an unknown referral code and creates nothing', async () => {
    const email = uniqueEmail();
    const res = await api.post('/auth/register', { name: 'Eve', email, password: PASSWORD, referralCode: 'REFNOSUCH1' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'referralCode' } });
    expect(await getUserIdByEmail(getDb(), email)).toBeUndefined();
  });

  it.each([
    ['a malformed e-mail', { name: 'A', email: 'not-an-email', password: PASSWORD }, 'email', 'valid e-mail'],
    ['a short password', { name: 'A', email: 'short@example.test', password: 'short1' }, 'password', 'at least 8 characters'],
    ['a missing name', { email: 'noname@example.test', password: PASSWORD }, 'name', 'name is required'],
    ['a missing password', { name: 'A', email: 'nopass@example.test' }, 'password', 'password is required'],
    ['a blank name', { name: '   ', email: 'blank@example.test', password: PASSWORD }, 'name', 'name is required'],
  ])('answers 400 VALIDATION_ERROR naming the field for %s', async (_case, body, field, message) => {
    const res = await api.post('/auth/register', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.field).toBe(field);
    expect(res.body.error.message).toContain(message);
  });

  it('answers 400 VALIDATION_ERROR for malformed JSON', async () => {
    const res = await api.post('/auth/register', '{"name": "A", "email": ');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    expect(typeof res.body.requestId).toBe('string');
  });
});

describe('POST /auth/login', () => {
  it('signs in with the right password and answers the same shape as registration', async () => {
    const account = await register();
    const res = await login(account.email.toUpperCase(), PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.data.user).toEqual(account.user);
    expect(res.body.data.expiresIn).toBe(900);
    expect(await verifyAccessToken(res.body.data.token)).toEqual({ id: account.user.id, role: 'student', sessionId: expect.stringMatching(/^fam_/) });
    expect(res.body.data.refreshToken).not.toBe(account.refreshToken);
  });

  it('answers 401 with one message for a wrong password and for an unknown e-mail', async () => {
    const account = await register();
    const wrong = await login(account.email, 'wrong password 1');
    const unknown = await login(uniqueEmail('nobody'), PASSWORD);
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'AUTHENTICATION_REQUIRED', message: 'Invalid e-mail or password' });
    }
  });

  it('refuses a suspended user with 403 and a clear message, but only after a correct password', async () => {
    const account = await register();
    await setStatus(account.user.id, 'suspended');

    const right = await login(account.email, PASSWORD);
    expect(right.status).toBe(403);
    expect(right.body.error).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(right.body.error.message).toContain('suspended');

    const wrong = await login(account.email, 'wrong password 1');
    expect(wrong.status).toBe(401);
  });

  it('lets an inactive (dormant, not sanctioned) user sign in', async () => {
    const account = await register();
    await setStatus(account.user.id, 'inactive');
    expect((await login(account.email, PASSWORD)).status).toBe(200);
  });

  it.each([
    ['a missing password', { email: 'a@example.test' }, 'password'],
    ['a malformed e-mail', { email: 'nope', password: PASSWORD }, 'email'],
    ['an empty body', {}, 'email'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, body, field) => {
    const res = await api.post('/auth/login', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it('answers 400 VALIDATION_ERROR for malformed JSON', async () => {
    const res = await api.post('/auth/login', 'email=a@example.test');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});

describe('POST /auth/refresh', () => {
  it('rotates: returns a new access token and a new refresh token, and the old one is spent', async () => {
    const account = await register();

    const first = await refresh(account.refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.data.user).toEqual(account.user);
    expect(first.body.data.refreshToken).not.toBe(account.refreshToken);
    expect(await verifyAccessToken(first.body.data.token)).toEqual({ id: account.user.id, role: 'student', sessionId: expect.stringMatching(/^fam_/) });

    const second = await refresh(first.body.data.refreshToken);
    expect(second.status).toBe(200);
  });

  it('treats a reused refresh token as theft: 401, and the whole family is revoked (the newest token too)', async () => {
    const account = await register();
    const rotated = await refresh(account.refreshToken);
    const newest = rotated.body.data.refreshToken;

    const replay = await refresh(account.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('AUTHENTICATION_REQUIRED');
    expect(replay.body.error.message).toContain('already used');

    const afterTheft = await refresh(newest);
    expect(afterTheft.status).toBe(401);
  });

  it('revokes only the family of the reused token: another sign-in of the same user keeps working', async () => {
    const account = await register();
    const otherDevice = (await login(account.email, PASSWORD)).body.data.refreshToken;
    await refresh(account.refreshToken);
    await refresh(account.refreshToken);

    expect((await refresh(otherDevice)).status).toBe(200);
  });

  it('lets only one of two concurrent exchanges of the same token succeed when there is no grace window', async () => {
    const account = await register();
    const results = await Promise.all([refresh(account.refreshToken), refresh(account.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('never accepts an access token as a refresh token', async () => {
    const account = await register();
    const res = await refresh(account.token);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('Invalid refresh token');
  });

  it('never accepts a refresh token as an access token', async () => {
    const account = await register();
    const res = await api.get('/users/profile', { token: account.refreshToken });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
    await expect(verifyAccessToken(account.refreshToken)).rejects.toMatchObject({ code: 'AUTHENTICATION_REQUIRED' });
  });

  it('refreshes even when the client still sends its expired access token along (the usual reason to refresh)', async () => {
    const account = await register();
    const expired = await signAccessToken({ id: account.user.id, role: 'student' }, new Date(Date.now() - 20 * 60_000));
    await expect(verifyAccessToken(expired)).rejects.toThrow('expired');

    const res = await api.post('/auth/refresh', { refreshToken: account.refreshToken }, { token: expired });
    expect(res.status).toBe(200);
    const out = await api.post('/auth/logout', { refreshToken: res.body.data.refreshToken }, { token: 'garbage' });
    expect(out.status).toBe(200);
  });

  it('refuses an expired refresh token even while TTL has not deleted it yet', async () => {
    const account = await register();
    const user = (await getUserById(getDb(), account.user.id))!;
    const thirtyOneDaysAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    const { refreshToken } = await issueSession(getDb(), user, thirtyOneDaysAgo);

    const res = await refresh(refreshToken);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('expired');
  });

  it('stops every session of the user after revokeAllSessions (sessionVersion bump)', async () => {
    const account = await register();
    const second = (await login(account.email, PASSWORD)).body.data.refreshToken;

    await revokeAllSessions(getDb(), account.user.id);

    expect((await refresh(account.refreshToken)).status).toBe(401);
    expect((await refresh(second)).status).toBe(401);
    expect((await login(account.email, PASSWORD)).status).toBe(200);
  });

  it('refuses to refresh for a suspended user with 403', async () => {
    const account = await register();
    await setStatus(account.user.id, 'suspended');
    const res = await refresh(account.refreshToken);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('suspended');
  });

  it('answers 401 for an unknown token and 400 for a missing one', async () => {
    expect((await refresh(newSecretToken())).status).toBe(401);
    const missing = await api.post('/auth/refresh', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'refreshToken' } });
  });
});

describe('POST /auth/logout', () => {
  it('revokes the session: its refresh token no longer works, other sessions do', async () => {
    const account = await register();
    const other = (await login(account.email, PASSWORD)).body.data.refreshToken;

    const res = await api.post('/auth/logout', { refreshToken: account.refreshToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, data: { message: expect.any(String) } });

    expect((await refresh(account.refreshToken)).status).toBe(401);
    expect((await refresh(other)).status).toBe(200);
  });

  it('revokes the family when given an older, already rotated token of it', async () => {
    const account = await register();
    const newest = (await refresh(account.refreshToken)).body.data.refreshToken;
    await api.post('/auth/logout', { refreshToken: account.refreshToken });
    expect((await refresh(newest)).status).toBe(401);
  });

  it('answers 200 for an unknown token or an access token, and revokes nothing', async () => {
    const account = await register();
    expect((await api.post('/auth/logout', { refreshToken: newSecretToken() })).status).toBe(200);
    expect((await api.post('/auth/logout', { refreshToken: account.token })).status).toBe(200);
    expect((await refresh(account.refreshToken)).status).toBe(200);
  });

  it('answers 400 when the refresh token is missing or the JSON is malformed', async () => {
    const missing = await api.post('/auth/logout', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.field).toBe('refreshToken');
    expect((await api.post('/auth/logout', '{')).status).toBe(400);
  });
});

describe('POST /auth/forgot-password and POST /auth/reset-password', () => {
  async function resetLinkFor(email: string): Promise<string> {
    const mails = await mailsTo(stack, email);
    expect(mails.length).toBeGreaterThan(0);
    const last = mails[mails.length - 1];
    const match = /http:\/\/app\.test\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(last.text);
    expect(match, last.text).not.toBeNull();
    return match![1];
  }

  it('answers 200 with the same message for a known and an unknown e-mail, and mails only the known one', async () => {
    const account = await register();
    const unknownEmail = uniqueEmail('ghost');

    const known = await api.post('/auth/forgot-password', { email: account.email });
    const unknown = await api.post('/auth/forgot-password', { email: unknownEmail });

    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(unknown.body.data).toEqual(known.body.data);
    const mails = (await mailsTo(stack, account.email)).filter((m) => m.subject.includes('Reset'));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: account.email, subject: expect.stringContaining('Reset') });
    expect(mails[0].html).toContain('/reset-password?token=');
    expect(await mailsTo(stack, unknownEmail)).toHaveLength(0);
  });

  it('resets the password with the mailed token, once, and signs the user out everywhere', async () => {
    const account = await register();
    await api.post('/auth/forgot-password', { email: account.email });
    const token = await resetLinkFor(account.email);

    const res = await api.post('/auth/reset-password', { token, newPassword: 'brand new secret 2' });
    expect(res.status).toBe(200);

    expect((await login(account.email, PASSWORD)).status).toBe(401);
    expect((await login(account.email, 'brand new secret 2')).status).toBe(200);
    expect((await refresh(account.refreshToken)).status).toBe(401);

    const again = await api.post('/auth/reset-password', { token, newPassword: 'another secret 3' });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'token' } });
  });

  it('voids the other outstanding reset links once one of them is used', async () => {
    const account = await register();
    await api.post('/auth/forgot-password', { email: account.email });
    const first = await resetLinkFor(account.email);
    await api.post('/auth/forgot-password', { email: account.email });
    const second = await resetLinkFor(account.email);
    expect(second).not.toBe(first);

    expect((await api.post('/auth/reset-password', { token: second, newPassword: 'second secret 22' })).status).toBe(200);
    expect((await api.post('/auth/reset-password', { token: first, newPassword: 'first secret 11' })).status).toBe(400);
  });

  it('refuses an expired reset token (checked on read, TTL deletes late)', async () => {
    const account = await register();
    const token = newSecretToken();
    const db = getDb();
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: toPasswordResetItem({
          tokenHash: hashToken(token),
          userId: account.user.id,
          sessionVersion: 0,
          createdAt: new Date(Date.now() - 31 * 60_000).toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) - 60,
        }),
      }),
    );
    const res = await api.post('/auth/reset-password', { token, newPassword: 'too late secret 1' });
    expect(res.status).toBe(400);
    expect((await login(account.email, PASSWORD)).status).toBe(200);
  });

  it('answers 400 for an unknown token, a short new password, a missing field or malformed JSON', async () => {
    const unknown = await api.post('/auth/reset-password', { token: newSecretToken(), newPassword: 'long enough 1' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toBe('token');

    const short = await api.post('/auth/reset-password', { token: newSecretToken(), newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.details.field).toBe('newPassword');

    const missing = await api.post('/auth/reset-password', { newPassword: 'long enough 1' });
    expect(missing.body.error.details.field).toBe('token');

    expect((await api.post('/auth/forgot-password', { email: 'nope' })).status).toBe(400);
    expect((await api.post('/auth/forgot-password', '{"email"')).status).toBe(400);
  });
});

describe('POST /auth/google on a server without GOOGLE_CLIENT_ID', () => {
  it('answers 503 SERVICE_UNAVAILABLE saying Google sign-in is not enabled, without internals', async () => {
    const res = await api.post('/auth/google', { googleToken: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ success: false, error: { code: 'SERVICE_UNAVAILABLE', message: 'Google sign-in is not enabled on this server' } });
  });
});
