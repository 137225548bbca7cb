// GET /tasks through the gateway: who sees what, every sortBy in both orders over several pages (cursor and
// page), the status filter, search, the assignee filters, cancelled tasks (out of the default lists, listed
// with status=cancelled), bad queries, and what one page costs in requests and items read.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { countDbRequests } from '../support/request-cost.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const DAY_MS = 24 * 3600 * 1000;
// Mixed case on purpose: the title order is case-insensitive.
const WORDS = ['delta', 'Alpha', 'kilo', 'Echo', 'bravo', 'Hotel', 'india', 'Charlie', 'golf', 'Foxtrot', 'juliet', 'Lima', 'mike'];

interface Seeded {
  id: string;
  title: string;
  dueDate: string;
  createdAt: string;
  studentId: string;
  status: string;
}

let studentA: Actor;
let studentB: Actor;
let admin: Actor;
let otherAdmin: Actor;
const tasks: Seeded[] = [];
/** What GET /tasks shows without a status filter: every task but the cancelled ones. */
const listed = (list: Seeded[]) => list.filter((t) => t.status !== 'cancelled');
const ofStudent = (actor: Actor) => (t: Seeded) => t.studentId === actor.user.id;
/** Seeded tasks its student cancelled: A's and B's, assigned and not, pending and in progress. */
const CANCELLED = new Set([2, 4, 12, 15, 19]);
/** Tasks assigned to `admin`. */
const ASSIGNED = (i: number) => i % 4 === 0;

async function create(actor: Actor, title: string, dueInDays: number): Promise<Seeded> {
  const res = await api.post(
    '/tasks',
    {
      title,
      type: 'essay',
      description: 'For the list tests',
      subject: 'history',
      academicLevel: 'graduate',
      pages: 3,
      deadline: new Date(Date.now() + dueInDays * DAY_MS).toISOString(),
      budget: 50,
    },
    { token: actor.token },
  );
  expect(res.status).toBe(201);
  const t = res.body.data;
  return { id: t.id, title: t.title, dueDate: t.dueDate, createdAt: t.createdAt, studentId: t.student.id, status: t.status };
}

beforeAll(async () => {
  [studentA, studentB, admin, otherAdmin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin(), seedAdmin()]);
  // 13 tasks for A and 12 for B, created one after the other (distinct creation order), with due dates and
  // titles in orders unrelated to it. Every third task is in progress, every fourth of A's assigned to `admin`;
  // five (CANCELLED) are then cancelled by their student, which leaves 20 in the default lists (10 of A's).
  for (let i = 0; i < 25; i++) {
    const owner = i % 2 === 0 ? studentA : studentB;
    const title = `${WORDS[(i * 5) % WORDS.length]} ${String.fromCharCode(65 + i)}`;
    const t = await create(owner, title, 10 + ((i * 7) % 25));
    if (i % 3 === 0) {
      const res = await api.put(`/tasks/${t.id}/status`, { status: 'in_progress' }, { token: admin.token });
      expect(res.status).toBe(200);
      t.status = 'in_progress';
    }
    if (ASSIGNED(i)) expect((await api.post(`/tasks/${t.id}/assign`, { adminId: admin.user.id }, { token: otherAdmin.token })).status).toBe(200);
    if (CANCELLED.has(i)) {
      expect((await api.del(`/tasks/${t.id}`, { reason: 'No longer needed' }, { token: owner.token })).status).toBe(200);
      t.status = 'cancelled';
    }
    tasks.push(t);
  }
});

afterEach(() => vi.restoreAllMocks());

type SortBy = 'created_at' | 'due_date' | 'title';
const sortField: Record<SortBy, (t: Seeded) => string> = {
  created_at: (t) => t.createdAt,
  due_date: (t) => t.dueDate,
  title: (t) => t.title.toLowerCase(),
};

function expectedOrder(list: Seeded[], sortBy: SortBy, order: 'asc' | 'desc'): string[] {
  const key = (t: Seeded) => `${sortField[sortBy](t)}#${t.id}`;
  const sorted = [...list].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return (order === 'asc' ? sorted : sorted.reverse()).map((t) => t.id);
}

/** Follows nextCursor from the first page to the last; returns the ids and the number of pages. */
async function walk(actor: Actor, query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; body: any } = await api.get(`/tasks?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: actor.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    ids.push(...res.body.data.map((t: any) => t.id));
    expect(res.body.pagination.hasMore).toBe(res.body.pagination.nextCursor !== null);
    cursor = res.body.pagination.nextCursor;
    pages++;
  } while (cursor && pages < 20);
  return { ids, pages };
}

const combos = (['created_at', 'due_date', 'title'] as const).flatMap((s) => (['asc', 'desc'] as const).map((o) => [s, o] as const));

describe('GET /tasks: sort order over several pages', () => {
  it.each(combos)('admins page through all 20 tasks that are not cancelled by %s %s, 5 per page', async (sortBy, order) => {
    const { ids, pages } = await walk(admin, `sortBy=${sortBy}&sortOrder=${order}`, 5);
    expect(pages).toBe(4);
    expect(ids).toEqual(expectedOrder(listed(tasks), sortBy, order));
  });

  it.each(combos)("a student pages through only their own 10 tasks that are not cancelled by %s %s, 4 per page", async (sortBy, order) => {
    const { ids, pages } = await walk(studentA, `sortBy=${sortBy}&sortOrder=${order}`, 4);
    expect(pages).toBe(3);
    expect(ids).toEqual(expectedOrder(listed(tasks.filter(ofStudent(studentA))), sortBy, order));
  });

  it.each(combos)('the status filter keeps the order by %s %s across pages', async (sortBy, order) => {
    const { ids } = await walk(admin, `status=in_progress&sortBy=${sortBy}&sortOrder=${order}`, 3);
    expect(ids).toEqual(expectedOrder(tasks.filter((t) => t.status === 'in_progress'), sortBy, order));
  });

  it('defaults to newest first', async () => {
    const res = await api.get('/tasks?limit=100', { token: admin.token });
    expect(res.body.data.map((t: any) => t.id)).toEqual(expectedOrder(listed(tasks), 'created_at', 'desc'));
  });

  it("serves the spec's page=N: the same items as following the cursor N-1 times", async () => {
    const byCursor = await walk(admin, 'sortBy=title&sortOrder=asc', 5);
    const page3 = await api.get('/tasks?sortBy=title&sortOrder=asc&limit=5&page=3', { token: admin.token });
    expect(page3.body.data.map((t: any) => t.id)).toEqual(byCursor.ids.slice(10, 15));
    expect(page3.body.pagination).toMatchObject({ page: 3, limit: 5, hasMore: true });
    const past = await api.get('/tasks?limit=5&page=9', { token: admin.token });
    expect(past.body.data).toEqual([]);
    expect(past.body.pagination.hasMore).toBe(false);
  });
});

describe('GET /tasks: filters', () => {
  it('filters by status, for a student only within their own tasks', async () => {
    const mine = await api.get('/tasks?status=in_progress&limit=100', { token: studentA.token });
    expect(new Set(mine.body.data.map((t: any) => t.id))).toEqual(new Set(tasks.filter((t) => t.studentId === studentA.user.id && t.status === 'in_progress').map((t) => t.id)));
    expect(mine.body.data.every((t: any) => t.status === 'in_progress')).toBe(true);
    const none = await api.get('/tasks?status=completed', { token: admin.token });
    expect(none.body.data).toEqual([]);
  });

  it('searches titles case-insensitively, within what the caller may see', async () => {
    const all = await api.get('/tasks?search=ALPHA&limit=100', { token: admin.token });
    const expected = listed(tasks).filter((t) => t.title.toLowerCase().includes('alpha'));
    expect(expected.length).toBeGreaterThan(1);
    expect(new Set(all.body.data.map((t: any) => t.id))).toEqual(new Set(expected.map((t) => t.id)));

    const mine = await api.get('/tasks?search=alpha&limit=100', { token: studentB.token });
    expect(new Set(mine.body.data.map((t: any) => t.id))).toEqual(new Set(expected.filter((t) => t.studentId === studentB.user.id).map((t) => t.id)));
  });

  it('combines search with status and sort', async () => {
    const res = await api.get('/tasks?search=a&status=in_progress&sortBy=title&sortOrder=desc&limit=100', { token: admin.token });
    const expected = expectedOrder(tasks.filter((t) => t.status === 'in_progress' && t.title.toLowerCase().includes('a')), 'title', 'desc');
    expect(res.body.data.map((t: any) => t.id)).toEqual(expected);
  });

  it('narrows an admin to the tasks assigned to them (assignedToMe) or to another admin (assignedTo)', async () => {
    const assigned = tasks.filter((t, i) => ASSIGNED(i) && t.status !== 'cancelled').map((t) => t.id);
    const mine = await api.get('/tasks?assignedToMe=true&limit=100', { token: admin.token });
    expect(new Set(mine.body.data.map((t: any) => t.id))).toEqual(new Set(assigned));
    expect(mine.body.data.every((t: any) => t.assignedAdmin?.id === admin.user.id)).toBe(true);
    const theirs = await api.get(`/tasks?assignedTo=${admin.user.id}&limit=100`, { token: otherAdmin.token });
    expect(new Set(theirs.body.data.map((t: any) => t.id))).toEqual(new Set(assigned));
    const nothing = await api.get('/tasks?assignedToMe=true', { token: otherAdmin.token });
    expect(nothing.body.data).toEqual([]);
    const all = await api.get('/tasks?assignedToMe=false&limit=100', { token: admin.token });
    expect(all.body.data).toHaveLength(20);
  });

  it('shows each task with its student and assigned admin', async () => {
    const res = await api.get('/tasks?limit=100', { token: admin.token });
    const first = res.body.data.find((t: any) => t.id === tasks[0].id);
    expect(first).toMatchObject({
      student: { id: studentA.user.id, name: studentA.user.name, email: studentA.user.email },
      assignedAdmin: { id: admin.user.id, name: admin.user.name },
      budget: 50,
    });
  });
});

describe('GET /tasks: cancelled tasks', () => {
  const cancelled = () => tasks.filter((t) => t.status === 'cancelled');
  const assignedCancelled = () => tasks.filter((t, i) => ASSIGNED(i) && t.status === 'cancelled');
  /** Every list a caller reads without a status filter, with the seeded tasks it holds. */
  const scopes = () =>
    [
      ['the student', studentA, '', (t: Seeded) => ofStudent(studentA)(t)],
      ["an admin's all", admin, '', () => true],
      ['assignedToMe', admin, '&assignedToMe=true', (t: Seeded) => ASSIGNED(tasks.indexOf(t))],
      ['assignedTo', otherAdmin, `&assignedTo=${admin.user.id}`, (t: Seeded) => ASSIGNED(tasks.indexOf(t))],
    ] as const;

  it('the seed cancelled tasks in every scope (so the checks below are not vacuous)', () => {
    expect(cancelled().filter(ofStudent(studentA)).length).toBeGreaterThan(0);
    expect(assignedCancelled().length).toBeGreaterThan(0);
  });

  it.each(combos)('leave every default list sorted by %s %s: student, all, assignedToMe, assignedTo', async (sortBy, order) => {
    for (const [name, actor, filter, holds] of scopes()) {
      const { ids } = await walk(actor, `sortBy=${sortBy}&sortOrder=${order}${filter}`, 3);
      expect(ids, name).toEqual(expectedOrder(listed(tasks.filter(holds)), sortBy, order));
      expect(ids.filter((id) => cancelled().some((t) => t.id === id)), name).toEqual([]);
    }
  });

  it.each(combos)('are listed with status=cancelled, sorted by %s %s, in every scope', async (sortBy, order) => {
    for (const [name, actor, filter, holds] of scopes()) {
      const { ids } = await walk(actor, `status=cancelled&sortBy=${sortBy}&sortOrder=${order}${filter}`, 2);
      expect(ids, name).toEqual(expectedOrder(cancelled().filter(holds), sortBy, order));
    }
  });

  it('are still found by search with status=cancelled, and not without it', async () => {
    const target = cancelled()[0];
    const word = target.title.split(' ')[0].toLowerCase();
    const plain = await api.get(`/tasks?search=${word}&limit=100`, { token: admin.token });
    expect(plain.body.data.map((t: any) => t.id)).not.toContain(target.id);
    const filtered = await api.get(`/tasks?search=${word}&status=cancelled&limit=100`, { token: admin.token });
    expect(filtered.body.data.map((t: any) => t.id)).toContain(target.id);
  });
});

describe('GET /tasks: bad queries and access', () => {
  it.each([
    ['sortBy=deadline', 'sortBy'],
    ['sortBy=created_at&sortOrder=up', 'sortOrder'],
    ['status=done', 'status'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['page=0', 'page'],
    ['assignedTo=admin_456', 'assignedTo'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const res = await api.get(`/tasks?${query}`, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it('refuses a cursor from another list (400)', async () => {
    const first = await api.get('/tasks?sortBy=title&limit=2', { token: admin.token });
    const cursor = encodeURIComponent(first.body.pagination.nextCursor);
    const res = await api.get(`/tasks?sortBy=title&status=pending&limit=2&cursor=${cursor}`, { token: admin.token });
    expect(res.status).toBe(400);
    const otherStudentsList = await api.get(`/tasks?sortBy=title&limit=2&cursor=${cursor}`, { token: studentA.token });
    expect(otherStudentsList.status).toBe(400);
  });

  it('refuses a crafted cursor on the right list but without a whole key (400, never 500)', async () => {
    const first = await api.get('/tasks?sortBy=title&limit=2', { token: admin.token });
    const key = JSON.parse(Buffer.from(first.body.pagination.nextCursor, 'base64url').toString('utf8'));
    const partitionName = Object.keys(key).find((k) => k.endsWith('pk') && k !== 'pk')!;
    const crafted = [
      { [partitionName]: key[partitionName] },
      { ...key, extra: 'x' },
      { ...key, sk: 42 },
    ];
    for (const c of crafted) {
      const cursor = Buffer.from(JSON.stringify(c)).toString('base64url');
      const res = await api.get(`/tasks?sortBy=title&limit=2&cursor=${cursor}`, { token: admin.token });
      expect(res.status, JSON.stringify(c)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'cursor' } });
    }
  });

  it('refuses the assignee filters to students (403) and both assignee filters at once (400)', async () => {
    expect((await api.get('/tasks?assignedToMe=true', { token: studentA.token })).status).toBe(403);
    expect((await api.get(`/tasks?assignedTo=${admin.user.id}`, { token: studentA.token })).status).toBe(403);
    expect((await api.get(`/tasks?assignedToMe=true&assignedTo=${otherAdmin.user.id}`, { token: admin.token })).status).toBe(400);
  });

  it('needs a token (401)', async () => {
    expect((await api.get('/tasks')).status).toBe(401);
  });
});

describe('what a request costs', () => {
  const countRequests = countDbRequests;


  // The default lists hold no cancelled entries (no filter skipping them), so a page still reads limit+1 items.
  const lists = [
    ['status=pending', () => admin],
    ["an admin's default list", () => admin],
    ["a student's default list", () => studentA],
    ['assignedToMe=true', () => admin],
    ['status=cancelled', () => admin],
  ] as const;
  it.each(combos.flatMap(([sortBy, order]) => lists.map(([list, who]) => [list, sortBy, order, who] as const)))(
    'a page of %s by %s %s is one Query of limit+1 entries and one BatchGet of the people (plus the rate-limit update)',
    async (list, sortBy, order, who) => {
      const filter = list.includes('=') ? `&${list}` : '';
      const cost = countRequests();
      const res = await api.get(`/tasks?sortBy=${sortBy}&sortOrder=${order}${filter}&limit=3`, { token: who().token });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(3);
      expect(res.body.pagination.hasMore).toBe(true);
      expect(cost.counted).toEqual({ Update: 1, Query: 1, BatchGet: 1 });
      expect(cost.itemsRead()).toBe(4);
    },
  );

  it('the detail is one Query of the task partition and one BatchGet', async () => {
    const cost = countRequests();
    const res = await api.get(`/tasks/${tasks[0].id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(cost.counted).toEqual({ Update: 1, Query: 1, BatchGet: 1 });
  });

  it('a status change is one consistent GetItem and one TransactWrite (then the detail), plus the student’s notification', async () => {
    const target = tasks.find((t) => t.status === 'pending')!;
    const cost = countRequests();
    const res = await api.put(`/tasks/${target.id}/status`, { status: 'rejected' }, { token: admin.token });
    expect(res.status).toBe(200);
    // The change: rate-limit Update, GetItem, TransactWrite, detail Query + BatchGet.
    // Its delivery (shared/notify): notification TransactWrite (with the e-mail's outbox item), preferences + user GetItems, and one
    // connection Query each for the task.status_changed frame and the notification.new frame.
    expect(cost.counted).toEqual({ Update: 1, Get: 3, TransactWrite: 2, Query: 3, BatchGet: 1 });
    target.status = 'rejected';
  });
});
