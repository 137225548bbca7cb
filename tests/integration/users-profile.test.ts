import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { userKeys } from '../../shared/db/entities/user.ts';
import { getProfile, updateProfile } from '../../functions/users/profile.ts';
import type { UpdateProfileBody } from '../../shared/contract/users.ts';
import { laggingReplica } from '../support/consistency.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);


async function storedItem(userId: string) {
  const db = getDb();
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.user(userId) }));
  return out.Item!;
}

describe('GET /users/profile', () => {
  it("returns the caller's profile in the spec's shape with the referral code and link", async () => {
    const { user, token } = await seedStudent({ bio: 'Hello' });

    const res = await api.get('/users/profile', { token });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      data: {
        id: user.id,
        name: user.name,
        email: user.email,
        role: 'student',
        avatar: null,
        profile: {
          isComplete: false,
          academicLevel: null,
          institution: null,
          major: null,
          bio: 'Hello',
          preferences: { notifications: true, emailUpdates: true, theme: 'light' },
        },
        referralCode: user.referralCode,
        referralLink: `http://app.test/register?ref=${user.referralCode}`,
        referralStats: { signups: 0, requests: 0 },
        // Users stored before e-mail verification existed have no such attribute: not verified.
        emailVerified: false,
        createdAt: user.createdAt,
        updatedAt: user.updatedAt,
      },
    });
  });

  it('derives isComplete from academic level, institution and major all being set', async () => {
    const { token } = await seedStudent({ academicLevel: 'graduate', institution: 'MIT', major: 'Physics' });

    const res = await api.get('/users/profile', { token });

    expect(res.body.data.profile).toMatchObject({ isComplete: true, academicLevel: 'graduate', institution: 'MIT', major: 'Physics' });
  });

  it('works for admins too and never exposes the password hash or session version', async () => {
    const { token } = await seedAdmin({ passwordHash: 'scrypt$secret' });

    const res = await api.get('/users/profile', { token });

    expect(res.status).toBe(200);
    expect(res.body.data.role).toBe('admin');
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|scrypt|sessionVersion|searchText|gsi1pk/);
  });

  it('refuses a request without a token with 401', async () => {
    const res = await api.get('/users/profile');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });

  it('answers 404 when the token belongs to a user that no longer exists', async () => {
    const { user, token } = await seedStudent();
    const db = getDb();
    const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
    await db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: userKeys.user(user.id) }));

    const res = await api.get('/users/profile', { token });

    expect(res.status).toBe(404);
  });
});

describe('PUT /users/profile', () => {
  it("updates name, bio and academic details and merges partial preferences, as the spec's body has them", async () => {
    const { user, token } = await seedStudent();

    const res = await api.put(
      '/users/profile',
      {
        name: '  Ada Lovelace ',
        bio: 'Updated bio',
        profile: { academicLevel: 'graduate', institution: 'New University', major: 'Data Science', preferences: { theme: 'dark' } },
      },
      { token },
    );

    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id: user.id,
      name: 'Ada Lovelace',
      email: user.email,
      profile: {
        isComplete: true,
        academicLevel: 'graduate',
        institution: 'New University',
        major: 'Data Science',
        bio: 'Updated bio',
        preferences: { notifications: true, emailUpdates: true, theme: 'dark' },
      },
    });
    expect(res.body.data.updatedAt > user.updatedAt).toBe(true);
    const again = await api.get('/users/profile', { token });
    expect(again.body.data).toEqual(res.body.data);
  });

  it('accepts the bio under profile as well', async () => {
    const { token } = await seedStudent();

    const res = await api.put('/users/profile', { profile: { bio: 'Nested bio' } }, { token });

    expect(res.status).toBe(200);
    expect(res.body.data.profile.bio).toBe('Nested bio');
  });

  it('clears a field set to null, which makes the profile incomplete again', async () => {
    const { token } = await seedStudent({ academicLevel: 'phd', institution: 'ETH', major: 'Math', bio: 'x' });

    const res = await api.put('/users/profile', { bio: null, profile: { institution: null } }, { token });

    expect(res.status).toBe(200);
    expect(res.body.data.profile).toMatchObject({ isComplete: false, institution: null, bio: null, major: 'Math' });
  });

  it('keeps the search text in step with a new name, so the admin search finds the new name', async () => {
    const { user, token } = await seedStudent();
    const admin = await seedAdmin();

    await api.put('/users/profile', { name: 'Quintessa Marlowe' }, { token });

    const item = await storedItem(user.id);
    expect(item.searchText).toBe(`quintessa marlowe ${user.email}`);
    expect(item.gsi1sk).toBe(`${user.createdAt}#${user.id}`);
    const found = await api.get('/users/students?search=QUINTESSA', { token: admin.token });
    expect(found.body.data.map((u: { id: string }) => u.id)).toEqual([user.id]);
  });

  it('reads the profile consistently: a read right after sign-up finds the user, an edit right after another keeps it', async () => {
    const { user, token } = await seedStudent();
    const key = userKeys.user(user.id);
    expect((await getProfile(laggingReplica(key, undefined), user.id)).id).toBe(user.id);

    const beforeFirstEdit = await storedItem(user.id);
    await api.put('/users/profile', { name: 'First Edit' }, { token });
    const updated = await updateProfile(laggingReplica(key, beforeFirstEdit), user.id, { profile: { major: 'History' } } as UpdateProfileBody, new Date());

    expect(updated).toMatchObject({ name: 'First Edit', major: 'History' });
  });

  it('applies two concurrent edits of different preferences without losing either', async () => {
    const { token } = await seedStudent();

    const [a, b] = await Promise.all([
      api.put('/users/profile', { profile: { preferences: { theme: 'dark' } } }, { token }),
      api.put('/users/profile', { profile: { preferences: { notifications: false } } }, { token }),
    ]);

    expect([a.status, b.status]).toEqual([200, 200]);
    const res = await api.get('/users/profile', { token });
    expect(res.body.data.profile.preferences).toEqual({ notifications: false, emailUpdates: true, theme: 'dark' });
  });

  it.each([
    ['role', { role: 'admin' }],
    ['email', { email: 'new@example.test' }],
    ['status', { status: 'active' }],
    ['referralCode', { referralCode: 'REFMINE' }],
    ['avatar', { avatar: 'https://evil.example/x.png' }],
    ['id', { id: 'user_01JAAAAAAAAAAAAAAAAAAAAAAA' }],
    ['profile.isComplete', { profile: { isComplete: true } }],
  ])('refuses the server-owned field %s with 400 naming it, and changes nothing', async (field, body) => {
    const { user, token } = await seedStudent();
    const before = await storedItem(user.id);

    const res = await api.put('/users/profile', { name: 'Changed', ...body }, { token });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
    expect(await storedItem(user.id)).toEqual(before);
  });

  it.each([
    ['an unknown field', { nickname: 'x' }, 'body'],
    ['an empty name', { name: '   ' }, 'name'],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name'],
    ['an unknown academic level', { profile: { academicLevel: 'kindergarten' } }, 'profile.academicLevel'],
    ['a non-boolean preference', { profile: { preferences: { notifications: 'yes' } } }, 'profile.preferences.notifications'],
    ['an unknown theme', { profile: { preferences: { theme: 'neon' } } }, 'profile.preferences.theme'],
    ['a bio over 1000 characters', { bio: 'x'.repeat(1001) }, 'bio'],
    ['two different bios', { bio: 'a', profile: { bio: 'b' } }, 'bio'],
    ['nothing to update', {}, 'body'],
  ])('answers 400 VALIDATION_ERROR for %s', async (_case, body, field) => {
    const { token } = await seedStudent();

    const res = await api.put('/users/profile', body, { token });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.field).toBe(field);
  });

  it('answers 400 for malformed JSON', async () => {
    const { token } = await seedStudent();
    const res = await api.put('/users/profile', '{"name": ', { token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('refuses a request without a token with 401', async () => {
    const res = await api.put('/users/profile', { name: 'X' });
    expect(res.status).toBe(401);
  });

  it("changes only the caller's own record: another student's profile is untouched", async () => {
    const alice = await seedStudent();
    const bob = await seedStudent();
    const bobBefore = await storedItem(bob.user.id);

    const res = await api.put('/users/profile', { name: 'Alice Renamed' }, { token: alice.token });

    expect(res.body.data.id).toBe(alice.user.id);
    expect(await storedItem(bob.user.id)).toEqual(bobBefore);
  });
});
