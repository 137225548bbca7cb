// Limits of the auth routes beyond the per-IP one: failed sign-ins per e-mail address, and the cooldown of
// forgot-password per recipient. (The per-IP buckets are in auth-rate-limit.test.ts.)
import { describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { getDb } from '../../shared/db/client.ts';
import { mailsTo } from '../support/mail.ts';
import { login } from '../../functions/auth/sign-in.ts';

const MAX_FAILURES = 3;
const WINDOW_SECONDS = 60;
const COOLDOWN_SECONDS = 2;
/** Password-reset mails to `email` (sign-up also sends a verification mail). */
const resetMails = async (email: string) => (await mailsTo(stack, email)).filter((m) => m.subject.includes('Reset'));
const stack = useTestStack({
  LOGIN_MAX_FAILURES_PER_ACCOUNT: String(MAX_FAILURES),
  LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
  FORGOT_PASSWORD_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS),
});
const api = apiClient(() => stack.apiUrl);

const PASSWORD = 'correct horse 1';
const uniqueEmail = (tag = 'user') => `${tag}-${randomBytes(5).toString('hex')}@example.test`;

async function register() {
  const email = uniqueEmail();
  const res = await api.post('/auth/register', { name: 'Ada Lovelace', email, password: PASSWORD });
  expect(res.status).toBe(201);
  return { email, userId: res.body.data.user.id as string };
}

/** POST /auth/login from a given loopback address (the gateway sees it as the caller's IP). */
function loginFrom(ip: string, email: string, password: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  const url = new URL(`${stack.apiUrl}/auth/login`);
  const payload = JSON.stringify({ email, password });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: url.port, path: url.pathname, method: 'POST', localAddress: ip, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The failure windows are fixed: start well inside one so a test cannot straddle two. */
async function startOfQuietWindow() {
  const into = Date.now() % (WINDOW_SECONDS * 1000);
  if (into > (WINDOW_SECONDS - 15) * 1000) await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000 - into + 200));
}

describe('failed sign-ins per e-mail address', () => {
  it('answers 429 with Retry-After once an address has had its failures, from any IP and even with the right password', async () => {
    await startOfQuietWindow();
    const account = await register();
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await loginFrom(`127.0.0.${10 + i}`, account.email, 'wrong password 1');
      expect(res.status).toBe(401);
    }

    const limited = await loginFrom('127.0.0.20', account.email, PASSWORD);

    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED', details: { limit: MAX_FAILURES, windowSeconds: WINDOW_SECONDS } } });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(limited.body.error.details.retryAfterSeconds).toBe(retryAfter);
  });

  it('throttles an address without an account exactly like one with an account', async () => {
    await startOfQuietWindow();
    const account = await register();
    const ghost = uniqueEmail('ghost');
    const answers = async (email: string) => {
      const out = [];
      for (let i = 0; i <= MAX_FAILURES; i++) out.push(await api.post('/auth/login', { email, password: 'wrong password 1' }));
      return out.map((r) => ({ status: r.status, code: r.body.error.code, message: r.body.error.message.replace(/\d+ s\./, 'N s.') }));
    };

    const known = await answers(account.email);
    const unknown = await answers(ghost);

    expect(unknown).toEqual(known);
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 429]);
  });

  it('lets no more than the limit of concurrent guesses through to the password check', async () => {
    await startOfQuietWindow();
    const account = await register();

    const results = await Promise.all(Array.from({ length: 8 }, () => api.post('/auth/login', { email: account.email, password: 'wrong password 1' })));

    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(MAX_FAILURES).fill(401), ...Array(8 - MAX_FAILURES).fill(429)]);
  });

  it('does not count successful sign-ins, and leaves other addresses alone', async () => {
    await startOfQuietWindow();
    const account = await register();
    const neighbour = await register();
    for (let i = 0; i < 2; i++) expect((await api.post('/auth/login', { email: account.email, password: PASSWORD })).status).toBe(200);
    for (let i = 0; i < MAX_FAILURES; i++) expect((await api.post('/auth/login', { email: account.email, password: 'wrong password 1' })).status).toBe(401);

    expect((await api.post('/auth/login', { email: account.email, password: PASSWORD })).status).toBe(429);
    expect((await api.post('/auth/login', { email: neighbour.email, password: PASSWORD })).status).toBe(200);
  });

  it('is a throttle, not a lock-out: the address signs in again once its window has passed', async () => {
    const account = await register();
    const throttle = { maxFailures: MAX_FAILURES, windowSeconds: WINDOW_SECONDS };
    const windowStart = new Date(Math.floor(Date.now() / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000 + 1000);
    for (let i = 0; i < MAX_FAILURES; i++) {
      await expect(login(getDb(), { email: account.email, password: 'wrong password 1' }, throttle, windowStart)).rejects.toMatchObject({ status: 401 });
    }
    await expect(login(getDb(), { email: account.email, password: PASSWORD }, throttle, windowStart)).rejects.toMatchObject({ status: 429 });

    const nextWindow = new Date(windowStart.getTime() + WINDOW_SECONDS * 1000);
    const session = await login(getDb(), { email: account.email, password: PASSWORD }, throttle, nextWindow);
    expect(session.user.id).toBe(account.userId);
  });
});

describe('POST /auth/forgot-password cooldown per recipient', () => {
  it('answers 200 during the cooldown but mails nothing, and mails again once it is over', async () => {
    const account = await register();
    const first = await api.post('/auth/forgot-password', { email: account.email });
    const during = await api.post('/auth/forgot-password', { email: account.email.toUpperCase() });

    expect(first.status).toBe(200);
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({ success: true, data: first.body.data });
    expect(await resetMails(account.email)).toHaveLength(1);

    await new Promise((r) => setTimeout(r, COOLDOWN_SECONDS * 1000 + 200));
    expect((await api.post('/auth/forgot-password', { email: account.email })).status).toBe(200);
    expect(await resetMails(account.email)).toHaveLength(2);
  });

  it('sends one mail for many concurrent requests, and does not hold back other recipients', async () => {
    const account = await register();
    const other = await register();

    const answers = await Promise.all(Array.from({ length: 5 }, () => api.post('/auth/forgot-password', { email: account.email })));
    await api.post('/auth/forgot-password', { email: other.email });

    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await resetMails(account.email)).toHaveLength(1);
    expect(await resetMails(other.email)).toHaveLength(1);
  });
});
