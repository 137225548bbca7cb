// Meetings: book (an admin with any active student, a student for themself), read (its student, admins), edit and
// move while scheduled, complete (admins, or the system at the end), cancel (either participant), join (virtual,
// participants). Every write is one transaction conditional on the version read, with the meeting's list entries,
// the history entry, its participants' slots and the schedule-sync marker. The machine: docs/meetings.md.
import type * as z from '#shared/zod.ts';
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { ChangeMeetingStatusBody, CreateMeetingBody, ListMeetingsQuery, MeetingView, UpdateMeetingBody } from '#shared/contract/meetings.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact, type TransactItems } from '#shared/db/transact.ts';
import { batchGetInOrder } from '#shared/db/batch.ts';
import { queryPage, type Page } from '#shared/db/query.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import {
  entryDeletes,
  entryPuts,
  fromMeetingItem,
  getMeeting,
  getMeetingWithHistory,
  historyPut,
  listEntryKeys,
  meetingKeys,
  slotHolders,
  syncMarkerUpdate,
  toMeetingItem,
  type Meeting,
  type MeetingHistoryEntry,
  type MeetingStatus,
} from '#shared/db/entities/meeting.ts';
import { conflict, forbidden, notFound, validationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { meetingInstants } from './time.ts';
import { SlotConflict, slotConflictError, transactWithSlots } from './slots.ts';
import { obsoleteScheduleNames } from './schedules.ts';

type ListQuery = z.infer<typeof ListMeetingsQuery>;

/** Who acts: a signed-in user, or the system (the end-of-meeting schedule). */
export type Actor = AuthUser | { id: 'system'; role: 'system' };

export interface MeetingSettings {
  /** MEETING_URL_TEMPLATE */
  urlTemplate: string;
  /** MEETING_REMINDER_OFFSETS, seconds */
  offsets: number[];
}

/** What a write did, for the notices and schedule sync that follow its commit. */
export interface MeetingChange {
  previous?: Meeting;
  meeting: Meeting;
  /** The start moved. */
  moved: boolean;
  obsoleteSchedules: string[];
}

export function meetingView(m: Meeting, history?: MeetingHistoryEntry[]): MeetingView {
  return {
    id: m.id,
    studentId: m.studentId,
    adminId: m.adminId ?? null,
    title: m.title,
    description: m.description ?? null,
    date: m.date,
    time: m.time,
    timezone: m.timezone,
    duration: m.duration,
    startAt: m.startAt,
    endAt: m.endAt,
    type: m.type,
    location: m.location ?? null,
    meetingUrl: m.meetingUrl ?? null,
    agenda: m.agenda ?? null,
    status: m.status,
    rescheduled: m.rescheduled,
    cancellationReason: m.cancellationReason ?? null,
    createdBy: m.createdBy,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    ...(history
      ? {
          history: history.map((h) => ({
            action: h.action,
            at: h.at,
            by: h.by,
            reason: h.reason ?? null,
            fromStartAt: h.fromStartAt ?? null,
            toStartAt: h.toStartAt ?? null,
          })),
        }
      : {}),
  };
}

const generatedUrl = (settings: MeetingSettings, meetingId: string) => settings.urlTemplate.replaceAll('{meetingId}', encodeURIComponent(meetingId));

async function activeUserOfRole(db: Db, userId: string, role: 'student' | 'admin', field: string) {
  const user = await getUserById(db, userId, { consistent: true });
  if (!user || user.role !== role || user.status !== 'active') throw validationError(field, `must be the user id of an active ${role}`);
  return user;
}

const isParticipant = (actor: Actor, m: Meeting) => actor.id === m.studentId || actor.id === m.adminId || (actor.role === 'admin' && !m.adminId);

/** Students see their own meetings only (anyone else's is a 404); admins every meeting. */
function assertCanRead(actor: Actor, m: Meeting | undefined): asserts m is Meeting {
  if (!m || (actor.role === 'student' && m.studentId !== actor.id)) throw notFound('Meeting');
}

const closed = (m: Meeting, what: string) =>
  conflict(`This meeting is ${m.status}: a ${m.status} meeting cannot be ${what}`, { currentStatus: m.status, allowedStatuses: [] });

export async function createMeeting(db: Db, settings: MeetingSettings, actor: AuthUser, body: CreateMeetingBody, now: Date): Promise<MeetingChange> {
  let studentId: string;
  let adminId: string | undefined;
  if (actor.role === 'student') {
    if (body.studentId && body.studentId !== actor.id) throw forbidden('Students book meetings for themselves only');
    if (body.adminId) throw validationError('adminId', 'is chosen by admins; an admin takes the meeting you book');
    studentId = actor.id;
    const self = await getUserById(db, actor.id, { consistent: true });
    if (!self || self.status !== 'active') throw forbidden('Only active students book meetings');
  } else {
    if (!body.studentId) throw validationError('studentId', 'is required: the student the meeting is with');
    await Promise.all([
      activeUserOfRole(db, body.studentId, 'student', 'studentId'),
      body.adminId && body.adminId !== actor.id ? activeUserOfRole(db, body.adminId, 'admin', 'adminId') : Promise.resolve(),
    ]);
    studentId = body.studentId;
    adminId = body.adminId ?? actor.id;
  }
  if (body.type === 'in_person' && !body.location) throw validationError('location', 'is required for an in-person meeting');
  const { startAt, endAt } = meetingInstants(body, now);
  const at = now.toISOString();
  const id = newId('meet', now);
  const meeting: Meeting = {
    id,
    studentId,
    ...(adminId ? { adminId } : {}),
    title: body.title,
    ...(body.description ? { description: body.description } : {}),
    date: body.date,
    time: body.time,
    timezone: body.timezone,
    duration: body.duration,
    startAt,
    endAt,
    type: body.type,
    ...(body.location ? { location: body.location } : {}),
    ...(body.type === 'virtual' ? { meetingUrl: body.meetingUrl ?? generatedUrl(settings, id) } : body.meetingUrl ? { meetingUrl: body.meetingUrl } : {}),
    ...(body.agenda ? { agenda: body.agenda } : {}),
    status: 'scheduled',
    rescheduled: false,
    createdBy: actor.id,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  const items: TransactItems = [
    { Put: { TableName: db.tableName, Item: toMeetingItem(meeting), ConditionExpression: 'attribute_not_exists(pk)' } },
    historyPut(db.tableName, id, { action: 'scheduled', at, by: actor.id, toStartAt: startAt }),
    ...entryPuts(db.tableName, meeting, listEntryKeys(meeting, 'scheduled')),
    syncMarkerUpdate(db.tableName, meeting, []),
  ];
  try {
    await transactWithSlots(db, items, meeting, slotHolders(meeting));
  } catch (err) {
    if (err instanceof SlotConflict) throw slotConflictError(err, meeting, actor.id);
    throw err;
  }
  return { meeting, moved: false, obsoleteSchedules: [] };
}

export async function loadMeetingFor(db: Db, actor: AuthUser, meetingId: string) {
  const found = await getMeetingWithHistory(db, meetingId);
  assertCanRead(actor, found?.meeting);
  return found!;
}

/** One page by start time: the list entries of the caller's scope narrowed by status and type, then the meetings. */
export async function listMeetings(db: Db, actor: AuthUser, query: ListQuery): Promise<Page<Meeting>> {
  const scope = actor.role === 'admin' ? ({ kind: 'all' } as const) : ({ kind: 'student', studentId: actor.id } as const);
  const range: [string, string] | undefined =
    query.dateFrom || query.dateTo ? [query.dateFrom ?? '0000', `${query.dateTo ?? '9999'}~`] : undefined;
  const readPage = (cursor?: string) =>
    queryPage(
      db,
      {
        partition: { name: 'pk', value: meetingKeys.listPartition(scope, query.status, query.type) },
        sort: range ? { name: 'sk', between: range } : undefined,
        ascending: true,
      },
      { limit: query.limit, cursor, page: query.page },
      (item) => item.meetingId as string,
    );
  // `page` skips inside the same Query, within the request's read budget (shared/db/query.ts).
  const page = await readPage(query.cursor);
  return { items: await batchGetInOrder(db, page.items, meetingKeys.meeting, fromMeetingItem), nextCursor: page.nextCursor };
}

/** The meeting's Update: the whole new state, only if the version is still the one read and it is still scheduled. */
function meetingWrite(db: Db, next: Meeting, previous: Meeting): TransactItems[number] {
  return {
    Put: {
      TableName: db.tableName,
      Item: toMeetingItem(next),
      ConditionExpression: 'version = :v AND #status = :scheduled',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':v': previous.version, ':scheduled': 'scheduled' },
    },
  };
}

/** The list-entry writes from one state to the next: only the keys that change (a transaction touches an item once). */
function entryMoves(db: Db, previous: Meeting, next: Meeting): TransactItems {
  const before = listEntryKeys(previous, previous.status);
  const after = listEntryKeys(next, next.status);
  const id = (k: { pk: string; sk: string }) => `${k.pk}|${k.sk}`;
  const afterIds = new Set(after.map(id));
  const beforeIds = new Set(before.map(id));
  return [...entryDeletes(db.tableName, before.filter((k) => !afterIds.has(id(k)))), ...entryPuts(db.tableName, next, after.filter((k) => !beforeIds.has(id(k))))];
}

/** After a lost race: the current state as a 409 (or 404 when it went away). */
async function raceLost(db: Db, meetingId: string, what: string): Promise<never> {
  const current = await getMeeting(db, meetingId);
  if (!current) throw notFound('Meeting');
  if (current.status !== 'scheduled') throw closed(current, what);
  throw conflict('The meeting changed while you were editing it; reload it and try again', { currentStatus: current.status, updatedAt: current.updatedAt });
}

export async function updateMeeting(
  db: Db,
  settings: MeetingSettings,
  actor: AuthUser,
  meetingId: string,
  body: UpdateMeetingBody & { reason?: string },
  now: Date,
): Promise<MeetingChange> {
  const meeting = await getMeeting(db, meetingId);
  assertCanRead(actor, meeting);
  if (meeting.status !== 'scheduled') throw closed(meeting, 'changed');
  if (body.adminId !== undefined && actor.role !== 'admin') throw forbidden('Only admins assign a meeting to an admin');
  if (body.adminId && body.adminId !== actor.id && body.adminId !== meeting.adminId) await activeUserOfRole(db, body.adminId, 'admin', 'adminId');

  const when = {
    date: body.date ?? meeting.date,
    time: body.time ?? meeting.time,
    timezone: body.timezone ?? meeting.timezone,
    duration: body.duration ?? meeting.duration,
  };
  const timesChanged = when.date !== meeting.date || when.time !== meeting.time || when.timezone !== meeting.timezone || when.duration !== meeting.duration;
  const instants = timesChanged ? meetingInstants(when, now) : { startAt: meeting.startAt, endAt: meeting.endAt };
  const type = body.type ?? meeting.type;
  const location = 'location' in body ? body.location : meeting.location;
  if (type === 'in_person' && !location) throw validationError('location', 'is required for an in-person meeting');
  const at = now.toISOString();
  const moved = instants.startAt !== meeting.startAt;
  const adminId = body.adminId ?? meeting.adminId;
  const next: Meeting = {
    ...meeting,
    ...(body.title !== undefined ? { title: body.title } : {}),
    ...('description' in body ? { description: body.description } : {}),
    ...('agenda' in body ? { agenda: body.agenda } : {}),
    ...when,
    ...instants,
    type,
    location,
    meetingUrl: 'meetingUrl' in body && body.meetingUrl ? body.meetingUrl : type === 'virtual' ? (meeting.meetingUrl ?? generatedUrl(settings, meeting.id)) : meeting.meetingUrl,
    adminId,
    rescheduled: meeting.rescheduled || moved,
    updatedAt: at,
    version: meeting.version + 1,
  };
  for (const key of Object.keys(next) as (keyof Meeting)[]) if (next[key] === undefined) delete next[key];

  const history: MeetingHistoryEntry[] = [];
  if (moved) history.push({ action: 'rescheduled', at, by: actor.id, fromStartAt: meeting.startAt, toStartAt: next.startAt, ...(body.reason ? { reason: body.reason } : {}) });
  if (adminId !== meeting.adminId) history.push({ action: 'assigned', at, by: actor.id });
  const newHolders = slotHolders(next).filter((u) => timesChanged || !slotHolders(meeting).includes(u));
  const obsolete = obsoleteScheduleNames(meeting, next, settings.offsets);
  const items: TransactItems = [
    meetingWrite(db, next, meeting),
    ...history.map((h, n) => historyPut(db.tableName, meeting.id, h, n)),
    ...entryMoves(db, meeting, next),
    ...(timesChanged ? [syncMarkerUpdate(db.tableName, next, obsolete)] : []),
  ];
  try {
    await transactWithSlots(db, items, next, newHolders);
  } catch (err) {
    if (err instanceof SlotConflict) throw slotConflictError(err, next, actor.id);
    if (cancellationReasons(err)?.[0] === 'ConditionalCheckFailed') await raceLost(db, meeting.id, 'changed');
    throw err;
  }
  return { previous: meeting, meeting: next, moved, obsoleteSchedules: timesChanged ? obsolete : [] };
}

/** Completion and cancellation: the only moves out of `scheduled`, both final. */
export async function closeMeeting(
  db: Db,
  settings: MeetingSettings,
  actor: Actor,
  meeting: Meeting,
  status: Exclude<MeetingStatus, 'scheduled'>,
  reason: string | undefined,
  now: Date,
): Promise<MeetingChange> {
  if (meeting.status !== 'scheduled') throw closed(meeting, status);
  const at = now.toISOString();
  const next: Meeting = {
    ...meeting,
    status,
    ...(status === 'cancelled' ? { cancelledBy: actor.id, ...(reason ? { cancellationReason: reason } : {}) } : { completedBy: actor.id }),
    updatedAt: at,
    version: meeting.version + 1,
  };
  const obsolete = obsoleteScheduleNames(meeting, next, settings.offsets);
  try {
    await transact(db, [
      meetingWrite(db, next, meeting),
      historyPut(db.tableName, meeting.id, { action: status, at, by: actor.id, ...(reason ? { reason } : {}) }),
      ...entryMoves(db, meeting, next),
      syncMarkerUpdate(db.tableName, next, obsolete),
    ]);
  } catch (err) {
    if (cancellationReasons(err)?.[0] === 'ConditionalCheckFailed') await raceLost(db, meeting.id, status);
    throw err;
  }
  return { previous: meeting, meeting: next, moved: false, obsoleteSchedules: obsolete };
}

/** `PUT /meetings/{id}/status`: the spec's four values, mapped onto the machine (docs/meetings.md). */
export async function changeMeetingStatus(
  db: Db,
  settings: MeetingSettings,
  actor: AuthUser,
  meetingId: string,
  body: ChangeMeetingStatusBody,
  now: Date,
): Promise<MeetingChange | { meeting: Meeting; unchanged: true }> {
  if (body.status === 'rescheduled') {
    return updateMeeting(db, settings, actor, meetingId, { date: body.date, time: body.time, timezone: body.timezone, reason: body.reason } as UpdateMeetingBody & { reason?: string }, now);
  }
  const meeting = await getMeeting(db, meetingId);
  assertCanRead(actor, meeting);
  if (body.status === 'scheduled') {
    if (meeting.status !== 'scheduled') throw closed(meeting, 'scheduled again');
    return { meeting, unchanged: true };
  }
  if (body.status === 'completed' && actor.role !== 'admin') throw forbidden('Only admins mark a meeting completed');
  return closeMeeting(db, settings, actor, meeting, body.status, body.reason, now);
}

export async function cancelMeeting(db: Db, settings: MeetingSettings, actor: AuthUser, meetingId: string, reason: string | undefined, now: Date): Promise<MeetingChange> {
  const meeting = await getMeeting(db, meetingId);
  assertCanRead(actor, meeting);
  return closeMeeting(db, settings, actor, meeting, 'cancelled', reason, now);
}

/** The URL of a scheduled virtual meeting, for its participants only. */
export async function joinMeeting(db: Db, actor: AuthUser, meetingId: string) {
  const meeting = await getMeeting(db, meetingId);
  assertCanRead(actor, meeting);
  if (!isParticipant(actor, meeting)) throw forbidden("Only the meeting's participants may join it");
  if (meeting.status !== 'scheduled') throw closed(meeting, 'joined');
  if (meeting.type !== 'virtual' || !meeting.meetingUrl) {
    throw conflict('This is an in-person meeting: it has no URL to join; see its location', { type: meeting.type, location: meeting.location ?? null });
  }
  return { meetingId: meeting.id, meetingUrl: meeting.meetingUrl, startAt: meeting.startAt, endAt: meeting.endAt };
}
