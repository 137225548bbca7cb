// Query-string conventions a browser-built frontend relies on: an empty parameter (`?status=&search=`, as
// forms send unfilled fields) means "no filter" on every route that takes a query.
import { beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod/mini';
import { allRoutes } from '../../shared/contract/index.ts';
import { routeKey } from '../../shared/http/contract.ts';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { concretePath, tokenFor } from '../support/routes.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

let student: Actor;
let admin: Actor;
beforeAll(async () => {
  [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
});

const withQuery = allRoutes.filter((r) => r.query);
const queryFields = (schema: z.ZodMiniType) => Object.keys((schema as z.ZodMiniObject).shape ?? {});

describe('an empty query parameter means no filter', () => {
  it.each(withQuery.map((r) => [routeKey(r), r] as const))('%s accepts every one of its parameters empty, all at once', async (_key, route) => {
    const path = concretePath(route);
    const empty = queryFields(route.query!).map((name) => `${name}=`).join('&');
    const token = tokenFor(route, { student, admin });

    const [withEmpty, without] = await Promise.all([api.call(route.method, `${path}?${empty}`, { token }), api.call(route.method, path, { token })]);

    // Required parameters stay required (GET /users needs its role): the empty query answers as the bare one.
    expect(withEmpty.status, JSON.stringify(withEmpty.body)).toBe(without.status);
  });

  it('lists the same tasks for `?status=&search=&sortBy=` as for no query at all', async () => {
    const created = await api.post('/tasks', {
        title: 'Empty filters',
        description: 'A task to find',
        type: 'essay',
        subject: 'history',
        academicLevel: 'undergraduate',
        pages: 3,
        budget: 100,
        deadline: new Date(Date.now() + 86_400_000).toISOString(),
      }, { token: student.token });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const filtered = await api.get('/tasks?status=&search=&sortBy=&sortOrder=', { token: student.token });
    const plain = await api.get('/tasks', { token: student.token });

    expect(filtered.status).toBe(200);
    expect(filtered.body.data.map((t: { id: string }) => t.id)).toEqual(plain.body.data.map((t: { id: string }) => t.id));
    expect(filtered.body.data.map((t: { id: string }) => t.id)).toContain(created.body.data.id);
  });
});
