import { beforeAll, describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import type { UserStatus } from '../../shared/db/entities/user.ts';

// This file's table holds exactly these users, so counts and orders are exact.
const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const STUDENTS = 25;
const statusOf = (i: number): UserStatus => (i % 5 === 0 ? 'suspended' : i % 5 === 1 ? 'inactive' : 'active');
let admin: Actor;
let secondAdmin: Actor;
let students: Actor[] = [];

beforeAll(async () => {
  const base = Date.parse('2025-03-01T00:00:00.000Z');
  admin = await seedAdmin({ createdAt: new Date(base - 60_000).toISOString() });
  secondAdmin = await seedAdmin({ createdAt: new Date(base - 30_000).toISOString() });
  students = [];
  for (let i = 0; i < STUDENTS; i++) {
    const createdAt = new Date(base + i * 60_000).toISOString();
    const special = i === 7 ? { name: 'Zelda Fitzgerald' } : i === 12 ? { email: `zelda.fan-${i}@Example.test` } : {};
    students.push(await seedStudent({ status: statusOf(i), createdAt, updatedAt: createdAt, ...special }));
  }
});

const newestFirst = () => [...students].reverse();
const ids = (body: { data: { id: string }[] }) => body.data.map((u) => u.id);

async function walk(path: string, token: string): Promise<{ pages: string[][]; hasMore: boolean[] }> {
  const pages: string[][] = [];
  const hasMore: boolean[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: any } = await api.get(`${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    expect(res.status).toBe(200);
    pages.push(ids(res.body));
    hasMore.push(res.body.pagination.hasMore);
    cursor = res.body.pagination.nextCursor;
  } while (cursor && pages.length < 10);
  return { pages, hasMore };
}

describe('GET /users/students', () => {
  it('pages through 25 students 10 at a time, newest first, with no duplicates and no gaps', async () => {
    const { pages, hasMore } = await walk('/users/students?limit=10', admin.token);

    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(hasMore).toEqual([true, true, false]);
    expect(pages.flat()).toEqual(newestFirst().map((s) => s.user.id));
  });

  it('returns each student in the admin view: profile plus status, and the spec pagination object', async () => {
    const res = await api.get('/users/students?limit=1', { token: admin.token });

    const newest = students[STUDENTS - 1].user;
    expect(res.body.data[0]).toMatchObject({ id: newest.id, email: newest.email, role: 'student', status: statusOf(STUDENTS - 1), profile: { isComplete: false } });
    expect(res.body.pagination).toEqual({ limit: 1, nextCursor: expect.any(String), hasMore: true });
  });

  it("serves the spec's page parameter by walking from the start (page 2 equals the second cursor page)", async () => {
    const { pages } = await walk('/users/students?limit=10', admin.token);

    const page2 = await api.get('/users/students?limit=10&page=2', { token: admin.token });
    const page3 = await api.get('/users/students?limit=10&page=3', { token: admin.token });
    const page4 = await api.get('/users/students?limit=10&page=4', { token: admin.token });

    expect(ids(page2.body)).toEqual(pages[1]);
    expect(page2.body.pagination).toMatchObject({ page: 2, hasMore: true });
    expect(ids(page3.body)).toEqual(pages[2]);
    expect(page3.body.pagination).toMatchObject({ page: 3, hasMore: false, nextCursor: null });
    expect(page4.body.data).toEqual([]);
  });

  it.each(['active', 'inactive', 'suspended'] as const)('filters by status %s, newest first', async (status) => {
    const { pages } = await walk(`/users/students?limit=4&status=${status}`, admin.token);

    const expected = newestFirst().filter((s) => s.user.status === status).map((s) => s.user.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(pages.flat()).toEqual(expected);
  });

  it('searches name and e-mail case-insensitively', async () => {
    const res = await api.get('/users/students?search=ZELDA', { token: admin.token });

    expect(ids(res.body)).toEqual([students[12].user.id, students[7].user.id]);
    expect(res.body.pagination.hasMore).toBe(false);
  });

  it('combines search with the status filter and pages through the matches', async () => {
    const matching = newestFirst().filter((s) => s.user.status === 'active' && s.user.email.includes('student-'));

    const { pages } = await walk('/users/students?status=active&search=student-&limit=3', admin.token);

    expect(pages.flat()).toEqual(matching.map((s) => s.user.id));
  });

  it('answers an empty page for a search that matches nobody', async () => {
    const res = await api.get('/users/students?search=nobody-has-this', { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(res.body.pagination.hasMore).toBe(false);
  });

  it.each([
    ['an unknown status', 'status=banned', 'status'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit over 100', 'limit=101', 'limit'],
    ['a page of 0', 'page=0', 'page'],
    ['a malformed cursor', 'cursor=%%%', 'cursor'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, qs, field) => {
    const res = await api.get(`/users/students?${qs}`, { token: admin.token });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it("refuses a cursor taken from another list (the status filter's) with 400", async () => {
    const filtered = await api.get('/users/students?status=active&limit=2', { token: admin.token });

    const res = await api.get(`/users/students?cursor=${filtered.body.pagination.nextCursor}`, { token: admin.token });

    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('cursor');
  });

  it('refuses students with 403 and callers without a token with 401', async () => {
    const asStudent = await api.get('/users/students', { token: students[0].token });
    const anonymous = await api.get('/users/students');

    expect(asStudent.status).toBe(403);
    expect(asStudent.body.error.code).toBe('UNAUTHORIZED');
    expect(anonymous.status).toBe(401);
  });
});

describe('GET /users?role=', () => {
  it('lists the students for role=student, as the live-chat section calls it (trailing slash included)', async () => {
    const res = await api.get('/users/?role=student&limit=100', { token: admin.token });

    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual(newestFirst().map((s) => s.user.id));
  });

  it('lists the admins for role=admin, newest first', async () => {
    const res = await api.get('/users?role=admin', { token: admin.token });

    expect(ids(res.body)).toEqual([secondAdmin.user.id, admin.user.id]);
    expect(res.body.data[0]).toMatchObject({ role: 'admin', status: 'active' });
  });

  it('takes the same search and status filters', async () => {
    const res = await api.get('/users?role=student&status=suspended&search=zelda', { token: admin.token });
    expect(ids(res.body)).toEqual([]);
    const active = await api.get('/users?role=student&status=active&search=zelda', { token: admin.token });
    expect(ids(active.body)).toEqual([students[12].user.id, students[7].user.id]);
  });

  it.each([
    ['a missing role', ''],
    ['an unknown role', 'role=teacher'],
  ])('answers 400 naming role for %s', async (_case, qs) => {
    const res = await api.get(`/users?${qs}`, { token: admin.token });

    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('role');
  });

  it('refuses students with 403 and callers without a token with 401', async () => {
    expect((await api.get('/users?role=student', { token: students[0].token })).status).toBe(403);
    expect((await api.get('/users?role=student')).status).toBe(401);
  });
});

describe('GET /users/{userId}', () => {
  it('returns the full profile plus status for an admin', async () => {
    const target = students[5];

    const res = await api.get(`/users/${target.user.id}`, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: target.user.id,
      name: target.user.name,
      email: target.user.email,
      role: 'student',
      status: 'suspended',
      statusReason: null,
      referralCode: target.user.referralCode,
      referralLink: `http://app.test/register?ref=${target.user.referralCode}`,
      profile: { isComplete: false, preferences: { theme: 'light' } },
      createdAt: target.user.createdAt,
    });
  });

  it('answers 404 for an unknown user and 400 for a malformed id', async () => {
    const unknown = await api.get('/users/user_01JZZZZZZZZZZZZZZZZZZZZZZZ', { token: admin.token });
    const malformed = await api.get('/users/task_01JZZZZZZZZZZZZZZZZZZZZZZZ', { token: admin.token });

    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.field).toBe('userId');
  });

  it("does not let a student read another student's record (403), nor anyone without a token (401)", async () => {
    const asStudent = await api.get(`/users/${students[1].user.id}`, { token: students[0].token });
    const ownAsStudent = await api.get(`/users/${students[0].user.id}`, { token: students[0].token });
    const anonymous = await api.get(`/users/${students[1].user.id}`);

    expect(asStudent.status).toBe(403);
    expect(ownAsStudent.status).toBe(403);
    expect(anonymous.status).toBe(401);
  });
});
