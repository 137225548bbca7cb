import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { getUserById, getUserIdByEmail, getUserIdByGoogleSub, userKeys } from '../../shared/db/entities/user.ts';
import { mailsTo } from '../support/mail.ts';
import { listConnectionsByUser } from '../../shared/db/entities/connection.ts';
import { connectSocket, eventually, UpgradeRefused } from '../support/ws.ts';

// Google's role, played locally: a key pair whose public half is served as a JWKS over HTTP.
const CLIENT_ID = 'gradhelper-test.apps.googleusercontent.com';
const KID = 'test-key-1';
const googleKeys = await generateKeyPair('RS256');
const strangerKeys = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(googleKeys.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
const jwksServer = createServer((req, res) => {
  res.writeHead(req.url === '/oauth2/v3/certs' ? 200 : 404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/oauth2/v3/certs`;
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const stack = useTestStack({ GOOGLE_JWKS_URL: jwksUrl, GOOGLE_CLIENT_ID: CLIENT_ID });
const api = apiClient(() => stack.apiUrl);

interface IdTokenOptions {
  sub?: string;
  email?: string;
  emailVerified?: boolean | string;
  name?: string;
  audience?: string;
  issuer?: string;
  expiresIn?: string;
  key?: Parameters<SignJWT['sign']>[0];
}

function googleIdToken(o: IdTokenOptions = {}) {
  return new SignJWT({
    email: o.email ?? `g-${randomBytes(4).toString('hex')}@gmail.test`,
    email_verified: o.emailVerified ?? true,
    name: o.name ?? 'Google User',
    picture: 'https://lh3.googleusercontent.test/a/photo.jpg',
  })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setSubject(o.sub ?? String(10n ** 20n + BigInt(Math.floor(Math.random() * 1e9))))
    .setIssuer(o.issuer ?? 'https://accounts.google.com')
    .setAudience(o.audience ?? CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '5m')
    .sign(o.key ?? googleKeys.privateKey);
}

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

/** The path (below the API base URL) of the verification link in the last confirmation mail of `mails`. */
function verificationPath(mails: { subject: string; text: string }[]): string {
  const mail = mails.filter((m) => m.subject.includes('Confirm')).at(-1)!;
  return /\/auth\/verify-email\?token=[A-Za-z0-9_-]+/.exec(mail.text)![0];
}

const signIn = async (opts: IdTokenOptions = {}, role?: string) =>
  api.post('/auth/google', { googleToken: await googleIdToken(opts), ...(role ? { role } : {}) });

describe('POST /auth/google', () => {
  it('creates a student on first sign-in and returns the user, an access token and a refresh token', async () => {
    const sub = '110000000000000000001';
    const email = 'first.timer@gmail.test';
    const res = await signIn({ sub, email, name: 'First Timer' });

    expect(res.status).toBe(200);
    const { user, token, refreshToken, expiresIn } = res.body.data;
    expect(user).toMatchObject({ name: 'First Timer', email, role: 'student', avatar: 'https://lh3.googleusercontent.test/a/photo.jpg' });
    expect(token).toBeTruthy();
    expect(refreshToken).toBeTruthy();
    expect(expiresIn).toBe(900);
    expect(await getUserIdByGoogleSub(getDb(), sub)).toBe(user.id);
    expect((await getUserById(getDb(), user.id))?.passwordHash).toBeUndefined();
  });

  it('signs the same Google account into the same user the next time', async () => {
    const sub = '110000000000000000002';
    const first = await signIn({ sub });
    const second = await signIn({ sub, issuer: 'accounts.google.com' });
    expect(second.status).toBe(200);
    expect(second.body.data.user.id).toBe(first.body.data.user.id);
  });

  it('links an existing password account whose e-mail was verified; its password and sessions keep working', async () => {
    const email = `linked-${randomBytes(3).toString('hex')}@gmail.test`;
    const registered = await api.post('/auth/register', { name: 'Has Password', email, password: 'a good password 1' });
    expect(registered.status).toBe(201);
    expect((await api.get(verificationPath(await mailsTo(stack, email)))).status).toBe(200);

    const res = await signIn({ email: email.toUpperCase() });

    expect(res.status).toBe(200);
    expect(res.body.data.user.id).toBe(registered.body.data.user.id);
    expect((await api.post('/auth/login', { email, password: 'a good password 1' })).status).toBe(200);
    expect((await api.post('/auth/refresh', { refreshToken: registered.body.data.refreshToken })).status).toBe(200);
  });

  it('hands an account whose e-mail was never verified to the Google account that proves it: the password and every session of it stop working', async () => {
    // Arrange: someone registers the victim's address with their own password and holds two sessions.
    const email = `victim-${randomBytes(3).toString('hex')}@gmail.test`;
    const squatter = await api.post('/auth/register', { name: 'Squatter', email, password: 'squatters password 1' });
    expect(squatter.status).toBe(201);
    const squattersOtherSession = (await api.post('/auth/login', { email, password: 'squatters password 1' })).body.data.refreshToken;

    // Act: the owner of the address signs in with Google.
    const owner = await signIn({ email });

    // Assert: the owner is in the account, verified; the squatter's password and refresh tokens are dead.
    expect(owner.status).toBe(200);
    expect(owner.body.data.user.id).toBe(squatter.body.data.user.id);
    const profile = await api.get('/users/profile', { token: owner.body.data.token });
    expect(profile.body.data.emailVerified).toBe(true);
    expect((await api.post('/auth/login', { email, password: 'squatters password 1' })).status).toBe(401);
    expect((await api.post('/auth/refresh', { refreshToken: squatter.body.data.refreshToken })).status).toBe(401);
    expect((await api.post('/auth/refresh', { refreshToken: squattersOtherSession })).status).toBe(401);
    expect((await api.post('/auth/refresh', { refreshToken: owner.body.data.refreshToken })).status).toBe(200);
  });

  it("closes the squatter's open sockets when the owner takes the account over, and their access token opens no new one", async () => {
    const email = `socket-${randomBytes(3).toString('hex')}@gmail.test`;
    const squatter = await api.post('/auth/register', { name: 'Squatter', email, password: 'squatters password 1' });
    const userId = squatter.body.data.user.id as string;
    const socket = await connectSocket(stack.wsUrl, squatter.body.data.token);
    await eventually(async () => (await listConnectionsByUser(getDb(), userId, new Date())).length === 1, 5_000, 'connection stored');

    expect((await signIn({ email })).status).toBe(200);

    expect((await socket.next('connection.closing')).data.reason).toBe('session_ended');
    await socket.closed;
    const refused = await connectSocket(stack.wsUrl, squatter.body.data.token).then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect((refused as UpgradeRefused).status).toBe(401);
  });

  it('lets the owner of a taken-over account set a password again with forgot-password', async () => {
    const email = `owner-${randomBytes(3).toString('hex')}@gmail.test`;
    expect((await api.post('/auth/register', { name: 'Squatter', email, password: 'squatters password 1' })).status).toBe(201);
    expect((await signIn({ email })).status).toBe(200);

    await api.post('/auth/forgot-password', { email });
    const resetMail = (await mailsTo(stack, email)).find((m) => m.subject.includes('Reset'))!;
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(resetMail.text)![1];
    expect((await api.post('/auth/reset-password', { token, newPassword: 'owners own password 2' })).status).toBe(200);

    expect((await api.post('/auth/login', { email, password: 'owners own password 2' })).status).toBe(200);
  });

  it('refuses a suspended, unverified account with 403 and leaves it as it was', async () => {
    const email = `suspended-${randomBytes(3).toString('hex')}@gmail.test`;
    const registered = await api.post('/auth/register', { name: 'Suspended', email, password: 'a good password 1' });
    await setStatus(registered.body.data.user.id, 'suspended');

    const res = await signIn({ email });

    expect(res.status).toBe(403);
    const stored = await getUserById(getDb(), registered.body.data.user.id);
    expect(stored?.passwordHash).toBeDefined();
    expect(stored?.googleSub).toBeUndefined();
  });

  it('creates a verified account, recording who referred it when a referral code is given', async () => {
    const referrer = await signIn();
    const code = (await getUserById(getDb(), referrer.body.data.user.id))!.referralCode;

    const res = await api.post('/auth/google', { googleToken: await googleIdToken(), referralCode: code.toLowerCase() });

    expect(res.status).toBe(200);
    const stored = await getUserById(getDb(), res.body.data.user.id);
    expect(stored?.referredBy).toBe(referrer.body.data.user.id);
    expect((await api.get('/users/profile', { token: res.body.data.token })).body.data.emailVerified).toBe(true);
  });

  it('answers 400 on referralCode for an unknown code and creates no account; an existing account ignores the code', async () => {
    const email = `referred-${randomBytes(3).toString('hex')}@gmail.test`;
    const unknown = await api.post('/auth/google', { googleToken: await googleIdToken({ email }), referralCode: 'REFNOSUCH1' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'referralCode' } });
    expect(await getUserIdByEmail(getDb(), email)).toBeUndefined();

    const sub = '110000000000000000009';
    expect((await signIn({ sub, email })).status).toBe(200);
    const again = await api.post('/auth/google', { googleToken: await googleIdToken({ sub, email }), referralCode: 'REFNOSUCH1' });
    expect(again.status).toBe(200);
  });

  it('signs an existing admin in as admin; role "admin" never creates one', async () => {
    const { user: admin } = await seedAdmin({ email: `boss-${randomBytes(3).toString('hex')}@gmail.test` });
    const existing = await signIn({ email: admin.email }, 'admin');
    expect(existing.status).toBe(200);
    expect(existing.body.data.user).toMatchObject({ id: admin.id, role: 'admin' });

    const stranger = await signIn({ email: 'would-be-admin@gmail.test' }, 'admin');
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.code).toBe('UNAUTHORIZED');
  });

  it('gives a refresh token that rotates like any other', async () => {
    const res = await signIn();
    const rotated = await api.post('/auth/refresh', { refreshToken: res.body.data.refreshToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.user.id).toBe(res.body.data.user.id);
  });

  it.each([
    ['a token for another audience', { audience: 'someone-else.apps.googleusercontent.com' }, 'Invalid Google token'],
    ['an unverified e-mail', { emailVerified: false }, 'not verified'],
    ['a signature by a key Google does not publish', { key: strangerKeys.privateKey }, 'Invalid Google token'],
    ['another issuer', { issuer: 'https://evil.example' }, 'Invalid Google token'],
    ['an expired token', { expiresIn: '-10m' }, 'expired'],
  ])('refuses %s with 401 and creates no account', async (_case, opts, message) => {
    const email = `refused-${randomBytes(3).toString('hex')}@gmail.test`;
    const res = await signIn({ ...opts, email });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
    expect(res.body.error.message).toContain(message);
    expect((await api.post('/auth/forgot-password', { email })).status).toBe(200); // (no enumeration either way)
  });

  it('refuses a token that is not a JWT at all with 401', async () => {
    const res = await api.post('/auth/google', { googleToken: 'not-a-jwt' });
    expect(res.status).toBe(401);
  });

  it('refuses a suspended user with 403', async () => {
    const sub = '110000000000000000003';
    const first = await signIn({ sub });
    await setStatus(first.body.data.user.id, 'suspended');
    const res = await signIn({ sub });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('suspended');
  });

  it('answers 400 VALIDATION_ERROR for a missing token, an unknown role or malformed JSON', async () => {
    const missing = await api.post('/auth/google', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.field).toBe('googleToken');

    const badRole = await api.post('/auth/google', { googleToken: await googleIdToken(), role: 'root' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.details.field).toBe('role');

    expect((await api.post('/auth/google', '{"googleToken":')).status).toBe(400);
  });
});
