// GET /admin/system-logs through the gateway, on the local stack's log files (the same reader interface as the
// CloudWatch groups): filters by level, service and date range, the cursor, the retention cap, no metric-only or
// platform lines; and no secret sent through the API (passwords, access/refresh/reset tokens, the WebSocket
// ?token=, a Stripe client secret, signing secrets) ever reaches a log line.
import { beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { seedTask } from '../support/tasks.ts';
import { connectSocket, eventually } from '../support/ws.ts';
import { mailsTo } from '../support/mail.ts';
import { createLogger } from '../../shared/log.ts';
import { runAsFunction } from '../../infra/local/logs.ts';
import { stripeOptionsFor } from '../../shared/payments/stripe.ts';

const stack = useTestStack({ LOG_LEVEL: 'debug', SYSTEM_LOG_RETENTION_DAYS: '30', LOCAL_STRIPE_RETRY_MS: '100' });
const api = apiClient(() => stack.apiUrl);
const logDir = () => join(stack.stateDir, 'logs');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let admin: Actor;
let student: Actor;
/** Every secret the test sends or receives. */
const secrets: Record<string, string> = {};

/** A raw line into a function's log file, as if that function had written it at `time`. */
const rawLine = (service: string, line: string) => appendFileSync(join(logDir(), `${service}.log`), line + '\n');
const structured = (service: string, level: string, message: string, time: Date) =>
  rawLine(service, JSON.stringify({ level, time: time.toISOString(), message, service, marker: 'seeded' }));

async function logs(query: string, actor = admin) {
  const res = await api.get(`/admin/system-logs?${query}`, { token: actor.token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { data: any[]; pagination: { nextCursor: string | null; hasMore: boolean } };
}

async function walk(query: string, limit: number) {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = await logs(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.data.length).toBeLessThanOrEqual(limit);
    seen.push(...page.data);
    cursor = page.pagination.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error('cursor walk did not end');
}

beforeAll(async () => {
  admin = await seedAdmin();
  student = await seedStudent();
  secrets.jwtSigningSecret = process.env.JWT_SECRET!;
  secrets.stripeWebhookSecret = process.env.STRIPE_WEBHOOK_SECRET!;
  secrets.stripeSecretKey = process.env.STRIPE_SECRET_KEY!;

  // Sign-up, sign-in, refresh, password reset: passwords and every token.
  const email = `logs-${Date.now()}@example.test`;
  secrets.password = 'correct horse battery staple 1';
  const registered = await api.post('/auth/register', { name: 'Log Tester', email, password: secrets.password, role: 'student' });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const login = await api.post('/auth/login', { email, password: secrets.password });
  expect(login.status).toBe(200);
  secrets.accessToken = login.body.data.accessToken ?? login.body.data.token;
  secrets.refreshToken = login.body.data.refreshToken;
  const refreshed = await api.post('/auth/refresh', { refreshToken: secrets.refreshToken });
  expect(refreshed.status).toBe(200);
  secrets.refreshedRefreshToken = refreshed.body.data.refreshToken;
  secrets.refreshedAccessToken = refreshed.body.data.accessToken ?? refreshed.body.data.token;
  expect((await api.post('/auth/login', { email, password: 'wrong password entirely' })).status).toBe(401);
  await api.post('/auth/forgot-password', { email });
  const mails = await mailsTo(stack, email);
  secrets.resetToken = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(mails[mails.length - 1].text)![1];
  secrets.newPassword = 'a brand new secret phrase 2';
  expect((await api.post('/auth/reset-password', { token: secrets.resetToken, newPassword: secrets.newPassword })).status).toBe(200);
  // A reset token in the query string of a route that does not take one (an access log would keep the URL).
  await api.get(`/tasks?token=${secrets.resetToken}`, { token: student.token });

  // The WebSocket's ?token=.
  const socket = await connectSocket(stack.wsUrl, student.token);
  secrets.socketToken = student.token;
  await socket.close();

  // A Stripe client secret, and a signed webhook delivery (the emulator signs with the webhook secret).
  const bill = await api.post(
    '/bills',
    { taskId: await seedTask(student.user.id), studentId: student.user.id, description: 'Logs', items: [{ description: 'x', amount: 10 }], dueDate: new Date(Date.now() + 7 * DAY).toISOString() },
    { token: admin.token },
  );
  expect(bill.status, JSON.stringify(bill.body)).toBe(201);
  const intent = await api.post(`/bills/${bill.body.data.id}/payment-intent`, { currency: 'usd' }, { token: student.token });
  expect(intent.status, JSON.stringify(intent.body)).toBe(200);
  secrets.clientSecret = intent.body.data.clientSecret;
  const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!, stripeOptionsFor(process.env.STRIPE_API_URL));
  await stripe.paymentIntents.confirm(intent.body.data.paymentIntentId, { payment_method: 'pm_card_visa' });
  await eventually(async () => (await api.get(`/bills/${bill.body.data.id}`, { token: student.token })).body.data.status === 'paid', 8000, 'bill paid');
  // A webhook delivery with a forged signature carrying the secret in the body.
  await fetch(`${stack.apiUrl}/webhook/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': `t=1,v1=${secrets.stripeWebhookSecret}` }, body: JSON.stringify({ secret: secrets.stripeWebhookSecret }) });

  // Lines a function writes that mention secrets (redacted by the logger), and seeded lines for the filters.
  runAsFunction('tasks', () => {
    const log = createLogger({ service: 'tasks' });
    log.error('upstream refused', { error: new Error(`call with Bearer ${secrets.accessToken} failed`), url: `https://x.test/cb?token=${secrets.resetToken}` });
    log.warn('client secret seen', { clientSecret: secrets.clientSecret, password: secrets.password, note: `key ${secrets.stripeSecretKey}` });
  });
  const now = Date.now();
  structured('meetings', 'info', 'two hours ago', new Date(now - 2 * HOUR));
  structured('meetings', 'error', 'ninety minutes ago', new Date(now - 90 * 60_000));
  structured('meetings', 'debug', 'three days ago', new Date(now - 3 * DAY));
  structured('meetings', 'warn', 'forty days ago: past the retention', new Date(now - 40 * DAY));
  rawLine('meetings', JSON.stringify({ _aws: { Timestamp: now - HOUR, CloudWatchMetrics: [{ Namespace: 'x', Metrics: [{ Name: 'Latency' }] }] }, level: 'info', message: 'metric', Latency: 12 }));
  rawLine('meetings', JSON.stringify({ Latency: 12, time: new Date(now - HOUR).toISOString() }));
  rawLine('meetings', `REPORT RequestId: 8f5e Duration: 12.3 ms Billed Duration: 13 ms`);
  rawLine('meetings', 'START RequestId: 8f5e Version: $LATEST');
}, 60_000);

describe('logs never hold a secret', () => {
  it('none of the secrets sent through the API appears in any function log line', () => {
    const files = readdirSync(logDir()).filter((f) => f.endsWith('.log'));
    expect(files).toEqual(expect.arrayContaining(['auth.log', 'billing.log', 'realtime.log', 'webhook.log', 'tasks.log']));
    const all = files.map((f) => readFileSync(join(logDir(), f), 'utf8')).join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const [name, value] of Object.entries(secrets)) {
      expect(value, name).toBeTruthy();
      expect(all.includes(value), `${name} appears in the logs`).toBe(false);
    }
    expect(all).toContain('[redacted]');
  });
});

describe('GET /admin/system-logs', () => {
  it('answers the lines of one service, oldest first, structured', async () => {
    const page = await logs('service=auth&limit=200');
    expect(page.data.length).toBeGreaterThan(3);
    expect(page.data.every((e) => e.service === 'auth')).toBe(true);
    const times = page.data.map((e) => e.timestamp);
    expect([...times].sort()).toEqual(times);
    expect(page.data.some((e) => e.message === 'request' && e.requestId)).toBe(true);
  });

  it('filters by level: the level asked and the more severe ones', async () => {
    const warn = await logs('level=warn&limit=200');
    expect(warn.data.length).toBeGreaterThan(0);
    expect(new Set(warn.data.map((e) => e.level))).toEqual(new Set(['warn', 'error']));
    const errors = await logs('level=error&service=tasks&limit=200');
    expect(errors.data.map((e) => e.message)).toContain('upstream refused');
    expect(errors.data.every((e) => e.level === 'error')).toBe(true);
    const debug = await logs('level=debug&service=meetings&dateFrom=2020-01-01&limit=200');
    expect(debug.data.map((e) => e.level)).toContain('debug');
  });

  it('filters by date range (default: the last day) and never reads before the log retention', async () => {
    const now = Date.now();
    const lastDay = await logs('service=meetings&limit=200');
    expect(lastDay.data.map((e) => e.message)).toEqual(['two hours ago', 'ninety minutes ago']);
    const window = await logs(`service=meetings&dateFrom=${new Date(now - 100 * 60_000).toISOString()}&dateTo=${new Date(now - 80 * 60_000).toISOString()}`);
    expect(window.data.map((e) => e.message)).toEqual(['ninety minutes ago']);
    const longAgo = await logs(`service=meetings&dateFrom=${new Date(now - 60 * DAY).toISOString().slice(0, 10)}&limit=200`);
    expect(longAgo.data.map((e) => e.message)).toEqual(['three days ago', 'two hours ago', 'ninety minutes ago']);
    expect((await logs(`service=meetings&dateTo=${new Date(now - 35 * DAY).toISOString()}`)).data).toEqual([]);
  });

  it('never returns metric-only or platform lines', async () => {
    const all = await walk('dateFrom=2020-01-01', 200);
    expect(all.some((e) => e.message === 'metric' || 'Latency' in e.fields || /^(START|END|REPORT) /.test(e.message))).toBe(false);
  });

  it("leaves out the metric lines the functions' own requests wrote into their files", async () => {
    const metricLines = (service: string) =>
      readFileSync(join(logDir(), `${service}.log`), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"_aws"'))
        .map((l) => JSON.parse(l));
    const authMetrics = metricLines('auth');
    const signUp = authMetrics.find((m) => m.Route === 'POST /auth/register');
    expect(signUp).toMatchObject({ Service: 'auth', Requests: 1, Status2xx: 1, SignUps: 1 });

    const page = await walk('service=auth&dateFrom=2020-01-01', 200);
    // The same request's log line is there; its metric line is not.
    expect(page.some((e) => e.requestId === signUp.requestId && e.message === 'request')).toBe(true);
    expect(page.some((e) => '_aws' in e.fields || 'Requests' in e.fields || 'SignUps' in e.fields)).toBe(false);
  });

  it('the domains count what an operator watches: sign-ups, refused sign-ins, socket connects, payments, forged webhooks', () => {
    const total = (service: string, metric: string) =>
      readFileSync(join(logDir(), `${service}.log`), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{"_aws"'))
        .reduce((sum, l) => sum + (JSON.parse(l)[metric] ?? 0), 0);
    expect(total('auth', 'SignUps')).toBe(1);
    expect(total('auth', 'SignInFailures')).toBe(1);
    expect(total('realtime', 'SocketConnects')).toBe(1);
    expect(total('realtime', 'SocketDisconnects')).toBe(1);
    expect(total('webhook', 'PaymentsSucceeded')).toBe(1);
    expect(total('webhook', 'WebhookSignatureFailures')).toBe(1);
    expect(total('tasks', 'Requests')).toBeGreaterThan(0);
  });

  it('pages with one cursor across every service: the same lines as one big page, none twice', async () => {
    const query = 'dateFrom=2020-01-01';
    const whole = (await logs(`${query}&limit=200`)).data;
    expect(whole.length).toBeGreaterThan(10);
    expect(whole.length).toBeLessThan(200);
    const walked = await walk(query, 3);
    // Lines written since (this walk's own requests, late webhook deliveries) come after, never between.
    expect(walked.slice(0, whole.length).map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(new Set(walked.map((e) => e.id)).size).toBe(walked.length);
    expect(walked.length).toBeGreaterThanOrEqual(whole.length);
  });

  it('refuses a cursor of other filters, a malformed one, and bad parameters', async () => {
    const first = await logs('level=info&limit=1');
    const cursor = encodeURIComponent(first.pagination.nextCursor!);
    for (const q of [`level=error&limit=1&cursor=${cursor}`, 'cursor=not-a-cursor', 'level=verbose', 'service=Not%20A%20Service', 'dateFrom=2025-02-01&dateTo=2025-01-01', 'limit=0']) {
      const res = await api.get(`/admin/system-logs?${q}`, { token: admin.token });
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('is for admins only', async () => {
    expect((await api.get('/admin/system-logs', { token: student.token })).status).toBe(403);
    expect((await api.get('/admin/system-logs')).status).toBe(401);
  });
});
