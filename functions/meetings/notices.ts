// Who hears of a meeting: the other participants when it is booked, moved or cancelled, and every participant at
// each reminder. A meeting without an admin has every active admin as a participant. Notices go through notify()
// (stored, pushed as notification.new, e-mailed as the preferences allow) after the change committed; a failed
// notice is logged and never undoes the change.
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { listActiveAdminIds } from '#shared/db/entities/user.ts';
import type { Meeting } from '#shared/db/entities/meeting.ts';
import type { NotifyInput } from '#shared/notify/notify.ts';
import type { MeetingChange } from './meetings.ts';

export interface MeetingNoticeDeps {
  db: Db;
  notify(input: NotifyInput): Promise<unknown>;
  log: Logger;
}


/** The student and the admin, or every active admin while the meeting has none. */
export async function participantsOf(db: Db, m: Pick<Meeting, 'studentId' | 'adminId'>): Promise<string[]> {
  return [m.studentId, ...(m.adminId ? [m.adminId] : await listActiveAdminIds(db))];
}

export async function sendAll(deps: Pick<MeetingNoticeDeps, 'notify' | 'log'>, notices: NotifyInput[], what: string): Promise<void> {
  const failed = (await Promise.allSettled(notices.map((n) => deps.notify(n)))).filter((r) => r.status === 'rejected');
  if (failed.length) deps.log.error(`${failed.length} of ${notices.length} meeting ${what} notices failed`, { error: (failed[0] as PromiseRejectedResult).reason });
}

const when = (m: Meeting) => `${m.date} at ${m.time} (${m.timezone})`;

/** Tells the participants other than `actorId` that the meeting was booked, moved or cancelled. */
export async function announceMeetingChange(deps: MeetingNoticeDeps, actorId: string, change: MeetingChange, kind: 'booked' | 'moved' | 'cancelled'): Promise<void> {
  const m = change.meeting;
  const recipients = (await participantsOf(deps.db, m)).filter((id) => id !== actorId);
  const text = {
    booked: { title: 'New meeting', message: `"${m.title}" is booked for ${when(m)}, ${m.duration} minutes.` },
    moved: { title: 'Meeting rescheduled', message: `"${m.title}" moved to ${when(m)}${change.previous ? ` (was ${when(change.previous)})` : ''}.` },
    cancelled: { title: 'Meeting cancelled', message: `"${m.title}" on ${when(m)} was cancelled.${m.cancellationReason ? ` Reason: ${m.cancellationReason}` : ''}` },
  }[kind];
  await sendAll(
    deps,
    recipients.map((userId) => ({ userId, type: 'meeting' as const, ...text, data: { meetingId: m.id, change: kind, startAt: m.startAt }, link: `/meetings/${m.id}` })),
    kind,
  );
}
