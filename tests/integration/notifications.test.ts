import { beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { listNotifications, markNotificationRead } from '../../functions/notifications/notifications.ts';
import { createLogger } from '../../shared/log.ts';
import { notify, type NotifyInput } from '../../shared/notify/notify.ts';
import { defaultNotifyDeps } from '../../shared/notify/deps.ts';
import { mailsTo } from '../support/mail.ts';
import { notificationKeys, toNotificationItem, type Notification } from '../../shared/db/entities/notification.ts';
import { newId } from '../../shared/ids.ts';
import { connectSocket, eventually } from '../support/ws.ts';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { connectionKeys, newConnection, toConnectionItem } from '../../shared/db/entities/connection.ts';
import { laggingReplica } from '../support/consistency.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const send = (input: NotifyInput) => notify(defaultNotifyDeps(createLogger()), input);
const taskUpdate = (userId: string, title = 'Task moved') =>
  send({ userId, type: 'task_update', title, message: `${title}: now in progress`, data: { taskId: 'task_x' }, link: '/tasks/task_x' });


describe('GET /notifications', () => {
  let student: Actor;
  beforeAll(async () => {
    student = await seedStudent();
    for (let i = 0; i < 5; i++) await taskUpdate(student.user.id, `Task update ${i}`);
    await send({ userId: student.user.id, type: 'message', title: 'New message', message: 'Hello' });
  });

  it('lists the caller’s notifications newest first with the unread count', async () => {
    const res = await api.get('/notifications', { token: student.token });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(6);
    expect(res.body.data[0].title).toBe('New message');
    expect(res.body.data[1].title).toBe('Task update 4');
    expect(res.body.unreadCount).toBe(6);
    expect(res.body.data.every((n: Notification) => n.read === false)).toBe(true);
  });

  it('pages with limit and cursor without repeating an item', async () => {
    const first = await api.get('/notifications?limit=4', { token: student.token });
    expect(first.body.data).toHaveLength(4);
    expect(first.body.pagination).toMatchObject({ limit: 4, hasMore: true });
    const second = await api.get(`/notifications?limit=4&cursor=${first.body.pagination.nextCursor}`, { token: student.token });
    expect(second.body.data).toHaveLength(2);
    expect(second.body.pagination.hasMore).toBe(false);
    const ids = [...first.body.data, ...second.body.data].map((n: Notification) => n.id);
    expect(new Set(ids).size).toBe(6);
  });

  it('serves page=2 as the spec asks', async () => {
    const res = await api.get('/notifications?limit=4&page=2', { token: student.token });
    expect(res.body.data).toHaveLength(2);
    expect(res.body.pagination.page).toBe(2);
  });

  it('filters by type', async () => {
    const res = await api.get('/notifications?type=message', { token: student.token });
    expect(res.body.data.map((n: Notification) => n.type)).toEqual(['message']);
  });

  it('rejects an unknown type with VALIDATION_ERROR naming the field', async () => {
    const res = await api.get('/notifications?type=gossip', { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'type' } });
  });

  it('shows a user none of another user’s notifications', async () => {
    const other = await seedStudent();
    const res = await api.get('/notifications', { token: other.token });
    expect(res.body.data).toEqual([]);
    expect(res.body.unreadCount).toBe(0);
  });
});

describe('reading notifications', () => {
  it('marks one read, lowering the unread count once however often it is repeated', async () => {
    const student = await seedStudent();
    const { notification } = await taskUpdate(student.user.id);
    await taskUpdate(student.user.id);

    const first = await api.put(`/notifications/${notification.id}/read`, undefined, { token: student.token });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ id: notification.id, read: true });
    await api.put(`/notifications/${notification.id}/read`, undefined, { token: student.token });

    const count = await api.get('/notifications/unread-count', { token: student.token });
    expect(count.body.data.unreadCount).toBe(1);
    const unread = await api.get('/notifications?unreadOnly=true', { token: student.token });
    expect(unread.body.data.map((n: Notification) => n.id)).not.toContain(notification.id);
  });

  it('marks all read: the unread list empties and later notifications count again', async () => {
    const student = await seedStudent();
    for (let i = 0; i < 3; i++) await taskUpdate(student.user.id);

    const res = await api.put('/notifications/read-all', undefined, { token: student.token });
    expect(res.body.data).toEqual({ markedRead: 3, unreadCount: 0 });
    expect((await api.get('/notifications?unreadOnly=true', { token: student.token })).body.data).toEqual([]);
    const all = await api.get('/notifications', { token: student.token });
    expect(all.body.data.every((n: Notification) => n.read)).toBe(true);

    await new Promise((r) => setTimeout(r, 5)); // a new notification gets a later id than the watermark
    const later = await taskUpdate(student.user.id, 'After read-all');
    const unread = await api.get('/notifications?unreadOnly=true', { token: student.token });
    expect(unread.body.data.map((n: Notification) => n.id)).toEqual([later.notification.id]);
    expect(unread.body.unreadCount).toBe(1);
  });

  it('marks thousands read with one request and keeps every list consistent', async () => {
    const student = await seedStudent();
    const db = getDb();
    const now = new Date();
    const items = Array.from({ length: 2000 }, (_, i) => {
      const n: Notification = { id: newId('notif', new Date(now.getTime() - 10_000 + i)), userId: student.user.id, type: 'task_update', title: `Bulk ${i}`, message: 'bulk', read: false, createdAt: now.toISOString() };
      return toNotificationItem(n, Math.floor(now.getTime() / 1000));
    });
    for (let i = 0; i < items.length; i += 25) {
      await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: [{ PutRequest: { Item: { ...notificationKeys.state(student.user.id), unread: 2000 } } }] } }));

    const res = await api.put('/notifications/read-all', undefined, { token: student.token });
    expect(res.body.data).toEqual({ markedRead: 2000, unreadCount: 0 });
    const unread = await api.get('/notifications?unreadOnly=true&type=task_update', { token: student.token });
    expect(unread.body.data).toEqual([]);
    const page = await api.get('/notifications?limit=100', { token: student.token });
    expect(page.body.data).toHaveLength(100);
    expect(page.body.data.every((n: Notification) => n.read)).toBe(true);
  });

  it('reads the unread state consistently: the list fetched right after read-all shows nothing unread', async () => {
    const student = await seedStudent();
    await taskUpdate(student.user.id);
    await taskUpdate(student.user.id);
    const db = getDb();
    const stateKey = notificationKeys.state(student.user.id);
    const beforeReadAll = (await db.doc.send(new GetCommand({ TableName: db.tableName, Key: stateKey, ConsistentRead: true }))).Item;
    await api.put('/notifications/read-all', undefined, { token: student.token });

    const page = await listNotifications(laggingReplica(stateKey, beforeReadAll), { userId: student.user.id, unreadOnly: true, limit: 20 }, new Date());

    expect(page.unreadCount).toBe(0);
    expect(page.items).toEqual([]);
  });

  it('finds a notification marked read the moment it arrives (clients react to notification.new)', async () => {
    const student = await seedStudent();
    const { notification } = await taskUpdate(student.user.id);
    const justWritten = laggingReplica(notificationKeys.notification(student.user.id, notification.id), undefined);

    const read = await markNotificationRead(justWritten, student.user.id, notification.id, new Date());

    expect(read).toMatchObject({ id: notification.id, read: true });
  });

  it('answers 404 when a student tries to read or delete another student’s notification', async () => {
    const owner = await seedStudent();
    const intruder = await seedStudent();
    const { notification } = await taskUpdate(owner.user.id);
    expect((await api.put(`/notifications/${notification.id}/read`, undefined, { token: intruder.token })).status).toBe(404);
    expect((await api.del(`/notifications/${notification.id}`, undefined, { token: intruder.token })).status).toBe(404);
    const stored = await getDb().doc.send(new GetCommand({ TableName: getDb().tableName, Key: notificationKeys.notification(owner.user.id, notification.id) }));
    expect(stored.Item?.read).toBe(false);
  });

  it('deletes an own unread notification and lowers the unread count', async () => {
    const student = await seedStudent();
    const { notification } = await taskUpdate(student.user.id);
    const res = await api.del(`/notifications/${notification.id}`, undefined, { token: student.token });
    expect(res.status).toBe(200);
    expect((await api.get('/notifications', { token: student.token })).body).toMatchObject({ data: [], unreadCount: 0 });
  });

  it('rejects a malformed notification id with VALIDATION_ERROR', async () => {
    const student = await seedStudent();
    const res = await api.put('/notifications/not-an-id/read', undefined, { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('notificationId');
  });
});

describe('paging the unread list across a read-all', () => {
  it('answers the next page of the unread list as empty (200) once everything was marked read meanwhile', async () => {
    const student = await seedStudent();
    for (let i = 0; i < 4; i++) await taskUpdate(student.user.id, `Unread ${i}`);
    for (const filter of ['', '&type=task_update']) {
      const first = await api.get(`/notifications?unreadOnly=true&limit=2${filter}`, { token: student.token });
      expect(first.body.pagination.hasMore).toBe(true);
      await new Promise((r) => setTimeout(r, 5));
      expect((await api.put('/notifications/read-all', undefined, { token: student.token })).status).toBe(200);
      const next = await api.get(`/notifications?unreadOnly=true&limit=2${filter}&cursor=${first.body.pagination.nextCursor}`, { token: student.token });
      expect(next.status).toBe(200);
      expect(next.body.data).toEqual([]);
      expect(next.body.pagination.hasMore).toBe(false);
      for (let i = 0; i < 3; i++) await taskUpdate(student.user.id, `Unread again ${i}`);
    }
  });
});

describe('notification preferences', () => {
  it('starts with everything on and reads back a partial update', async () => {
    const student = await seedStudent();
    const initial = await api.get('/notifications/preferences', { token: student.token });
    expect(initial.body.data).toEqual({
      email: { taskUpdates: true, paymentReminders: true, messages: true, meetings: true },
      push: { taskUpdates: true, messages: true, meetings: true },
    });
    const updated = await api.post('/notifications/preferences', { email: { messages: false }, push: { meetings: false } }, { token: student.token });
    expect(updated.status).toBe(200);
    expect(updated.body.data.email).toEqual({ taskUpdates: true, paymentReminders: true, messages: false, meetings: true });
    expect(updated.body.data.push).toEqual({ taskUpdates: true, messages: true, meetings: false });
    expect((await api.get('/notifications/preferences', { token: student.token })).body.data).toEqual(updated.body.data);
  });

  it('rejects unknown categories and non-boolean switches', async () => {
    const student = await seedStudent();
    const unknown = await api.post('/notifications/preferences', { email: { gossip: true } }, { token: student.token });
    expect(unknown.status).toBe(400);
    const wrongType = await api.post('/notifications/preferences', { push: { messages: 'yes' } }, { token: student.token });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.details.field).toBe('push.messages');
  });

  it('e-mails a notification only while the category’s e-mail switch is on', async () => {
    const student = await seedStudent();
    await taskUpdate(student.user.id, 'Mailed update');
    let mails = await mailsTo(stack, student.user.email);
    expect(mails.map((m) => m.subject)).toEqual(['Mailed update']);
    expect(mails[0].text).toContain('http://app.test/tasks/task_x');

    await api.post('/notifications/preferences', { email: { taskUpdates: false } }, { token: student.token });
    const result = await taskUpdate(student.user.id, 'Silent update');
    expect(result.emailed).toBe(false);
    mails = await mailsTo(stack, student.user.email);
    expect(mails.map((m) => m.subject)).toEqual(['Mailed update']);
    // Still listed: preferences govern delivery channels, not the notification list.
    const list = await api.get('/notifications', { token: student.token });
    expect(list.body.data.map((n: Notification) => n.title)).toContain('Silent update');
  });
});

describe('the profile’s master switches (PUT /users/profile preferences)', () => {
  it('e-mails nothing while the profile’s emailUpdates is off, whatever the category switches say', async () => {
    const student = await seedStudent();
    const off = await api.put('/users/profile', { profile: { preferences: { emailUpdates: false } } }, { token: student.token });
    expect(off.status).toBe(200);

    const result = await taskUpdate(student.user.id, 'Unmailed update');

    expect(result.emailed).toBe(false);
    expect(await mailsTo(stack, student.user.email)).toEqual([]);
    const list = await api.get('/notifications', { token: student.token });
    expect(list.body.data.map((n: Notification) => n.title)).toEqual(['Unmailed update']);
  });

  it('pushes no notification.new while the profile’s notifications switch is off, and pushes again once it is on', async () => {
    const student = await seedStudent();
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      await api.put('/users/profile', { profile: { preferences: { notifications: false } } }, { token: student.token });
      const quiet = await taskUpdate(student.user.id, 'Quiet update');
      expect(quiet.pushed).toBe(false);
      expect(await socket.receives('notification.new', 400)).toBe(false);

      await api.put('/users/profile', { profile: { preferences: { notifications: true } } }, { token: student.token });
      const { notification } = await taskUpdate(student.user.id, 'Live update');
      expect((await socket.next('notification.new')).data).toMatchObject({ id: notification.id });
    } finally {
      await socket.close();
    }
  });
});

describe('announcements', () => {
  it('lets an admin announce to students; students see it until it expires, admins do not', async () => {
    const admin = await seedAdmin();
    const student = await seedStudent();
    const otherAdmin = await seedAdmin();
    const soon = new Date(Date.now() + 1500).toISOString();
    const created = await api.post('/admin/announcements', { title: 'Maintenance', message: 'Tonight 22:00', type: 'warning', targetAudience: 'students', expiresAt: soon }, { token: admin.token });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ title: 'Maintenance', type: 'warning', targetAudience: 'students', createdBy: admin.user.id });

    const seen = await api.get('/announcements', { token: student.token });
    expect(seen.body.data.map((a: { id: string }) => a.id)).toContain(created.body.data.id);
    const notSeen = await api.get('/announcements', { token: otherAdmin.token });
    expect(notSeen.body.data.map((a: { id: string }) => a.id)).not.toContain(created.body.data.id);

    await new Promise((r) => setTimeout(r, 1600));
    const afterExpiry = await api.get('/announcements', { token: student.token });
    expect(afterExpiry.body.data.map((a: { id: string }) => a.id)).not.toContain(created.body.data.id);
  });

  it('rejects an announcement that has already expired or has no title', async () => {
    const admin = await seedAdmin();
    const past = await api.post('/admin/announcements', { title: 'Old', message: 'x', expiresAt: '2020-01-01T00:00:00Z' }, { token: admin.token });
    expect(past.status).toBe(400);
    expect(past.body.error.details.field).toBe('expiresAt');
    const untitled = await api.post('/admin/announcements', { message: 'x' }, { token: admin.token });
    expect(untitled.status).toBe(400);
    expect(untitled.body.error.details.field).toBe('title');
  });
});

describe('live delivery over the WebSocket', () => {
  it('pushes notification.new to a connected user while the push switch is on, and not after it is off', async () => {
    const student = await seedStudent();
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      const { notification } = await taskUpdate(student.user.id, 'Live update');
      const frame = await socket.next('notification.new');
      expect(frame.data).toMatchObject({ id: notification.id, title: 'Live update', type: 'task_update', read: false });

      await api.post('/notifications/preferences', { push: { taskUpdates: false } }, { token: student.token });
      await taskUpdate(student.user.id, 'Quiet update');
      expect(await socket.receives('notification.new', 400)).toBe(false);
    } finally {
      await socket.close();
    }
  });

  it('pushes system.announcement to every connected user of the audience and no one else', async () => {
    const admin = await seedAdmin();
    const student = await seedStudent();
    const otherAdmin = await seedAdmin();
    const studentSocket = await connectSocket(stack.wsUrl, student.token);
    const adminSocket = await connectSocket(stack.wsUrl, otherAdmin.token);
    try {
      const created = await api.post('/admin/announcements', { title: 'Exams week', message: 'Good luck', targetAudience: 'students' }, { token: admin.token });
      const frame = await studentSocket.next('system.announcement');
      expect(frame.data).toMatchObject({ id: created.body.data.id, title: 'Exams week', targetAudience: 'students' });
      expect(await adminSocket.receives('system.announcement', 400)).toBe(false);

      await api.post('/admin/announcements', { title: 'For everyone', message: 'Hello all' }, { token: admin.token });
      expect((await adminSocket.next('system.announcement')).data.title).toBe('For everyone');
      expect((await studentSocket.next('system.announcement')).data.title).toBe('For everyone');
    } finally {
      await Promise.all([studentSocket.close(), adminSocket.close()]);
    }
  });
});

describe('announcement fan-out at scale', () => {
  it('reaches every live connection among thousands exactly once, after the request returns, and clears the stale ones', async () => {
    const admin = await seedAdmin();
    const db = getDb();
    // 1500 connection items whose sockets are long gone (a missed $disconnect): the Management API answers 410.
    const now = new Date();
    const stale = Array.from({ length: 1500 }, (_, i) => toConnectionItem(newConnection({ connectionId: `stale-${i}`, userId: `user_stale_${i}`, role: 'student' }, now)));
    for (let i = 0; i < stale.length; i += 25) {
      await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: stale.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    const live = await Promise.all([seedStudent(), seedStudent()].map(async (p) => connectSocket(stack.wsUrl, (await p).token)));
    try {
      const created = await api.post('/admin/announcements', { title: 'Scale', message: 'to everyone', targetAudience: 'students' }, { token: admin.token });
      expect(created.status).toBe(201);
      // The live sockets are the newest connections, so the job reaches them after the 1500 stale ones: on a
      // loaded machine that takes longer than a frame's usual 5 s.
      for (const socket of live) {
        expect((await socket.next('system.announcement', 45_000)).data.id).toBe(created.body.data.id);
        expect(await socket.receives('system.announcement', 300)).toBe(false);
      }
      // The fan-out runs as an asynchronous job (the fanout function), after the 201: wait for it to finish.
      const countLeft = async () =>
        (
          await db.doc.send(
            new QueryCommand({ TableName: db.tableName, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': connectionKeys.byRole('student').gsi2pk }, Select: 'COUNT' }),
          )
        ).Count;
      await eventually(async () => (await countLeft()) === live.length, 60_000, 'stale connections cleared');
    } finally {
      await Promise.all(live.map((s) => s.close()));
    }
  }, 120_000);
});
