// Idempotency-Key on the creates of the later domains (partnership requests are tested with their domain):
// a retried bill is one bill, a retried booking is one meeting, and every create of the contract declares it.
import { describe, expect, it } from 'vitest';
import { allRoutes } from '../../shared/contract/index.ts';
import { routeKey } from '../../shared/http/contract.ts';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';
import { seedTask } from '../support/tasks.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('every create', () => {
  // Sign-up is public (no user to scope a key to) and already answers a retry with 409 for the taken e-mail.
  const creates = allRoutes.filter((r) => r.method === 'POST' && r.successStatus === 201 && r.access !== 'public');
  it.each(creates.map((r) => [routeKey(r), r] as const))('%s declares Idempotency-Key handling', (_key, route) => {
    expect(route.idempotent).toBeDefined();
  });
});

describe('retries of the later domains\' creates', () => {
  it('POST /bills: a retry answers the same bill, and the student has one bill', async () => {
    const [admin, student] = await Promise.all([seedAdmin(), seedStudent()]);
    const body = {
      taskId: await seedTask(student.user.id),
      studentId: student.user.id,
      description: 'Research paper',
      items: [{ description: 'Writing', amount: 120 }],
      dueDate: inDays(10),
    };
    const headers = { 'idempotency-key': `bill-${Date.now()}` };

    const first = await api.post('/bills', body, { token: admin.token, headers });
    const retry = await api.post('/bills', body, { token: admin.token, headers });
    const changed = await api.post('/bills', { ...body, items: [{ description: 'Writing', amount: 130 }] }, { token: admin.token, headers });
    const bills = await api.get(`/bills?studentId=${student.user.id}`, { token: admin.token });

    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(changed.status).toBe(409);
    expect(bills.body.data.map((b: { id: string }) => b.id)).toEqual([first.body.data.id]);
  });

  it('POST /meetings: a retried booking is one meeting (not a 409 against its own slots)', async () => {
    const student = await seedStudent();
    const body = { title: 'Thesis check-in', date: inDays(40).slice(0, 10), time: '10:00', duration: 30, type: 'virtual' };
    const headers = { 'idempotency-key': `meet-${Date.now()}` };

    const first = await api.post('/meetings', body, { token: student.token, headers });
    const retry = await api.post('/meetings', body, { token: student.token, headers });
    const meetings = await api.get('/meetings', { token: student.token });

    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.data.id).toBe(first.body.data.id);
    expect(meetings.body.data.map((m: { id: string }) => m.id)).toEqual([first.body.data.id]);
  });
});
