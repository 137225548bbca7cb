// GET /reports/tasks through the gateway: the 302 to a presigned GET, the CSV read back with csv-parse (same
// rows as the tasks, formula cells neutralised, filters applied), the PDF rendered to PNG with pdftoppm, the
// row cap, and admin-only access.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { batchWrite } from '../../bin/bench/fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { toTaskItems, type Task, type TaskStatus } from '../../shared/db/entities/task.ts';
import { newId } from '../../shared/ids.ts';

const MAX_ROWS = 40;
const stack = useTestStack({ REPORT_MAX_ROWS: String(MAX_ROWS) });
const api = apiClient(() => stack.apiUrl);

const DAY_MS = 24 * 3600 * 1000;
const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();

let admin: Actor;
let student: Actor;
/** Every task of the table: what the API answered for created ones, the entity for seeded ones. */
const tasks: { id: string; title: string; status: TaskStatus; createdAt: string; budget: string }[] = [];

/** Tasks created long ago at fixed dates (the API stamps now), through the task entity's own items. */
async function seedOld(title: string, createdAt: string, status: TaskStatus) {
  const task: Task = {
    id: newId('task', new Date(createdAt)),
    studentId: student.user.id,
    title,
    type: 'essay',
    description: 'seeded',
    subject: 'history',
    academicLevel: 'undergraduate',
    pages: 2,
    dueDate: inDays(10),
    budgetCents: 12_345,
    priority: 'low',
    status,
    attachments: [],
    deliverableCount: 0,
    version: 1,
    createdAt,
    updatedAt: createdAt,
  };
  await batchWrite(getDb(), toTaskItems(task));
  tasks.push({ id: task.id, title, status, createdAt, budget: '123.45' });
}

beforeAll(async () => {
  admin = await seedAdmin();
  student = await seedStudent({ name: '=cmd|calc' });
  for (const title of ['=HYPERLINK("http://evil.test")', '+SUM(A1:A2)', '-2+3', '@SUM(A1)', 'Plain, "quoted" title']) {
    const res = await api.post(
      '/tasks',
      { title, type: 'essay', description: 'd', subject: 'history', academicLevel: 'undergraduate', pages: 1, deadline: inDays(20), budget: 50 },
      { token: student.token },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    tasks.push({ id: res.body.data.id, title, status: 'pending', createdAt: res.body.data.createdAt, budget: '50.00' });
  }
  await seedOld('\tTabbed title\nwith a line break', '2024-03-10T08:00:00.000Z', 'completed');
  await seedOld('March cancelled', '2024-03-20T08:00:00.000Z', 'cancelled');
  await seedOld('April completed', '2024-04-05T08:00:00.000Z', 'completed');
}, 60_000);

/** GET the report, check the redirect, follow it: the file's bytes and headers. */
async function report(query: string, actor = admin) {
  const res = await api.get(`/reports/tasks?${query}`, { token: actor.token });
  expect(res.status, JSON.stringify(res.body)).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.pathname).toMatch(/\/reports\/\d{4}-\d{2}-\d{2}\/rpt_[0-9A-Z]{26}\.(csv|pdf)$/);
  expect(Number(location.searchParams.get('X-Amz-Expires'))).toBe(300);
  const file = await fetch(location);
  expect(file.status).toBe(200);
  return { bytes: Buffer.from(await file.arrayBuffer()), headers: file.headers };
}

const csvRows = async (query: string) => {
  const { bytes, headers } = await report(`format=csv&${query}`);
  expect(headers.get('content-disposition')).toMatch(/^attachment; filename="gradhelper-tasks-\d{8}-\d{6}\.csv"/);
  expect(headers.get('content-type')).toMatch(/^text\/csv/);
  return parse(bytes, { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
};

describe('GET /reports/tasks?format=csv', () => {
  it('has one RFC 4180 row per task (cancelled included), oldest first, with the columns a manager needs', async () => {
    const { bytes } = await report('format=csv');
    expect(bytes.toString('utf8')).toContain('\r\n');
    const rows = parse(bytes, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([
      'id', 'title', 'student_name', 'student_email', 'student_id', 'status', 'type', 'subject', 'academic_level',
      'priority', 'created_at', 'due_date', 'updated_at', 'budget', 'assigned_admin_id',
    ]);
    const expected = [...tasks].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(rows.map((r) => r.id)).toEqual(expected.map((t) => t.id));
    for (const [i, row] of rows.entries()) {
      expect(row.status).toBe(expected[i].status);
      expect(row.created_at).toBe(expected[i].createdAt);
      expect(row.budget).toBe(expected[i].budget);
      expect(row.student_id).toBe(student.user.id);
      expect(row.student_email).toBe(student.user.email);
    }
  });

  it('neutralises every cell a spreadsheet would run as a formula, and keeps commas, quotes and line breaks intact', async () => {
    const rows = await csvRows('');
    const titleOf = (id: string) => rows.find((r) => r.id === id)!.title;
    for (const t of tasks) {
      const formula = /^[=+\-@\t\r]/.test(t.title);
      expect(titleOf(t.id)).toBe(formula ? `'${t.title}` : t.title);
    }
    expect(rows.every((r) => r.student_name === "'=cmd|calc")).toBe(true);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('applies status and the creation date range (date-only bounds include their whole day)', async () => {
    expect((await csvRows('status=completed')).map((r) => r.title)).toEqual(["'\tTabbed title\nwith a line break", 'April completed']);
    expect((await csvRows('dateFrom=2024-03-01&dateTo=2024-03-31')).map((r) => r.title)).toEqual(["'\tTabbed title\nwith a line break", 'March cancelled']);
    expect((await csvRows('dateFrom=2024-03-20&dateTo=2024-04-05&status=completed')).map((r) => r.title)).toEqual(['April completed']);
    expect((await csvRows('status=cancelled')).map((r) => r.title)).toEqual(['March cancelled']);
    expect((await csvRows('dateFrom=2023-01-01&dateTo=2023-12-31')).length).toBe(0);
    const recent = await csvRows(`dateFrom=${new Date(Date.now() - DAY_MS).toISOString().slice(0, 10)}&status=pending`);
    expect(recent.length).toBe(5);
  });
});

describe('GET /reports/tasks?format=pdf', () => {
  it('renders a PDF whose first page is not blank', async () => {
    const { bytes, headers } = await report('format=pdf');
    expect(headers.get('content-type')).toBe('application/pdf');
    expect(headers.get('content-disposition')).toMatch(/filename="gradhelper-tasks-\d{8}-\d{6}\.pdf"/);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = mkdtempSync(join(tmpdir(), 'report-pdf-'));
    writeFileSync(join(dir, 'r.pdf'), bytes);
    execFileSync('pdftoppm', ['-png', '-r', '30', '-f', '1', '-l', '1', join(dir, 'r.pdf'), join(dir, 'page')]);
    const png = readdirSync(dir).find((f) => f.endsWith('.png'))!;
    const { nonWhite, total } = pngInk(readFileSync(join(dir, png)));
    // Title, charts and table ink a good part of the page; a blank page has none.
    expect(nonWhite / total).toBeGreaterThan(0.02);
  });
});

describe('GET /reports/tasks limits and access', () => {
  it('refuses a report of more than REPORT_MAX_ROWS rows with a VALIDATION_ERROR asking for a narrower range', async () => {
    const many = Array.from({ length: MAX_ROWS }, (_, i) => i);
    for (const i of many) await seedOld(`Bulk ${i}`, `2022-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:${String(i % 60).padStart(2, '0')}.000Z`, 'pending');
    const res = await api.get('/reports/tasks?format=csv', { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.message).toMatch(/narrow/i);
    // A narrower range is fine; exactly the cap too, and its PDF table runs across pages with every row.
    expect((await csvRows('dateFrom=2022-01-01&dateTo=2022-01-10')).length).toBeGreaterThan(0);
    const { bytes } = await report('format=pdf&dateFrom=2022-01-01&dateTo=2022-01-31');
    const dir = mkdtempSync(join(tmpdir(), 'report-pages-'));
    writeFileSync(join(dir, 'r.pdf'), bytes);
    expect(Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [join(dir, 'r.pdf')], { encoding: 'utf8' }))![1])).toBeGreaterThanOrEqual(2);
    const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
    for (const i of many) expect(text).toContain(`Bulk ${i}`);
  });

  it('is for admins only', async () => {
    expect((await api.get('/reports/tasks?format=csv', { token: student.token })).status).toBe(403);
    expect((await api.get('/reports/tasks?format=csv')).status).toBe(401);
  });

  it('validates format, status and the range', async () => {
    for (const q of ['format=xlsx', 'status=unknown', 'dateFrom=2024-05-01&dateTo=2024-04-01', 'dateFrom=yesterday']) {
      const res = await api.get(`/reports/tasks?${q}`, { token: admin.token });
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });
});

/** Share of non-white pixels of an 8-bit RGB/RGBA/gray PNG (pdftoppm's output), decoded with zlib. */
function pngInk(png: Buffer): { nonWhite: number; total: number } {
  let offset = 8;
  let width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('latin1');
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      colorType = data[9];
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const line = Buffer.alloc(stride);
  let nonWhite = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      line[i] = (src[i] + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const px = line.subarray(x * channels, x * channels + Math.min(channels, 3));
      if (px.some((v) => v < 245)) nonWhite++;
    }
    line.copy(prev);
  }
  return { nonWhite, total: width * height };
}
