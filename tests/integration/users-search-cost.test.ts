import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { defaultPreferences, toUserItem, type User } from '../../shared/db/entities/user.ts';
import { newId, newReferralCode } from '../../shared/ids.ts';

// A partition larger than one search request may read (5 Queries of 50), to pin down what a search costs.
const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);
const STUDENTS = 260;
let admin: Actor;
let oldest: User;

beforeAll(async () => {
  admin = await seedAdmin();
  const db = getDb();
  const base = Date.parse('2024-01-01T00:00:00.000Z');
  const users: User[] = Array.from({ length: STUDENTS }, (_, i) => {
    const at = new Date(base + i * 1000).toISOString();
    return {
      id: newId('user', new Date(base + i * 1000)),
      name: i === 0 ? 'Needle Haystack' : `Student ${i}`,
      email: `bulk-${i}@example.test`,
      role: 'student',
      status: 'active',
      preferences: defaultPreferences,
      referralCode: newReferralCode(),
      sessionVersion: 0,
      createdAt: at,
      updatedAt: at,
    };
  });
  oldest = users[0];
  for (let i = 0; i < users.length; i += 25) {
    await db.doc.send(
      new BatchWriteCommand({ RequestItems: { [db.tableName]: users.slice(i, i + 25).map((u) => ({ PutRequest: { Item: toUserItem(u) } })) } }),
    );
  }
});

afterEach(() => vi.restoreAllMocks());

function countQueries() {
  const db = getDb();
  const send = db.doc.send.bind(db.doc);
  const counted = { queries: 0, itemsRead: 0 };
  vi.spyOn(db.doc, 'send').mockImplementation((async (command: unknown) => {
    const out = await send(command as never);
    if (command instanceof QueryCommand) {
      counted.queries++;
      counted.itemsRead += (out as { ScannedCount?: number }).ScannedCount ?? 0;
    }
    return out;
  }) as never);
  return counted;
}

describe('search cost in GET /users/students', () => {
  it('reads at most 5 Queries per request and hands back a cursor when the matches lie deeper', async () => {
    const cost = countQueries();

    const first = await api.get('/users/students?search=needle', { token: admin.token });

    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([]);
    expect(first.body.pagination.hasMore).toBe(true);
    expect(cost.queries).toBe(5);
    expect(cost.itemsRead).toBe(250);

    const second = await api.get(`/users/students?search=needle&cursor=${first.body.pagination.nextCursor}`, { token: admin.token });

    expect(second.body.data.map((u: { id: string }) => u.id)).toEqual([oldest.id]);
    expect(second.body.pagination).toMatchObject({ hasMore: false, nextCursor: null });
    expect(cost.queries).toBe(6);
    expect(cost.itemsRead).toBe(STUDENTS);
  });

  it('an unfiltered page costs one Query of limit + 1 items', async () => {
    const cost = countQueries();

    const res = await api.get('/users/students?limit=20', { token: admin.token });

    expect(res.body.data).toHaveLength(20);
    expect(cost).toEqual({ queries: 1, itemsRead: 21 });
  });

  it('page=3 without a cursor costs one Query per page walked', async () => {
    const cost = countQueries();

    const res = await api.get('/users/students?limit=20&page=3', { token: admin.token });

    expect(res.body.data).toHaveLength(20);
    expect(cost.queries).toBe(3);
  });
});
