// What the meeting schedules do when they fire (run by the reminders function). A schedule carries the start
// (or end) it was made for; the meeting is re-read and the schedule acts only if the meeting is still scheduled
// for that instant, so a moved or cancelled meeting's leftover schedules do nothing. Each reminder is claimed
// with a conditional Put before anything is sent, so a second invocation (Scheduler and Lambda both retry) sends
// nothing: at most once, never twice.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { isConditionFailed } from '#shared/db/errors.ts';
import { getMeeting, meetingKeys } from '#shared/db/entities/meeting.ts';
import type { NotifyInput } from '#shared/notify/notify.ts';
import { Events, type EventData } from '#shared/realtime/events.ts';
import { AppError } from '#shared/errors.ts';
import { closeMeeting, type MeetingChange, type MeetingSettings } from './meetings.ts';
import { participantsOf, sendAll } from './notices.ts';
import type { MeetingEndPayload, ReminderPayload } from './schedules.ts';

export interface ReminderDeps {
  db: Db;
  settings: MeetingSettings;
  notify(input: NotifyInput): Promise<unknown>;
  pushToUsers(userIds: string[], event: ReturnType<typeof Events.MeetingReminder>): Promise<unknown>;
  now: () => Date;
  log: Logger;
}

/** Claims are kept a month past the start, then TTL removes them. */
const CLAIM_RETENTION_SECONDS = 30 * 86_400;

const inWords = (seconds: number) =>
  seconds % 86_400 === 0 ? `${seconds / 86_400} day${seconds === 86_400 ? '' : 's'}` : seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}` : seconds >= 60 ? `${Math.round(seconds / 60)} minutes` : `${seconds} seconds`;

export type ReminderOutcome = 'sent' | 'stale' | 'duplicate' | 'late';

export async function sendMeetingReminder(deps: ReminderDeps, payload: ReminderPayload): Promise<ReminderOutcome> {
  const meeting = await getMeeting(deps.db, payload.meetingId);
  if (!meeting || meeting.status !== 'scheduled' || meeting.startAt !== payload.startAt) return 'stale';
  const now = deps.now();
  if (now.getTime() >= Date.parse(meeting.startAt)) return 'late';
  try {
    await deps.db.doc.send(
      new PutCommand({
        TableName: deps.db.tableName,
        Item: {
          ...meetingKeys.reminderClaim(meeting.id, meeting.startAt, payload.offsetSeconds),
          entity: 'meeting_reminder',
          sentAt: now.toISOString(),
          expiresAt: Math.floor(Date.parse(meeting.startAt) / 1000) + CLAIM_RETENTION_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) return 'duplicate';
    throw err;
  }
  const participants = await participantsOf(deps.db, meeting);
  const data: EventData<'meeting.reminder'> = {
    meetingId: meeting.id,
    title: meeting.title,
    startAt: meeting.startAt,
    endAt: meeting.endAt,
    type: meeting.type,
    offsetSeconds: payload.offsetSeconds,
  };
  await Promise.all([
    deps.pushToUsers(participants, Events.MeetingReminder(data)).catch((error) => deps.log.warn('meeting reminder push failed', { meetingId: meeting.id, error })),
    sendAll(
      deps,
      participants.map((userId) => ({
        userId,
        type: 'meeting' as const,
        title: `Meeting in ${inWords(payload.offsetSeconds)}`,
        message: `"${meeting.title}" starts ${meeting.date} at ${meeting.time} (${meeting.timezone})${meeting.type === 'in_person' && meeting.location ? ` in ${meeting.location}` : ''}.`,
        data: { meetingId: meeting.id, startAt: meeting.startAt, reminder: true },
        link: `/meetings/${meeting.id}`,
      })),
      'reminder',
    ),
  ]);
  return 'sent';
}

/** The end-of-meeting schedule: a meeting still scheduled for that end is completed by the system. */
export async function completeEndedMeeting(deps: Pick<ReminderDeps, 'db' | 'settings' | 'now'>, payload: MeetingEndPayload): Promise<MeetingChange | undefined> {
  const meeting = await getMeeting(deps.db, payload.meetingId);
  if (!meeting || meeting.status !== 'scheduled' || meeting.endAt !== payload.endAt) return undefined;
  try {
    return await closeMeeting(deps.db, deps.settings, { id: 'system', role: 'system' }, meeting, 'completed', undefined, deps.now());
  } catch (err) {
    // Cancelled or moved in the meantime: nothing to complete.
    if (err instanceof AppError && err.code === 'CONFLICT') return undefined;
    throw err;
  }
}
