// The user entity: keys, item shape and the lookups every domain needs (by id, by e-mail, by referral code).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import type { Role } from '../../auth/tokens.ts';

export type UserStatus = 'active' | 'inactive' | 'suspended';
export type AcademicLevel = 'high_school' | 'undergraduate' | 'graduate' | 'phd' | 'other';

export interface UserPreferences {
  notifications: boolean;
  emailUpdates: boolean;
  theme: 'light' | 'dark' | 'system';
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role;
  status: UserStatus;
  avatarFileKey?: string;
  /** Public URL the API serves the avatar from (GET /users/{id}/avatar or a file URL). */
  avatar?: string;
  academicLevel?: string;
  institution?: string;
  major?: string;
  bio?: string;
  preferences: UserPreferences;
  /** scrypt hash `scrypt$N$r$p$salt$hash`; absent for Google-only accounts. */
  passwordHash?: string;
  googleSub?: string;
  referralCode: string;
  referredBy?: string;
  /** Bumped to revoke every session at once (password reset, suspension); refresh families carry the value they were issued under. */
  sessionVersion: number;
  statusReason?: string;
  createdAt: string;
  updatedAt: string;
}

export const defaultPreferences: UserPreferences = { notifications: true, emailUpdates: true, theme: 'light' };

export const userKeys = {
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  /** Uniqueness sentinel: one item per lower-cased e-mail, pointing at the user. */
  email: (email: string) => ({ pk: `EMAIL#${normalizeEmail(email)}`, sk: 'EMAIL' }),
  /** Uniqueness sentinel for referral codes. */
  referralCode: (code: string) => ({ pk: `REFCODE#${code.toUpperCase()}`, sk: 'REFCODE' }),
  /** Uniqueness sentinel for Google accounts (the `sub` claim). */
  google: (sub: string) => ({ pk: `GOOGLE#${sub}`, sk: 'GOOGLE' }),
  /** gsi1: users of a role, newest first (admin student list). */
  byRole: (role: Role) => ({ gsi1pk: `USERS#${role}` }),
  /** gsi2: users of a role in a status, newest first (student list filtered by status). */
  byRoleStatus: (role: Role, status: UserStatus) => ({ gsi2pk: `USERS#${role}#${status}` }),
  /** Who referred whom: under the referrer's partition. */
  referral: (referrerId: string, referredUserId: string) => ({ pk: `USER#${referrerId}`, sk: `REFERRAL#${referredUserId}` }),
};

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Lower-cased name + e-mail, for filtered search in the admin student list. */
export function searchTextOf(user: Pick<User, 'name' | 'email'>): string {
  return `${user.name} ${user.email}`.toLowerCase();
}

export function toUserItem(user: User): Record<string, unknown> {
  const sortKey = `${user.createdAt}#${user.id}`;
  return {
    ...userKeys.user(user.id),
    ...userKeys.byRole(user.role),
    gsi1sk: sortKey,
    ...userKeys.byRoleStatus(user.role, user.status),
    gsi2sk: sortKey,
    entity: 'user',
    searchText: searchTextOf(user),
    ...user,
  };
}

export function fromUserItem(item: Record<string, unknown>): User {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, entity, searchText, ...user } = item;
  void pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, entity, searchText;
  const u = user as unknown as User;
  return { ...u, preferences: u.preferences ?? defaultPreferences, sessionVersion: u.sessionVersion ?? 0 };
}

export async function getUserById(db: Db, userId: string): Promise<User | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.user(userId) }));
  return out.Item ? fromUserItem(out.Item) : undefined;
}

export async function getUserIdByEmail(db: Db, email: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.email(email) }));
  return out.Item?.userId as string | undefined;
}

export async function getUserIdByReferralCode(db: Db, code: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.referralCode(code) }));
  return out.Item?.userId as string | undefined;
}

/** The public summary other entities embed (task.student, chat participants). */
export function userSummary(user: User) {
  return { id: user.id, name: user.name, email: user.email, avatar: user.avatar ?? null };
}

/** Key of the user-statistics counter item (users by role and status), updated in the same transaction as the change. */
export const userStatsKey = { pk: 'STATS#USERS', sk: 'TOTALS' };

/** A profile counts as complete once the three fields the task forms need are all filled in. */
export function isProfileComplete(user: Pick<User, 'academicLevel' | 'institution' | 'major'>): boolean {
  return Boolean(user.academicLevel && user.institution && user.major);
}

/**
 * The user as the auth endpoints return it (spec: login/register response `user`). GET /users/profile
 * returns this plus bio, preferences, timestamps and the referral code/link.
 */
export function publicUser(user: User) {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    role: user.role,
    avatar: user.avatar ?? null,
    profile: {
      isComplete: isProfileComplete(user),
      academicLevel: user.academicLevel ?? null,
      institution: user.institution ?? null,
      major: user.major ?? null,
    },
  };
}
export type PublicUser = ReturnType<typeof publicUser>;

/** Attribute of the user-statistics item that counts users of one role in one status (`student_active`). */
export const userStatsAttribute = (role: Role, status: UserStatus) => `${role}_${status}`;

/**
 * The Update part of a TransactWrite item that moves the user-statistics counters, e.g. +1 student/active on
 * registration, or -1 student/active +1 student/suspended on a status change. Spread it into
 * `{ Update: { TableName, ...userStatsUpdate([...]) } }` in the same transaction as the user write.
 */
export function userStatsUpdate(deltas: { role: Role; status: UserStatus; delta: number }[]) {
  const sums = new Map<string, number>();
  for (const d of deltas) {
    const name = userStatsAttribute(d.role, d.status);
    sums.set(name, (sums.get(name) ?? 0) + d.delta);
  }
  const entries = [...sums.entries()].filter(([, n]) => n !== 0);
  if (entries.length === 0) throw new Error('userStatsUpdate needs at least one non-zero delta');
  const names: Record<string, string> = {};
  const values: Record<string, number> = {};
  const adds = entries.map(([name, n], i) => {
    names[`#c${i}`] = name;
    values[`:c${i}`] = n;
    return `#c${i} :c${i}`;
  });
  return {
    Key: userStatsKey,
    UpdateExpression: `ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

export async function getUserIdByGoogleSub(db: Db, sub: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.google(sub) }));
  return out.Item?.userId as string | undefined;
}
