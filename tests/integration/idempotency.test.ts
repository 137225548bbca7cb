// Idempotency-Key on every create: a retried request with the same key and body answers as the first one did
// (same status, the answer rebuilt from the stored ids, `Idempotent-Replayed: true`) without a second write; the
// same key with another body, or while the first request still runs, is 409; a failed first request frees the
// key; keys are per user and per route and last 24 h.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient, type ApiResponse } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { getTaskStats } from '../../shared/db/entities/task-stats.ts';
import { claimIdempotencyKey, IDEMPOTENCY_LEASE_MS, idempotencyKeys } from '../../shared/db/entities/idempotency.ts';
import { requestFingerprint } from '../../shared/http/idempotency.ts';
import { CreateTaskBody } from '../../shared/contract/tasks.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

let student: Actor;
let otherStudent: Actor;
let admin: Actor;
let keyCounter = 0;
const newKey = () => `key-${Date.now()}-${++keyCounter}`;

beforeAll(async () => {
  [student, otherStudent, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
});

const taskBody = (overrides: Record<string, unknown> = {}) => ({
  title: 'Retried essay',
  type: 'essay',
  description: 'Sent twice by a flaky network',
  subject: 'history',
  academicLevel: 'undergraduate',
  pages: 3,
  deadline: new Date(Date.now() + 30 * 86_400_000).toISOString(),
  budget: 80,
  ...overrides,
});

const postTask = (actor: Actor, key: string | undefined, body: Record<string, unknown>) =>
  api.post('/tasks', body, { token: actor.token, headers: key === undefined ? {} : { 'Idempotency-Key': key } });

const replayed = (res: ApiResponse) => res.headers.get('idempotent-replayed') === 'true';

async function taskIdsOf(actor: Actor): Promise<string[]> {
  const res = await api.get('/tasks?limit=100', { token: actor.token });
  return res.body.data.map((t: { id: string }) => t.id);
}

const totalTasks = async () => (await getTaskStats(getDb())).totals.total;

/** Holds every DynamoDB transaction of the handlers for `ms`, so a first request is still running when a retry comes. */
function slowTransactions(ms: number) {
  const name = `slow-transactions-${Math.random()}`;
  getDb().doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') await new Promise((r) => setTimeout(r, ms));
      return next(args);
    },
    { step: 'initialize', name },
  );
  return () => void getDb().doc.middlewareStack.remove(name);
}
let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('POST /tasks with an Idempotency-Key', () => {
  it('answers a retry with the same key and body as the first request did, without creating a second task', async () => {
    const key = newKey();
    const body = taskBody();
    const tasksBefore = await totalTasks();

    const first = await postTask(student, key, body);
    const retry = await postTask(student, key, body);

    expect(first.status).toBe(201);
    expect(replayed(first)).toBe(false);
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe(true);
    expect(retry.body).toEqual(first.body);
    expect((await taskIdsOf(student)).filter((id) => id === first.body.data.id)).toHaveLength(1);
    expect(await totalTasks()).toBe(tasksBefore + 1);
  });

  it('treats the same body with its keys in another order and untrimmed text as the same request', async () => {
    const key = newKey();
    const body = taskBody({ title: 'Order does not matter' });
    const first = await postTask(student, key, body);

    const reordered = Object.fromEntries(Object.entries({ ...body, title: '  Order does not matter  ' }).reverse());
    const retry = await postTask(student, key, reordered);

    expect(retry.status).toBe(201);
    expect(retry.body.data.id).toBe(first.body.data.id);
  });

  it('refuses the same key with a different body (409) and writes nothing', async () => {
    const key = newKey();
    await postTask(student, key, taskBody({ title: 'First title' }));
    const tasksBefore = await totalTasks();

    const other = await postTask(student, key, taskBody({ title: 'Another title' }));

    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'CONFLICT', details: { field: 'Idempotency-Key', reason: 'different_request' } });
    expect(await totalTasks()).toBe(tasksBefore);
  });

  it('keeps keys per user: another student with the same key and body gets their own task', async () => {
    const key = newKey();
    const body = taskBody();
    const mine = await postTask(student, key, body);

    const theirs = await postTask(otherStudent, key, body);

    expect(theirs.status).toBe(201);
    expect(replayed(theirs)).toBe(false);
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
    expect(await taskIdsOf(otherStudent)).toContain(theirs.body.data.id);
  });

  it('without a key, every request creates (unchanged behaviour)', async () => {
    const body = taskBody();
    const [a, b] = [await postTask(student, undefined, body), await postTask(student, undefined, body)];
    expect(a.body.data.id).not.toBe(b.body.data.id);
  });

  it('frees the key when the first request fails, so the corrected retry creates the task', async () => {
    const key = newKey();

    const failed = await postTask(student, key, taskBody({ deadline: '2001-01-01T00:00:00Z' }));
    const corrected = await postTask(student, key, taskBody());

    expect(failed.status).toBe(400);
    expect(corrected.status).toBe(201);
    expect(replayed(corrected)).toBe(false);
  });

  it('two identical requests at once: one creates, the other is 409 "in progress" with Retry-After, and the next retry gets the replay', async () => {
    const key = newKey();
    const body = taskBody({ title: 'Double click' });
    const tasksBefore = await totalTasks();
    restore = slowTransactions(400);

    const [a, b] = await Promise.all([postTask(student, key, body), postTask(student, key, body)]);
    restore();
    restore = undefined;

    const created = [a, b].filter((r) => r.status === 201);
    const refused = [a, b].filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].body.error.details).toMatchObject({ reason: 'in_progress' });
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await totalTasks()).toBe(tasksBefore + 1);

    const later = await postTask(student, key, body);
    expect(later.status).toBe(201);
    expect(replayed(later)).toBe(true);
    expect(later.body.data.id).toBe(created[0].body.data.id);
  });

  it('two identical requests racing without help create exactly one task between them', async () => {
    const key = newKey();
    const body = taskBody({ title: 'Race' });
    const tasksBefore = await totalTasks();

    const results = await Promise.all([postTask(student, key, body), postTask(student, key, body), postTask(student, key, body)]);

    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.data.id));
    expect(ids.size).toBe(1);
    for (const r of results) expect([201, 409]).toContain(r.status);
    expect(await totalTasks()).toBe(tasksBefore + 1);
  });

  it('forgets a key after 24 hours: the same key and body then create again', async () => {
    const key = newKey();
    const body = taskBody({ title: 'Yesterday' });
    const first = await postTask(student, key, body);
    // DynamoDB Local never deletes TTL items (and DynamoDB deletes them late): the record is still there, expired.
    const db = getDb();
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: idempotencyKeys.record(student.user.id, 'POST /tasks', key),
        UpdateExpression: 'SET expiresAt = :past',
        ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
      }),
    );

    const again = await postTask(student, key, body);

    expect(again.status).toBe(201);
    expect(replayed(again)).toBe(false);
    expect(again.body.data.id).not.toBe(first.body.data.id);
  });

  it('a first request that died holding the key blocks retries only until its lease runs out', async () => {
    const key = newKey();
    const body = taskBody({ title: 'Crashed' });
    const fingerprint = requestFingerprint({ params: {}, query: {}, body: CreateTaskBody.parse(body), files: [] });
    const scope = { userId: student.user.id, route: 'POST /tasks', key };
    // The record a first request leaves when its function is killed mid-way: in progress, never completed.
    await claimIdempotencyKey(getDb(), scope, { fingerprint, token: 'dead', now: new Date() });

    const whileLeased = await postTask(student, key, body);
    expect(whileLeased.status).toBe(409);
    expect(whileLeased.body.error.details).toMatchObject({ reason: 'in_progress' });

    await getDb().doc.send(
      new UpdateCommand({
        TableName: getDb().tableName,
        Key: idempotencyKeys.record(scope.userId, scope.route, key),
        UpdateExpression: 'SET leaseUntil = :past',
        ExpressionAttributeValues: { ':past': Date.now() - IDEMPOTENCY_LEASE_MS },
      }),
    );
    const afterLease = await postTask(student, key, body);

    expect(afterLease.status).toBe(201);
    expect(replayed(afterLease)).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['with a non-ASCII character', 'clé'],
  ])('refuses a key that is %s (400) and creates nothing', async (_what, key) => {
    const tasksBefore = await totalTasks();

    const res = await postTask(student, key, taskBody());

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'Idempotency-Key' } });
    expect(await totalTasks()).toBe(tasksBefore);
  });

  it('accepts the key as a quoted structured-field string, the same key as unquoted', async () => {
    const key = newKey();
    const body = taskBody();
    const quoted = await postTask(student, `"${key}"`, body);
    const bare = await postTask(student, key, body);
    expect(bare.body.data.id).toBe(quoted.body.data.id);
    expect(replayed(bare)).toBe(true);
  });
});

describe('the other creates', () => {
  async function uploadForm(actor: Actor, key: string, content: Buffer) {
    const form = new FormData();
    form.append('category', 'task_attachment');
    form.append('files', new Blob([new Uint8Array(content)], { type: 'application/pdf' }), 'brief.pdf');
    return api.call('POST', '/files/upload', { token: actor.token, form, headers: { 'Idempotency-Key': key } });
  }

  it('POST /files/upload: a retry answers the same files with fresh download URLs; other bytes under the same key are 409', async () => {
    const key = newKey();
    const first = await uploadForm(student, key, fixtures.pdf());
    await new Promise((r) => setTimeout(r, 1100)); // presigned URLs carry their signing second

    const retry = await uploadForm(student, key, fixtures.pdf());
    const otherBytes = await uploadForm(student, key, Buffer.concat([fixtures.pdf(), Buffer.from('changed')]));

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe(true);
    expect(retry.body.data.map((f: { id: string }) => f.id)).toEqual(first.body.data.map((f: { id: string }) => f.id));
    expect(retry.body.data[0].url).not.toBe(first.body.data[0].url);
    expect((await fetch(retry.body.data[0].url)).status).toBe(200);
    expect(otherBytes.status).toBe(409);
  });

  it('POST /files/upload: a retry after the file was deleted is 409 (what the first request made is gone), not a second upload', async () => {
    const key = newKey();
    const first = await uploadForm(student, key, fixtures.pdf());
    await api.del(`/files/${first.body.data[0].id}`, undefined, { token: student.token });

    const retry = await uploadForm(student, key, fixtures.pdf());

    expect(retry.status).toBe(409);
    expect(retry.body.error.details).toMatchObject({ reason: 'resource_gone' });
  });

  it('POST /files/upload-url: a retry answers the same pending file with a freshly signed upload', async () => {
    const key = newKey();
    const body = { name: 'thesis.pdf', type: 'application/pdf', size: 2048, category: 'task_attachment' };
    const headers = { 'Idempotency-Key': key };
    const first = await api.post('/files/upload-url', body, { token: student.token, headers });

    const retry = await api.post('/files/upload-url', body, { token: student.token, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe(true);
    expect(retry.body.data.fileId).toBe(first.body.data.fileId);
    expect(retry.body.data.upload.fields.key).toBe(first.body.data.upload.fields.key);
  });

  it('POST /chats/{chatId}/messages: a retried send is one message in the chat', async () => {
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;
    const headers = { 'Idempotency-Key': newKey() };
    const first = await api.post(`/chats/${chat.id}/messages`, { content: 'Are you there?' }, { token: student.token, headers });

    const retry = await api.post(`/chats/${chat.id}/messages`, { content: 'Are you there?' }, { token: student.token, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(replayed(retry)).toBe(true);
    expect(retry.body.data.id).toBe(first.body.data.id);
    const messages = await api.get(`/chats/${chat.id}/messages`, { token: student.token });
    expect(messages.body.data.filter((m: { content: string }) => m.content === 'Are you there?')).toHaveLength(1);
  });

  it('POST /chats (a new general chat): a retry answers the chat the first request opened, with its 201', async () => {
    const headers = { 'Idempotency-Key': newKey() };
    const body = { type: 'general', studentId: student.user.id };
    const first = await api.post('/chats', body, { token: admin.token, headers });

    const retry = await api.post('/chats', body, { token: admin.token, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.data.id).toBe(first.body.data.id);
  });

  it('POST /tasks/{taskId}/deliverables: a retried add is one deliverable', async () => {
    const task = (await postTask(student, undefined, taskBody())).body.data;
    const headers = { 'Idempotency-Key': newKey() };
    const first = await api.post(`/tasks/${task.id}/deliverables`, { title: 'Outline' }, { token: admin.token, headers });

    const retry = await api.post(`/tasks/${task.id}/deliverables`, { title: 'Outline' }, { token: admin.token, headers });

    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const deliverables = await api.get(`/tasks/${task.id}/deliverables`, { token: admin.token });
    expect(deliverables.body.data.filter((d: { title: string }) => d.title === 'Outline')).toHaveLength(1);
  });

  it('POST /admin/announcements: a retried announcement is published once', async () => {
    const headers = { 'Idempotency-Key': newKey() };
    const body = { title: 'Maintenance', message: 'Tonight at 22:00', targetAudience: 'students' };
    const first = await api.post('/admin/announcements', body, { token: admin.token, headers });

    const retry = await api.post('/admin/announcements', body, { token: admin.token, headers });

    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const listed = await api.get('/announcements', { token: student.token });
    expect(listed.body.data.filter((a: { title: string }) => a.title === 'Maintenance')).toHaveLength(1);
  });

  it('keeps keys per route: the same key on two different creates is two records', async () => {
    const key = newKey();
    const task = await postTask(student, key, taskBody());
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;

    const message = await api.post(`/chats/${chat.id}/messages`, { content: 'Same key, other route' }, { token: student.token, headers: { 'Idempotency-Key': key } });

    expect(task.status).toBe(201);
    expect(message.status).toBe(201);
    expect(replayed(message)).toBe(false);
  });
});
