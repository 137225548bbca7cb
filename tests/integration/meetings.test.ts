// Meetings through the real gateway: booking (admins with any active student, students for themselves), the
// fields and computed instants, validation naming the field, who may read, move, cancel and join, the state
// machine (scheduled → completed | cancelled; moves stay scheduled), lists by start time with every filter, and
// overlapping bookings (one winner, 409 naming the conflict).
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { connectSocket } from '../support/ws.ts';

const stack = useTestStack({ MEETING_URL_TEMPLATE: 'https://meet.example.test/{meetingId}' });
const api = apiClient(() => stack.apiUrl);

/** A date `days` ahead (UTC), as YYYY-MM-DD. */
const dayAhead = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
let nextDay = 10;
/** A fresh day per test, so tests never overlap each other's meetings. */
const freshDay = () => dayAhead(nextDay++);

const body = (overrides: Record<string, unknown> = {}) => ({
  title: 'Project discussion',
  description: 'Requirements and timeline',
  date: freshDay(),
  time: '14:00',
  duration: 60,
  type: 'virtual',
  agenda: '1. Review\n2. Timeline',
  ...overrides,
});
const book = (actor: Actor, b: Record<string, unknown>) => api.post('/meetings', b, { token: actor.token });
async function booked(actor: Actor, b: Record<string, unknown>) {
  const res = await book(actor, b);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
const listIds = async (actor: Actor, query = '') => (await api.get(`/meetings?limit=100${query}`, { token: actor.token })).body.data.map((m: { id: string }) => m.id);

let admin: Actor;
beforeAll(async () => {
  admin = await seedAdmin();
});

describe('POST /meetings', () => {
  it('an admin books with a student: 201, the admin is the meeting admin, the start and end instants are computed, a virtual meeting gets a URL', async () => {
    const student = await seedStudent();
    const date = freshDay();

    const meeting = await booked(admin, body({ studentId: student.user.id, date, time: '14:00', duration: 90 }));

    expect(meeting).toMatchObject({
      id: expect.stringMatching(/^meet_/),
      studentId: student.user.id,
      adminId: admin.user.id,
      date,
      time: '14:00',
      timezone: 'UTC',
      duration: 90,
      startAt: `${date}T14:00:00.000Z`,
      endAt: `${date}T15:30:00.000Z`,
      status: 'scheduled',
      rescheduled: false,
      meetingUrl: `https://meet.example.test/${meeting.id}`,
    });
  });

  it('keeps the time zone and computes the UTC start from it', async () => {
    const student = await seedStudent();
    const meeting = await booked(student, body({ date: '2031-07-01', time: '09:30', timezone: 'America/New_York' }));
    expect(meeting).toMatchObject({ timezone: 'America/New_York', startAt: '2031-07-01T13:30:00.000Z' });
  });

  it('a student books for themself: no admin until one takes it, and every admin sees it', async () => {
    const student = await seedStudent();
    const meeting = await booked(student, body());
    expect(meeting).toMatchObject({ studentId: student.user.id, adminId: null });
    expect(await listIds(admin)).toContain(meeting.id);

    const taken = await api.put(`/meetings/${meeting.id}`, { adminId: admin.user.id }, { token: admin.token });
    expect(taken.status).toBe(200);
    expect(taken.body.data.adminId).toBe(admin.user.id);
  });

  it('refuses a student booking for another student (403) or choosing the admin (400)', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    expect((await book(student, body({ studentId: other.user.id }))).status).toBe(403);
    const res = await book(student, body({ adminId: admin.user.id }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('adminId');
  });

  it('an in-person meeting needs a location and gets no URL', async () => {
    const student = await seedStudent();
    const missing = await book(student, body({ type: 'in_person' }));
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.field).toBe('location');
    const meeting = await booked(student, body({ type: 'in_person', location: 'Room 204' }));
    expect(meeting).toMatchObject({ location: 'Room 204', meetingUrl: null });
  });

  it.each([
    ['date', { date: '2031-02-30' }],
    ['date', { date: '01/02/2031' }],
    ['date', { date: '2020-01-01' }],
    ['time', { time: '25:00' }],
    ['time', { time: '2pm' }],
    ['duration', { duration: 10 }],
    ['duration', { duration: 481 }],
    ['duration', { duration: 30.5 }],
    ['type', { type: 'phone' }],
    ['timezone', { timezone: 'Mars/Olympus' }],
    ['timezone', { timezone: 'not a zone' }],
    ['time', { date: '2031-03-09', time: '02:30', timezone: 'America/New_York' }],
    ['time', { date: '2031-11-02', time: '01:30', timezone: 'America/New_York' }],
    ['title', { title: '' }],
    ['meetingUrl', { meetingUrl: 'javascript:alert(1)' }],
  ])('refuses a bad %s with 400 VALIDATION_ERROR naming it (%j)', async (field, overrides) => {
    const student = await seedStudent();
    const res = await book(student, body(overrides));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it('an admin must name an active student', async () => {
    const res = await book(admin, body({ studentId: admin.user.id }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('studentId');
  });
});

describe('overlaps', () => {
  it('refuses a booking that overlaps a participant’s scheduled meeting with 409 naming it; back-to-back is fine', async () => {
    const student = await seedStudent();
    const date = freshDay();
    const first = await booked(student, body({ date, time: '10:00', duration: 60 }));

    const overlapping = await book(student, body({ date, time: '10:45', duration: 30 }));
    expect(overlapping.status).toBe(409);
    expect(overlapping.body.error.details).toMatchObject({ conflictingMeetingId: first.id, userId: student.user.id });
    expect(overlapping.body.error.message).toMatch(/already have a meeting/);

    expect((await book(student, body({ date, time: '11:00', duration: 30 }))).status).toBe(201);
  });

  it('the admin’s other meetings count too', async () => {
    const [a, b] = await Promise.all([seedStudent(), seedStudent()]);
    const host = await seedAdmin();
    const date = freshDay();
    await booked(host, body({ studentId: a.user.id, date, time: '09:00' }));
    const res = await book(host, body({ studentId: b.user.id, date, time: '09:30' }));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/You already have/);
  });

  it('of concurrent overlapping bookings exactly one wins', async () => {
    const student = await seedStudent();
    const date = freshDay();
    const results = await Promise.all(['13:00', '13:15', '13:30', '12:45', '13:00'].map((time) => book(student, body({ date, time, duration: 60 }))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(4);
  });

  it('a cancelled or moved meeting frees its time', async () => {
    const student = await seedStudent();
    const date = freshDay();
    const cancelled = await booked(student, body({ date, time: '08:00' }));
    const moved = await booked(student, body({ date, time: '16:00' }));
    expect((await api.del(`/meetings/${cancelled.id}`, { reason: 'ill' }, { token: student.token })).status).toBe(200);
    expect((await api.put(`/meetings/${moved.id}`, { time: '18:00' }, { token: student.token })).status).toBe(200);

    expect((await book(student, body({ date, time: '08:00' }))).status).toBe(201);
    expect((await book(student, body({ date, time: '16:00' }))).status).toBe(201);
    expect((await book(student, body({ date, time: '18:30' }))).status).toBe(409);
  });
});

describe('reading', () => {
  it('a student reads their own meeting with its history; another student gets 404', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const meeting = await booked(student, body());
    const own = await api.get(`/meetings/${meeting.id}`, { token: student.token });
    expect(own.status).toBe(200);
    expect(own.body.data.history).toEqual([expect.objectContaining({ action: 'scheduled', by: student.user.id })]);
    expect((await api.get(`/meetings/${meeting.id}`, { token: other.token })).status).toBe(404);
  });

  it('lists by start time, students their own and admins all, with status, type and date filters', async () => {
    const student = await seedStudent();
    const other = await seedStudent();
    const d1 = freshDay();
    const d2 = freshDay();
    const late = await booked(student, body({ date: d2, time: '09:00' }));
    const early = await booked(student, body({ date: d1, time: '09:00', type: 'in_person', location: 'Library' }));
    const gone = await booked(student, body({ date: d1, time: '15:00' }));
    await api.del(`/meetings/${gone.id}`, {}, { token: student.token });
    const others = await booked(other, body({ date: d1, time: '09:00' }));

    expect(await listIds(student)).toEqual([early.id, gone.id, late.id]);
    expect(await listIds(student, '&status=scheduled')).toEqual([early.id, late.id]);
    expect(await listIds(student, '&status=cancelled')).toEqual([gone.id]);
    expect(await listIds(student, '&type=in_person')).toEqual([early.id]);
    expect(await listIds(student, `&dateFrom=${d2}`)).toEqual([late.id]);
    expect(await listIds(student, `&dateTo=${d1}&status=scheduled&type=virtual`)).toEqual([]);
    expect(await listIds(admin, `&dateFrom=${d1}&dateTo=${d1}`)).toEqual(expect.arrayContaining([early.id, gone.id, others.id]));
    expect(await listIds(admin, `&dateFrom=${d1}&dateTo=${d1}`)).not.toContain(late.id);

    const page1 = await api.get(`/meetings?limit=2`, { token: student.token });
    const page2 = await api.get(`/meetings?limit=2&cursor=${page1.body.pagination.nextCursor}`, { token: student.token });
    expect([...page1.body.data, ...page2.body.data].map((m: { id: string }) => m.id)).toEqual([early.id, gone.id, late.id]);

    const inverted = await api.get(`/meetings?dateFrom=${d2}&dateTo=${d1}`, { token: student.token });
    expect(inverted.status).toBe(400);
    expect(inverted.body.error.details.field).toBe('dateTo');
  });
});

describe('moving, completing, cancelling', () => {
  it('a new date or time reschedules: the response and history say so, the meeting stays scheduled', async () => {
    const student = await seedStudent();
    const meeting = await booked(admin, body({ studentId: student.user.id }));
    const newDate = freshDay();

    const moved = await api.put(`/meetings/${meeting.id}`, { date: newDate, time: '16:15' }, { token: student.token });

    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({ status: 'scheduled', rescheduled: true, startAt: `${newDate}T16:15:00.000Z` });
    const detail = (await api.get(`/meetings/${meeting.id}`, { token: student.token })).body.data;
    expect(detail.history.map((h: { action: string }) => h.action)).toEqual(['scheduled', 'rescheduled']);
    expect(detail.history[1]).toMatchObject({ fromStartAt: meeting.startAt, toStartAt: `${newDate}T16:15:00.000Z` });
    expect(await listIds(student, '&status=scheduled')).toContain(meeting.id);
  });

  it('PUT status rescheduled moves it too; scheduled on a scheduled meeting changes nothing', async () => {
    const student = await seedStudent();
    const meeting = await booked(student, body());
    const res = await api.put(`/meetings/${meeting.id}/status`, { status: 'rescheduled', time: '17:00', reason: 'clash' }, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'scheduled', rescheduled: true, time: '17:00' });
    const same = await api.put(`/meetings/${meeting.id}/status`, { status: 'scheduled' }, { token: student.token });
    expect(same.body.data.status).toBe('scheduled');
    const noTime = await api.put(`/meetings/${meeting.id}/status`, { status: 'rescheduled' }, { token: student.token });
    expect(noTime.status).toBe(400);
  });

  it('an admin completes; a student may not (403); a completed meeting cannot be moved or cancelled (409)', async () => {
    const student = await seedStudent();
    const meeting = await booked(admin, body({ studentId: student.user.id }));
    expect((await api.put(`/meetings/${meeting.id}/status`, { status: 'completed' }, { token: student.token })).status).toBe(403);

    const done = await api.put(`/meetings/${meeting.id}/status`, { status: 'completed' }, { token: admin.token });
    expect(done.status).toBe(200);
    expect(done.body.data.status).toBe('completed');

    const move = await api.put(`/meetings/${meeting.id}`, { time: '10:00' }, { token: admin.token });
    expect(move.status).toBe(409);
    expect(move.body.error.details.currentStatus).toBe('completed');
    expect((await api.del(`/meetings/${meeting.id}`, { reason: 'x' }, { token: student.token })).status).toBe(409);
  });

  it('either participant cancels with a reason; the meeting stays readable and cannot be moved', async () => {
    const student = await seedStudent();
    const meeting = await booked(admin, body({ studentId: student.user.id }));
    const res = await api.del(`/meetings/${meeting.id}`, { reason: 'Exam clash' }, { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'cancelled', cancellationReason: 'Exam clash' });
    expect((await api.get(`/meetings/${meeting.id}`, { token: student.token })).body.data.status).toBe('cancelled');
    expect((await api.put(`/meetings/${meeting.id}`, { time: '09:00' }, { token: admin.token })).status).toBe(409);
    expect((await api.put(`/meetings/${meeting.id}/status`, { status: 'scheduled' }, { token: admin.token })).status).toBe(409);
  });

  it('another student can neither read, move, cancel nor join (404)', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const meeting = await booked(student, body());
    const calls = [
      api.get(`/meetings/${meeting.id}`, { token: other.token }),
      api.put(`/meetings/${meeting.id}`, { time: '09:00' }, { token: other.token }),
      api.put(`/meetings/${meeting.id}/status`, { status: 'cancelled' }, { token: other.token }),
      api.del(`/meetings/${meeting.id}`, { reason: 'x' }, { token: other.token }),
      api.post(`/meetings/${meeting.id}/join`, undefined, { token: other.token }),
    ];
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
    expect((await api.get(`/meetings/${meeting.id}`, { token: student.token })).body.data).toMatchObject({ status: 'scheduled', time: '14:00' });
  });

  it('a move into the past or onto a skipped local time is a VALIDATION_ERROR naming the field', async () => {
    const student = await seedStudent();
    const meeting = await booked(student, body());
    const past = await api.put(`/meetings/${meeting.id}`, { date: '2021-01-01' }, { token: student.token });
    expect(past.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'date' } });
    const skipped = await api.put(`/meetings/${meeting.id}`, { date: '2031-03-30', time: '02:15', timezone: 'Europe/Berlin' }, { token: student.token });
    expect(skipped.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'time' } });
  });
});

describe('POST /meetings/{id}/join', () => {
  it('returns the URL to the participants; another admin is refused (403); an in-person meeting has none (409)', async () => {
    const student = await seedStudent();
    const otherAdmin = await seedAdmin();
    const meeting = await booked(admin, body({ studentId: student.user.id, meetingUrl: 'https://zoom.example.test/j/1' }));

    const joined = await api.post(`/meetings/${meeting.id}/join`, undefined, { token: student.token });
    expect(joined.status).toBe(200);
    expect(joined.body.data).toMatchObject({ meetingId: meeting.id, meetingUrl: 'https://zoom.example.test/j/1' });
    expect((await api.post(`/meetings/${meeting.id}/join`, undefined, { token: admin.token })).status).toBe(200);
    expect((await api.post(`/meetings/${meeting.id}/join`, undefined, { token: otherAdmin.token })).status).toBe(403);

    const inPerson = await booked(student, body({ type: 'in_person', location: 'Room 1' }));
    const res = await api.post(`/meetings/${inPerson.id}/join`, undefined, { token: student.token });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/in-person/);
  });
});

describe('notices', () => {
  it('the other participant is told live when a meeting is booked, moved and cancelled', async () => {
    const student = await seedStudent();
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      const meeting = await booked(admin, body({ studentId: student.user.id }));
      expect((await socket.next((f) => f.type === 'notification.new' && f.data.data?.change === 'booked')).data).toMatchObject({ type: 'meeting', data: { meetingId: meeting.id } });
      await api.put(`/meetings/${meeting.id}`, { time: '15:30' }, { token: admin.token });
      await socket.next((f) => f.type === 'notification.new' && f.data.data?.change === 'moved');
      await api.del(`/meetings/${meeting.id}`, { reason: 'sorry' }, { token: admin.token });
      expect((await socket.next((f) => f.type === 'notification.new' && f.data.data?.change === 'cancelled')).data.message).toMatch(/sorry/);
    } finally {
      await socket.close();
    }
  });
});
