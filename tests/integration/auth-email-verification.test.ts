// Sign-up mails a link that verifies the address; the profile shows it. Sign-in never waits for it: it only
// decides what a later Google sign-in with the same address does (auth-google.test.ts).
import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { getDb } from '../../shared/db/client.ts';
import { toEmailVerificationItem } from '../../shared/db/entities/email-verification.ts';
import { hashToken, newSecretToken } from '../../shared/ids.ts';
import { mailsTo } from '../support/mail.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const PASSWORD = 'correct horse 1';
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function register() {
  const email = `verify-${randomBytes(5).toString('hex')}@example.test`;
  const res = await api.post('/auth/register', { name: 'Ada Lovelace', email, password: PASSWORD });
  expect(res.status).toBe(201);
  return { email, userId: res.body.data.user.id as string, token: res.body.data.token as string };
}

/** The link of the last verification mail to `email`, as the user's mail client shows it. */
async function verificationLink(email: string): Promise<string> {
  const mails = (await mailsTo(stack, email)).filter((m) => /confirm/i.test(m.subject));
  expect(mails.length).toBeGreaterThan(0);
  const match = /(http:\/\/\S+\/auth\/verify-email\?token=[A-Za-z0-9_-]+)/.exec(mails[mails.length - 1].text);
  expect(match, mails[mails.length - 1].text).not.toBeNull();
  return match![1];
}

/** Opens a URL like a browser following a link. */
async function openInBrowser(url: string) {
  const res = await fetch(url, { headers: BROWSER, redirect: 'manual' });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', html: await res.text() };
}

const emailVerified = async (token: string) => (await api.get('/users/profile', { token })).body.data.emailVerified as boolean;

describe('e-mail verification', () => {
  it('mails a link at sign-up; the account works before it is opened, and opening it in a browser verifies the address', async () => {
    const account = await register();
    expect(await emailVerified(account.token)).toBe(false);
    expect((await api.post('/auth/login', { email: account.email, password: PASSWORD })).status).toBe(200);
    const link = await verificationLink(account.email);
    expect(link.startsWith(`${stack.apiUrl}/auth/verify-email?token=`)).toBe(true);

    const page = await openInBrowser(link);

    expect(page.status).toBe(200);
    expect(page.contentType).toContain('text/html');
    expect(page.html).toContain('Your e-mail address is verified');
    expect(page.html).toContain('href="http://app.test"');
    expect(await emailVerified(account.token)).toBe(true);
  });

  it('answers API clients with JSON, and a link opened twice (or by a mail scanner first) still says verified', async () => {
    const account = await register();
    const link = await verificationLink(account.email);
    const path = link.slice(stack.apiUrl.length);

    const first = await api.get(path);
    const again = await api.get(path);
    const inBrowser = await openInBrowser(link);

    expect(first.status).toBe(200);
    expect(first.body).toEqual({ success: true, data: { message: 'Your e-mail address is verified.', emailVerified: true } });
    expect(again.body.data).toEqual({ message: 'Your e-mail address was already verified.', emailVerified: true });
    expect(inBrowser.status).toBe(200);
    expect(inBrowser.html).toContain('already been used');
    expect(await emailVerified(account.token)).toBe(true);
  });

  it('refuses an expired link (checked on read, TTL deletes late): 400 on token for API clients, a 400 page for browsers', async () => {
    const account = await register();
    const token = newSecretToken();
    const db = getDb();
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: toEmailVerificationItem({
          tokenHash: hashToken(token),
          userId: account.userId,
          email: account.email,
          createdAt: new Date(Date.now() - 73 * 3600_000).toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) - 60,
        }),
      }),
    );

    const viaApi = await api.get(`/auth/verify-email?token=${token}`);
    const page = await openInBrowser(`${stack.apiUrl}/auth/verify-email?token=${token}`);

    expect(viaApi.status).toBe(400);
    expect(viaApi.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'token' } });
    expect(page.status).toBe(400);
    expect(page.contentType).toContain('text/html');
    expect(page.html).toContain('invalid or has expired');
    expect(await emailVerified(account.token)).toBe(false);
  });

  it.each([
    ['an unknown token', `?token=${newSecretToken()}`],
    ['no token', ''],
    ['an empty token', '?token='],
  ])('answers %s with 400 VALIDATION_ERROR on token', async (_case, query) => {
    const res = await api.get(`/auth/verify-email${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', details: { field: 'token' } } });
  });

  it('counts a password reset as proof of the address', async () => {
    const account = await register();
    await api.post('/auth/forgot-password', { email: account.email });
    const resetMail = (await mailsTo(stack, account.email)).find((m) => /reset/i.test(m.subject))!;
    const resetToken = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(resetMail.text)![1];

    expect((await api.post('/auth/reset-password', { token: resetToken, newPassword: 'brand new secret 2' })).status).toBe(200);

    const session = await api.post('/auth/login', { email: account.email, password: 'brand new secret 2' });
    expect(await emailVerified(session.body.data.token)).toBe(true);
  });
});
