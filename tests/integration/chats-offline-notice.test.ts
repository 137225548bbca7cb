// Issue #6: a chat message for a participant with no open socket becomes exactly one notification.
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';
import { connectSocket } from '../support/ws.ts';
import { mailsTo } from '../support/mail.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

describe('messages for offline participants', () => {
  it('notifies an offline student once per message, with a link to the chat, and nobody else', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const bystander = await seedStudent();
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;

    const sent = await api.post(`/chats/${chat.id}/messages`, { content: 'We have picked up your question', type: 'text' }, { token: admin.token });
    expect(sent.status).toBe(201);

    const list = await api.get('/notifications', { token: student.token });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({
      type: 'message',
      title: `New message from ${admin.user.name}`,
      message: 'We have picked up your question',
      data: { chatId: chat.id, messageId: sent.body.data.id },
      read: false,
    });
    const mails = await mailsTo(stack, student.user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain(`http://app.test/chats/${chat.id}`);
    expect((await api.get('/notifications', { token: bystander.token })).body.data).toEqual([]);
    expect((await api.get('/notifications', { token: admin.token })).body.data).toEqual([]);
  });

  it('does not notify a student who has the chat open on a socket (the message arrives live instead)', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;
    const socket = await connectSocket(stack.wsUrl, student.token);
    try {
      await api.post(`/chats/${chat.id}/messages`, { content: 'Are you there?', type: 'text' }, { token: admin.token });
      expect((await socket.next('chat.message')).data.message.content).toBe('Are you there?');
      expect((await api.get('/notifications', { token: student.token })).body.data).toEqual([]);
    } finally {
      await socket.close();
    }
  });

  it('does not notify the admin team one by one for a student’s support message', async () => {
    const student = await seedStudent();
    const admin = await seedAdmin();
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;
    await api.post(`/chats/${chat.id}/messages`, { content: 'Hello support', type: 'text' }, { token: student.token });
    expect((await api.get('/notifications', { token: admin.token })).body.data).toEqual([]);
    expect((await api.get('/notifications', { token: student.token })).body.data).toEqual([]);
  });
});
