// Routes of the notifications endpoint group: the notification list, preferences, and system announcements.
import * as z from 'zod';
import { defineRoute, Id, IsoDateTime, PageQuery, QueryBoolean } from '../http/contract.ts';
import { notificationTypes } from '../db/entities/notification.ts';
import { announcementAudiences, announcementTypes } from '../db/entities/announcement.ts';

export const NotificationView = z.object({
  id: z.string(),
  type: z.enum(notificationTypes),
  title: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  read: z.boolean(),
  readAt: z.string().optional(),
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
  expiresAt: z.string().optional(),
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
    query: PageQuery.extend({ unreadOnly: QueryBoolean.optional(), type: z.enum(notificationTypes).optional() }),
    response: NotificationView,
  }),
  unreadCount: defineRoute({
    method: 'GET',
    path: '/notifications/unread-count',
    fn: 'notifications',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "The caller's unread notification count (one read)",
    response: z.object({ unreadCount: z.number().int() }),
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
    response: z.object({ markedRead: z.number().int(), unreadCount: z.literal(0) }),
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
    body: z.strictObject({ email: EmailPreferences.partial().strict().optional(), push: PushPreferences.partial().strict().optional() }),
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
      title: z.string().trim().min(1).max(200),
      message: z.string().trim().min(1).max(5000),
      type: z.enum(announcementTypes).default('info'),
      targetAudience: z.enum(announcementAudiences).default('all'),
      expiresAt: IsoDateTime.optional(),
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
