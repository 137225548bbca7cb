// Per-user notification switches: e-mail and push per category, merged over the defaults.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import {
  getNotificationPreferences,
  notificationPreferenceKeys,
  type NotificationPreferences,
} from '#shared/db/entities/notification.ts';

export interface PreferencesPatch {
  email?: Partial<NotificationPreferences['email']>;
  push?: Partial<NotificationPreferences['push']>;
}

/** Sets only the switches given, each as its own attribute path, so two tabs changing different switches both win. */
export async function updateNotificationPreferences(db: Db, userId: string, patch: PreferencesPatch, now: Date): Promise<NotificationPreferences> {
  const current = await getNotificationPreferences(db, userId);
  const sets: string[] = ['updatedAt = :now', '#email = if_not_exists(#email, :emailDefaults)', '#push = if_not_exists(#push, :pushDefaults)'];
  const names: Record<string, string> = { '#email': 'email', '#push': 'push' };
  const values: Record<string, unknown> = { ':now': now.toISOString(), ':emailDefaults': current.email, ':pushDefaults': current.push };
  // DynamoDB refuses a path and its parent in one update, so first make sure the maps exist, then set leaves.
  await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: notificationPreferenceKeys.preferences(userId),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
  const leafSets: string[] = [];
  const leafNames: Record<string, string> = {};
  const leafValues: Record<string, unknown> = {};
  for (const channel of ['email', 'push'] as const) {
    for (const [key, value] of Object.entries(patch[channel] ?? {})) {
      if (value === undefined) continue;
      leafNames[`#${channel}`] = channel;
      leafNames[`#${channel}_${key}`] = key;
      leafValues[`:${channel}_${key}`] = value;
      leafSets.push(`#${channel}.#${channel}_${key} = :${channel}_${key}`);
    }
  }
  if (leafSets.length) {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: notificationPreferenceKeys.preferences(userId),
        UpdateExpression: `SET ${leafSets.join(', ')}`,
        ExpressionAttributeNames: leafNames,
        ExpressionAttributeValues: leafValues,
      }),
    );
  }
  return getNotificationPreferences(db, userId);
}

export { getNotificationPreferences };
