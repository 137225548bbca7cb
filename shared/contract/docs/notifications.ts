// Documentation of the notifications and announcements routes (see ./index.ts). Live events: docs/asyncapi.json.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

export const notificationExample = {
  id: exampleId('notif'),
  type: 'task_update',
  title: 'Task in progress',
  message: 'Your task "Machine Learning Research Paper" is now in progress.',
  data: { taskId: exampleId('task') },
  read: false,
  createdAt: EXAMPLE_TIME,
};

const preferencesExample = {
  email: { taskUpdates: true, paymentReminders: true, messages: false, meetings: true },
  push: { taskUpdates: true, messages: true, meetings: true },
};

export const announcementExample = {
  id: exampleId('ann'),
  title: 'System Maintenance',
  message: 'Scheduled maintenance on Saturday from 02:00 to 03:00 UTC.',
  type: 'warning',
  targetAudience: 'all',
  expiresAt: '2025-01-20T00:00:00.000Z',
  createdBy: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM',
  createdAt: EXAMPLE_TIME,
};

const yours = 'Your own notifications only; anyone else\'s does not exist (404).';

export const notificationsDocs: Record<string, RouteDoc> = {
  'GET /notifications': {
    description:
      "The caller's notifications, newest first, with the unread count beside `pagination` (`unreadCount`). Each is also pushed live as `notification.new` when it is stored. Notifications are kept 180 days.",
    params: {
      unreadOnly: '`true`: only unread notifications.',
      type: 'Only this category: `task_update`, `payment_received`, `message`, `meeting` or `system`.',
    },
    responseExample: notificationExample,
    envelopeExtras: { unreadCount: { schema: { type: 'integer', minimum: 0, description: "The caller's unread notifications (all of them, not only this page's)." }, example: 3 } },
  },
  'GET /notifications/unread-count': {
    description: 'The badge count in one read, without listing.',
    responseExample: { unreadCount: 3 },
  },
  'PUT /notifications/{notificationId}/read': {
    description: `Marks one notification read (again is fine) and answers it. ${yours}`,
    responseExample: { ...notificationExample, read: true, readAt: EXAMPLE_TIME },
  },
  'PUT /notifications/read-all': {
    description: 'Marks every notification of the caller read in one write, whatever their number, and answers how many were unread.',
    responseExample: { markedRead: 3, unreadCount: 0 },
  },
  'DELETE /notifications/{notificationId}': {
    description: `Deletes one notification. ${yours}`,
    responseExample: { id: exampleId('notif'), deleted: true },
  },
  'GET /notifications/preferences': {
    description: 'Your e-mail and push switches per category (all on for a new account). Push switches decide what is pushed live (`notification.new`), e-mail switches what is mailed; every notification is listed either way.',
    responseExample: preferencesExample,
  },
  'POST /notifications/preferences': {
    description: 'Sets any subset of the e-mail and push switches (the rest keep their value) and answers them all.',
    requestExample: preferencesExample,
    responseExample: preferencesExample,
  },
  'POST /admin/announcements': {
    description:
      'Creates a system announcement (`type` `info`, `warning` or `error`) for `all`, `students` or `admins`, pushed at once to every connected user of that audience as `system.announcement` and listed by `GET /announcements` until `expiresAt` (or for good without it).',
    requestExample: { title: 'System Maintenance', message: 'Scheduled maintenance on Saturday from 02:00 to 03:00 UTC.', type: 'warning', targetAudience: 'all', expiresAt: '2030-01-20T00:00:00Z' },
    responseExample: { ...announcementExample, expiresAt: '2030-01-20T00:00:00.000Z' },
    errors: { 400: 'Also: `expiresAt` in the past.' },
  },
  'GET /announcements': {
    description: "The active announcements for the caller's audience (`all` plus the caller's role), newest first, so a client that was offline when one was pushed still shows it.",
    array: true,
    responseExample: announcementExample,
  },
};
