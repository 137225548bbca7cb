// The one way any domain tells a user something: store the notification, push `notification.new` live,
// and e-mail it, each only where the user's preferences allow that category.
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/client.ts';
import { cancellationReasons } from '../db/errors.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { mailOutboxPut } from '../mail/outbox.ts';
import { getUserById } from '../db/entities/user.ts';
import {
  getNotificationPreferences,
  notificationKeys,
  preferenceCategory,
  toNotificationItem,
  type Notification,
  type NotificationType,
} from '../db/entities/notification.ts';

export interface NotifyPusher {
  toUsers(userIds: string[], event: { type: string; data: unknown }): Promise<void>;
}

export interface NotifyDeps {
  db: Db;
  push: NotifyPusher;
  now: () => Date;
  log: Logger;
  /** Where e-mail links point (APP_URL). */
  appUrl: string;
}

export interface NotifyInput {
  userId: string;
  type: NotificationType;
  title: string;
  message: string;
  data?: Record<string, unknown>;
  /** Path in the web app the e-mail links to, e.g. `/tasks/task_01...`. */
  link?: string;
  /**
   * The e-mail switch that governs this notice when its type's own does not fit (a `system` notice that is a
   * payment reminder follows `email.paymentReminders`); push still follows the type.
   */
  emailPreference?: 'paymentReminders';
}

export interface NotifyResult {
  notification: Notification;
  pushed: boolean;
  /** An e-mail was queued (its outbox item written with the notification); the mailer sends it. */
  emailed: boolean;
}

/**
 * Writes the notification, bumps the unread counter and queues the e-mail (an outbox item) in one
 * transaction, so a notification is e-mailed once or, if it was never stored, not at all. The push happens
 * after the commit and never fails the caller.
 */
export async function notify(deps: NotifyDeps, input: NotifyInput): Promise<NotifyResult> {
  const now = deps.now();
  const notification: Notification = {
    id: newId('notif', now),
    userId: input.userId,
    type: input.type,
    title: input.title,
    message: input.message,
    ...(input.data ? { data: input.data } : {}),
    read: false,
    createdAt: now.toISOString(),
  };

  // The profile's `notifications` and `emailUpdates` (PUT /users/profile) are master switches over the
  // per-category ones: a user who turned e-mail updates off in their profile gets no e-mail at all.
  const [preferences, user] = await Promise.all([getNotificationPreferences(deps.db, input.userId), getUserById(deps.db, input.userId)]);
  const typeCategory = preferenceCategory(input.type);
  const category = input.emailPreference ? { ...(typeCategory === 'always' ? {} : typeCategory), email: input.emailPreference } : typeCategory;
  const pushAllowed = category === 'always' || (user?.preferences.notifications !== false && (!category.push || preferences.push[category.push]));
  const emailAllowed =
    category !== 'always' && Boolean(category.email) && preferences.email[category.email!] && user?.preferences.emailUpdates !== false;
  const mail =
    emailAllowed && user?.status === 'active'
      ? mailOutboxPut(
          deps.db.tableName,
          {
            to: user.email,
            subject: input.title,
            text: `${input.message}${input.link ? `\n\n${deps.appUrl}${input.link}` : ''}\n\nYou can change which e-mails you get in your notification settings.`,
          },
          now,
        )
      : undefined;
  await storeNotification(deps.db, notification, now, mail);

  let pushed = false;
  if (pushAllowed) {
    try {
      await deps.push.toUsers([input.userId], { type: 'notification.new', data: notification });
      pushed = true;
    } catch (err) {
      deps.log.warn('notification push failed', { error: err, notificationId: notification.id });
    }
  }
  return { notification, pushed, emailed: Boolean(mail) };
}

async function storeNotification(db: Db, notification: Notification, now: Date, mail: ReturnType<typeof mailOutboxPut> | undefined): Promise<void> {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.tableName, Item: toNotificationItem(notification, nowSeconds), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            // A read-all that already passed this id must not leave a phantom unread count behind.
            Update: {
              TableName: db.tableName,
              Key: notificationKeys.state(notification.userId),
              UpdateExpression: 'ADD unread :one',
              ConditionExpression: 'attribute_not_exists(readUpTo) OR readUpTo < :id',
              ExpressionAttributeValues: { ':one': 1, ':id': notification.id },
            },
          },
          ...(mail ? [mail] : []),
        ],
      }),
    );
  } catch (err) {
    if (cancellationReasons(err)?.[1] !== 'ConditionalCheckFailed') throw err;
    // Stored as read, still e-mailed: the first transaction (and its outbox item) was rolled back whole.
    const readItem = { TableName: db.tableName, Item: toNotificationItem({ ...notification, read: true }, nowSeconds) };
    if (!mail) await db.doc.send(new PutCommand(readItem));
    else await db.doc.send(new TransactWriteCommand({ TransactItems: [{ Put: readItem }, mail] }));
  }
}

