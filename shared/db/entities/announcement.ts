// System announcements, partitioned by audience and sorted by expiry, so "active ones for my audience"
// is a key condition (expiry > now) rather than a filter.
import type { Role } from '../../auth/tokens.ts';

export const announcementAudiences = ['all', 'students', 'admins'] as const;
export type AnnouncementAudience = (typeof announcementAudiences)[number];
export const announcementTypes = ['info', 'warning', 'error'] as const;
export type AnnouncementType = (typeof announcementTypes)[number];

export interface Announcement {
  id: string;
  title: string;
  message: string;
  type: AnnouncementType;
  targetAudience: AnnouncementAudience;
  /** Absent: active until deleted. */
  expiresAt?: string;
  createdBy: string;
  createdAt: string;
}

/** Sort-key stand-in for "never expires": sorts after every ISO timestamp. */
const NEVER = '9999-12-31T23:59:59.999Z';

export const announcementKeys = {
  announcement: (a: Pick<Announcement, 'id' | 'targetAudience' | 'expiresAt'>) => ({
    pk: `ANNOUNCEMENTS#${a.targetAudience}`,
    sk: `${a.expiresAt ?? NEVER}#${a.id}`,
  }),
  /** Partition of one audience; Query with sk > now returns the active ones. */
  audience: (audience: AnnouncementAudience) => ({ pk: `ANNOUNCEMENTS#${audience}` }),
};

/** The audiences whose announcements a user of this role sees. */
export function audiencesFor(role: Role): AnnouncementAudience[] {
  return role === 'admin' ? ['all', 'admins'] : ['all', 'students'];
}

export function toAnnouncementItem(a: Announcement): Record<string, unknown> {
  // `expiresAt` here is the spec's ISO string; TTL ignores non-numeric values, so expired announcements stay
  // on record and simply fall out of the key condition (sk > now).
  return { ...announcementKeys.announcement(a), entity: 'announcement', ...a };
}

export function fromAnnouncementItem(item: Record<string, unknown>): Announcement {
  return {
    id: item.id as string,
    title: item.title as string,
    message: item.message as string,
    type: item.type as AnnouncementType,
    targetAudience: item.targetAudience as AnnouncementAudience,
    ...(item.expiresAt ? { expiresAt: item.expiresAt as string } : {}),
    createdBy: item.createdBy as string,
    createdAt: item.createdAt as string,
  };
}
