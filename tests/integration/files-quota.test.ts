// The per-user storage quota (STORAGE_QUOTA_BYTES): a student's confirmed files may hold at most that many
// bytes; the upload or confirm that would pass it is 413 PAYLOAD_TOO_LARGE naming the quota, and nothing of
// it is stored. Deleting a file gives its bytes back. Concurrent uploads cannot overshoot it together.
import { describe, expect, it } from 'vitest';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { getFileById, getStorageUsage } from '../../shared/db/entities/file.ts';
import { testBucket } from '../support/s3.ts';

const QUOTA = 10_000;
const stack = useTestStack({ STORAGE_QUOTA_BYTES: String(QUOTA) });
const api = apiClient(() => stack.apiUrl);

/** A PDF of exactly `size` bytes. */
const pdfOf = (size: number) => Buffer.concat([fixtures.pdf(), Buffer.alloc(size - fixtures.pdf().length, 0x20)]);

function upload(actor: Actor, sizes: number[]) {
  const form = new FormData();
  form.append('category', 'task_attachment');
  sizes.forEach((size, i) => form.append('files', new File([new Uint8Array(pdfOf(size))], `part-${i}.pdf`, { type: 'application/pdf' })));
  return api.post('/files/upload', undefined, { token: actor.token, form });
}

const usageOf = (actor: Actor) => getStorageUsage(getDb(), actor.user.id);

async function objectsOf(actor: Actor): Promise<string[]> {
  const { s3, bucket } = testBucket();
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `uploads/${actor.user.id}/` }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

describe('POST /files/upload within the storage quota', () => {
  it('counts what a student stores, and refuses (413, naming the quota) the upload that would pass it, storing none of it', async () => {
    const student = await seedStudent();
    expect((await upload(student, [4000, 2000])).status).toBe(201);
    expect(await usageOf(student)).toEqual({ bytes: 6000, files: 2 });

    const refused = await upload(student, [3000, 1500]);

    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.stringContaining('quota'),
      details: { field: 'files', quotaBytes: QUOTA, usedBytes: 6000, requestedBytes: 4500 },
    });
    expect(await usageOf(student)).toEqual({ bytes: 6000, files: 2 });
    expect(await objectsOf(student)).toHaveLength(2);
  });

  it('gives the bytes of a deleted file back', async () => {
    const student = await seedStudent();
    const [big] = (await upload(student, [8000])).body.data;
    expect((await upload(student, [3000])).status).toBe(413);

    expect((await api.del(`/files/${big.id}`, undefined, { token: student.token })).status).toBe(200);

    expect(await usageOf(student)).toEqual({ bytes: 0, files: 0 });
    expect((await upload(student, [3000])).status).toBe(201);
  });

  it('lets concurrent uploads fill the quota but never pass it', async () => {
    const student = await seedStudent();

    const results = await Promise.all(Array.from({ length: 6 }, () => upload(student, [3000])));

    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 413, 413, 413]);
    expect(await usageOf(student)).toEqual({ bytes: 9000, files: 3 });
    expect(await objectsOf(student)).toHaveLength(3);
  });

  it('counts an admin’s files without limiting them (staff upload deliverables for every student)', async () => {
    const admin = await seedAdmin();
    expect((await upload(admin, [4000, 4000])).status).toBe(201);
    expect((await upload(admin, [4000])).status).toBe(201);
    expect(await usageOf(admin)).toEqual({ bytes: 12000, files: 3 });
  });
});

describe('direct uploads within the storage quota', () => {
  async function grant(actor: Actor, size: number) {
    return api.post('/files/upload-url', { name: 'big.pdf', type: 'application/pdf', size, category: 'task_attachment' }, { token: actor.token });
  }

  async function postToBucket(g: { upload: { url: string; fields: Record<string, string> } }, content: Buffer) {
    const form = new FormData();
    for (const [k, v] of Object.entries(g.upload.fields)) form.append(k, v);
    form.append('file', new Blob([new Uint8Array(content)]), 'big.pdf');
    expect((await fetch(g.upload.url, { method: 'POST', body: form })).status).toBeLessThan(300);
  }

  it('refuses the grant of a file that would not fit (before its bytes travel)', async () => {
    const student = await seedStudent();
    await upload(student, [7000]);

    const refused = await grant(student, 4000);

    expect(refused.status).toBe(413);
    expect(refused.body.error.details).toMatchObject({ field: 'size', quotaBytes: QUOTA, usedBytes: 7000, requestedBytes: 4000 });
  });

  it('refuses the confirm when the space was used meanwhile; the upload stays pending and confirms once space is freed', async () => {
    const student = await seedStudent();
    const g = (await grant(student, 6000)).body.data;
    await postToBucket(g, pdfOf(6000));
    const [other] = (await upload(student, [5000])).body.data;

    const refused = await api.post(`/files/${g.fileId}/confirm`, undefined, { token: student.token });

    expect(refused.status).toBe(413);
    expect(refused.body.error.details).toMatchObject({ field: 'fileId', quotaBytes: QUOTA, usedBytes: 5000, requestedBytes: 6000 });
    expect((await getFileById(getDb(), g.fileId))?.status).toBe('pending');
    expect(await usageOf(student)).toEqual({ bytes: 5000, files: 1 });

    await api.del(`/files/${other.id}`, undefined, { token: student.token });
    const confirmed = await api.post(`/files/${g.fileId}/confirm`, undefined, { token: student.token });
    expect(confirmed.status).toBe(200);
    expect(await usageOf(student)).toEqual({ bytes: 6000, files: 1 });
  });

  it('gives nothing back for a cancelled (pending) upload, which was never counted', async () => {
    const student = await seedStudent();
    await upload(student, [1000]);
    const g = (await grant(student, 2000)).body.data;

    expect((await api.del(`/files/${g.fileId}`, undefined, { token: student.token })).status).toBe(200);

    expect(await usageOf(student)).toEqual({ bytes: 1000, files: 1 });
  });
});
