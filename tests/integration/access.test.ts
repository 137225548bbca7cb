// Contract-wide access rules: every route declared in the contract is checked here, so an endpoint that
// forgets its guard (or a new one) cannot slip through. Domain tests cover ownership rules in detail.
import { beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../shared/contract/index.ts';
import { routeKey } from '../../shared/http/contract.ts';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

/** Path parameters are validated after the guard, so any placeholder reaches it. */
const pathOf = (path: string) => path.replace(/\{(\w+)\}/g, 'placeholder');

const guarded = allRoutes.filter((r) => r.access !== 'public');
const adminOnly = allRoutes.filter((r) => r.access === 'admin');
const studentOnly = allRoutes.filter((r) => r.access === 'student');

let student: Actor;
let admin: Actor;
beforeAll(async () => {
  student = await seedStudent();
  admin = await seedAdmin();
});

describe('every non-public route', () => {
  it.each(guarded.map((r) => [routeKey(r), r] as const))('%s refuses a request without a token (401)', async (_key, route) => {
    const res = await api.call(route.method, pathOf(route.path), { body: route.method === 'GET' ? undefined : {} });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { code: 'AUTHENTICATION_REQUIRED' } });
  });

  it.each(guarded.map((r) => [routeKey(r), r] as const))('%s refuses a forged token (401)', async (_key, route) => {
    const forged = student.token.slice(0, -4) + (student.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const res = await api.call(route.method, pathOf(route.path), { token: forged, body: route.method === 'GET' ? undefined : {} });
    expect(res.status).toBe(401);
  });
});

describe('admin-only routes', () => {
  it.each(adminOnly.map((r) => [routeKey(r), r] as const))('%s refuses a student (403)', async (_key, route) => {
    const res = await api.call(route.method, pathOf(route.path), { token: student.token, body: route.method === 'GET' ? undefined : {} });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
  });
});

describe('student-only routes', () => {
  it.each(studentOnly.map((r) => [routeKey(r), r] as const))('%s refuses an admin (403)', async (_key, route) => {
    const res = await api.call(route.method, pathOf(route.path), { token: admin.token, body: route.method === 'GET' ? undefined : {} });
    expect(res.status).toBe(403);
  });
});

describe('the contract', () => {
  it('declares each method and path once', () => {
    const keys = allRoutes.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
