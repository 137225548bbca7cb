// Writing a meeting together with the quarter-hour slots of its participants. DynamoDB cannot compare ranges in a
// condition, so each participant's quarter hours are items that one meeting at a time may hold: the meeting's
// transaction puts them conditionally, and of two overlapping bookings exactly one commits. A slot left behind by
// a meeting that no longer holds that time (cancelled, completed, moved, shortened) is taken over, conditionally
// on still being held exactly so; anything else is a 409 naming the meeting in the way.
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact, type TransactItems } from '#shared/db/transact.ts';
import { getMeeting, holdsSlot, meetingKeys, slotKeysOf, slotPuts, type Meeting, type SlotItem } from '#shared/db/entities/meeting.ts';
import { conflict } from '#shared/errors.ts';

/** Attempts when slots keep turning out stale (each attempt learns the stale slots it met). */
const MAX_ATTEMPTS = 4;

export class SlotConflict extends Error {
  constructor(
    readonly userId: string,
    readonly holder: Meeting,
  ) {
    super('slot held');
  }
}

/**
 * Commits `items` (the meeting's own writes, whose failures the caller interprets) plus puts of `meeting`'s slots
 * for `holders`. Throws SlotConflict when a participant's time is held by another scheduled meeting, or the
 * transaction's error when one of `items` failed.
 */
export async function transactWithSlots(db: Db, items: TransactItems, meeting: Meeting, holders: string[]): Promise<void> {
  const stale = new Map<string, { meetingId: string; version: number }>();
  for (let attempt = 1; ; attempt++) {
    const { items: puts, slots } = slotPuts(db.tableName, meeting, holders, stale);
    try {
      await transact(db, [...items, ...puts]);
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons || attempt >= MAX_ATTEMPTS) throw err;
      if (reasons.slice(0, items.length).includes('ConditionalCheckFailed')) throw err;
      const failed = slots.filter((_, i) => reasons[items.length + i] === 'ConditionalCheckFailed');
      if (failed.length === 0) throw err;
      for (const slot of failed) {
        const key = meetingKeys.slot(slot.userId, slot.slotStart);
        const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: key, ConsistentRead: true }));
        const held = out.Item as SlotItem | undefined;
        if (!held || held.meetingId === meeting.id) continue; // freed or re-taken meanwhile: try again
        const holder = await getMeeting(db, held.meetingId);
        if (holdsSlot(holder, slot)) throw new SlotConflict(slot.userId, holder);
        stale.set(`${key.pk}|${key.sk}`, { meetingId: held.meetingId, version: held.version });
      }
    }
  }
}

/** The 409 for a held time, naming who is busy and with which meeting's time. */
export function slotConflictError(err: SlotConflict, meeting: Pick<Meeting, 'studentId'>, actorId: string) {
  const who = err.userId === actorId ? 'You already have' : err.userId === meeting.studentId ? 'The student already has' : 'The admin already has';
  return conflict(`${who} a meeting from ${err.holder.startAt} to ${err.holder.endAt} that overlaps this time`, {
    conflictingMeetingId: err.holder.id,
    userId: err.userId,
    startAt: err.holder.startAt,
    endAt: err.holder.endAt,
  });
}

/**
 * After a commit: deletes the slots `previous` held that `current` does not, each only while still held by this
 * meeting at the version that wrote it. Harmless when it fails: a stale slot is taken over by the next booking.
 */
export async function releaseSlots(db: Db, log: Logger, previous: Meeting, current: Meeting | undefined): Promise<void> {
  const keep = new Set(current && current.status === 'scheduled' ? slotKeysOf(current).map(({ key }) => `${key.pk}|${key.sk}`) : []);
  const release = slotKeysOf(previous).filter(({ key }) => !keep.has(`${key.pk}|${key.sk}`));
  const results = await Promise.allSettled(
    release.map(({ key }) =>
      db.doc.send(
        new DeleteCommand({
          TableName: db.tableName,
          Key: key,
          ConditionExpression: 'meetingId = :me AND version <= :v',
          ExpressionAttributeValues: { ':me': previous.id, ':v': previous.version },
        }),
      ),
    ),
  );
  const failed = results.filter((r) => r.status === 'rejected' && (r.reason as { name?: string })?.name !== 'ConditionalCheckFailedException');
  if (failed.length) log.warn('stale meeting slots left behind (taken over by later bookings)', { meetingId: previous.id, failed: failed.length });
}
