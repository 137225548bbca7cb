// Notifications: one item per notification in the recipient's partition, a sparse "unread" index, and one
// per-user state item (unread count + read-all watermark) so mark-all-read is a single write.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';

export const notificationTypes = ['task_update', 'payment_received', 'message', 'meeting', 'system'] as const;
export type NotificationType = (typeof notificationTypes)[number];

export interface Notification {
  id: string;
  userId: string;
  type: NotificationType;
  title: string;
  message: string;
  /** What the notification is about, for the client to link to (taskId, chatId, ...). */
  data?: Record<string, unknown>;
  read: boolean;
  readAt?: string;
  createdAt: string;
}

/** Notifications are kept 180 days, then TTL removes them. */
export const NOTIFICATION_RETENTION_SECONDS = 180 * 24 * 3600;

export const notificationKeys = {
  notification: (userId: string, notificationId: string) => ({ pk: `NOTIFS#${userId}`, sk: `NOTIF#${notificationId}` }),
  /** All of a user's notifications, newest first: Query pk, sk begins_with NOTIF#. */
  byUser: (userId: string) => ({ pk: `NOTIFS#${userId}`, skPrefix: 'NOTIF#' }),
  /** gsi1 (sparse, only while unread): a user's unread notifications, sort key = id (time-ordered). */
  unreadByUser: (userId: string) => ({ gsi1pk: `NOTIFS#${userId}#UNREAD` }),
  /** gsi2: a user's notifications of one type. */
  byUserType: (userId: string, type: NotificationType) => ({ gsi2pk: `NOTIFS#${userId}#TYPE#${type}` }),
  /** gsi3 (sparse, only while unread): a user's unread notifications of one type. */
  unreadByUserType: (userId: string, type: NotificationType) => ({ gsi3pk: `NOTIFS#${userId}#UNREAD#${type}` }),
  /** Per-user state: `unread` count and `readUpTo` (every notification with id <= readUpTo counts as read). */
  state: (userId: string) => ({ pk: `NOTIFS#${userId}`, sk: 'STATE' }),
};

export function toNotificationItem(n: Notification, nowSeconds: number): Record<string, unknown> {
  return {
    ...notificationKeys.notification(n.userId, n.id),
    ...notificationKeys.byUserType(n.userId, n.type),
    gsi2sk: n.id,
    ...(n.read ? {} : { ...notificationKeys.unreadByUser(n.userId), gsi1sk: n.id, ...notificationKeys.unreadByUserType(n.userId, n.type), gsi3sk: n.id }),
    entity: 'notification',
    expiresAt: nowSeconds + NOTIFICATION_RETENTION_SECONDS,
    ...n,
  };
}

export interface NotificationState {
  unread: number;
  /** Notification ids are time-ordered ULIDs; all ids <= readUpTo are read. */
  readUpTo: string;
}

/** A notification read through the watermark counts as read even if its own flag was never flipped. */
export function fromNotificationItem(item: Record<string, unknown>, state: NotificationState): Notification {
  const id = item.id as string;
  const read = Boolean(item.read) || id <= state.readUpTo;
  return {
    id,
    userId: item.userId as string,
    type: item.type as NotificationType,
    title: item.title as string,
    message: item.message as string,
    ...(item.data ? { data: item.data as Record<string, unknown> } : {}),
    read,
    ...(item.readAt ? { readAt: item.readAt as string } : {}),
    createdAt: item.createdAt as string,
  };
}

export function isExpired(item: Record<string, unknown>, nowSeconds: number): boolean {
  return typeof item.expiresAt === 'number' && item.expiresAt <= nowSeconds;
}

export async function getNotificationState(db: Db, userId: string): Promise<NotificationState> {
  // Consistent: the list a client fetches right after read-all must not show the old watermark and count.
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: notificationKeys.state(userId), ConsistentRead: true }));
  return { unread: Math.max(0, Number(out.Item?.unread ?? 0)), readUpTo: (out.Item?.readUpTo as string) ?? '' };
}

// ---- Preferences ---------------------------------------------------------------------------

export interface NotificationPreferences {
  email: { taskUpdates: boolean; paymentReminders: boolean; messages: boolean; meetings: boolean };
  push: { taskUpdates: boolean; messages: boolean; meetings: boolean };
}

export const defaultNotificationPreferences: NotificationPreferences = {
  email: { taskUpdates: true, paymentReminders: true, messages: true, meetings: true },
  push: { taskUpdates: true, messages: true, meetings: true },
};

export const notificationPreferenceKeys = {
  preferences: (userId: string) => ({ pk: `USER#${userId}`, sk: 'NOTIFPREFS' }),
};

export async function getNotificationPreferences(db: Db, userId: string): Promise<NotificationPreferences> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: notificationPreferenceKeys.preferences(userId) }));
  return withDefaults(out.Item as Partial<NotificationPreferences> | undefined);
}

/** Stored switches over the defaults (a user who never saved preferences has every switch on). */
export function withDefaults(stored: Partial<NotificationPreferences> = {}): NotificationPreferences {
  return {
    email: { ...defaultNotificationPreferences.email, ...(stored.email ?? {}) },
    push: { ...defaultNotificationPreferences.push, ...(stored.push ?? {}) },
  };
}

/** Which preference switch governs a notification type; `system` notices are always delivered. */
export function preferenceCategory(type: NotificationType): { email?: keyof NotificationPreferences['email']; push?: keyof NotificationPreferences['push'] } | 'always' {
  switch (type) {
    case 'task_update':
      return { email: 'taskUpdates', push: 'taskUpdates' };
    case 'message':
      return { email: 'messages', push: 'messages' };
    case 'meeting':
      return { email: 'meetings', push: 'meetings' };
    case 'payment_received':
      return { email: 'paymentReminders' };
    case 'system':
      return 'always';
  }
}
