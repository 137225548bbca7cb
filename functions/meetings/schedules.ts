// A meeting's schedules: one per reminder offset (`MEETING_REMINDER_OFFSETS`, skipping offsets already past) and
// one at its end (the system completes it), each named from the meeting, the offset and the instant, so a moved
// meeting's schedules have new names and stale ones can never be mistaken for current ones. They are created and
// deleted after the meeting's write commits; the `MEETSYNC` marker written in that transaction stays until they
// match, and `reconcileMeetingSchedules` repairs whatever a failed call left behind.
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { getMeeting, meetingKeys, type Meeting } from '#shared/db/entities/meeting.ts';
import { deleteOneTimeSchedule, putOneTimeSchedule, schedulesConfigured, type OneTimeSchedule } from '#shared/schedules/one-time.ts';
import { getConfig } from '#shared/config.ts';

/** The Scheduler calls this domain makes (shared/schedules/one-time.ts, or a test double for failures). */
export interface Schedules {
  /** Creates the schedule, or moves one of that name. */
  put(schedule: OneTimeSchedule): Promise<void>;
  /** Deletes it; a missing one is fine. */
  delete(name: string): Promise<void>;
}

/** The configured Scheduler, or undefined when this deployment has no schedule group or reminders function. */
export function configuredSchedules(ownArn?: string): Schedules | undefined {
  if (!schedulesConfigured() || !(getConfig().REMINDERS_FUNCTION_ARN ?? ownArn)) return undefined;
  return { put: putOneTimeSchedule, delete: deleteOneTimeSchedule };
}

/** What a reminder schedule hands the reminders function. */
export interface ReminderPayload {
  kind: 'meeting.reminder';
  meetingId: string;
  startAt: string;
  offsetSeconds: number;
}
/** What the end-of-meeting schedule hands it. */
export interface MeetingEndPayload {
  kind: 'meeting.end';
  meetingId: string;
  endAt: string;
}
export type MeetingSchedulePayload = ReminderPayload | MeetingEndPayload;

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export const reminderScheduleName = (m: Pick<Meeting, 'id' | 'startAt'>, offsetSeconds: number) => `${m.id}-r${offsetSeconds}-${epoch(m.startAt)}`;
export const endScheduleName = (m: Pick<Meeting, 'id' | 'endAt'>) => `${m.id}-end-${epoch(m.endAt)}`;

/** Every schedule name the meeting at this start and end may have (whether or not its offsets were past). */
export function scheduleNamesOf(m: Pick<Meeting, 'id' | 'startAt' | 'endAt'>, offsets: number[]): string[] {
  return [...offsets.map((o) => reminderScheduleName(m, o)), endScheduleName(m)];
}

/** The schedules a meeting should have now: none unless scheduled; reminders whose time is still ahead; its end. */
export function desiredSchedules(m: Meeting, offsets: number[], now: Date, targetArn: string): OneTimeSchedule[] {
  if (m.status !== 'scheduled') return [];
  const start = Date.parse(m.startAt);
  const reminders = offsets
    .filter((o) => start - o * 1000 > now.getTime() + 1000)
    .map((offsetSeconds) => ({
      name: reminderScheduleName(m, offsetSeconds),
      targetArn,
      description: `Reminder ${offsetSeconds}s before meeting ${m.id}`,
      at: new Date(start - offsetSeconds * 1000),
      input: { kind: 'meeting.reminder', meetingId: m.id, startAt: m.startAt, offsetSeconds } satisfies ReminderPayload,
    }));
  return [...reminders, { name: endScheduleName(m), targetArn, description: `End of meeting ${m.id}`, at: new Date(m.endAt), input: { kind: 'meeting.end', meetingId: m.id, endAt: m.endAt } satisfies MeetingEndPayload }];
}

/** Names the previous state had that the current one does not. */
export function obsoleteScheduleNames(previous: Meeting | undefined, current: Meeting, offsets: number[]): string[] {
  if (!previous) return [];
  const keep = new Set(current.status === 'scheduled' ? scheduleNamesOf(current, offsets) : []);
  return scheduleNamesOf(previous, offsets).filter((n) => !keep.has(n));
}

export interface ScheduleSyncDeps {
  db: Db;
  /** Undefined: this deployment schedules nothing (the marker stays for a later reconcile). */
  schedules: Schedules | undefined;
  /** The reminders function every schedule invokes (REMINDERS_FUNCTION_ARN). */
  targetArn: string;
  offsets: number[];
  now: () => Date;
  log: Logger;
  /** Attempts per Scheduler call. */
  attempts?: number;
}

async function withRetries<T>(attempts: number, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 50 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}

/**
 * Creates the meeting's current schedules and deletes `obsolete` ones (each call retried), then removes its sync
 * marker if it still describes this version. Never throws: the marker left behind is reconcile's to-do.
 */
export async function syncMeetingSchedules(deps: ScheduleSyncDeps, meeting: Meeting, obsolete: string[]): Promise<boolean> {
  if (!deps.schedules) {
    deps.log.warn('meeting schedules are not configured (SCHEDULE_GROUP_NAME, SCHEDULER_ROLE_ARN, REMINDERS_FUNCTION_ARN): no reminders', { meetingId: meeting.id });
    return false;
  }
  const schedules = deps.schedules;
  const attempts = deps.attempts ?? 3;
  const results = await Promise.allSettled([
    ...desiredSchedules(meeting, deps.offsets, deps.now(), deps.targetArn).map((s) => withRetries(attempts, () => schedules.put(s))),
    ...obsolete.map((name) => withRetries(attempts, () => schedules.delete(name))),
  ]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    deps.log.error('meeting schedules could not be synced; reconcile will retry', { meetingId: meeting.id, failed: failed.length, error: failed[0].reason });
    return false;
  }
  try {
    await deps.db.doc.send(
      new DeleteCommand({
        TableName: deps.db.tableName,
        Key: meetingKeys.syncMarker(meeting.id),
        ConditionExpression: 'version <= :v',
        ExpressionAttributeValues: { ':v': meeting.version },
      }),
    );
  } catch (err) {
    if ((err as { name?: string }).name !== 'ConditionalCheckFailedException') deps.log.warn('sync marker not removed', { meetingId: meeting.id, error: err });
  }
  return true;
}

export interface ReconcileResult {
  checked: number;
  synced: number;
  completed: number;
  failed: number;
}

/**
 * Repairs the schedules of every meeting whose sync marker is older than `minAgeSeconds` (younger ones are being
 * synced by the request that wrote them): creates the missing ones, deletes the obsolete ones the marker lists,
 * and completes a meeting whose end passed without its end schedule. One Query page of markers after another.
 */
export async function reconcileMeetingSchedules(
  deps: ScheduleSyncDeps & { completeEnded(meeting: Meeting): Promise<void> },
  minAgeSeconds = 60,
): Promise<ReconcileResult> {
  const result: ReconcileResult = { checked: 0, synced: 0, completed: 0, failed: 0 };
  const cutoff = new Date(deps.now().getTime() - minAgeSeconds * 1000).toISOString();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.db.doc.send(
      new QueryCommand({
        TableName: deps.db.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'since <= :cutoff',
        ExpressionAttributeValues: { ':pk': meetingKeys.syncPartition, ':cutoff': cutoff },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    start = page.LastEvaluatedKey;
    for (const marker of page.Items ?? []) {
      result.checked++;
      const meeting = await getMeeting(deps.db, marker.meetingId as string);
      const obsolete = [...((marker.obsolete as Set<string> | undefined) ?? [])];
      if (!meeting) {
        await deps.db.doc.send(new DeleteCommand({ TableName: deps.db.tableName, Key: meetingKeys.syncMarker(marker.meetingId as string) }));
        continue;
      }
      if (meeting.status === 'scheduled' && Date.parse(meeting.endAt) <= deps.now().getTime()) {
        await deps.completeEnded(meeting);
        result.completed++;
        continue;
      }
      if (await syncMeetingSchedules(deps, meeting, obsolete)) result.synced++;
      else result.failed++;
    }
  } while (start);
  return result;
}
