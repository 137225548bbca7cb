// Partnership requests through the real gateway: a student submits (identity from the account, at most five
// pending, referral codes that must exist and are counted for their owner), students read their own and
// admins all (status, urgency, search), an admin approves or rejects once, the owner cancels while pending.
import { beforeAll, describe, expect, it } from 'vitest';
import { countDbRequests } from '../support/request-cost.ts';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { connectSocket } from '../support/ws.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const validBody = (overrides: Record<string, unknown> = {}) => ({
  requestType: 'tutoring',
  subject: 'computer_science',
  description: 'Weekly sessions on algorithms',
  urgency: 'medium',
  preferredContactMethod: 'email',
  motivation: 'I want to get better at dynamic programming',
  ...overrides,
});

const submit = (actor: Actor, body: Record<string, unknown> = validBody()) => api.post('/partnership-requests', body, { token: actor.token });
async function submitted(actor: Actor, overrides: Record<string, unknown> = {}) {
  const res = await submit(actor, validBody(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
const review = (admin: Actor, id: string, body: Record<string, unknown>) => api.put(`/partnership-requests/${id}/status`, body, { token: admin.token });
const listIds = async (actor: Actor, query = '') => (await api.get(`/partnership-requests?limit=100${query}`, { token: actor.token })).body.data.map((r: { id: string }) => r.id);

let admin: Actor;
beforeAll(async () => {
  admin = await seedAdmin({ name: 'Dr. Ada Reviewer' });
});

describe('POST /partnership-requests', () => {
  it('answers 201 with the id, status pending and the submitted date, and shows every field back', async () => {
    const student = await seedStudent({ avatar: 'https://cdn.example.test/a.png' });

    const res = await submit(student, validBody({ school: 'MIT', year: '3', course: 'Computer Science', availabilitySchedule: 'Mon-Fri 9-5', experience: 'TA for CS101', socialMedia: '@me', additionalNotes: '' }));

    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      id: expect.stringMatching(/^preq_/),
      status: 'pending',
      submittedDate: expect.any(String),
      userId: student.user.id,
      userName: student.user.name,
      userEmail: student.user.email,
      userAvatar: 'https://cdn.example.test/a.png',
      school: 'MIT',
      year: '3',
      course: 'Computer Science',
      availabilitySchedule: 'Mon-Fri 9-5',
      experience: 'TA for CS101',
      socialMedia: '@me',
      additionalNotes: null,
      referralCode: null,
      reviewedBy: null,
      reviewedDate: null,
      rejectionReason: null,
    });
  });

  it('takes identity from the account, ignoring forged userId, userName, userEmail, userAvatar and status', async () => {
    const [student, victim] = await Promise.all([seedStudent(), seedStudent()]);

    const created = await submitted(student, { userId: victim.user.id, userName: 'Someone Else', userEmail: victim.user.email, userAvatar: 'https://evil.test/x.png', status: 'approved', reviewedBy: 'Me' });

    expect(created).toMatchObject({ userId: student.user.id, userName: student.user.name, userEmail: student.user.email, userAvatar: null, status: 'pending', reviewedBy: null });
    expect(await listIds(victim)).not.toContain(created.id);
  });

  it.each([
    ['requestType', { requestType: 'mentoring' }],
    ['urgency', { urgency: 'urgent' }],
    ['preferredContactMethod', { preferredContactMethod: 'fax' }],
    ['subject', { subject: '   ' }],
    ['description', { description: '' }],
    ['motivation', { motivation: undefined }],
    ['description', { description: 'x'.repeat(5001) }],
  ])('refuses a bad %s with 400 VALIDATION_ERROR naming it', async (field, overrides) => {
    const student = await seedStudent();
    const res = await submit(student, validBody(overrides));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it('refuses an admin (403)', async () => {
    const res = await submit(admin);
    expect(res.status).toBe(403);
  });

  it('allows five pending requests and refuses the sixth with 409; a decision frees a place', async () => {
    const student = await seedStudent();
    const five = await Promise.all(Array.from({ length: 5 }, () => submit(student)));
    expect(five.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);

    const sixth = await submit(student);
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.message).toMatch(/5 pending/);

    expect((await review(admin, five[0].body.data.id, { status: 'approved' })).status).toBe(200);
    expect((await submit(student)).status).toBe(201);
  });

  it('never lets racing submissions past five pending', async () => {
    const student = await seedStudent();
    const results = await Promise.all(Array.from({ length: 8 }, () => submit(student)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(3);
  });

  it('tells every active admin of the new request, live', async () => {
    const [student, listening] = await Promise.all([seedStudent({ name: 'Grace Student' }), seedAdmin()]);
    const socket = await connectSocket(stack.wsUrl, listening.token);
    try {
      const created = await submitted(student);
      const notice = await socket.next('notification.new');
      expect(notice.data).toMatchObject({ type: 'system', title: 'New partnership request', data: { partnershipRequestId: created.id } });
      expect(notice.data.message).toContain('Grace Student');
    } finally {
      await socket.close();
    }
  });
});

describe('referral codes', () => {
  it('stores an existing code, counts another user\'s code as their referral, and shows the counts on the profile', async () => {
    const [student, referrer] = await Promise.all([seedStudent(), seedStudent()]);

    const created = await submitted(student, { referralCode: referrer.user.referralCode.toLowerCase() });
    const profile = await api.get('/users/profile', { token: referrer.token });

    expect(created.referralCode).toBe(referrer.user.referralCode);
    expect(profile.body.data.referralStats).toEqual({ signups: 0, requests: 1 });
  });

  it('accepts the caller\'s own code without counting it as a referral', async () => {
    const student = await seedStudent();

    const created = await submitted(student, { referralCode: student.user.referralCode });
    const profile = await api.get('/users/profile', { token: student.token });

    expect(created.referralCode).toBe(student.user.referralCode);
    expect(profile.body.data.referralStats).toEqual({ signups: 0, requests: 0 });
  });

  it('refuses a code nobody owns with 400 naming referralCode, and writes nothing', async () => {
    const student = await seedStudent();
    const res = await submit(student, validBody({ referralCode: 'REFNOSUCHCODE' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('referralCode');
    expect(await listIds(student)).toEqual([]);
  });

  it('counts sign-ups with a code for its owner; an admin sees who referred a user and how many they referred', async () => {
    const referrer = await seedStudent();
    const signedUp = await api.post('/auth/register', { name: 'Referred Student', email: `referred-${Date.now()}@example.test`, password: 'Str0ng-password!', referralCode: referrer.user.referralCode });
    expect(signedUp.status).toBe(201);

    const referrerProfile = await api.get('/users/profile', { token: referrer.token });
    const referredDetail = await api.get(`/users/${signedUp.body.data.user.id}`, { token: admin.token });
    const referrerDetail = await api.get(`/users/${referrer.user.id}`, { token: admin.token });

    expect(referrerProfile.body.data.referralStats).toEqual({ signups: 1, requests: 0 });
    expect(referredDetail.body.data.referredBy).toEqual({ id: referrer.user.id, name: referrer.user.name });
    expect(referrerDetail.body.data.referralStats).toEqual({ signups: 1, requests: 0 });
    expect(referrerDetail.body.data.referredBy).toBeNull();
  });
});

describe('GET /partnership-requests', () => {
  it('lists a student\'s own requests only, and every request for admins, newest first', async () => {
    const [mine, theirs] = await Promise.all([seedStudent(), seedStudent()]);
    const first = await submitted(mine);
    const second = await submitted(mine);
    const other = await submitted(theirs);

    expect(await listIds(mine)).toEqual([second.id, first.id]);
    const all = await listIds(admin);
    expect(all).toEqual(expect.arrayContaining([first.id, second.id, other.id]));
    expect(all.indexOf(other.id)).toBeLessThan(all.indexOf(first.id));
  });

  it('filters by status, urgency and both, and searches name, e-mail, school, course and subject', async () => {
    const student = await seedStudent({ name: 'Zelda Searchable' });
    const high = await submitted(student, { urgency: 'high', school: 'Hyrule University', course: 'Ancient Runes', subject: 'archaeology' });
    const low = await submitted(student, { urgency: 'low' });
    await review(admin, low.id, { status: 'rejected', reason: 'Not now' });

    expect(await listIds(student, '&urgency=high')).toEqual([high.id]);
    expect(await listIds(student, '&status=rejected')).toEqual([low.id]);
    expect(await listIds(student, '&status=pending&urgency=low')).toEqual([]);
    expect(await listIds(student, '&status=rejected&urgency=low')).toEqual([low.id]);
    for (const term of ['zelda', 'HYRULE', 'runes', 'archaeo', student.user.email.slice(0, 12)]) {
      expect(await listIds(admin, `&search=${encodeURIComponent(term)}`), term).toContain(high.id);
    }
    expect(await listIds(admin, '&search=zelda&status=rejected')).toEqual([low.id]);
  });

  it('pages with a cursor and with page, reading each request once', async () => {
    const student = await seedStudent();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.unshift((await submitted(student)).id);

    const first = await api.get('/partnership-requests?limit=2', { token: student.token });
    const second = await api.get(`/partnership-requests?limit=2&cursor=${encodeURIComponent(first.body.pagination.nextCursor)}`, { token: student.token });
    const third = await api.get('/partnership-requests?limit=2&page=3', { token: student.token });

    expect(first.body.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(0, 2));
    expect(second.body.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(2, 4));
    expect(third.body.data.map((r: { id: string }) => r.id)).toEqual(ids.slice(4));
    expect(third.body.pagination.hasMore).toBe(false);
  });

  it('refuses an unknown status or urgency filter with 400 naming it', async () => {
    const student = await seedStudent();
    const res = await api.get('/partnership-requests?status=cancelled', { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('status');
  });
});

describe('GET /partnership-requests/{requestId}', () => {
  it('shows the request to its student and to admins, and is a 404 for another student', async () => {
    const [owner, stranger] = await Promise.all([seedStudent(), seedStudent()]);
    const created = await submitted(owner);

    expect((await api.get(`/partnership-requests/${created.id}`, { token: owner.token })).body.data).toEqual(created);
    expect((await api.get(`/partnership-requests/${created.id}`, { token: admin.token })).status).toBe(200);
    const other = await api.get(`/partnership-requests/${created.id}`, { token: stranger.token });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
  });
});

describe('PUT /partnership-requests/{requestId}/status', () => {
  it('approves with the reviewer and time from the server, ignoring forged review fields, and tells the student', async () => {
    const student = await seedStudent();
    const created = await submitted(student);
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      const res = await review(admin, created.id, { status: 'approved', assignedAdmin: admin.user.id, estimatedResponse: '24 hours', reviewedBy: 'Forged Name', reviewedDate: '2020-01-01T00:00:00Z' });

      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: created.id, status: 'approved', reviewedBy: 'Dr. Ada Reviewer', assignedAdmin: admin.user.id, estimatedResponse: '24 hours', rejectionReason: null });
      expect(Date.parse(res.body.data.reviewedDate)).toBeGreaterThan(Date.parse('2025-01-01'));
      const notice = await socket.next('notification.new');
      expect(notice.data).toMatchObject({ type: 'system', title: 'Partnership request approved', data: { partnershipRequestId: created.id, status: 'approved' } });
    } finally {
      await socket.close();
    }
  });

  it('needs a reason to reject (rejectionReason or reason), and shows it', async () => {
    const student = await seedStudent();
    const created = await submitted(student);

    const bare = await review(admin, created.id, { status: 'rejected' });
    const withReason = await review(admin, created.id, { status: 'rejected', reason: 'Insufficient motivation' });

    expect(bare.status).toBe(400);
    expect(bare.body.error.details.field).toBe('rejectionReason');
    expect(withReason.status).toBe(200);
    expect(withReason.body.data).toMatchObject({ status: 'rejected', rejectionReason: 'Insufficient motivation' });
  });

  it.each([['pending'], ['cancelled'], ['in_review']])('refuses status %s with 400 (only approved or rejected)', async (status) => {
    const student = await seedStudent();
    const created = await submitted(student);
    const res = await review(admin, created.id, { status });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('status');
  });

  it('refuses an assignedAdmin who is not an active admin', async () => {
    const student = await seedStudent();
    const created = await submitted(student);
    const res = await review(admin, created.id, { status: 'approved', assignedAdmin: student.user.id });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('assignedAdmin');
  });

  it('reviews once: a second review is a 409 naming the current status', async () => {
    const student = await seedStudent();
    const created = await submitted(student);
    await review(admin, created.id, { status: 'approved' });

    const again = await review(admin, created.id, { status: 'rejected', reason: 'changed my mind' });

    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', details: { currentStatus: 'approved' } });
  });

  it('gives racing admins exactly one winner', async () => {
    const [student, otherAdmin] = await Promise.all([seedStudent(), seedAdmin()]);
    const created = await submitted(student);

    const results = await Promise.all([
      review(admin, created.id, { status: 'approved' }),
      review(otherAdmin, created.id, { status: 'rejected', reason: 'No' }),
      review(admin, created.id, { status: 'rejected', reason: 'No' }),
      review(otherAdmin, created.id, { status: 'approved' }),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    const winner = results.find((r) => r.status === 200)!.body.data;
    expect((await api.get(`/partnership-requests/${created.id}`, { token: admin.token })).body.data.status).toBe(winner.status);
    expect(await listIds(student, `&status=${winner.status}`)).toEqual([created.id]);
    expect(await listIds(student, '&status=pending')).toEqual([]);
  });

  it('refuses a student (403)', async () => {
    const student = await seedStudent();
    const created = await submitted(student);
    const res = await review(student, created.id, { status: 'approved' });
    expect(res.status).toBe(403);
  });
});

describe('DELETE /partnership-requests/{requestId}', () => {
  it('cancels the owner\'s pending request: kept for the record, shown by no endpoint, referral counts stay', async () => {
    const [student, referrer] = await Promise.all([seedStudent(), seedStudent()]);
    const created = await submitted(student, { referralCode: referrer.user.referralCode });

    const cancelled = await api.del(`/partnership-requests/${created.id}`, undefined, { token: student.token });

    expect(cancelled.status).toBe(200);
    expect((await api.get(`/partnership-requests/${created.id}`, { token: student.token })).status).toBe(404);
    expect((await api.get(`/partnership-requests/${created.id}`, { token: admin.token })).status).toBe(404);
    expect(await listIds(student)).toEqual([]);
    expect(await listIds(admin, '&status=pending')).not.toContain(created.id);
    expect((await review(admin, created.id, { status: 'approved' })).status).toBe(404);
    expect((await api.get('/users/profile', { token: referrer.token })).body.data.referralStats.requests).toBe(1);
  });

  it('frees a pending place', async () => {
    const student = await seedStudent();
    const five = [];
    for (let i = 0; i < 5; i++) five.push(await submitted(student));
    await api.del(`/partnership-requests/${five[0].id}`, undefined, { token: student.token });
    expect((await submit(student)).status).toBe(201);
  });

  it('is a 404 for another student and a 409 once reviewed', async () => {
    const [owner, stranger] = await Promise.all([seedStudent(), seedStudent()]);
    const created = await submitted(owner);

    expect((await api.del(`/partnership-requests/${created.id}`, undefined, { token: stranger.token })).status).toBe(404);
    await review(admin, created.id, { status: 'approved' });
    const afterReview = await api.del(`/partnership-requests/${created.id}`, undefined, { token: owner.token });
    expect(afterReview.status).toBe(409);
    expect(afterReview.body.error.details.currentStatus).toBe('approved');
  });
});

describe('what a list page costs', () => {
  let student: Actor;
  beforeAll(async () => {
    // Enough requests in every combination that each list has more than a page, among many others.
    student = await seedStudent();
    const others = await Promise.all(Array.from({ length: 6 }, () => seedStudent()));
    for (const [i, who] of [student, ...others].entries()) {
      for (const urgency of ['low', 'high', 'low', 'high']) {
        const created = await submitted(who, { urgency });
        if (i % 2 === 0 && urgency === 'low') await review(admin, created.id, { status: 'rejected', reason: 'Not this term' });
      }
    }
  });

  const lists = [
    ["a student's own", () => student, ''],
    ["an admin's all", () => admin, ''],
    ['status=pending', () => admin, '&status=pending'],
    ['urgency=high', () => admin, '&urgency=high'],
    ['status=rejected&urgency=low', () => admin, '&status=rejected&urgency=low'],
  ] as const;
  it.each(lists)('a page of %s is one Query of limit+1 entries and one BatchGet of the requests (plus the rate-limit update)', async (_name, who, filter) => {
    const cost = countDbRequests();
    try {
      const res = await api.get(`/partnership-requests?limit=1${filter}`, { token: who().token });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
      expect(res.body.pagination.hasMore).toBe(true);
      expect(cost.counted).toEqual({ Update: 1, Query: 1, BatchGet: 1 });
      expect(cost.itemsRead()).toBe(2);
    } finally {
      cost.restore();
    }
  });
});

describe('a retried submission (Idempotency-Key)', () => {
  it('answers the first request again without a second request, and refuses the key with another body', async () => {
    const student = await seedStudent();
    const headers = { 'idempotency-key': `preq-${Date.now()}` };

    const first = await api.post('/partnership-requests', validBody(), { token: student.token, headers });
    const retry = await api.post('/partnership-requests', validBody(), { token: student.token, headers });
    const otherBody = await api.post('/partnership-requests', validBody({ urgency: 'high' }), { token: student.token, headers });

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.data).toEqual(first.body.data);
    expect(otherBody.status).toBe(409);
    expect(await listIds(student)).toEqual([first.body.data.id]);
  });
});
