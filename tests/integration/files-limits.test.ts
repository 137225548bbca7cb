// Size limits of the multipart path (per file and per request, set by the Lambda payload limit) and the
// spec's upload rate limit, with the default MAX_UPLOAD_BYTES.
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { MAX_UPLOAD_REQUEST_BYTES } from '../../shared/files/store.ts';

const UPLOADS_PER_MINUTE = 3;
const stack = useTestStack({ RATE_LIMIT_UPLOAD_PER_MINUTE: String(UPLOADS_PER_MINUTE) });
const api = apiClient(() => stack.apiUrl);

const MiB = 1024 * 1024;
const pdfOf = (size: number) => Buffer.concat([fixtures.pdf(), Buffer.alloc(size - fixtures.pdf().length, 0x20)]);

function form(files: { name: string; content: Buffer }[]): FormData {
  const f = new FormData();
  f.append('category', 'task_attachment');
  for (const file of files) f.append('files', new File([new Uint8Array(file.content)], file.name, { type: 'application/pdf' }));
  return f;
}

const upload = (actor: Actor, files: { name: string; content: Buffer }[]) => api.post('/files/upload', undefined, { token: actor.token, form: form(files) });

describe('POST /files/upload size limits (defaults)', () => {
  it('accepts a file of exactly 4 MiB, the default MAX_UPLOAD_BYTES', async () => {
    const student = await seedStudent();
    const res = await upload(student, [{ name: 'big.pdf', content: pdfOf(4 * MiB) }]);
    expect(res.status).toBe(201);
    expect(res.body.data[0].size).toBe(4 * MiB);
  });

  it('answers 413 for a file one byte over the limit', async () => {
    const student = await seedStudent();
    const res = await upload(student, [{ name: 'too-big.pdf', content: pdfOf(4 * MiB + 1) }]);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 413 when the files of one request together exceed what a Lambda payload can carry', async () => {
    const student = await seedStudent();
    const half = Math.ceil(MAX_UPLOAD_REQUEST_BYTES / 2) + 1;
    const res = await upload(student, [
      { name: 'a.pdf', content: pdfOf(half) },
      { name: 'b.pdf', content: pdfOf(half) },
    ]);
    expect(res.status).toBe(413);
    expect(res.body.error.message).toContain('/files/upload-url');
  });
});

describe('upload rate limit', () => {
  it(`answers 429 with Retry-After past ${UPLOADS_PER_MINUTE} upload requests a minute (multipart and upload-url count together)`, async () => {
    const student = await seedStudent();
    // Stay inside one fixed window: the counter resets on the minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 55_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));

    const statuses = [
      (await upload(student, [{ name: 'a.pdf', content: fixtures.pdf() }])).status,
      (await upload(student, [{ name: 'b.pdf', content: fixtures.pdf() }])).status,
      (await api.post('/files/upload-url', { name: 'c.pdf', type: 'application/pdf', size: 10, category: 'task_attachment' }, { token: student.token })).status,
    ];
    const limited = await upload(student, [{ name: 'd.pdf', content: fixtures.pdf() }]);

    expect(statuses).toEqual([201, 201, 201]);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('does not count reads against the upload limit', async () => {
    const student = await seedStudent();
    const res = await upload(student, [{ name: 'a.pdf', content: fixtures.pdf() }]);
    for (let i = 0; i < UPLOADS_PER_MINUTE + 1; i++) {
      expect((await api.get(`/files/${res.body.data[0].id}`, { token: student.token })).status).toBe(200);
    }
  });
});
