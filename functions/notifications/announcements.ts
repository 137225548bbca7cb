// System announcements: stored per audience, pushed live once, and listed to users who were offline
// until they expire.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { queryPage } from '#shared/db/query.ts';
import { newId } from '#shared/ids.ts';
import { notFound, validationError } from '#shared/errors.ts';
import type { Role } from '#shared/auth/tokens.ts';
import type { Logger } from '#shared/log.ts';
import {
  announcementAudiences,
  announcementKeys,
  audiencesFor,
  fromAnnouncementItem,
  toAnnouncementItem,
  type Announcement,
  type AnnouncementAudience,
  type AnnouncementType,
} from '#shared/db/entities/announcement.ts';

export interface AnnouncementPusher {
  toAudience(audience: AnnouncementAudience, event: { type: string; data: unknown }): Promise<void>;
}

export interface CreateAnnouncementInput {
  title: string;
  message: string;
  type: AnnouncementType;
  targetAudience: AnnouncementAudience;
  expiresAt?: string;
}

export async function createAnnouncement(
  deps: { db: Db; push: AnnouncementPusher; log: Logger },
  adminId: string,
  input: CreateAnnouncementInput,
  now: Date,
): Promise<Announcement> {
  if (input.expiresAt && Date.parse(input.expiresAt) <= now.getTime()) {
    throw validationError('expiresAt', 'must be in the future');
  }
  const announcement: Announcement = {
    id: newId('ann', now),
    title: input.title,
    message: input.message,
    type: input.type,
    targetAudience: input.targetAudience,
    ...(input.expiresAt ? { expiresAt: new Date(input.expiresAt).toISOString() } : {}),
    createdBy: adminId,
    createdAt: now.toISOString(),
  };
  await deps.db.doc.send(
    new PutCommand({ TableName: deps.db.tableName, Item: toAnnouncementItem(announcement), ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  try {
    await deps.push.toAudience(announcement.targetAudience, { type: 'system.announcement', data: announcement });
  } catch (err) {
    // Stored is what matters: users who miss the push read it from GET /announcements.
    deps.log.warn('announcement push failed', { error: err, announcementId: announcement.id });
  }
  return announcement;
}

/** One announcement by its key parts (id, audience, expiry or `never`): the replay of a retried create. */
export async function getAnnouncement(db: Db, ref: { id: string; audience: string; expiresAt: string }): Promise<Announcement> {
  const audience = announcementAudiences.find((a) => a === ref.audience);
  if (!audience) throw notFound('Announcement');
  const key = announcementKeys.announcement({ id: ref.id, targetAudience: audience, ...(ref.expiresAt === 'never' ? {} : { expiresAt: ref.expiresAt }) });
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: key }));
  if (!out.Item) throw notFound('Announcement');
  return fromAnnouncementItem(out.Item);
}

/** Two Queries (the shared audience and the caller's role), each starting at "expires after now". */
export async function listActiveAnnouncements(db: Db, role: Role, now: Date, limit = 50): Promise<Announcement[]> {
  const pages = await Promise.all(
    audiencesFor(role).map((audience) =>
      queryPage(
        db,
        { partition: { name: 'pk', value: announcementKeys.audience(audience).pk }, sort: { name: 'sk', gt: now.toISOString() } },
        { limit },
        fromAnnouncementItem,
      ),
    ),
  );
  return pages
    .flatMap((p) => p.items)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, limit);
}
