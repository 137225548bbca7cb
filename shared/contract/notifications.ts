// Routes of the notifications endpoint group: the notification list, preferences, and system announcements.
import * as z from '../zod.ts';
import { defineRoute, Id, IsoDateTime, PageQuery, QueryBoolean } from '../http/contract.ts';
import { notificationTypes } from '../db/entities/notification.ts';
import { announcementAudiences, announcementTypes } from '../db/entities/announcement.ts';

export const NotificationView = z.object({
  id: z.string(),
  type: z.enum(notificationTypes),
  title: z.string(),
  message: z.string(),
  data: z.optional(z.record(z.string(), z.unknown())),
  read: z.boolean(),
  readAt: z.optional(z.string()),
  createdAt: z.string(),
});

const EmailPreferences = z.object({
  taskUpdates: z.boolean(),
  paymentReminders: z.boolean(),
  messages: z.boolean(),
  meetings: z.boolean(),
});
const PushPreferences = z.object({ taskUpdates: z.boolean(), messages: z.boolean(), meetings: z.boolean() });
export const PreferencesView = z.object({ email: EmailPreferences, push: PushPreferences });

export const AnnouncementView = z.object({
  id: z.string(),
  title: z.string(),
  message: z.string(),
  type: z.enum(announcementTypes),
  targetAudience: z.enum(announcementAudiences),
  expiresAt: z.optional(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
});

const NotificationParams = z.object({ notificationId: Id('notif') });

export const notificationsRoutes = {
  listNotifications: defineRoute({
    method: 'GET',
    path: '/notifications',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "The caller's notifications, newest first, with the unread count",
    query: z.extend(PageQuery, { unreadOnly: z.optional(QueryBoolean), type: z.optional(z.enum(notificationTypes)) }),
    response: NotificationView,
  }),
  unreadCount: defineRoute({
    method: 'GET',
    path: '/notifications/unread-count',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "The caller's unread notification count (one read)",
    response: z.object({ unreadCount: z.number().check(z.int()) }),
  }),
  markNotificationRead: defineRoute({
    method: 'PUT',
    path: '/notifications/{notificationId}/read',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Mark one of your notifications read',
    params: NotificationParams,
    response: NotificationView,
  }),
  markAllNotificationsRead: defineRoute({
    method: 'PUT',
    path: '/notifications/read-all',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Mark all your notifications read (one write, whatever their number)',
    response: z.object({ markedRead: z.number().check(z.int()), unreadCount: z.literal(0) }),
  }),
  deleteNotification: defineRoute({
    method: 'DELETE',
    path: '/notifications/{notificationId}',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Delete one of your notifications',
    params: NotificationParams,
    response: z.object({ id: z.string(), deleted: z.literal(true) }),
  }),
  getPreferences: defineRoute({
    method: 'GET',
    path: '/notifications/preferences',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Your e-mail and push switches per category',
    response: PreferencesView,
  }),
  updatePreferences: defineRoute({
    method: 'POST',
    path: '/notifications/preferences',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Update your e-mail and push switches (any subset; the rest keep their value)',
    body: z.strictObject({
      email: z.optional(z.partial(z.strictObject(EmailPreferences.shape))),
      push: z.optional(z.partial(z.strictObject(PushPreferences.shape))),
    }),
    response: PreferencesView,
  }),
  createAnnouncement: defineRoute({
    method: 'POST',
    path: '/admin/announcements',
    fn: 'notifications',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Create a system announcement, pushed live to its audience and listed until it expires',
    body: z.object({
      title: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
      message: z.string().check(z.trim(), z.minLength(1), z.maxLength(5000)),
      type: z._default(z.enum(announcementTypes), 'info'),
      targetAudience: z._default(z.enum(announcementAudiences), 'all'),
      expiresAt: z.optional(IsoDateTime),
    }),
    response: AnnouncementView,
    successStatus: 201,
    // An announcement is keyed by audience and expiry (its list is a key range), so those come with the id.
    idempotent: { resourceIds: (a: { id: string; targetAudience: string; expiresAt?: string }) => [a.id, a.targetAudience, a.expiresAt ?? 'never'] },
  }),
  listAnnouncements: defineRoute({
    method: 'GET',
    path: '/announcements',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Active announcements for the caller's audience, newest first",
    response: AnnouncementView,
  }),
};
