// Meeting reminders end to end: booking creates one-time schedules in the local EventBridge Scheduler emulator,
// which invokes the reminders function when they are due; connected participants get `meeting.reminder`, a
// notification of type meeting and an e-mail. A cancelled meeting sends none, a moved one reminds at its new time
// only, a reminder invoked twice is sent once, the end schedule completes the meeting, and reconcile repairs a
// schedule a failed Scheduler call left missing.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetScheduleCommand, SchedulerClient, ServiceQuotaExceededException } from '@aws-sdk/client-scheduler';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { connectSocket, type TestSocket } from '../support/ws.ts';
import { mailsTo } from '../support/mail.ts';
import { handler as reminders } from '../../functions/reminders/handler.ts';
import { endScheduleName, reminderScheduleName } from '../../functions/meetings/schedules.ts';

// Times are whole minutes (the spec's `time` is HH:MM): the first meetings start at the first whole minute at
// least 70 s away, and the offsets are chosen so their two reminders fire 35 s and 45 s after this file loads.
const loadedAt = Date.now();
const start = new Date(Math.ceil((loadedAt + 70_000) / 60_000) * 60_000);
const FIRST_FIRES_AT = loadedAt + 35_000;
const offsets = [Math.round((start.getTime() - FIRST_FIRES_AT) / 1000), Math.round((start.getTime() - FIRST_FIRES_AT) / 1000) - 10];

const stack = useTestStack({ MEETING_REMINDER_OFFSETS: `24h,${offsets[0]}s,${offsets[1]}s` });
const api = apiClient(() => stack.apiUrl);
const schedulerClient = () => new SchedulerClient({ endpoint: stack.gatewayUrl, region: 'us-east-1' });
const scheduleExists = async (name: string) => {
  try {
    await schedulerClient().send(new GetScheduleCommand({ Name: name, GroupName: 'gradhelper-local' }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
};

const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const timeOf = (d: Date) => d.toISOString().slice(11, 16);
const at = (d: Date, overrides: Record<string, unknown> = {}) => ({ title: 'Thesis check-in', date: dateOf(d), time: timeOf(d), duration: 15, type: 'virtual', ...overrides });
async function booked(actor: Actor, body: Record<string, unknown>) {
  const res = await api.post('/meetings', body, { token: actor.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
/** A whole minute days ahead, different for each call, so meetings of this file never overlap. */
let nextSlot = 0;
const future = () => new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 60_000) * 60_000 + nextSlot++ * 60 * 60_000);
const reminderFrames = (socket: TestSocket) => socket.frames.filter((f) => f.type === 'meeting.reminder');

let admin: Actor;
beforeAll(async () => {
  admin = await seedAdmin();
});

describe('reminders through the Scheduler emulator', () => {
  it('a connected student gets exactly one meeting.reminder per offset; a cancelled meeting sends none; a moved one reminds at its new time only', async () => {
    const [kept, cancelled, moved] = await Promise.all([seedStudent(), seedStudent(), seedStudent()]);
    const sockets = await Promise.all([kept, cancelled, moved].map((s) => connectSocket(stack.wsUrl, s.token)));
    try {
      const keptMeeting = await booked(admin, at(start, { studentId: kept.user.id }));
      const cancelledMeeting = await booked(cancelled, at(start));
      const later = new Date(start.getTime() + 30 * 60_000);
      const movedMeeting = await booked(moved, at(later));
      expect(await scheduleExists(reminderScheduleName(movedMeeting, offsets[0]))).toBe(true);
      // The 24h offset was already past at booking: no schedule for it.
      expect(await scheduleExists(reminderScheduleName(keptMeeting, 86_400))).toBe(false);

      expect((await api.del(`/meetings/${cancelledMeeting.id}`, { reason: 'no longer needed' }, { token: cancelled.token })).status).toBe(200);
      // Date and time: `later` is 30 minutes on, which is the next day when this runs after 23:30 UTC.
      expect((await api.put(`/meetings/${movedMeeting.id}`, { date: dateOf(start), time: timeOf(start) }, { token: moved.token })).status).toBe(200);
      expect(await scheduleExists(reminderScheduleName(cancelledMeeting, offsets[0]))).toBe(false);
      expect(await scheduleExists(reminderScheduleName(movedMeeting, offsets[0]))).toBe(false);
      expect(await scheduleExists(endScheduleName(movedMeeting))).toBe(false);

      await sockets[0].next((f) => f.type === 'meeting.reminder' && f.data.offsetSeconds === offsets[1], 60_000);
      await sockets[2].next((f) => f.type === 'meeting.reminder' && f.data.offsetSeconds === offsets[1], 10_000);
      // Anything late or doubled would arrive within a couple of emulator ticks.
      await new Promise((r) => setTimeout(r, 3_000));

      expect(reminderFrames(sockets[0]).map((f) => f.data)).toEqual([
        expect.objectContaining({ meetingId: keptMeeting.id, offsetSeconds: offsets[0], startAt: start.toISOString() }),
        expect.objectContaining({ meetingId: keptMeeting.id, offsetSeconds: offsets[1], startAt: start.toISOString() }),
      ]);
      expect(reminderFrames(sockets[1])).toEqual([]);
      expect(reminderFrames(sockets[2]).map((f) => [f.data.meetingId, f.data.startAt, f.data.offsetSeconds])).toEqual([
        [movedMeeting.id, start.toISOString(), offsets[0]],
        [movedMeeting.id, start.toISOString(), offsets[1]],
      ]);

      const notifications = (await api.get('/notifications?type=meeting', { token: kept.token })).body.data;
      expect(notifications.filter((n: { data: { reminder?: boolean } }) => n.data?.reminder)).toHaveLength(2);
      expect((await mailsTo(stack, kept.user.email)).filter((m) => m.subject.startsWith('Meeting in'))).toHaveLength(2);
      const adminNotices = (await api.get('/notifications?type=meeting&limit=100', { token: admin.token })).body.data;
      expect(adminNotices.filter((n: { data: { meetingId: string; reminder?: boolean } }) => n.data?.reminder && n.data.meetingId === keptMeeting.id)).toHaveLength(2);
    } finally {
      await Promise.all(sockets.map((s) => s.close()));
    }
  }, 90_000);
});

describe('the reminders function', () => {
  it('sends a reminder once even when invoked twice, and ignores one whose meeting moved', async () => {
    const student = await seedStudent();
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      const meeting = await booked(student, at(future()));
      const payload = { kind: 'meeting.reminder' as const, meetingId: meeting.id, startAt: meeting.startAt, offsetSeconds: offsets[0] };

      const outcomes = await Promise.all([reminders(payload), reminders(payload)]);

      expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'sent']);
      await socket.next('meeting.reminder');
      expect(await socket.receives('meeting.reminder', 500)).toBe(false);

      await api.put(`/meetings/${meeting.id}`, { date: dateOf(new Date(Date.parse(meeting.startAt) + 86_400_000)) }, { token: student.token });
      expect(await reminders({ ...payload, offsetSeconds: offsets[1] })).toEqual({ outcome: 'stale' });
    } finally {
      await socket.close();
    }
  });

  it('completes a meeting at its end (the system, in the history); a cancelled one stays cancelled', async () => {
    const student = await seedStudent();
    const meeting = await booked(admin, at(future(), { studentId: student.user.id }));
    const cancelled = await booked(student, at(future()));
    await api.del(`/meetings/${cancelled.id}`, {}, { token: student.token });

    expect(await reminders({ kind: 'meeting.end', meetingId: meeting.id, endAt: meeting.endAt })).toEqual({ outcome: 'completed' });
    expect(await reminders({ kind: 'meeting.end', meetingId: cancelled.id, endAt: cancelled.endAt })).toEqual({ outcome: 'stale' });

    const detail = (await api.get(`/meetings/${meeting.id}`, { token: student.token })).body.data;
    expect(detail.status).toBe('completed');
    expect(detail.history.at(-1)).toMatchObject({ action: 'completed', by: 'system' });
    expect((await api.get(`/meetings/${cancelled.id}`, { token: student.token })).body.data.status).toBe('cancelled');
  });
});

describe('reconcile', () => {
  let schedulerMock: ReturnType<typeof mockClient> | undefined;
  afterEach(() => schedulerMock?.restore());

  it('creates the schedules a failed Scheduler call left missing; the booking itself succeeded', async () => {
    const student = await seedStudent();
    // The emulator never fails: a throttled Scheduler is simulated for the booking's calls only.
    schedulerMock = mockClient(SchedulerClient);
    schedulerMock.onAnyCommand().rejects(new ServiceQuotaExceededException({ message: 'throttled', Message: 'throttled', $metadata: {} }));
    const meeting = await booked(student, at(future()));
    schedulerMock.restore();
    schedulerMock = undefined;
    expect(await scheduleExists(endScheduleName(meeting))).toBe(false);

    const result = await reminders({ kind: 'meeting.reconcile', minAgeSeconds: 0 });

    expect(result).toMatchObject({ synced: expect.any(Number), failed: 0 });
    expect(await scheduleExists(endScheduleName(meeting))).toBe(true);
    expect(await scheduleExists(reminderScheduleName(meeting, offsets[0]))).toBe(true);
    expect(await scheduleExists(reminderScheduleName(meeting, 86_400))).toBe(true);
    // Synced meetings leave the to-do list.
    expect(await reminders({ kind: 'meeting.reconcile', minAgeSeconds: 0 })).toMatchObject({ checked: 0 });
  });
});
