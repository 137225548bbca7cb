// The load section of the bench: many students at once with mixed reads and writes, for a bounded number of
// requests, through the local gateway (real HTTP, autocannon). Reports throughput, p50, p99 and errors, then
// recounts what the writes made and checks it against what the API answered and against the counters the
// dashboards read: nothing lost, nothing doubled.
import autocannon, { type RequestContext } from 'autocannon';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../../shared/db/client.ts';
import { chatKeys } from '../../shared/db/entities/chat.ts';
import { getTaskStats } from '../../shared/db/entities/task-stats.ts';
import { getUserStats } from '../../shared/db/entities/user.ts';

export interface LoadOptions {
  apiUrl: string;
  db: Db;
  students: number;
  requests: number;
  connections: number;
}

type Op = 'GET /tasks' | 'GET /users/profile' | 'GET /chats' | 'GET /notifications' | 'POST /tasks' | 'POST /chats/{chatId}/messages';

/** The mix: two thirds reads, a third writes that other requests then read. */
const MIX: [Op, number][] = [
  ['GET /tasks', 25],
  ['GET /users/profile', 15],
  ['GET /chats', 15],
  ['GET /notifications', 10],
  ['POST /tasks', 17],
  ['POST /chats/{chatId}/messages', 18],
];

interface LoadStudent {
  id: string;
  token: string;
  chatId: string;
}

export interface Check {
  what: string;
  answered: number;
  stored: number;
  counted?: number;
  ok: boolean;
}

export interface LoadResult {
  students: number;
  requests: number;
  connections: number;
  durationS: number;
  throughputPerS: number;
  latencyMsP50: number;
  latencyMsP99: number;
  latencyMsMax: number;
  errors: number;
  non2xx: number;
  byOp: Record<string, { sent: number; ok: number; other: Record<string, number> }>;
  checks: Check[];
}

async function call(apiUrl: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as any };
}

const taskBody = (n: number) =>
  JSON.stringify({
    title: `Load task ${n}`,
    description: 'Written by the load bench',
    type: 'essay',
    subject: 'history',
    academicLevel: 'undergraduate',
    pages: 2,
    budget: 50,
    deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  });

/** Counts every item of a key condition (paging through), without reading attributes it does not need. */
async function countQuery(db: Db, input: { IndexName?: string; KeyConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> }): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new QueryCommand({ TableName: db.tableName, Select: 'COUNT', ExclusiveStartKey, ...input }));
    count += out.Count ?? 0;
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}

/** Every task of a student through the API itself, page by page (what the student would see). */
async function listAllTasks(apiUrl: string, token: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await call(apiUrl, 'GET', `/tasks?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token);
    if (page.status !== 200) throw new Error(`GET /tasks answered ${page.status}`);
    count += page.body.data.length;
    cursor = page.body.pagination.nextCursor ?? undefined;
  } while (cursor);
  return count;
}

export async function runLoad(options: LoadOptions, progress: (line: string) => void = () => undefined): Promise<LoadResult> {
  const { apiUrl, db } = options;
  const usersBefore = (await getUserStats(db)).byRole.student;
  const tasksBefore = (await getTaskStats(db)).totals;

  // Students sign up through the API, all at once: every sign-up writes the user counters.
  progress(`load: ${options.students} students sign up at once`);
  const stamp = Date.now().toString(36);
  const signUps = await Promise.all(
    Array.from({ length: options.students }, (_, i) =>
      call(apiUrl, 'POST', '/auth/register', undefined, { name: `Load Student ${i}`, email: `load-${stamp}-${i}@example.test`, password: 'Load-bench-password-1' }),
    ),
  );
  const failedSignUps = signUps.filter((r) => r.status !== 201);
  const students: LoadStudent[] = [];
  for (const r of signUps.filter((s) => s.status === 201)) {
    const token = r.body.data.token as string;
    const chats = await call(apiUrl, 'GET', '/chats?type=support', token);
    students.push({ id: r.body.data.user.id, token, chatId: chats.body.data[0]?.id });
  }
  if (students.length === 0) throw new Error(`no sign-up succeeded: ${JSON.stringify(failedSignUps[0]?.body)}`);

  const byOp: LoadResult['byOp'] = Object.fromEntries(MIX.map(([op]) => [op, { sent: 0, ok: 0, other: {} }]));
  const totalWeight = MIX.reduce((n, [, w]) => n + w, 0);
  let sequence = 0;
  const pick = (): Op => {
    let r = Math.random() * totalWeight;
    for (const [op, w] of MIX) if ((r -= w) < 0) return op;
    return MIX[0][0];
  };

  progress(`load: ${options.requests} requests over ${options.connections} connections`);
  const base = new URL(apiUrl);
  const result = await autocannon({
    url: base.origin,
    connections: options.connections,
    amount: options.requests,
    timeout: 30,
    requests: [
      {
        setupRequest: (req, context: RequestContext) => {
          const op = pick();
          const student = students[Math.floor(Math.random() * students.length)];
          const n = sequence++;
          context.op = op;
          byOp[op].sent++;
          const headers = { authorization: `Bearer ${student.token}`, 'content-type': 'application/json' };
          const path = (p: string) => `${base.pathname}${p}`;
          switch (op) {
            case 'GET /tasks':
              return { ...req, method: 'GET', path: path('/tasks?limit=20'), headers, body: undefined };
            case 'GET /users/profile':
              return { ...req, method: 'GET', path: path('/users/profile'), headers, body: undefined };
            case 'GET /chats':
              return { ...req, method: 'GET', path: path('/chats?type=support'), headers, body: undefined };
            case 'GET /notifications':
              return { ...req, method: 'GET', path: path('/notifications?limit=20'), headers, body: undefined };
            case 'POST /tasks':
              return { ...req, method: 'POST', path: path('/tasks'), headers, body: taskBody(n) };
            case 'POST /chats/{chatId}/messages':
              return { ...req, method: 'POST', path: path(`/chats/${student.chatId}/messages`), headers, body: JSON.stringify({ content: `load message ${n}` }) };
          }
        },
        onResponse: (status, _body, context) => {
          const tally = byOp[context.op as Op];
          if (status >= 200 && status < 300) tally.ok++;
          else tally.other[status] = (tally.other[status] ?? 0) + 1;
        },
      },
    ],
  });

  // Recount: what the API said it created, what the table holds, what the counters say.
  progress('load: recounting');
  const tasksListed = (await Promise.all(students.map((s) => listAllTasks(apiUrl, s.token)))).reduce((a, b) => a + b, 0);
  const messagesStored = (
    await Promise.all(
      students.map((s) => countQuery(db, { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)', ExpressionAttributeValues: { ':pk': chatKeys.chat(s.chatId).pk, ':msg': 'MSG#' } })),
    )
  ).reduce((a, b) => a + b, 0);
  const chatSeqs = (await Promise.all(students.map((s) => lastSeq(apiUrl, s)))).reduce((a, b) => a + b, 0);
  const usersAfter = (await getUserStats(db)).byRole.student;
  const tasksAfter = (await getTaskStats(db)).totals;

  const created = byOp['POST /tasks'].ok;
  const sent = byOp['POST /chats/{chatId}/messages'].ok;
  const checks: Check[] = [
    { what: 'students signed up', answered: students.length, stored: options.students - failedSignUps.length, counted: usersAfter - usersBefore, ok: false },
    { what: 'tasks created', answered: created, stored: tasksListed, counted: tasksAfter.total - tasksBefore.total, ok: false },
    { what: 'tasks pending (counter)', answered: created, stored: tasksListed, counted: tasksAfter.pending - tasksBefore.pending, ok: false },
    { what: 'messages sent', answered: sent, stored: messagesStored, counted: chatSeqs, ok: false },
  ];
  for (const c of checks) c.ok = c.answered === c.stored && (c.counted === undefined || c.counted === c.answered);
  if (failedSignUps.length) checks.unshift({ what: 'sign-ups refused', answered: failedSignUps.length, stored: 0, ok: false });

  return {
    students: students.length,
    requests: result.requests.total,
    connections: options.connections,
    durationS: result.duration,
    throughputPerS: result.requests.average,
    latencyMsP50: result.latency.p50,
    latencyMsP99: result.latency.p99,
    latencyMsMax: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    byOp,
    checks,
  };
}

/** The chat's message count as the API shows it: the seq of its newest message. */
async function lastSeq(apiUrl: string, s: LoadStudent): Promise<number> {
  const page = await call(apiUrl, 'GET', `/chats/${s.chatId}/messages?limit=1`, s.token);
  return page.body.data[0]?.seq ?? 0;
}

