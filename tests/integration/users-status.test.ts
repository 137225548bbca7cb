import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { setUserStatus } from '../../functions/users/status.ts';
import { changeUserStatus, getUserById, getUserStats, userKeys, userStatsAttribute, type UserStatus } from '../../shared/db/entities/user.ts';
import { laggingReplica } from '../support/consistency.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

async function counters(): Promise<Record<string, number>> {
  return (await getUserStats(getDb())).byRoleStatus;
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]).filter(([, d]) => d !== 0));
}

async function storedItem(userId: string) {
  const db = getDb();
  return (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.user(userId), ConsistentRead: true }))).Item!;
}


const listIds = async (token: string, status: UserStatus) =>
  (await api.get(`/users/students?status=${status}&limit=100`, { token })).body.data.map((u: { id: string }) => u.id);

describe('PUT /users/{userId}/status', () => {
  it('suspends a student: status and reason stored, counters moved in the same write, sessions revoked, status list updated', async () => {
    const admin = await seedAdmin();
    const { user } = await seedStudent();
    const before = await counters();

    const res = await api.put(`/users/${user.id}/status`, { status: 'suspended', reason: 'Abusive messages' }, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: user.id, status: 'suspended', statusReason: 'Abusive messages' });
    expect(delta(before, await counters())).toEqual({ student_active: -1, student_suspended: 1 });
    const item = await storedItem(user.id);
    expect(item.sessionVersion).toBe(user.sessionVersion + 1);
    expect(item.gsi2pk).toBe('USERS#student#suspended');
    expect(await listIds(admin.token, 'suspended')).toContain(user.id);
    expect(await listIds(admin.token, 'active')).not.toContain(user.id);
  });

  it('reactivating moves the counters back and clears the reason, without touching sessions', async () => {
    const admin = await seedAdmin();
    const { user } = await seedStudent({ status: 'suspended', statusReason: 'spam', sessionVersion: 3 });
    const before = await counters();

    const res = await api.put(`/users/${user.id}/status`, { status: 'active' }, { token: admin.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'active', statusReason: null });
    expect(delta(before, await counters())).toEqual({ student_suspended: -1, student_active: 1 });
    expect((await storedItem(user.id)).sessionVersion).toBe(3);
  });

  it('marking a student inactive does not revoke sessions (inactive is a label, not a sanction)', async () => {
    const admin = await seedAdmin();
    const { user } = await seedStudent();

    const res = await api.put(`/users/${user.id}/status`, { status: 'inactive' }, { token: admin.token });

    expect(res.body.data.status).toBe('inactive');
    expect((await storedItem(user.id)).sessionVersion).toBe(0);
  });

  it('setting the status a user already has is an idempotent no-op: 200, counters unchanged', async () => {
    const admin = await seedAdmin();
    const { user } = await seedStudent();
    const before = await counters();
    const itemBefore = await storedItem(user.id);

    const res = await api.put(`/users/${user.id}/status`, { status: 'active' }, { token: admin.token });

    expect(res.status).toBe(200);
    expect(await counters()).toEqual(before);
    expect(await storedItem(user.id)).toEqual(itemBefore);
  });

  it('counts admins under their own role when an admin suspends another admin', async () => {
    const admin = await seedAdmin();
    const other = await seedAdmin();
    const before = await counters();

    const res = await api.put(`/users/${other.user.id}/status`, { status: 'suspended' }, { token: admin.token });

    expect(res.status).toBe(200);
    expect(delta(before, await counters())).toEqual({ admin_active: -1, admin_suspended: 1 });
  });

  it('refuses an admin changing their own status with 400, and changes nothing', async () => {
    const admin = await seedAdmin();
    const before = await counters();

    const res = await api.put(`/users/${admin.user.id}/status`, { status: 'suspended' }, { token: admin.token });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'userId' } });
    expect((await storedItem(admin.user.id)).status).toBe('active');
    expect(await counters()).toEqual(before);
  });

  it('a change based on a stale read loses with a conflict instead of overwriting (the condition the endpoint relies on)', async () => {
    const { user } = await seedStudent();
    const db = getDb();
    const stale = (await getUserById(db, user.id))!;
    expect(await changeUserStatus(db, stale, { status: 'suspended', revokeSessions: true }, new Date())).toMatchObject({ status: 'suspended' });
    const before = await counters();

    const second = await changeUserStatus(db, stale, { status: 'inactive', revokeSessions: false }, new Date());

    expect(second).toBe('conflict');
    expect((await storedItem(user.id)).status).toBe('suspended');
    expect(await counters()).toEqual(before);
  });

  it('two admins racing on one student: every answer is 200 or 409 and the counters match the final status', async () => {
    const [a, b] = [await seedAdmin(), await seedAdmin()];
    const { user } = await seedStudent();
    const before = await counters();

    const results = await Promise.all(
      (['suspended', 'inactive', 'suspended', 'inactive'] as const).map((status, i) =>
        api.put(`/users/${user.id}/status`, { status }, { token: (i % 2 ? a : b).token }),
      ),
    );

    for (const r of results) expect([200, 409]).toContain(r.status);
    expect(results.some((r) => r.status === 200)).toBe(true);
    for (const r of results.filter((r) => r.status === 409)) expect(r.body.error.code).toBe('CONFLICT');
    const final = (await storedItem(user.id)).status as UserStatus;
    expect(delta(before, await counters())).toEqual({ student_active: -1, [userStatsAttribute('student', final)]: 1 });
  });

  it('status changes of many students at once all land, though they share the counter item', async () => {
    const admin = await seedAdmin();
    const students = await Promise.all(Array.from({ length: 8 }, () => seedStudent()));
    const before = await counters();

    const results = await Promise.all(students.map((s) => api.put(`/users/${s.user.id}/status`, { status: 'suspended' }, { token: admin.token })));

    expect(results.map((r) => r.status)).toEqual(students.map(() => 200));
    expect(delta(before, await counters())).toEqual({ student_active: -8, student_suspended: 8 });
  });

  it('reads the user consistently, so undoing a suspension right after it is not lost to a lagging replica', async () => {
    const admin = await seedAdmin();
    const { user } = await seedStudent();
    const whileActive = await storedItem(user.id);
    await api.put(`/users/${user.id}/status`, { status: 'suspended' }, { token: admin.token });

    const result = await setUserStatus(laggingReplica(userKeys.user(user.id), whileActive), admin.user, user.id, { status: 'active' }, new Date());

    expect(result.status).toBe('active');
    expect((await storedItem(user.id)).status).toBe('active');
  });

  it('answers 404 for an unknown user', async () => {
    const admin = await seedAdmin();
    const res = await api.put('/users/user_01JZZZZZZZZZZZZZZZZZZZZZZZ/status', { status: 'suspended' }, { token: admin.token });
    expect(res.status).toBe(404);
  });

  it.each([
    ['an unknown status', { status: 'banned' }, 'status'],
    ['a missing status', { reason: 'x' }, 'status'],
    ['a reason over 500 characters', { status: 'suspended', reason: 'x'.repeat(501) }, 'reason'],
    ['an unknown field', { status: 'suspended', sessionVersion: 0 }, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, body, field) => {
    const admin = await seedAdmin();
    const { user } = await seedStudent();

    const res = await api.put(`/users/${user.id}/status`, body, { token: admin.token });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
    expect((await storedItem(user.id)).status).toBe('active');
  });

  it('refuses students (even on themselves) with 403 and callers without a token with 401', async () => {
    const alice = await seedStudent();
    const bob = await seedStudent();

    const onOther = await api.put(`/users/${bob.user.id}/status`, { status: 'suspended' }, { token: alice.token });
    const onSelf = await api.put(`/users/${alice.user.id}/status`, { status: 'active' }, { token: alice.token });
    const anonymous = await api.put(`/users/${bob.user.id}/status`, { status: 'suspended' });

    expect(onOther.status).toBe(403);
    expect(onSelf.status).toBe(403);
    expect(anonymous.status).toBe(401);
    expect((await storedItem(bob.user.id)).status).toBe('active');
  });
});

describe('suspension through the auth endpoints', () => {
  it("stops the user's refresh token working and refuses their login; reactivation lets them sign in again", async () => {
    const admin = await seedAdmin();
    const email = `suspend-me-${Date.now()}@example.test`;
    const password = 'correct horse battery';
    const registered = await api.post('/auth/register', { name: 'Soon Suspended', email, password });
    expect(registered.status).toBe(201);
    const userId: string = registered.body.data.user.id;
    const refreshed = await api.post('/auth/refresh', { refreshToken: registered.body.data.refreshToken });
    expect(refreshed.status).toBe(200);

    const suspended = await api.put(`/users/${userId}/status`, { status: 'suspended' }, { token: admin.token });

    expect(suspended.status).toBe(200);
    const refreshAfter = await api.post('/auth/refresh', { refreshToken: refreshed.body.data.refreshToken });
    expect(refreshAfter.status).toBe(401);
    const loginAfter = await api.post('/auth/login', { email, password });
    expect(loginAfter.status).toBe(403);

    await api.put(`/users/${userId}/status`, { status: 'active' }, { token: admin.token });
    const loginAgain = await api.post('/auth/login', { email, password });
    expect(loginAgain.status).toBe(200);
    // The session revoked by the suspension stays revoked.
    expect((await api.post('/auth/refresh', { refreshToken: refreshed.body.data.refreshToken })).status).toBe(401);
  });
});

describe('suspension and open WebSocket connections', () => {
  it('closes every open socket of the suspended user and no one else’s', async () => {
    const { connectSocket } = await import('../support/ws.ts');
    const admin = await seedAdmin();
    const target = await seedStudent();
    const other = await seedStudent();
    const [tab1, tab2, bystander] = await Promise.all([
      connectSocket(stack.wsUrl, target.token),
      connectSocket(stack.wsUrl, target.token),
      connectSocket(stack.wsUrl, other.token),
    ]);
    try {
      const res = await api.put(`/users/${target.user.id}/status`, { status: 'suspended', reason: 'abuse' }, { token: admin.token });
      expect(res.status).toBe(200);
      await Promise.all([tab1.closed, tab2.closed]);
      const { isUserConnected } = await import('../../shared/realtime/push.ts');
      expect(await isUserConnected(target.user.id)).toBe(false);
      expect(await isUserConnected(other.user.id)).toBe(true);
      expect(bystander.ws.readyState).toBe(bystander.ws.OPEN);
    } finally {
      await Promise.all([tab1.close(), tab2.close(), bystander.close()]);
    }
  });
});
