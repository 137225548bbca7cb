// Two tabs (or a retried request) refreshing with the same token at once must not log the user out:
// within REFRESH_REUSE_GRACE_SECONDS of a rotation the spent token yields another token of the same session.
// The grace never lets two branches of one session live on: once the session has moved past a token's
// generation, presenting that token (used or a never-used sibling) revokes the session.
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

describe('siblings handed out by the grace window', () => {
  it('revokes the session when a thief who raced the grace window is ahead and the victim presents its sibling', async () => {
    // Arrange: the victim refreshes; a thief holding a copy of the same token replays it within the grace
    // window, gets a sibling, and rotates it, so the session now follows the thief's branch.
    const account = await register();
    const victims = (await refresh(account.refreshToken)).body.data.refreshToken;
    const thiefs = (await refresh(account.refreshToken)).body.data.refreshToken;
    const thiefsNext = await refresh(thiefs);
    expect(thiefsNext.status).toBe(200);

    // Act: the victim's tab refreshes with the token it holds, which the session has moved past.
    const victimRefresh = await refresh(victims);

    // Assert: the victim must sign in again, and so must the thief: the thief's branch is dead too.
    expect(victimRefresh.status).toBe(401);
    expect(victimRefresh.body.error.code).toBe('AUTHENTICATION_REQUIRED');
    expect(victimRefresh.body.error.message).toContain('revoked');
    expect((await refresh(thiefsNext.body.data.refreshToken)).status).toBe(401);
  });

  it('keeps two tabs that share storage signed in through many concurrent refreshes', async () => {
    const account = await register();
    // Both tabs read the one stored token, refresh at the same moment, and each writes its answer back:
    // whichever lands last is what both read next time (localStorage, or cookies).
    let stored = account.refreshToken as string;
    for (let round = 0; round < 4; round++) {
      const presented = stored;
      const answers = await Promise.all([refresh(presented), refresh(presented)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      for (const answer of answers) stored = answer.body.data.refreshToken;
    }
    expect((await refresh(stored)).status).toBe(200);
  });

  it('signs out tabs that each keep their own copy once one of them has moved on (the trade-off)', async () => {
    // Two tabs with separate storage (sessionStorage, memory) both refresh with the same token: each keeps its
    // own sibling. When one tab refreshes again, the other's sibling falls behind the session.
    const account = await register();
    const [tabA, tabB] = await Promise.all([refresh(account.refreshToken), refresh(account.refreshToken)]);
    const tabAAgain = await refresh(tabA.body.data.refreshToken);
    expect(tabAAgain.status).toBe(200);

    expect((await refresh(tabB.body.data.refreshToken)).status).toBe(401);
    expect((await refresh(tabAAgain.body.data.refreshToken)).status).toBe(401);
  });
});
