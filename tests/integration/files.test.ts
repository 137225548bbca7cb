// Files through the real gateway against DynamoDB Local and s3rver: multipart upload, details, download,
// signed URL, delete, and who may do each.
import { describe, expect, it } from 'vitest';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { testBucket } from '../support/s3.ts';
import { newId } from '../../shared/ids.ts';
import { getFileById } from '../../shared/db/entities/file.ts';
import { toChatItem } from '../../shared/db/entities/chat.ts';
import { attachFilesTransactItems, assertAttachableFiles } from '../../shared/files/attachments.ts';
import { seedTask } from '../support/tasks.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

interface Part {
  name: string;
  type: string;
  content: Buffer;
}

const pdf = (name = 'My Document.pdf'): Part => ({ name, type: 'application/pdf', content: fixtures.pdf() });
const png = (name = 'diagram.png'): Part => ({ name, type: 'image/png', content: fixtures.png() });

function uploadForm(parts: Part[], fields: Record<string, string> = { category: 'task_attachment' }): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const p of parts) form.append('files', new File([new Uint8Array(p.content)], p.name, { type: p.type }));
  return form;
}

async function upload(actor: Actor, parts: Part[], fields?: Record<string, string>) {
  return api.post('/files/upload', undefined, { token: actor.token, form: uploadForm(parts, fields) });
}

async function uploadOne(actor: Actor, part: Part = pdf(), fields?: Record<string, string>): Promise<any> {
  const res = await upload(actor, [part], fields);
  expect(res.status).toBe(201);
  return res.body.data[0];
}


async function seedChat(studentId: string, participantIds: string[]): Promise<string> {
  const id = newId('chat');
  const now = new Date().toISOString();
  const db = getDb();
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: toChatItem({ id, type: 'general', studentId, participantIds, createdBy: participantIds[0], messageSeq: 0, lastActivityAt: now, createdAt: now, updatedAt: now }),
    }),
  );
  return id;
}

async function objectKeysOf(ownerId: string): Promise<string[]> {
  const { s3, bucket } = testBucket();
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `uploads/${ownerId}/` }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

async function bytesAt(url: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe('POST /files/upload', () => {
  it('stores several files and answers the spec file object for each, in order', async () => {
    const student = await seedStudent();
    const parts = [pdf(), png(), { name: 'grades.csv', type: 'text/csv', content: fixtures.csv() }];

    const res = await upload(student, parts);

    expect(res.status).toBe(201);
    expect(res.body.success).toBe(true);
    expect(res.body.data).toHaveLength(3);
    const [doc, image, csv] = res.body.data;
    expect(doc).toMatchObject({ name: 'My-Document.pdf', originalName: 'My Document.pdf', size: parts[0].content.length, type: 'application/pdf', thumbnailUrl: null });
    expect(doc.id).toMatch(/^file_[0-9A-Z]{26}$/);
    expect(Date.parse(doc.uploadedAt)).not.toBeNaN();
    expect(image).toMatchObject({ type: 'image/png', originalName: 'diagram.png' });
    expect(image.thumbnailUrl).toBe(image.url);
    expect(csv).toMatchObject({ type: 'text/csv', category: 'task_attachment', ownerId: student.user.id, taskId: null, attached: false });
  });

  it('stores exactly the uploaded bytes, readable through the returned url', async () => {
    const student = await seedStudent();
    const parts = [pdf(), { name: 'archive.zip', type: 'application/zip', content: fixtures.zip() }];

    const res = await upload(student, parts);

    for (const [i, file] of res.body.data.entries()) {
      const got = await bytesAt(file.url);
      expect(got.status).toBe(200);
      expect(got.body.equals(parts[i].content)).toBe(true);
    }
  });

  it('makes the object key itself and keeps the client name only as cleaned metadata', async () => {
    const student = await seedStudent();

    const file = await uploadOne(student, pdf('..\\..\\C:\\Users\\me\\Résumé\u202e final.pdf'));

    expect(file.originalName).toBe('Résumé final.pdf');
    expect(file.name).toBe('Resume-final.pdf');
    const stored = await getFileById(getDb(), file.id);
    expect(stored?.s3Key).toBe(`uploads/${student.user.id}/${file.id}/Resume-final.pdf`);
  });

  it('accepts a taskId the caller can see and records it as the file context', async () => {
    const student = await seedStudent();
    const taskId = await seedTask(student.user.id);

    const file = await uploadOne(student, pdf(), { category: 'task_attachment', taskId });

    expect(file.taskId).toBe(taskId);
  });

  it("answers 404 for another student's task and stores nothing", async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const taskId = await seedTask(other.user.id);

    const res = await upload(student, [pdf()], { category: 'task_attachment', taskId });

    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND', details: { field: 'taskId' } });
    expect(await objectKeysOf(student.user.id)).toEqual([]);
  });

  it('answers 404 for a task that does not exist', async () => {
    const student = await seedStudent();
    const res = await upload(student, [pdf()], { category: 'task_attachment', taskId: newId('task') });
    expect(res.status).toBe(404);
  });

  it('lets an admin upload for any existing task', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student.user.id);
    const file = await uploadOne(admin, pdf(), { category: 'deliverable', taskId });
    expect(file).toMatchObject({ taskId, category: 'deliverable', ownerId: admin.user.id });
  });

  it.each([
    ['a type outside the allowlist', [{ name: 'setup.exe', type: 'application/x-msdownload', content: fixtures.exe() }]],
    ['HTML', [{ name: 'page.html', type: 'text/html', content: fixtures.html() }]],
    ['SVG (script in an image)', [{ name: 'logo.svg', type: 'image/svg+xml', content: fixtures.svg() }]],
    ['a .pdf that is really a zip', [{ name: 'thesis.pdf', type: 'application/pdf', content: fixtures.zip() }]],
    ['a declared type the bytes contradict', [{ name: 'scan.pdf', type: 'image/png', content: fixtures.pdf() }]],
    ['an executable disguised as a PDF', [{ name: 'invoice.pdf', type: 'application/pdf', content: fixtures.exe() }]],
    ['an empty file', [{ name: 'empty.pdf', type: 'application/pdf', content: Buffer.alloc(0) }]],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, parts) => {
    const student = await seedStudent();

    const res = await upload(student, parts);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.field).toBe('files');
    expect(await objectKeysOf(student.user.id)).toEqual([]);
  });

  it('stores none of the files when one of them is refused', async () => {
    const student = await seedStudent();

    const res = await upload(student, [pdf(), png(), { name: 'tool.exe', type: 'application/octet-stream', content: fixtures.exe() }]);

    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('tool.exe');
    expect(await objectKeysOf(student.user.id)).toEqual([]);
  });

  it.each([
    ['an unknown category', { category: 'homework' }, 'category'],
    ['a missing category', {} as Record<string, string>, 'category'],
    ['a malformed taskId', { category: 'task_attachment', taskId: 'task_1' }, 'taskId'],
  ])('answers 400 naming the field for %s', async (_case, fields, field) => {
    const student = await seedStudent();
    const res = await upload(student, [pdf()], fields);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it('answers 400 when no file is sent', async () => {
    const student = await seedStudent();
    const res = await upload(student, []);
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('files');
  });

  it('answers 413 for more than 10 files in one request', async () => {
    const student = await seedStudent();
    const res = await upload(student, Array.from({ length: 11 }, (_, i) => pdf(`part-${i}.pdf`)));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await objectKeysOf(student.user.id)).toEqual([]);
  });

  it('accepts only images, within the avatar size, in the avatar category', async () => {
    const student = await seedStudent();
    expect((await upload(student, [png()], { category: 'avatar' })).status).toBe(201);
    const res = await upload(student, [pdf()], { category: 'avatar' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('files');
  });

  it('answers 401 without a token', async () => {
    const res = await api.post('/files/upload', undefined, { form: uploadForm([pdf()]) });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });
});

describe('GET /files/{fileId}', () => {
  it('shows the owner the file object with a working url', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);

    const res = await api.get(`/files/${file.id}`, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: file.id, name: file.name, originalName: file.originalName, size: file.size, type: 'application/pdf' });
    expect((await bytesAt(res.body.data.url)).body.equals(fixtures.pdf())).toBe(true);
  });

  it("shows any admin a student's file", async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const file = await uploadOne(student);
    expect((await api.get(`/files/${file.id}`, { token: admin.token })).status).toBe(200);
  });

  it('answers 404, not 403, to another student (existence is not revealed)', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const file = await uploadOne(student);

    const res = await api.get(`/files/${file.id}`, { token: other.token });
    const missing = await api.get(`/files/${newId('file')}`, { token: other.token });

    expect(res.status).toBe(404);
    expect(res.body.error).toEqual(missing.body.error);
  });

  it("shows the task's student a file an admin uploaded for that task, and no other student", async () => {
    const [student, other, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student.user.id, admin.user.id);
    const file = await uploadOne(admin, pdf('draft.pdf'), { category: 'deliverable', taskId });

    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(200);
    expect((await api.get(`/files/${file.id}`, { token: other.token })).status).toBe(404);
  });

  it('shows the participants of the chat a file was attached to, and nobody else', async () => {
    const [student, other, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
    const chatId = await seedChat(student.user.id, [admin.user.id, student.user.id]);
    const file = await uploadOne(admin, png(), { category: 'chat_attachment' });
    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(404);

    const db = getDb();
    const target = { kind: 'chat' as const, chatId };
    const records = await assertAttachableFiles(db, { fileIds: [file.id], actor: { id: admin.user.id, role: 'admin' }, target });
    await db.doc.send(new TransactWriteCommand({ TransactItems: attachFilesTransactItems(records, target, db) }));

    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(200);
    expect((await api.get(`/files/${file.id}`, { token: other.token })).status).toBe(404);
  });

  it('answers 401 without a token and 400 for a malformed id', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    expect((await api.get(`/files/${file.id}`)).status).toBe(401);
    const bad = await api.get('/files/not-a-file-id', { token: student.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('fileId');
  });
});

describe('GET /files/{fileId}/download', () => {
  it('redirects to a short-lived URL that serves the bytes as an attachment under the original name', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student, pdf('Rapport d’été.pdf'));

    const res = await api.get(`/files/${file.id}/download`, { token: student.token });

    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(Number(location.searchParams.get('X-Amz-Expires'))).toBe(300);
    const got = await bytesAt(location.href);
    expect(got.status).toBe(200);
    expect(got.body.equals(fixtures.pdf())).toBe(true);
    expect(got.headers.get('content-type')).toBe('application/pdf');
    const disposition = got.headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment;/);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('Rapport d’été.pdf')}`);
  });

  it('serves text with an explicit UTF-8 charset', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student, { name: 'grades.csv', type: 'text/csv', content: fixtures.csv() });
    const res = await api.get(`/files/${file.id}/download`, { token: student.token });
    expect((await bytesAt(res.headers.get('location')!)).headers.get('content-type')).toBe('text/csv; charset=utf-8');
  });

  it('follows through to the same bytes with fetch redirect: follow', async () => {
    const student = await seedStudent();
    const content = fixtures.docx();
    const file = await uploadOne(student, { name: 'essay.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', content });

    const res = await fetch(`${stack.apiUrl}/files/${file.id}/download`, { headers: { authorization: `Bearer ${student.token}` }, redirect: 'follow' });

    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(content)).toBe(true);
  });

  it('answers 404 to another student and 401 without a token', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const file = await uploadOne(student);
    const res = await api.get(`/files/${file.id}/download`, { token: other.token });
    expect(res.status).toBe(404);
    expect(res.headers.get('location')).toBeNull();
    expect((await api.get(`/files/${file.id}/download`)).status).toBe(401);
  });
});

describe('GET /files/signed-url/{fileId}', () => {
  it('answers a working url and an expiresAt that is exactly the signature expiry', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    const before = Date.now();

    const res = await api.get(`/files/signed-url/${file.id}`, { token: student.token });

    expect(res.status).toBe(200);
    const { url, expiresAt } = res.body.data;
    const signed = new URL(url);
    const amzDate = signed.searchParams.get('X-Amz-Date')!; // 20250115T100000Z
    const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const expiresIn = Number(signed.searchParams.get('X-Amz-Expires'));
    expect(expiresIn).toBe(900);
    expect(Date.parse(expiresAt)).toBe(signedAt + expiresIn * 1000);
    expect(Date.parse(expiresAt)).toBeGreaterThan(before);
    expect((await bytesAt(url)).body.equals(fixtures.pdf())).toBe(true);
  });

  it('answers 404 to another student and 401 without a token', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const file = await uploadOne(student);
    expect((await api.get(`/files/signed-url/${file.id}`, { token: other.token })).status).toBe(404);
    expect((await api.get(`/files/signed-url/${file.id}`)).status).toBe(401);
  });
});

describe('DELETE /files/{fileId}', () => {
  it('lets the owner delete the record and the object', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    const { s3Key } = (await getFileById(getDb(), file.id))!;

    const res = await api.del(`/files/${file.id}`, undefined, { token: student.token });

    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: file.id, deleted: true });
    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(404);
    const { s3, bucket } = testBucket();
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: s3Key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it("lets an admin delete a student's file", async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const file = await uploadOne(student);
    expect((await api.del(`/files/${file.id}`, undefined, { token: admin.token })).status).toBe(200);
  });

  it('answers 404 to another student and leaves the file', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const file = await uploadOne(student);
    expect((await api.del(`/files/${file.id}`, undefined, { token: other.token })).status).toBe(404);
    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(200);
  });

  it('answers 403 to a task participant who may read but does not own the file', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const taskId = await seedTask(student.user.id, admin.user.id);
    const file = await uploadOne(admin, pdf(), { category: 'deliverable', taskId });
    const res = await api.del(`/files/${file.id}`, undefined, { token: student.token });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('answers 409 while the file is attached to a task, and keeps it', async () => {
    const student = await seedStudent();
    const taskId = await seedTask(student.user.id);
    const file = await uploadOne(student);
    const db = getDb();
    const target = { kind: 'task' as const, taskId };
    const records = await assertAttachableFiles(db, { fileIds: [file.id], actor: { id: student.user.id, role: 'student' }, target });
    await db.doc.send(new TransactWriteCommand({ TransactItems: attachFilesTransactItems(records, target, db) }));

    const res = await api.del(`/files/${file.id}`, undefined, { token: student.token });

    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONFLICT', details: { attachedTo: 'task' } });
    expect((await api.get(`/files/${file.id}`, { token: student.token })).body.data).toMatchObject({ attached: true, taskId });
  });

  it('answers 401 without a token', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    expect((await api.del(`/files/${file.id}`)).status).toBe(401);
  });
});
