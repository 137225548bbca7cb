// Direct-to-S3 uploads: presigned POST (policy asserted by decoding it: s3rver does not enforce policies),
// the browser-side POST to the emulator, then confirm with HeadObject + a ranged read of the bytes.
import { describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { confirmDirectUpload } from '../../functions/files/direct-upload.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { getStorage } from '../../shared/storage/s3.ts';
import { newId } from '../../shared/ids.ts';
import { fileKeys, getFileById } from '../../shared/db/entities/file.ts';
import { assertAttachableFiles } from '../../shared/files/attachments.ts';
import { objectExists, testBucket } from '../support/s3.ts';

const MAX_DIRECT = 1024 * 1024;
const stack = useTestStack({ MAX_DIRECT_UPLOAD_BYTES: String(MAX_DIRECT) });
const api = apiClient(() => stack.apiUrl);

/** A PDF of any size: the header bytes, then padding. */
const bigPdf = (size: number) => Buffer.concat([fixtures.pdf(), Buffer.alloc(size - fixtures.pdf().length, 0x20)]);

interface Grant {
  fileId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

async function grant(actor: Actor, body: Record<string, unknown>) {
  return api.post('/files/upload-url', body, { token: actor.token });
}

async function grantFor(actor: Actor, body: { name: string; type: string; size: number; category?: string; taskId?: string }): Promise<Grant> {
  const res = await grant(actor, { category: 'task_attachment', ...body });
  expect(res.status).toBe(201);
  return res.body.data;
}

/** What the browser does: a multipart POST to the bucket with every policy field, the file last. */
async function postToBucket(g: Grant, content: Buffer, overrides: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries({ ...g.upload.fields, ...overrides })) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(content)]), 'ignored-by-s3.bin');
  const res = await fetch(g.upload.url, { method: 'POST', body: form });
  expect(res.status, await res.text()).toBeLessThan(300);
}

const confirm = (actor: Actor, fileId: string) => api.post(`/files/${fileId}/confirm`, undefined, { token: actor.token });


describe('POST /files/upload-url', () => {
  it('grants a presigned POST whose policy fixes the key, the content type, the size range and a 10-minute expiry', async () => {
    const student = await seedStudent();
    const before = Date.now();

    const res = await grant(student, { name: 'Thesis draft.pdf', type: 'application/pdf', size: 200_000, category: 'task_attachment' });

    expect(res.status).toBe(201);
    const { fileId, upload, expiresAt } = res.body.data;
    expect(fileId).toMatch(/^file_/);
    const key = `tmp/${student.user.id}/${fileId}`;
    expect(upload.fields.key).toBe(key);
    expect(upload.fields['Content-Type']).toBe('application/pdf');
    const policy = JSON.parse(Buffer.from(upload.fields.Policy, 'base64').toString('utf8'));
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        ['eq', '$key', key],
        { key },
        ['eq', '$Content-Type', 'application/pdf'],
        ['content-length-range', 1, 200_000],
        { bucket: stack.bucketName },
      ]),
    );
    // No condition lets the client pick another key or type.
    expect(JSON.stringify(policy.conditions)).not.toContain('starts-with');
    const expiration = Date.parse(policy.expiration);
    expect(expiration).toBe(Date.parse(expiresAt));
    expect(expiration - before).toBeGreaterThan(9 * 60_000);
    expect(expiration - before).toBeLessThanOrEqual(10 * 60_000 + 1000);
  });

  it('pins the canonical type even when the client declares an alias', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'archive.zip', type: 'application/x-zip-compressed', size: 1000 });
    expect(g.upload.fields['Content-Type']).toBe('application/zip');
  });

  it('keeps the pending record invisible and unusable', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: 1000 });

    expect((await api.get(`/files/${g.fileId}`, { token: student.token })).status).toBe(404);
    expect((await api.get(`/files/${g.fileId}/download`, { token: student.token })).status).toBe(404);
    expect((await api.get(`/files/signed-url/${g.fileId}`, { token: student.token })).status).toBe(404);
    await expect(
      assertAttachableFiles(getDb(), { fileIds: [g.fileId], actor: { id: student.user.id, role: 'student' }, target: { kind: 'task', taskId: newId('task') } }),
    ).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { fileId: g.fileId } });
  });

  it('gives the pending record an expiry (TTL) within the hour', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: 1000 });
    const record = await getFileById(getDb(), g.fileId);
    expect(record?.status).toBe('pending');
    expect(record!.expiresAt! * 1000 - Date.now()).toBeGreaterThan(50 * 60_000);
    expect(record!.expiresAt! * 1000 - Date.now()).toBeLessThanOrEqual(60 * 60_000);
  });

  it.each([
    ['a type outside the allowlist', { name: 'setup.exe', type: 'application/x-msdownload', size: 10 }, 'name'],
    ['a type that does not match the name', { name: 'thesis.pdf', type: 'application/zip', size: 10 }, 'type'],
    ['no informative type', { name: 'thesis.pdf', type: 'application/octet-stream', size: 10 }, 'type'],
    ['an empty file', { name: 'thesis.pdf', type: 'application/pdf', size: 0 }, 'size'],
    ['an unknown category', { name: 'thesis.pdf', type: 'application/pdf', size: 10, category: 'homework' }, 'category'],
    ['a non-image avatar', { name: 'thesis.pdf', type: 'application/pdf', size: 10, category: 'avatar' }, 'type'],
    ['a client-chosen key', { name: 'thesis.pdf', type: 'application/pdf', size: 10, key: 'uploads/someone/else.pdf' }, 'key'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, body, field) => {
    const student = await seedStudent();
    const res = await grant(student, { category: 'task_attachment', ...body });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_ERROR', details: { field } } });
  });

  it('answers 413 for a size over MAX_DIRECT_UPLOAD_BYTES', async () => {
    const student = await seedStudent();
    const res = await grant(student, { name: 'huge.zip', type: 'application/zip', size: MAX_DIRECT + 1, category: 'task_attachment' });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { field: 'size', maxBytes: MAX_DIRECT } });
  });

  it("answers 404 for a taskId the caller cannot see", async () => {
    const student = await seedStudent();
    const res = await grant(student, { name: 'a.pdf', type: 'application/pdf', size: 10, category: 'task_attachment', taskId: newId('task') });
    expect(res.status).toBe(404);
    expect(res.body.error.details.field).toBe('taskId');
  });

  it('answers 401 without a token', async () => {
    const res = await api.post('/files/upload-url', { name: 'a.pdf', type: 'application/pdf', size: 10, category: 'task_attachment' });
    expect(res.status).toBe(401);
  });
});

describe('POST /files/{fileId}/confirm', () => {
  it('confirms an upload POSTed to the bucket, moves it out of tmp/, and serves the same bytes', async () => {
    const student = await seedStudent();
    const content = bigPdf(300_000);
    const g = await grantFor(student, { name: 'Big thesis.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: g.fileId, name: 'Big-thesis.pdf', originalName: 'Big thesis.pdf', size: content.length, type: 'application/pdf' });
    const record = await getFileById(getDb(), g.fileId);
    expect(record).toMatchObject({ status: 'confirmed', s3Key: `uploads/${student.user.id}/${g.fileId}/Big-thesis.pdf`, quotaBytes: content.length });
    // Confirmed but not attached to anything yet: the upload lives a day (UNATTACHED_FILE_TTL_SECONDS) unless attached.
    expect(record!.expiresAt! - Math.floor(Date.now() / 1000)).toBeGreaterThan(24 * 3600 - 60);
    expect(record!.expiresAt! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(24 * 3600);
    expect(await objectExists(`tmp/${student.user.id}/${g.fileId}`)).toBe(false);
    const download = await fetch(`${stack.apiUrl}/files/${g.fileId}/download`, { headers: { authorization: `Bearer ${student.token}` }, redirect: 'follow' });
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    expect((await api.get(`/files/${g.fileId}`, { token: student.token })).status).toBe(200);
  });

  it('pins text uploads to UTF-8 and confirms them', async () => {
    const student = await seedStudent();
    const content = fixtures.md();
    const g = await grantFor(student, { name: 'notes.md', type: 'text/markdown', size: content.length });
    expect(g.upload.fields['Content-Type']).toBe('text/markdown; charset=utf-8');
    await postToBucket(g, content);

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(200);
    expect(res.body.data.type).toBe('text/markdown');
  });

  it('is idempotent: confirming twice answers the same file', async () => {
    const student = await seedStudent();
    const content = fixtures.png();
    const g = await grantFor(student, { name: 'shot.png', type: 'image/png', size: content.length });
    await postToBucket(g, content);

    const first = await confirm(student, g.fileId);
    const second = await confirm(student, g.fileId);

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.data.id).toBe(first.body.data.id);
  });

  it('confirms once when several confirms race: every caller gets the file, one object stays', async () => {
    const student = await seedStudent();
    const content = bigPdf(50_000);
    const g = await grantFor(student, { name: 'race.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);

    const results = await Promise.all(Array.from({ length: 4 }, () => confirm(student, g.fileId)));

    expect(results.map((r) => [r.status, r.body.error?.message])).toEqual(Array(4).fill([200, undefined]));
    expect(new Set(results.map((r) => r.body.data.id))).toEqual(new Set([g.fileId]));
    expect(await objectExists(`uploads/${student.user.id}/${g.fileId}/race.pdf`)).toBe(true);
    expect(await objectExists(`tmp/${student.user.id}/${g.fileId}`)).toBe(false);
  });

  it('takes over the claim of a confirm that died, and answers 409 while a live one holds it', async () => {
    const student = await seedStudent();
    const content = fixtures.pdf();
    const g = await grantFor(student, { name: 'claimed.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);
    const db = getDb();
    const claim = (until: number) =>
      db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: fileKeys.file(g.fileId),
          UpdateExpression: 'SET confirmToken = :t, confirmingUntil = :u',
          ExpressionAttributeValues: { ':t': 'someone-else', ':u': until },
        }),
      );

    await claim(Date.now() + 60_000);
    const busy = await confirm(student, g.fileId);
    await claim(Date.now() - 1);
    const takenOver = await confirm(student, g.fileId);

    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('CONFLICT');
    expect(takenOver.status).toBe(200);
    const record = await getFileById(db, g.fileId);
    expect(record?.status).toBe('confirmed');
    expect(record?.confirmToken).toBeUndefined();
  });

  it('releases its claim when it rejects an upload, so the next confirm proceeds at once', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'later.pdf', type: 'application/pdf', size: fixtures.pdf().length });
    expect((await confirm(student, g.fileId)).status).toBe(400); // nothing uploaded yet
    await postToBucket(g, fixtures.pdf());

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(200);
  });

  it('refuses when nothing was uploaded, and keeps the record pending for a retry', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: 1000 });

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'fileId' } });
    expect((await getFileById(getDb(), g.fileId))?.status).toBe('pending');
  });

  it('refuses an upload whose size differs from the declared one, and deletes the object', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: 5000 });
    await postToBucket(g, bigPdf(4000));

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(400);
    expect(res.body.error.details.issue).toContain('4000');
    expect(await objectExists(`tmp/${student.user.id}/${g.fileId}`)).toBe(false);
    expect((await api.get(`/files/${g.fileId}`, { token: student.token })).status).toBe(404);
  });

  it('refuses an upload stored with another content type (the emulator does not enforce the policy; confirm does)', async () => {
    const student = await seedStudent();
    const content = fixtures.pdf();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content, { 'Content-Type': 'text/html' });

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(400);
    expect(res.body.error.details.issue).toContain('text/html');
  });

  it('refuses an object replaced between the byte check and the copy (the upload policy is still valid), and keeps nothing of it', async () => {
    const student = await seedStudent();
    const content = bigPdf(50_000);
    const g = await grantFor(student, { name: 'Swapped.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);
    const storage = getStorage();
    const tmpKey = `tmp/${student.user.id}/${g.fileId}`;
    const impostor = Buffer.concat([Buffer.from('MZ\x90\x00'), Buffer.alloc(content.length - 4, 0x41)]);
    // The client re-POSTs other bytes right after the checked prefix was read.
    const s3 = Object.create(storage.s3) as typeof storage.s3;
    s3.getObject = async (input) => {
      const out = await storage.s3.getObject(input);
      if (input.Key === tmpKey && input.Range) {
        await storage.s3.putObject({ Bucket: storage.bucket, Key: tmpKey, Body: impostor, ContentType: 'application/pdf' });
      }
      return out;
    };

    const attempt = confirmDirectUpload({ db: getDb(), storage: { ...storage, s3 }, now: new Date() }, { id: student.user.id, role: 'student' }, g.fileId);

    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await getFileById(getDb(), g.fileId))?.status).toBe('pending');
    expect(await objectExists(`uploads/${student.user.id}/${g.fileId}/Swapped.pdf`)).toBe(false);
  });

  it('refuses bytes that contradict the declared type', async () => {
    const student = await seedStudent();
    const content = fixtures.zip();
    const g = await grantFor(student, { name: 'report.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);

    const res = await confirm(student, g.fileId);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(await objectExists(`tmp/${student.user.id}/${g.fileId}`)).toBe(false);
  });

  it('answers 404 once the pending record has expired, even before TTL removes it', async () => {
    const student = await seedStudent();
    const content = fixtures.pdf();
    const g = await grantFor(student, { name: 'late.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);
    const db = getDb();
    await db.doc.send(
      new UpdateCommand({ TableName: db.tableName, Key: fileKeys.file(g.fileId), UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }),
    );

    expect((await confirm(student, g.fileId)).status).toBe(404);
  });

  it('answers 404 to anyone but the uploader, admins included', async () => {
    const [student, other, admin] = await Promise.all([seedStudent(), seedStudent(), seedAdmin()]);
    const content = fixtures.pdf();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: content.length });
    await postToBucket(g, content);

    expect((await confirm(other, g.fileId)).status).toBe(404);
    expect((await confirm(admin, g.fileId)).status).toBe(404);
    expect((await confirm(student, g.fileId)).status).toBe(200);
  });

  it('answers 401 without a token and 400 for a malformed id', async () => {
    const student = await seedStudent();
    expect((await api.post(`/files/${newId('file')}/confirm`)).status).toBe(401);
    expect((await confirm(student, 'file_nope')).status).toBe(400);
  });

  it('lets the uploader cancel a pending upload with DELETE', async () => {
    const student = await seedStudent();
    const g = await grantFor(student, { name: 'a.pdf', type: 'application/pdf', size: 10 });
    const { s3, bucket } = testBucket();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `tmp/${student.user.id}/${g.fileId}`, Body: Buffer.alloc(10, 0x41), ContentType: 'application/pdf' }));

    const res = await api.del(`/files/${g.fileId}`, undefined, { token: student.token });

    expect(res.status).toBe(200);
    expect(await getFileById(getDb(), g.fileId)).toBeUndefined();
    expect(await objectExists(`tmp/${student.user.id}/${g.fileId}`)).toBe(false);
  });
});
