// Per-user notification switches: e-mail and push per category, merged over the defaults.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import {
  getNotificationPreferences,
  notificationPreferenceKeys,
  withDefaults,
  type NotificationPreferences,
} from '#shared/db/entities/notification.ts';

export interface PreferencesPatch {
  email?: Partial<NotificationPreferences['email']>;
  push?: Partial<NotificationPreferences['push']>;
}

/** Sets only the switches given, each as its own attribute path, so two tabs changing different switches both win. */
export async function updateNotificationPreferences(db: Db, userId: string, patch: PreferencesPatch, now: Date): Promise<NotificationPreferences> {
  const current = await getNotificationPreferences(db, userId);
  const key = notificationPreferenceKeys.preferences(userId);
  // DynamoDB refuses a path and its parent in one update, so first make sure the maps exist, then set leaves.
  const ensured = await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: key,
      UpdateExpression: 'SET updatedAt = :now, #email = if_not_exists(#email, :emailDefaults), #push = if_not_exists(#push, :pushDefaults)',
      ExpressionAttributeNames: { '#email': 'email', '#push': 'push' },
      ExpressionAttributeValues: { ':now': now.toISOString(), ':emailDefaults': current.email, ':pushDefaults': current.push },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const leafSets: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const channel of ['email', 'push'] as const) {
    for (const [switchName, value] of Object.entries(patch[channel] ?? {})) {
      if (value === undefined) continue;
      names[`#${channel}`] = channel;
      names[`#${channel}_${switchName}`] = switchName;
      values[`:${channel}_${switchName}`] = value;
      leafSets.push(`#${channel}.#${channel}_${switchName} = :${channel}_${switchName}`);
    }
  }
  const stored = leafSets.length
    ? await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key: key,
          UpdateExpression: `SET ${leafSets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      )
    : ensured;
  // The write's own result, so the answer needs no further read.
  return withDefaults(stored.Attributes as Partial<NotificationPreferences> | undefined);
}

export { getNotificationPreferences };
