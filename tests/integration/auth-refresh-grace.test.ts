// Two tabs (or a retried request) refreshing with the same token at once must not log the user out:
// within REFRESH_REUSE_GRACE_SECONDS of a rotation the spent token yields another token of the same session.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';

const stack = useTestStack({ REFRESH_REUSE_GRACE_SECONDS: '2' });
const api = apiClient(() => stack.apiUrl);

async function register() {
  const res = await api.post('/auth/register', { name: 'Grace Hopper', email: `grace-${randomBytes(5).toString('hex')}@example.test`, password: 'correct horse 1' });
  expect(res.status).toBe(201);
  return res.body.data as { refreshToken: string };
}
const refresh = (refreshToken: string) => api.post('/auth/refresh', { refreshToken });

describe('refreshing twice with one token within the grace window', () => {
  it('answers both concurrent refreshes with a working session', async () => {
    const account = await register();
    const [a, b] = await Promise.all([refresh(account.refreshToken), refresh(account.refreshToken)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.data.refreshToken).not.toBe(b.body.data.refreshToken);
    // Whichever token the client kept, the session lives on.
    expect((await refresh(a.body.data.refreshToken)).status).toBe(200);
  });

  it('still treats a replay as theft once the session has moved on past that rotation', async () => {
    const account = await register();
    const next = (await refresh(account.refreshToken)).body.data.refreshToken;
    const newest = (await refresh(next)).body.data.refreshToken;

    const replay = await refresh(account.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toContain('already used');
    expect((await refresh(newest)).status).toBe(401);
  });

  it('treats a replay after the window as theft and revokes the session', async () => {
    const account = await register();
    const next = (await refresh(account.refreshToken)).body.data.refreshToken;
    await new Promise((r) => setTimeout(r, 2300));

    expect((await refresh(account.refreshToken)).status).toBe(401);
    expect((await refresh(next)).status).toBe(401);
  });
});
