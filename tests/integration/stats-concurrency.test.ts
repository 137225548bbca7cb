// The statistics counters under load: every sign-up and every task change adds to a counter in its own
// transaction, so bursts of them must all succeed and the totals must stay exact. The counters are sharded
// (shared/db/counters.ts); the readers also count the unsharded items written before sharding.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { useTestStack } from '../support/stack.ts';
import { simulateTransactionConflicts, type ConflictSimulation } from '../support/transaction-conflicts.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { createAccount } from '../../functions/auth/accounts.ts';
import { getUserStats, userStatsKey } from '../../shared/db/entities/user.ts';
import { dayOf, getTaskStats, listTaskDays, listTaskMonths, monthOf, taskStatsKeys } from '../../shared/db/entities/task-stats.ts';

// Sign-ups come through Google: the same account transaction as a password sign-up (createAccount) without
// scrypt, so all 50 reach it at once. (50 password sign-ups cost 50 scrypt hashes of ~0.4-1.2 s of one core each,
// ~40 s on a shared 2-core machine: one process playing 50 Lambdas cannot answer them within API Gateway's 29 s.)
const CLIENT_ID = 'gradhelper-test.apps.googleusercontent.com';
const googleKeys = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(googleKeys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
const jwksServer = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

const stack = useTestStack({ GOOGLE_JWKS_URL: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/certs`, GOOGLE_CLIENT_ID: CLIENT_ID });
const api = apiClient(() => stack.apiUrl);
const BURST = 50;

const googleIdToken = (i: number) =>
  new SignJWT({ email: `burst-${i}-${randomBytes(4).toString('hex')}@gmail.test`, email_verified: true, name: `Burst ${i}` })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'JWT' })
    .setSubject(`1${randomBytes(8).readBigUInt64BE()}`)
    .setIssuer('https://accounts.google.com')
    .setAudience(CLIENT_ID)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(googleKeys.privateKey);

const taskBody = () => ({
  title: 'Concurrent essay',
  type: 'essay',
  description: 'Written under load',
  subject: 'history',
  academicLevel: 'undergraduate',
  pages: 3,
  deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  budget: 50,
});

describe('statistics counters under concurrent writes', () => {
  // DynamoDB cancels transactions that overlap on an item; DynamoDB Local does not, so that is simulated.
  let simulation: ConflictSimulation;
  beforeEach(() => {
    simulation = simulateTransactionConflicts(getDb());
  });
  afterEach(() => simulation.stop());

  it(`${BURST} Google sign-ups at once all succeed and the student total rises by exactly ${BURST}`, { timeout: 120_000 }, async () => {
    const tokens = await Promise.all(Array.from({ length: BURST }, (_, i) => googleIdToken(i)));
    const before = await getUserStats(getDb());

    const responses = await Promise.all(tokens.map((googleToken) => api.post('/auth/google', { googleToken })));

    expect(responses.map((r) => r.status)).toEqual(Array(BURST).fill(200));
    const after = await getUserStats(getDb());
    expect(after.byRoleStatus.student_active - before.byRoleStatus.student_active).toBe(BURST);
    expect(after.total - before.total).toBe(BURST);
  });

  it(`${BURST} accounts created at once (the sign-up transaction itself, without HTTP in between) all commit`, { timeout: 60_000 }, async () => {
    const before = await getUserStats(getDb());
    const now = new Date();

    const outcomes = await Promise.allSettled(
      Array.from({ length: BURST }, (_, i) =>
        createAccount(getDb(), { name: `Direct ${i}`, email: `direct-${i}-${randomBytes(4).toString('hex')}@gmail.test`, role: 'student', google: { sub: `2${randomBytes(8).readBigUInt64BE()}` } }, now),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const after = await getUserStats(getDb());
    expect(after.byRoleStatus.student_active - before.byRoleStatus.student_active).toBe(BURST);
  });

  it(`${BURST} task creations at once all answer 201 and the task totals rise by exactly ${BURST}`, { timeout: 120_000 }, async () => {
    const students = await Promise.all(Array.from({ length: 5 }, () => seedStudent()));
    const now = new Date();
    const before = await getTaskStats(getDb(), monthOf(now));
    const [dayBefore] = await listTaskDays(getDb(), dayOf(now), dayOf(now));

    const responses = await Promise.all(
      Array.from({ length: BURST }, (_, i) => api.post('/tasks', taskBody(), { token: students[i % students.length].token })),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(BURST).fill(201));
    const after = await getTaskStats(getDb(), monthOf(now));
    expect(after.totals.total - before.totals.total).toBe(BURST);
    expect(after.totals.pending - before.totals.pending).toBe(BURST);
    expect(after.month!.created - before.month!.created).toBe(BURST);
    const [dayAfter] = await listTaskDays(getDb(), dayOf(now), dayOf(now));
    expect(dayAfter.created - (dayBefore?.created ?? 0)).toBe(BURST);
  });
});

describe('counters written before sharding', () => {
  it('are still counted by every reader, beside the shards', async () => {
    const db = getDb();
    const put = (Item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.tableName, Item }));
    const [users, tasks, days, months] = await Promise.all([
      getUserStats(db),
      getTaskStats(db, '2020-02'),
      listTaskDays(db, '2020-02-01', '2020-02-29'),
      listTaskMonths(db, '2020-01', '2020-03'),
    ]);
    expect(days).toEqual([]);
    expect(months).toEqual([]);

    // The unsharded items as the code before sharding wrote them, plus a shard of the same period.
    await Promise.all([
      put({ ...userStatsKey, student_active: 7, admin_suspended: 1 }),
      put({ ...taskStatsKeys.totals, total: 4, pending: 3, completed: 1 }),
      put({ ...taskStatsKeys.day('2020-02-29'), date: '2020-02-29', created: 2, completed: 1 }),
      put({ ...taskStatsKeys.month('2020-02'), month: '2020-02', created: 5 }),
      put({ pk: taskStatsKeys.partition, sk: 'DAY#2020-02-29#S03', date: '2020-02-29', created: 1 }),
      put({ pk: taskStatsKeys.partition, sk: 'MONTH#2020-02#S03', month: '2020-02', created: 1 }),
    ]);

    const usersAfter = await getUserStats(db);
    expect(usersAfter.byRoleStatus.student_active - users.byRoleStatus.student_active).toBe(7);
    expect(usersAfter.byStatus.suspended - users.byStatus.suspended).toBe(1);
    expect(usersAfter.total - users.total).toBe(8);
    const tasksAfter = await getTaskStats(db, '2020-02');
    expect(tasksAfter.totals.total - tasks.totals.total).toBe(4);
    expect(tasksAfter.totals.pending - tasks.totals.pending).toBe(3);
    expect(tasksAfter.month).toEqual({ created: 6, completed: 0 });
    expect(await listTaskDays(db, '2020-02-01', '2020-02-29')).toEqual([{ date: '2020-02-29', created: 3, completed: 1 }]);
    expect(await listTaskMonths(db, '2020-01', '2020-03')).toEqual([{ month: '2020-02', created: 6, completed: 0 }]);
  });
});
