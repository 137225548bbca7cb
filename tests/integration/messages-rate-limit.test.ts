// The spec's chat rate limit (30 messages a minute per user), here lowered to 3 so the test stays quick.
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';

const stack = useTestStack({ RATE_LIMIT_CHAT_PER_MINUTE: '3' });
const api = apiClient(() => stack.apiUrl);

describe('chat rate limit', () => {
  it('answers 429 RATE_LIMIT_EXCEEDED with Retry-After past the limit, counted per user', async () => {
    const [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
    const chatId = (await api.post('/chats/support', undefined, { token: student.token })).body.data.id;

    // Windows are whole minutes: start well inside one so the four sends share it.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.post(`/chats/${chatId}/messages`, { content: `m${i}` }, { token: student.token })).status);
    const limited = await api.post(`/chats/${chatId}/messages`, { content: 'one too many' }, { token: student.token });

    expect(statuses).toEqual([201, 201, 201]);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The admin has a budget of their own.
    expect((await api.post(`/chats/${chatId}/messages`, { content: 'admin here' }, { token: admin.token })).status).toBe(201);
  });

  it('does not spend the chat budget on reading the chat', async () => {
    const student = await seedStudent();
    const chatId = (await api.post('/chats/support', undefined, { token: student.token })).body.data.id;
    for (let i = 0; i < 5; i++) expect((await api.get(`/chats/${chatId}/messages`, { token: student.token })).status).toBe(200);
    expect((await api.post(`/chats/${chatId}/messages`, { content: 'still allowed' }, { token: student.token })).status).toBe(201);
  });
});
