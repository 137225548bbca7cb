import { meetingsRoutes } from '#shared/contract/meetings.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import {
  cancelMeeting,
  changeMeetingStatus,
  createMeeting,
  joinMeeting,
  listMeetings,
  loadMeetingFor,
  meetingView,
  updateMeeting,
  type MeetingChange,
} from './meetings.ts';
import { releaseSlots } from './slots.ts';
import { syncMeetingSchedules } from './schedules.ts';
import { announceMeetingChange } from './notices.ts';
import { meetingSettings, noticeDeps, scheduleDeps } from './deps.ts';

/** After a commit: stale slots go, the schedules follow the meeting, the other participants hear of it. */
async function afterCommit(log: Logger, actorId: string, change: MeetingChange, kind?: 'booked' | 'moved' | 'cancelled') {
  const db = getDb();
  const timesChanged = !change.previous || change.previous.startAt !== change.meeting.startAt || change.previous.endAt !== change.meeting.endAt || change.meeting.status !== 'scheduled';
  await Promise.all([
    change.previous ? releaseSlots(db, log, change.previous, change.meeting) : Promise.resolve(),
    timesChanged ? syncMeetingSchedules(scheduleDeps(log), change.meeting, change.obsoleteSchedules) : Promise.resolve(),
    kind ? announceMeetingChange(noticeDeps(log), actorId, change, kind) : Promise.resolve(),
  ]);
}

export const handler = createHttpHandler(meetingsRoutes, {
  createMeeting: {
    run: async ({ auth, body, request, log }) => {
      const change = await createMeeting(getDb(), meetingSettings(), auth, body, request.now);
      await afterCommit(log, auth.id, change, 'booked');
      return reply.created(meetingView(change.meeting, []));
    },
    // A retry with the same Idempotency-Key answers the meeting as it is now, without booking it twice.
    replay: async ({ auth, resourceIds: [meetingId] }) => {
      const { meeting, history } = await loadMeetingFor(getDb(), auth, meetingId);
      return meetingView(meeting, history);
    },
  },
  listMeetings: async ({ auth, query }) => {
    const page = await listMeetings(getDb(), auth, query);
    return reply.page(page.items.map((m) => meetingView(m)), paginationOf(page, query));
  },
  getMeeting: async ({ auth, params }) => {
    const { meeting, history } = await loadMeetingFor(getDb(), auth, params.meetingId);
    return meetingView(meeting, history);
  },
  updateMeeting: async ({ auth, params, body, request, log }) => {
    const change = await updateMeeting(getDb(), meetingSettings(), auth, params.meetingId, body, request.now);
    await afterCommit(log, auth.id, change, change.moved ? 'moved' : undefined);
    return meetingView(change.meeting);
  },
  changeMeetingStatus: async ({ auth, params, body, request, log }) => {
    const change = await changeMeetingStatus(getDb(), meetingSettings(), auth, params.meetingId, body, request.now);
    if ('unchanged' in change) return meetingView(change.meeting);
    const kind = change.meeting.status === 'cancelled' ? 'cancelled' : change.moved ? 'moved' : undefined;
    await afterCommit(log, auth.id, change, kind);
    return meetingView(change.meeting);
  },
  cancelMeeting: async ({ auth, params, body, request, log }) => {
    const change = await cancelMeeting(getDb(), meetingSettings(), auth, params.meetingId, body.reason, request.now);
    await afterCommit(log, auth.id, change, 'cancelled');
    return meetingView(change.meeting);
  },
  joinMeeting: async ({ auth, params }) => joinMeeting(getDb(), auth, params.meetingId),
});
