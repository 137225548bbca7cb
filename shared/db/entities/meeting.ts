// The meeting entity (spec: Meeting Management): the meeting, its history, its list entries (one per list
// it is in, every filter combination one Query sorted by start), the quarter-hour slots its participants hold
// (overlap protection), the once-only reminder claims and the "schedules need syncing" marker.
// Keys and costs: docs/data-model.md, "Meetings"; the state machine: docs/meetings.md.
//
//   MEET#<id> / MEET                                     the meeting
//   MEET#<id> / HISTORY#<at>#<n>                         one entry per booking, move, assignment, completion, cancel
//   MEET#<id> / REMINDED#<startAt>#<offsetSeconds>       a reminder was sent (once-only claim; TTL)
//   MEETLIST#<scope>#<status|ANY>#<type|ANY> / <startAt>#<id>
//                                                        list entries: scope ALL (admins) or USER#<studentId>; 8 each
//   SLOT#<userId> / <quarter-hour start, ISO>            held by `meetingId` (whose start was `startAt`); TTL
//   MEETSYNC / <id>                                      the meeting's schedules may not match it yet (`version`)
import { GetCommand, QueryCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';

export const MEETING_STATUSES = ['scheduled', 'completed', 'cancelled'] as const;
export const MEETING_TYPES = ['virtual', 'in_person'] as const;
export type MeetingStatus = (typeof MEETING_STATUSES)[number];
export type MeetingType = (typeof MEETING_TYPES)[number];

export const MIN_MEETING_MINUTES = 15;
export const MAX_MEETING_MINUTES = 480;
/** Overlaps are found on quarter-hour slots: a meeting holds every quarter hour it touches. */
export const SLOT_MINUTES = 15;
const SLOT_MS = SLOT_MINUTES * 60_000;

export type HistoryAction = 'scheduled' | 'rescheduled' | 'assigned' | 'completed' | 'cancelled';

export interface MeetingHistoryEntry {
  action: HistoryAction;
  at: string;
  /** A user id, or `system`. */
  by: string;
  reason?: string;
  fromStartAt?: string;
  toStartAt?: string;
}

export interface Meeting {
  id: string;
  studentId: string;
  /** Absent while a meeting a student booked waits for an admin. */
  adminId?: string;
  title: string;
  description?: string;
  /** As given, in `timezone`. */
  date: string;
  time: string;
  timezone: string;
  duration: number;
  /** UTC instants (ISO, milliseconds): `date` + `time` in `timezone`, and + `duration`. */
  startAt: string;
  endAt: string;
  type: MeetingType;
  location?: string;
  meetingUrl?: string;
  agenda?: string;
  status: MeetingStatus;
  rescheduled: boolean;
  cancellationReason?: string;
  cancelledBy?: string;
  completedBy?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** +1 on every write; every write is conditional on the version read. */
  version: number;
}

export type MeetingListScope = { kind: 'all' } | { kind: 'student'; studentId: string };

const ANY = 'ANY';

export const meetingKeys = {
  meeting: (id: string) => ({ pk: `MEET#${id}`, sk: 'MEET' }),
  partition: (id: string) => `MEET#${id}`,
  history: (id: string, at: string, n: number) => ({ pk: `MEET#${id}`, sk: `HISTORY#${at}#${String(n).padStart(3, '0')}` }),
  reminderClaim: (id: string, startAt: string, offsetSeconds: number) => ({ pk: `MEET#${id}`, sk: `REMINDED#${startAt}#${offsetSeconds}` }),
  listPartition: (scope: MeetingListScope, status?: MeetingStatus, type?: MeetingType) =>
    `MEETLIST#${scope.kind === 'all' ? 'ALL' : `USER#${scope.studentId}`}#${status ?? ANY}#${type ?? ANY}`,
  slot: (userId: string, slotStart: string) => ({ pk: `SLOT#${userId}`, sk: slotStart }),
  syncMarker: (id: string) => ({ pk: 'MEETSYNC', sk: id }),
  syncPartition: 'MEETSYNC',
};

export function toMeetingItem(m: Meeting): Record<string, unknown> {
  return { ...meetingKeys.meeting(m.id), entity: 'meeting', ...m };
}

export function fromMeetingItem(item: Record<string, unknown>): Meeting {
  const { pk, sk, entity, ...meeting } = item;
  void pk, sk, entity;
  return meeting as unknown as Meeting;
}

/** The participants who hold slots: the student, and the admin once there is one. */
export const slotHolders = (m: Pick<Meeting, 'studentId' | 'adminId'>): string[] => (m.adminId ? [m.studentId, m.adminId] : [m.studentId]);

/** The quarter hours [start, end) touches, as ISO instants of their starts. */
export function slotStartsOf(startAt: string, endAt: string): string[] {
  const first = Math.floor(Date.parse(startAt) / SLOT_MS) * SLOT_MS;
  const end = Date.parse(endAt);
  const slots: string[] = [];
  for (let t = first; t < end; t += SLOT_MS) slots.push(new Date(t).toISOString());
  return slots;
}

export interface SlotItem {
  userId: string;
  slotStart: string;
  meetingId: string;
  /** The holder's times and version when it took the slot (a later write of the holder re-puts it). */
  startAt: string;
  endAt: string;
  version: number;
}

/** True when the slot's holder still holds that quarter hour: scheduled, for this participant, covering it. */
export function holdsSlot(holder: Meeting | undefined, slot: Pick<SlotItem, 'userId' | 'slotStart'>): holder is Meeting {
  return Boolean(
    holder && holder.status === 'scheduled' && slotHolders(holder).includes(slot.userId) && slotStartsOf(holder.startAt, holder.endAt).includes(slot.slotStart),
  );
}

export function slotKeysOf(m: Pick<Meeting, 'studentId' | 'adminId' | 'startAt' | 'endAt'>, holders = slotHolders(m)) {
  const starts = slotStartsOf(m.startAt, m.endAt);
  return holders.flatMap((userId) => starts.map((slotStart) => ({ userId, slotStart, key: meetingKeys.slot(userId, slotStart) })));
}

/** Slots live a day past their quarter hour, then TTL removes them (they only ever matter in the future). */
function slotItem(m: Pick<Meeting, 'id' | 'startAt' | 'endAt' | 'version'>, userId: string, slotStart: string): Record<string, unknown> {
  return {
    ...meetingKeys.slot(userId, slotStart),
    entity: 'meeting_slot',
    userId,
    slotStart,
    meetingId: m.id,
    startAt: m.startAt,
    endAt: m.endAt,
    version: m.version,
    expiresAt: Math.floor(Date.parse(slotStart) / 1000) + 86_400,
  };
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Puts of the meeting's slots for `holders`: each only if free or already this meeting's; `stale` names slots
 * held by a meeting that no longer holds that time (cancelled, completed, moved): those are taken over only
 * while still held exactly so.
 */
export function slotPuts(
  tableName: string,
  m: Pick<Meeting, 'id' | 'studentId' | 'adminId' | 'startAt' | 'endAt' | 'version'>,
  holders: string[],
  stale: Map<string, { meetingId: string; version: number }> = new Map(),
): { items: TransactItem[]; slots: { userId: string; slotStart: string }[] } {
  const slots = slotKeysOf(m, holders);
  const items = slots.map(({ userId, slotStart, key }) => {
    const previous = stale.get(`${key.pk}|${key.sk}`);
    return {
      Put: {
        TableName: tableName,
        Item: slotItem(m, userId, slotStart),
        ConditionExpression: previous
          ? 'meetingId = :me OR (meetingId = :previous AND version = :previousVersion)'
          : 'attribute_not_exists(pk) OR meetingId = :me',
        ExpressionAttributeValues: previous ? { ':me': m.id, ':previous': previous.meetingId, ':previousVersion': previous.version } : { ':me': m.id },
      },
    };
  });
  return { items, slots: slots.map(({ userId, slotStart }) => ({ userId, slotStart })) };
}

export function listEntryKeys(m: Pick<Meeting, 'id' | 'studentId' | 'startAt' | 'type'>, status: MeetingStatus, only: 'all' | 'status' = 'all') {
  const scopes: MeetingListScope[] = [{ kind: 'all' }, { kind: 'student', studentId: m.studentId }];
  const narrowings: [MeetingStatus | undefined, MeetingType | undefined][] = [
    [undefined, undefined],
    [undefined, m.type],
    [status, undefined],
    [status, m.type],
  ];
  return scopes.flatMap((scope) =>
    narrowings
      .filter(([s]) => only === 'all' || s !== undefined)
      .map(([s, t]) => ({ pk: meetingKeys.listPartition(scope, s, t), sk: `${m.startAt}#${m.id}` })),
  );
}

export function entryPuts(tableName: string, m: Meeting, keys: { pk: string; sk: string }[]): TransactItem[] {
  return keys.map((key) => ({ Put: { TableName: tableName, Item: { ...key, entity: 'meeting_entry', meetingId: m.id } } }));
}

export function entryDeletes(tableName: string, keys: { pk: string; sk: string }[]): TransactItem[] {
  return keys.map((Key) => ({ Delete: { TableName: tableName, Key } }));
}

export function historyPut(tableName: string, meetingId: string, entry: MeetingHistoryEntry, n = 0): TransactItem {
  return { Put: { TableName: tableName, Item: { ...meetingKeys.history(meetingId, entry.at, n), entity: 'meeting_history', ...entry } } };
}

/**
 * Written with every change that moves the meeting's schedules; deleted once they match (reconcile reads these).
 * `obsolete` collects the schedule names that no longer apply, so a sync that failed can still delete them later.
 */
export function syncMarkerUpdate(tableName: string, m: Pick<Meeting, 'id' | 'version' | 'updatedAt'>, obsolete: string[]): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: meetingKeys.syncMarker(m.id),
      UpdateExpression: `SET entity = :entity, meetingId = :id, version = :v, since = :since${obsolete.length ? ' ADD obsolete :obsolete' : ''}`,
      ExpressionAttributeValues: {
        ':entity': 'meeting_sync',
        ':id': m.id,
        ':v': m.version,
        ':since': m.updatedAt,
        ...(obsolete.length ? { ':obsolete': new Set(obsolete) } : {}),
      },
    },
  };
}

export async function getMeeting(db: Db, id: string): Promise<Meeting | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: meetingKeys.meeting(id), ConsistentRead: true }));
  return out.Item ? fromMeetingItem(out.Item) : undefined;
}

/** The meeting and its history, oldest first, in one Query of its partition. */
export async function getMeetingWithHistory(db: Db, id: string): Promise<{ meeting: Meeting; history: MeetingHistoryEntry[] } | undefined> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': meetingKeys.partition(id) },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const meetingItem = items.find((i) => i.sk === 'MEET');
  if (!meetingItem) return undefined;
  const history = items
    .filter((i) => typeof i.sk === 'string' && i.sk.startsWith('HISTORY#'))
    .map(({ pk, sk, entity, ...entry }) => (void pk, void sk, void entity, entry as unknown as MeetingHistoryEntry));
  return { meeting: fromMeetingItem(meetingItem), history };
}
