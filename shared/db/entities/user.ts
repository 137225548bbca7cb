// The user entity: keys, item shape and the lookups every domain needs (by id, by e-mail, by referral code).
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import type { Role } from '../../auth/tokens.ts';
import { queryPage, type Page, type PageRequest } from '../query.ts';
import { cancellationReasons, isConditionFailed, transactionItemFailed } from '../errors.ts';
import { counterShardSk, counterUpdate, queryCounterItems, randomCounterShard, sumCounters } from '../counters.ts';

export type UserStatus = 'active' | 'inactive' | 'suspended';
export const ACADEMIC_LEVELS = ['high_school', 'undergraduate', 'graduate', 'phd', 'other'] as const;
export type AcademicLevel = (typeof ACADEMIC_LEVELS)[number];

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
  /**
   * When the user proved they receive mail at `email` (the sign-up link, a password reset, or Google, whose
   * accounts are created verified). Absent: never proved, including every user created before this existed.
   */
  emailVerifiedAt?: string;
  referralCode: string;
  referredBy?: string;
  /** How many accounts were created with this user's referral code. */
  referralSignups?: number;
  /** How many partnership requests of other users carried this user's referral code. */
  referralRequests?: number;
  /** Bumped to revoke every session at once (password reset, suspension); refresh families carry the value they were issued under. */
  sessionVersion: number;
  statusReason?: string;
  createdAt: string;
  updatedAt: string;
  /** Counted in the registrations per month (`STATS#USERS/MONTH#…`): by its registration, or by the `user-registrations` migration. */
  registrationCounted?: boolean;
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

/** `consistent`: read the latest write (the read before a conditional write, or right after sign-up). */
export async function getUserById(db: Db, userId: string, options: { consistent?: boolean } = {}): Promise<User | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.user(userId), ...(options.consistent ? { ConsistentRead: true } : {}) }));
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

/**
 * TransactWrite item that counts one referral for the owner of a referral code, in the same transaction as the
 * account or request that used the code; conditional on the referrer still existing.
 */
export function referralCounterUpdate(tableName: string, referrerId: string, kind: 'signups' | 'requests') {
  return {
    Update: {
      TableName: tableName,
      Key: userKeys.user(referrerId),
      UpdateExpression: 'ADD #count :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#count': kind === 'signups' ? 'referralSignups' : 'referralRequests' },
      ExpressionAttributeValues: { ':one': 1 },
    },
  };
}

/** What the profile shows of a user's referrals. */
export function referralStatsOf(user: Pick<User, 'referralSignups' | 'referralRequests'>) {
  return { signups: user.referralSignups ?? 0, requests: user.referralRequests ?? 0 };
}

/**
 * Unsharded key of the user-statistics counter (users by role and status). The items written are its shards
 * (`TOTALS#S<nn>`, shared/db/counters.ts), updated in the same transaction as the change; `getUserStats` sums them.
 */
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
 * registration, or -1 student/active +1 student/suspended on a status change, on one shard of the counter
 * (random unless given: concurrent sign-ups then rarely touch the same item). Spread it into
 * `{ Update: { TableName, ...userStatsUpdate([...]) } }` in the same transaction as the user write.
 */
export function userStatsUpdate(deltas: { role: Role; status: UserStatus; delta: number }[], shard = randomCounterShard()) {
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
    Key: { pk: userStatsKey.pk, sk: counterShardSk(userStatsKey.sk, shard) },
    UpdateExpression: `ADD ${adds.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Registrations per month (UTC), sharded like TOTALS: `STATS#USERS/MONTH#YYYY-MM#S<nn>` with `registered` (and
 * `month`). Written in the registration transaction, on the shard its TOTALS update uses; `newUsersThisMonth` sums it.
 */
export const userRegistrationKey = (month: string) => ({ pk: userStatsKey.pk, sk: `MONTH#${month}` });

/** The TransactWrite item counting one registration in the month of `createdAt` (the user item carries `registrationCounted`). */
export function userRegistrationUpdate(tableName: string, createdAt: string, shard: number, delta = 1) {
  const month = createdAt.slice(0, 7);
  return counterUpdate(tableName, { pk: userStatsKey.pk, sk: counterShardSk(userRegistrationKey(month).sk, shard) }, { registered: delta }, { month });
}

/** Users registered in `month` (`YYYY-MM`): every shard summed, one strongly consistent Query of ≤ COUNTER_SHARDS + 1 items. */
export async function getRegistrations(db: Db, month: string): Promise<number> {
  return sumCounters(await queryCounterItems(db, userStatsKey.pk, { beginsWith: `${userRegistrationKey(month).sk}#` }), ['registered']).registered;
}

const ROLES: readonly Role[] = ['student', 'admin'];
const USER_STATUSES: readonly UserStatus[] = ['active', 'inactive', 'suspended'];

export interface UserStats {
  /** Users per `<role>_<status>` (`student_active`, `admin_suspended`, ...), every combination present. */
  byRoleStatus: Record<string, number>;
  byRole: Record<Role, number>;
  byStatus: Record<UserStatus, number>;
  total: number;
}

/**
 * The user statistics: every shard of `STATS#USERS/TOTALS` (and the unsharded item written before sharding)
 * summed. One strongly consistent Query of at most COUNTER_SHARDS + 1 small items.
 */
export async function getUserStats(db: Db): Promise<UserStats> {
  const names = ROLES.flatMap((role) => USER_STATUSES.map((status) => userStatsAttribute(role, status)));
  const byRoleStatus = sumCounters(await queryCounterItems(db, userStatsKey.pk, { beginsWith: userStatsKey.sk }), names);
  const byRole = Object.fromEntries(ROLES.map((role) => [role, USER_STATUSES.reduce((n, status) => n + byRoleStatus[userStatsAttribute(role, status)], 0)])) as Record<Role, number>;
  const byStatus = Object.fromEntries(USER_STATUSES.map((status) => [status, ROLES.reduce((n, role) => n + byRoleStatus[userStatsAttribute(role, status)], 0)])) as Record<UserStatus, number>;
  return { byRoleStatus, byRole, byStatus, total: byRole.student + byRole.admin };
}

// ---- Users domain (functions/users): directory lists, profile edits, avatar, status changes ----------

export interface UserListFilter {
  role: Role;
  status?: UserStatus;
  /** Case-insensitive substring of the name or e-mail. */
  search?: string;
}

/**
 * Users of a role, newest first: gsi1 (`USERS#<role>`) or, with a status, gsi2 (`USERS#<role>#<status>`).
 * `search` is a FilterExpression on `searchText`: DynamoDB reads (and bills) the non-matching items too,
 * so queryPage bounds it to a few Query calls per request and hands back a cursor for the rest.
 */
export function listUsersByRole(db: Db, filter: UserListFilter, page: PageRequest): Promise<Page<User>> {
  const partition = filter.status
    ? { index: 'gsi2' as const, name: 'gsi2pk', value: userKeys.byRoleStatus(filter.role, filter.status).gsi2pk }
    : { index: 'gsi1' as const, name: 'gsi1pk', value: userKeys.byRole(filter.role).gsi1pk };
  const search = filter.search?.trim().toLowerCase();
  return queryPage(
    db,
    {
      index: partition.index,
      partition: { name: partition.name, value: partition.value },
      ascending: false,
      filter: search
        ? { FilterExpression: 'contains(#searchText, :search)', ExpressionAttributeNames: { '#searchText': 'searchText' }, ExpressionAttributeValues: { ':search': search } }
        : undefined,
    },
    page,
    fromUserItem,
  );
}

/** Ids of every active admin (the admin team is small: one Query page of 100 at a time), for notices to all admins. */
export async function listActiveAdminIds(db: Db): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listUsersByRole(db, { role: 'admin', status: 'active' }, { limit: 100, cursor });
    ids.push(...page.items.map((u) => u.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

/** Profile fields a user edits; `null` removes the attribute. `preferences` is the whole merged map. */
export interface UserProfileChanges {
  name?: string;
  bio?: string | null;
  academicLevel?: string | null;
  institution?: string | null;
  major?: string | null;
  preferences?: UserPreferences;
}

/**
 * Applies profile edits on top of `current`, conditional on `current.updatedAt` still being the stored
 * value (the preferences map is merged from what was read, so a concurrent edit must not be overwritten).
 * A new name rewrites `searchText` in the same update. Returns undefined when the condition failed
 * (the user changed or no longer exists): re-read and decide.
 */
export async function updateUserProfile(db: Db, current: User, changes: UserProfileChanges, now: Date): Promise<User | undefined> {
  // updatedAt doubles as the version the condition checks, so it must move even within one millisecond.
  const previous = Date.parse(current.updatedAt);
  const updatedAt = new Date(Number.isNaN(previous) ? now.getTime() : Math.max(now.getTime(), previous + 1)).toISOString();
  const next: User = { ...current, updatedAt };
  const set: string[] = ['#updatedAt = :updatedAt'];
  const remove: string[] = [];
  const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':updatedAt': next.updatedAt, ':expectedUpdatedAt': current.updatedAt };
  for (const field of ['name', 'bio', 'academicLevel', 'institution', 'major', 'preferences'] as const) {
    const value = changes[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    if (value === null) {
      remove.push(`#${field}`);
      delete (next as unknown as Record<string, unknown>)[field];
    } else {
      set.push(`#${field} = :${field}`);
      values[`:${field}`] = value;
      (next as unknown as Record<string, unknown>)[field] = value;
    }
  }
  if (changes.name !== undefined) {
    names['#searchText'] = 'searchText';
    set.push('#searchText = :searchText');
    values[':searchText'] = searchTextOf(next);
  }
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: userKeys.user(current.id),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        ConditionExpression: 'attribute_exists(pk) AND #updatedAt = :expectedUpdatedAt',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
  return next;
}

/**
 * Points the user at a new avatar object. Returns the updated user and the key of the object it replaced
 * (the caller deletes it), or undefined when the user does not exist. Two concurrent uploads each get the
 * key the other one replaced, so no object is orphaned whichever lands last.
 */
export async function setUserAvatar(
  db: Db,
  userId: string,
  avatar: { fileKey: string; url: string },
  now: Date,
): Promise<{ user: User; previousFileKey?: string } | undefined> {
  try {
    const out = await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: userKeys.user(userId),
        UpdateExpression: 'SET avatarFileKey = :key, avatar = :url, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':key': avatar.fileKey, ':url': avatar.url, ':now': now.toISOString() },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = fromUserItem(out.Attributes!);
    return {
      user: { ...old, avatarFileKey: avatar.fileKey, avatar: avatar.url, updatedAt: now.toISOString() },
      previousFileKey: old.avatarFileKey,
    };
  } catch (err) {
    if (isConditionFailed(err)) return undefined;
    throw err;
  }
}

export interface UserStatusChange {
  status: UserStatus;
  reason?: string;
  /** Bump `sessionVersion` in the same write, which revokes every refresh family issued before. */
  revokeSessions: boolean;
}

/**
 * Moves `user` from the status it was read with to `change.status`, in one transaction with the
 * user-statistics counters (-1 old, +1 new) and the gsi2 partition the status list reads. The user
 * write is conditional on the status read, so two admins racing cannot both apply (and the counters
 * cannot drift): the loser gets 'conflict'. 'missing' when the user is gone.
 */
export async function changeUserStatus(db: Db, user: User, change: UserStatusChange, now: Date): Promise<User | 'conflict' | 'missing'> {
  const updatedAt = now.toISOString();
  const set = ['#status = :status', 'gsi2pk = :gsi2pk', 'updatedAt = :now'];
  const values: Record<string, unknown> = {
    ':status': change.status,
    ':expected': user.status,
    ':gsi2pk': userKeys.byRoleStatus(user.role, change.status).gsi2pk,
    ':now': updatedAt,
  };
  if (change.reason) {
    set.push('statusReason = :reason');
    values[':reason'] = change.reason;
  }
  if (change.revokeSessions) {
    set.push('sessionVersion = if_not_exists(sessionVersion, :zero) + :one');
    values[':zero'] = 0;
    values[':one'] = 1;
  }
  const send = () =>
    db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: db.tableName,
              Key: userKeys.user(user.id),
              UpdateExpression: `SET ${set.join(', ')}${change.reason ? '' : ' REMOVE statusReason'}`,
              ConditionExpression: 'attribute_exists(pk) AND #status = :expected',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: values,
            },
          },
          {
            Update: {
              TableName: db.tableName,
              ...userStatsUpdate([
                { role: user.role, status: user.status, delta: -1 },
                { role: user.role, status: change.status, delta: +1 },
              ]),
            },
          },
        ],
      }),
    );
  // Every status change and registration writes the one statistics item, and refreshes check the user item in
  // their own transactions: DynamoDB cancels overlapping ones with TransactionConflict, so retry those briefly.
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      break;
    } catch (err) {
      if (transactionItemFailed(err, 0)) return (await getUserById(db, user.id)) ? 'conflict' : 'missing';
      if (!cancellationReasons(err)?.includes('TransactionConflict') || attempt >= 4) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
  const next: User = {
    ...user,
    status: change.status,
    updatedAt,
    sessionVersion: change.revokeSessions ? user.sessionVersion + 1 : user.sessionVersion,
  };
  if (change.reason) next.statusReason = change.reason;
  else delete next.statusReason;
  return next;
}

export async function getUserIdByGoogleSub(db: Db, sub: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.google(sub) }));
  return out.Item?.userId as string | undefined;
}

