import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { issueSession } from '../../shared/auth/sessions.ts';

const stack = useTestStack({ RATE_LIMIT_AUTH_PER_MINUTE: '3', RATE_LIMIT_SESSION_PER_MINUTE: '4' });
const api = apiClient(() => stack.apiUrl);

/** The limit counts fixed one-minute windows: start well inside one so the test cannot straddle two. */
async function startOfQuietWindow() {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
}

describe('rate limits of the auth endpoints (per IP)', () => {
  it('answers the 4th auth request of a minute with 429 RATE_LIMIT_EXCEEDED, Retry-After and the envelope, on any auth route', async () => {
    await startOfQuietWindow();
    // Bodies that fail validation: the limit is counted before the body is looked at, and they cost no hashing.
    for (let i = 0; i < 3; i++) {
      const res = await api.post('/auth/login', { email: 'someone@example.test' });
      expect(res.status).toBe(400);
    }

    const limited = await api.post('/auth/login', { email: 'someone@example.test', password: 'whatever 1' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ success: false, error: { code: 'RATE_LIMIT_EXCEEDED', details: { limit: 3 } } });
    expect(typeof limited.body.timestamp).toBe('string');
    expect(typeof limited.body.requestId).toBe('string');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const otherAuthRoute = await api.post('/auth/forgot-password', { email: 'someone@example.test' });
    expect(otherAuthRoute.status).toBe(429);
  });

  it('gives refresh and logout their own bucket: they work while sign-in is exhausted, and are limited on their own', async () => {
    await startOfQuietWindow();
    const { user } = await seedStudent();
    let { refreshToken } = await issueSession(getDb(), user, new Date());
    for (let i = 0; i < 4; i++) await api.post('/auth/login', { email: 'someone@example.test' });
    expect((await api.post('/auth/login', { email: 'someone@example.test', password: 'whatever 1' })).status).toBe(429);

    for (let i = 0; i < 4; i++) {
      const res = await api.post('/auth/refresh', { refreshToken });
      expect(res.status).toBe(200);
      refreshToken = res.body.data.refreshToken;
    }
    const limited = await api.post('/auth/refresh', { refreshToken });
    const logout = await api.post('/auth/logout', { refreshToken });

    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 4 } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(logout.status).toBe(429);
  });

  it('does not count against routes of other classes', async () => {
    expect((await api.get('/system/health')).status).toBe(200);
  });
});
