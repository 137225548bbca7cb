import { notificationsRoutes } from '#shared/contract/notifications.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import { broadcastToAudience } from '#shared/realtime/fanout.ts';
import { listNotifications, markAllNotificationsRead, markNotificationRead, deleteNotification } from './notifications.ts';
import { getNotificationPreferences, updateNotificationPreferences } from './preferences.ts';
import { createAnnouncement, getAnnouncement, listActiveAnnouncements } from './announcements.ts';
import { getNotificationState } from '#shared/db/entities/notification.ts';

export const handler = createHttpHandler(notificationsRoutes, {
  listNotifications: async ({ auth, query, request }) => {
    const page = await listNotifications(getDb(), { userId: auth.id, ...query }, request.now);
    return reply.envelope(200, { success: true, data: page.items, pagination: paginationOf(page, query), unreadCount: page.unreadCount });
  },
  unreadCount: async ({ auth }) => ({ unreadCount: (await getNotificationState(getDb(), auth.id)).unread }),
  markNotificationRead: async ({ auth, params, request }) => markNotificationRead(getDb(), auth.id, params.notificationId, request.now),
  markAllNotificationsRead: async ({ auth, request }) => markAllNotificationsRead(getDb(), auth.id, request.now),
  deleteNotification: async ({ auth, params, request }) => {
    await deleteNotification(getDb(), auth.id, params.notificationId, request.now);
    return { id: params.notificationId, deleted: true as const };
  },
  getPreferences: async ({ auth }) => getNotificationPreferences(getDb(), auth.id),
  updatePreferences: async ({ auth, body, request }) => updateNotificationPreferences(getDb(), auth.id, body, request.now),
  createAnnouncement: {
    run: async ({ auth, body, request, log }) =>
      reply.created(await createAnnouncement({ db: getDb(), push: { toAudience: async (a, e) => void (await broadcastToAudience(a, e as never)) }, log }, auth.id, body, request.now)),
    replay: async ({ resourceIds: [id, audience, expiresAt] }) => getAnnouncement(getDb(), { id, audience, expiresAt }),
  },
  listAnnouncements: async ({ auth, request }) => listActiveAnnouncements(getDb(), auth.role, request.now),
});
