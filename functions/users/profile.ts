// The caller's own profile: the spec's shape (publicUser plus bio, preferences, timestamps, referral link)
// and edits of the fields a user owns.
import type { Db } from '#shared/db/client.ts';
import { batchGetItems } from '#shared/db/batch.ts';
import { fromUserItem, getUserById, publicUser, referralStatsOf, userKeys, updateUserProfile, type User, type UserProfileChanges } from '#shared/db/entities/user.ts';
import { conflict, notFound } from '#shared/errors.ts';
import type { UpdateProfileBody } from '#shared/contract/users.ts';

/** `<APP_URL>/register?ref=CODE`: the link a user shares (spec: Referral Code & Link). */
export function referralLinkOf(code: string, appUrl: string): string {
  const url = new URL('/register', appUrl);
  url.searchParams.set('ref', code);
  return url.toString();
}

/** GET /users/profile's shape. */
export function profileOf(user: User, appUrl: string) {
  const base = publicUser(user);
  return {
    ...base,
    profile: {
      ...base.profile,
      bio: user.bio ?? null,
      preferences: user.preferences,
    },
    referralCode: user.referralCode,
    referralLink: referralLinkOf(user.referralCode, appUrl),
    referralStats: referralStatsOf(user),
    emailVerified: Boolean(user.emailVerifiedAt),
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** What an admin sees: the profile plus the account status and who referred the user. */
export function adminUserOf(user: User, appUrl: string, referrer?: Pick<User, 'id' | 'name'>) {
  return {
    ...profileOf(user, appUrl),
    status: user.status,
    statusReason: user.statusReason ?? null,
    referredBy: referrer ? { id: referrer.id, name: referrer.name } : null,
  };
}

/** Admin views of users, with the users who referred them read in one BatchGet. */
export async function adminUserViews(db: Db, users: User[], appUrl: string) {
  const referrerIds = [...new Set(users.map((u) => u.referredBy).filter((id): id is string => Boolean(id)))];
  const referrers = new Map(
    (referrerIds.length ? await batchGetItems(db, referrerIds.map((id) => userKeys.user(id))) : []).map((item) => {
      const u = fromUserItem(item);
      return [u.id, u] as const;
    }),
  );
  return users.map((u) => adminUserOf(u, appUrl, u.referredBy ? referrers.get(u.referredBy) : undefined));
}

export async function getProfile(db: Db, userId: string): Promise<User> {
  // Consistent: clients read their profile right after sign-up or an edit (and re-read it on a lost race),
  // where an eventually consistent read may still miss the write.
  const user = await getUserById(db, userId, { consistent: true });
  // A valid token for a user that no longer exists (deleted after sign-in).
  if (!user) throw notFound('User');
  return user;
}

/** Turns the spec's body (bio at the top level or under profile) into the stored fields. */
export function profileChangesOf(body: UpdateProfileBody, current: User): UserProfileChanges {
  const p = body.profile ?? {};
  const bio = body.bio !== undefined ? body.bio : p.bio;
  return {
    name: body.name,
    // An empty bio is the same as none: store nothing rather than ''.
    bio: bio === '' ? null : bio,
    academicLevel: p.academicLevel,
    institution: p.institution,
    major: p.major,
    preferences: p.preferences ? { ...current.preferences, ...p.preferences } : undefined,
  };
}

/** Optimistic retries: a lost race re-reads and re-applies, since the user's own edit should simply win. */
const MAX_ATTEMPTS = 3;

export async function updateProfile(db: Db, userId: string, body: UpdateProfileBody, now: Date): Promise<User> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await getProfile(db, userId);
    const updated = await updateUserProfile(db, current, profileChangesOf(body, current), now);
    if (updated) return updated;
  }
  throw conflict('The profile changed while it was being updated; try again');
}
