// The notification list and its read state. Counting rules: a notification counts as unread while its own
// `read` flag is false AND its id is above the user's read-all watermark (`readUpTo`).
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { queryPage, type Page, type PageRequest } from '#shared/db/query.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { notFound } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import {
  fromNotificationItem,
  getNotificationState,
  isExpired,
  notificationKeys,
  type Notification,
  type NotificationState,
  type NotificationType,
} from '#shared/db/entities/notification.ts';

export interface ListNotificationsInput extends PageRequest {
  userId: string;
  unreadOnly?: boolean;
  type?: NotificationType;
  page?: number;
}

const nowSeconds = (now: Date) => Math.floor(now.getTime() / 1000);

/**
 * One Query on the index that matches the filters (base partition, type index, sparse unread indexes),
 * newest first. Unread lists start above the read-all watermark, so marking all read costs nothing here.
 */
export async function listNotifications(db: Db, input: ListNotificationsInput, now: Date): Promise<Page<Notification> & { unreadCount: number }> {
  const state = await getNotificationState(db, input.userId);
  const notExpired = {
    FilterExpression: 'attribute_not_exists(expiresAt) OR expiresAt > :now',
    ExpressionAttributeValues: { ':now': nowSeconds(now) },
  };
  const above = state.readUpTo ? { gt: state.readUpTo } : {};
  const query = input.unreadOnly
    ? input.type
      ? { index: 'gsi3' as const, partition: { name: 'gsi3pk', value: notificationKeys.unreadByUserType(input.userId, input.type).gsi3pk }, sort: { name: 'gsi3sk', ...above } }
      : { index: 'gsi1' as const, partition: { name: 'gsi1pk', value: notificationKeys.unreadByUser(input.userId).gsi1pk }, sort: { name: 'gsi1sk', ...above } }
    : input.type
      ? { index: 'gsi2' as const, partition: { name: 'gsi2pk', value: notificationKeys.byUserType(input.userId, input.type).gsi2pk } }
      : { partition: { name: 'pk', value: notificationKeys.byUser(input.userId).pk }, sort: { name: 'sk', beginsWith: notificationKeys.byUser(input.userId).skPrefix } };
  // `page` without a cursor reads and skips the notifications before it, within the request's read budget.
  const request = { limit: input.limit, cursor: input.cursor, page: input.page };
  const page = await queryPage(db, { ...query, filter: notExpired, ascending: false }, request, (item) => fromNotificationItem(item, state));
  return { ...page, unreadCount: state.unread };
}

async function getOwnNotification(db: Db, userId: string, notificationId: string, now: Date) {
  // Consistent: clients mark a notification read (or delete it) the moment `notification.new` brings it.
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: notificationKeys.notification(userId, notificationId), ConsistentRead: true }));
  if (!out.Item || isExpired(out.Item, nowSeconds(now))) throw notFound('Notification');
  return out.Item;
}

/** Unread and still counted in `unread` (not already covered by the watermark). */
const countsAsUnread = (item: Record<string, unknown>, state: NotificationState) => !item.read && (item.id as string) > state.readUpTo;

const markReadUpdate = (db: Db, userId: string, notificationId: string, readAt: string) => ({
  TableName: db.tableName,
  Key: notificationKeys.notification(userId, notificationId),
  UpdateExpression: 'SET #read = :true, readAt = :at REMOVE gsi1pk, gsi1sk, gsi3pk, gsi3sk',
  ConditionExpression: 'attribute_exists(pk) AND #read = :false',
  ExpressionAttributeNames: { '#read': 'read' },
  ExpressionAttributeValues: { ':true': true, ':false': false, ':at': readAt },
});

/** The counter moves only for a notification the watermark has not already covered. */
const decrementUnread = (db: Db, userId: string, notificationId: string) => ({
  TableName: db.tableName,
  Key: notificationKeys.state(userId),
  UpdateExpression: 'ADD unread :minusOne',
  ConditionExpression: 'unread > :zero AND (attribute_not_exists(readUpTo) OR readUpTo < :id)',
  ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0, ':id': notificationId },
});

export async function markNotificationRead(db: Db, userId: string, notificationId: string, now: Date): Promise<Notification> {
  const item = await getOwnNotification(db, userId, notificationId, now);
  const readAt = now.toISOString();
  if (!item.read) {
    try {
      await db.doc.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: markReadUpdate(db, userId, notificationId, readAt) }, { Update: decrementUnread(db, userId, notificationId) }],
        }),
      );
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) throw err;
      // [0] failed: someone marked it read first (fine, it is read). [1] failed: the watermark already covers it.
      if (reasons[0] !== 'ConditionalCheckFailed') {
        await db.doc.send(new UpdateCommand(markReadUpdate(db, userId, notificationId, readAt))).catch((e) => {
          if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
        });
      }
    }
  }
  const state = await getNotificationState(db, userId);
  return fromNotificationItem({ ...item, read: true, readAt: (item.readAt as string) ?? readAt }, state);
}

/**
 * One conditional write whatever the number of notifications: moves the watermark to "now" and zeroes
 * the counter. Items below the watermark keep their flag but read as read.
 */
export async function markAllNotificationsRead(db: Db, userId: string, now: Date): Promise<{ markedRead: number; unreadCount: 0 }> {
  const watermark = newId('notif', now);
  const out = await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: notificationKeys.state(userId),
      UpdateExpression: 'SET unread = :zero, readUpTo = :w',
      ConditionExpression: 'attribute_not_exists(readUpTo) OR readUpTo < :w',
      ExpressionAttributeValues: { ':zero': 0, ':w': watermark },
      ReturnValues: 'UPDATED_OLD',
    }),
  ).catch((err) => {
    if ((err as Error).name === 'ConditionalCheckFailedException') return { Attributes: { unread: 0 } };
    throw err;
  });
  return { markedRead: Math.max(0, Number(out.Attributes?.unread ?? 0)), unreadCount: 0 };
}

export async function deleteNotification(db: Db, userId: string, notificationId: string, now: Date): Promise<void> {
  const item = await getOwnNotification(db, userId, notificationId, now);
  const state = await getNotificationState(db, userId);
  const remove = {
    TableName: db.tableName,
    Key: notificationKeys.notification(userId, notificationId),
    ConditionExpression: 'attribute_exists(pk)',
  };
  if (!countsAsUnread(item, state)) {
    await db.doc.send(new DeleteCommand(remove)).catch((err) => {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    });
    return;
  }
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { ...remove, ConditionExpression: 'attribute_exists(pk) AND #read = :false', ExpressionAttributeNames: { '#read': 'read' }, ExpressionAttributeValues: { ':false': false } } },
          { Update: decrementUnread(db, userId, notificationId) },
        ],
      }),
    );
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (!reasons) throw err;
    // Read or covered meanwhile: delete without touching the counter.
    await db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: remove.Key }));
  }
}
