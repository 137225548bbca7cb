// What one list request may read. A `page` walk and a `search` filter share one read budget per request
// (LIST_READ_BUDGET, here 300 items so a few hundred seeded items exceed it): past it the request answers a
// short page with a cursor that continues, never more reads. Reads are counted by a middleware on the DynamoDB
// client the handlers use (DynamoDB's ScannedCount: every item read, matching or not).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { defaultPreferences, toUserItem, type User } from '../../shared/db/entities/user.ts';
import { toListEntryItem, type Task } from '../../shared/db/entities/task.ts';
import { chatCreationWrites, newChat, newSupportChat } from '../../shared/db/entities/chat.ts';
import { newId, newReferralCode } from '../../shared/ids.ts';

const BUDGET = 300;
const stack = useTestStack({ LIST_READ_BUDGET: String(BUDGET) });
const api = apiClient(() => stack.apiUrl);
const STUDENTS = 400;
const TASKS = 400;
let admin: Actor;
/** The seeded students, newest first (the directory's order). */
let studentsNewestFirst: User[];

const reads = { queries: 0, items: 0 };
const COUNTER = 'count-query-reads';

async function batchPut(items: Record<string, unknown>[]) {
  const db = getDb();
  for (let i = 0; i < items.length; i += 25) {
    await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
}

beforeAll(async () => {
  admin = await seedAdmin();
  const base = Date.parse('2024-01-01T00:00:00.000Z');
  // Every 10th student is a "needle" (40 of them), the oldest one is "Lonely Haystack".
  const users: User[] = Array.from({ length: STUDENTS }, (_, i) => {
    const at = new Date(base + i * 1000);
    return {
      id: newId('user', at),
      name: i === 0 ? 'Lonely Haystack' : i % 10 === 5 ? `Needle ${i}` : `Student ${i}`,
      email: `bulk-${i}@example.test`,
      role: 'student',
      status: 'active',
      preferences: defaultPreferences,
      referralCode: newReferralCode(),
      sessionVersion: 0,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    };
  });
  studentsNewestFirst = [...users].reverse();
  // Task list entries of the admins' "all" list: every 20th title has "zebra" in it (20 of them).
  const tasks: Task[] = Array.from({ length: TASKS }, (_, i) => {
    const at = new Date(base + i * 1000);
    return {
      id: newId('task', at),
      studentId: users[i].id,
      title: i % 20 === 7 ? `Zebra study ${i}` : `Essay ${i}`,
      type: 'essay',
      description: 'Seeded',
      subject: 'history',
      academicLevel: 'undergraduate',
      pages: 1,
      dueDate: new Date(base + 86_400_000 * 400).toISOString(),
      budgetCents: 1000,
      priority: 'medium',
      status: 'pending',
      attachments: [],
      deliverableCount: 0,
      version: 1,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
    };
  });
  // Chats: every student's support chat, and 30 general chats of the admin's own, interleaved in time.
  const chatItems = [
    ...users.map((u) => newSupportChat(u)),
    ...Array.from({ length: 30 }, (_, j) =>
      newChat({ type: 'general', studentId: users[j].id, participantIds: [users[j].id, admin.user.id], createdBy: admin.user.id, now: new Date(base + j * 13_000 + 500) }),
    ),
  ].flatMap((chat) => chatCreationWrites(getDb().tableName, chat).map((w) => w.Put!.Item!));
  await batchPut([...users.map(toUserItem), ...tasks.map((t) => toListEntryItem(t, { kind: 'all' })), ...chatItems]);

  getDb().doc.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'QueryCommand') {
        reads.queries++;
        reads.items += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      }
      return result;
    },
    { step: 'initialize', name: COUNTER },
  );
});
afterAll(() => void getDb().doc.middlewareStack.remove(COUNTER));
beforeEach(() => {
  reads.queries = 0;
  reads.items = 0;
});

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((u) => u.id);

/**
 * Follows nextCursor from `path` until `count` items have come back (a short page is continued by the next
 * one, so the first `count` items are the page asked for); every request's reads recorded.
 */
async function collect(path: string, count: number): Promise<{ ids: string[]; requests: { status: number; items: number; reads: number }[] }> {
  const out: string[] = [];
  const requests: { status: number; items: number; reads: number }[] = [];
  let url = path;
  while (out.length < count && requests.length < 20) {
    reads.items = 0;
    const res = await api.get(url, { token: admin.token });
    requests.push({ status: res.status, items: res.body.data.length, reads: reads.items });
    out.push(...ids(res));
    if (!res.body.pagination.nextCursor) break;
    url = `${path.split('?')[0]}?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(path.split('?')[1])), cursor: res.body.pagination.nextCursor })}`;
  }
  return { ids: out.slice(0, count), requests };
}

const needles = () => studentsNewestFirst.filter((u) => u.name.startsWith('Needle'));

describe('the read budget of GET /users/students', () => {
  it('an unfiltered page costs one Query of limit + 1 items', async () => {
    const res = await api.get('/users/students?limit=20', { token: admin.token });

    expect(ids(res)).toEqual(studentsNewestFirst.slice(0, 20).map((u) => u.id));
    expect(reads).toEqual({ queries: 1, items: 21 });
  });

  it('page=3 reads the two pages before it and the page itself, in one Query', async () => {
    const res = await api.get('/users/students?limit=20&page=3', { token: admin.token });

    expect(ids(res)).toEqual(studentsNewestFirst.slice(40, 60).map((u) => u.id));
    expect(res.body.pagination).toMatchObject({ page: 3, hasMore: true });
    expect(reads).toEqual({ queries: 1, items: 61 });
  });

  it('a search whose only match lies past the budget reads exactly the budget, then answers an empty page and a cursor', async () => {
    const first = await api.get('/users/students?search=lonely', { token: admin.token });

    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([]);
    expect(first.body.pagination.hasMore).toBe(true);
    expect(reads.items).toBe(BUDGET);

    reads.items = 0;
    const second = await api.get(`/users/students?search=lonely&cursor=${first.body.pagination.nextCursor}`, { token: admin.token });

    expect(ids(second)).toEqual([studentsNewestFirst.at(-1)!.id]);
    expect(second.body.pagination).toMatchObject({ hasMore: false, nextCursor: null });
    expect(reads.items).toBe(STUDENTS - BUDGET);
  });

  it('page and search together stop at the budget, and the cursor carries the walk on to the page asked for', async () => {
    // Page 4 of 10 needles is needles 31-40: reaching it reads the whole partition, more than one budget.
    const { ids: got, requests } = await collect('/users/students?search=needle&limit=10&page=4', 10);

    expect(got).toEqual(needles().slice(30, 40).map((u) => u.id));
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(r.status).toBe(200);
      expect(r.reads).toBeLessThanOrEqual(BUDGET);
    }
    expect(requests[0].items).toBe(0);
  });

  it('a walk deeper than the budget without a search answers an empty page whose cursor lands on the page asked for', async () => {
    const first = await api.get('/users/students?limit=100&page=4', { token: admin.token });

    expect(first.body.data).toEqual([]);
    expect(first.body.pagination).toMatchObject({ page: 4, hasMore: true });
    expect(reads.items).toBe(BUDGET);

    reads.items = 0;
    const next = await api.get(`/users/students?limit=100&cursor=${first.body.pagination.nextCursor}`, { token: admin.token });

    expect(ids(next)).toEqual(studentsNewestFirst.slice(300, 400).map((u) => u.id));
    expect(reads.items).toBeLessThanOrEqual(BUDGET);
  });

  it('refuses a cursor whose remaining walk was tampered with (400, not a 500 or a huge read)', async () => {
    const first = await api.get('/users/students?limit=100&page=4', { token: admin.token });
    const decoded = JSON.parse(Buffer.from(first.body.pagination.nextCursor, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...decoded, '~skip': 10_000_000 })).toString('base64url');

    const res = await api.get(`/users/students?limit=100&cursor=${forged}`, { token: admin.token });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'cursor' } });
  });
});

describe('the read budget of GET /tasks', () => {
  const zebras = async () => {
    const all = await collect('/tasks?search=zebra&limit=100', 100);
    return all.ids;
  };

  it('page and search together stop at the budget, and following the cursor reaches the page asked for', async () => {
    const allZebras = await zebras();
    expect(allZebras).toHaveLength(20);

    const { ids: got, requests } = await collect('/tasks?search=zebra&limit=5&page=4', 5);

    expect(got).toEqual(allZebras.slice(15, 20));
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(r.reads).toBeLessThanOrEqual(BUDGET);
  });

  it('page=2 without a search reads the page before it and the page itself, in one Query', async () => {
    const res = await api.get('/tasks?limit=10&page=2', { token: admin.token });

    expect(res.body.data).toHaveLength(10);
    expect(reads).toEqual({ queries: 1, items: 21 });
  });
});

describe("the read budget of an admin's chat list (support chats merged with the admin's own)", () => {
  it('a walk deeper than the budget answers a cursor that lands on the page asked for, each request within the budget', async () => {
    const everything = await collect('/chats?limit=100', 1000);
    expect(everything.ids).toHaveLength(STUDENTS + 30);

    const { ids: got, requests } = await collect('/chats?limit=50&page=4', 50);

    expect(got).toEqual(everything.ids.slice(150, 200));
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(r.reads).toBeLessThanOrEqual(BUDGET);
  });

  it('a shallow page reads the pages before it from both lists at once', async () => {
    const everything = await collect('/chats?limit=100', 1000);

    const res = await api.get('/chats?limit=10&page=3', { token: admin.token });

    expect(ids(res)).toEqual(everything.ids.slice(20, 30));
    expect(res.body.pagination).toMatchObject({ page: 3, hasMore: true });
  });
});
