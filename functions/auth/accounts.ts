// Account creation, shared by self sign-up (password or Google), the demo seed and `npm run create-admin`.
// One transaction writes the user with everything that must be true of it from the first moment: its unique
// e-mail, its unique referral code, who referred it, the user-statistics counters, its Google link, and for a
// student the support chat (the spec's chat screen lists it from the first sign-in; no spec route creates it).
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { randomCounterShard } from '#shared/db/counters.ts';
import {
  defaultPreferences,
  getUserIdByReferralCode,
  normalizeEmail,
  referralCounterUpdate,
  toUserItem,
  userKeys,
  userRegistrationUpdate,
  userStatsUpdate,
  type User,
} from '#shared/db/entities/user.ts';
import type { Role } from '#shared/auth/tokens.ts';
import { hashPassword } from '#shared/auth/passwords.ts';
import { newSupportChat, supportChatWrites } from '#shared/db/entities/chat.ts';
import { conflict, validationError } from '#shared/errors.ts';
import { newId, newReferralCode } from '#shared/ids.ts';

export interface NewAccount {
  name: string;
  email: string;
  role: Role;
  /** Absent for accounts that only sign in with Google. */
  password?: string;
  google?: { sub: string };
  avatar?: string;
  /** Referral code of the user who referred this one; an unknown code is a validation error. */
  referralCode?: string;
  /**
   * The address is known to belong to this person: Google accounts always (Google proved it), accounts an
   * operator creates (`create-admin`) because the operator vouches for it. Self sign-up proves it by the link.
   */
  emailVerified?: boolean;
}

const MAX_ATTEMPTS = 6;

/**
 * Creates the account or throws: 409 CONFLICT when the e-mail (or Google account) is taken, 400 for an unknown
 * referral code. Of any number of concurrent calls for one e-mail exactly one succeeds: the e-mail sentinel
 * is written with attribute_not_exists in the same transaction as the user.
 */
export async function createAccount(db: Db, input: NewAccount, now: Date): Promise<User> {
  if (!input.password && !input.google) throw new Error('createAccount needs a password or a Google account');
  const referrerId = input.referralCode ? await getUserIdByReferralCode(db, input.referralCode) : undefined;
  if (input.referralCode && !referrerId) {
    throw validationError('referralCode', 'unknown referral code', 'Unknown referral code');
  }
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  const createdAt = now.toISOString();
  const base: User = {
    id: newId('user', now),
    name: input.name.trim(),
    email: normalizeEmail(input.email),
    role: input.role,
    status: 'active',
    preferences: defaultPreferences,
    referralCode: '',
    sessionVersion: 0,
    createdAt,
    updatedAt: createdAt,
    ...(input.avatar ? { avatar: input.avatar } : {}),
    ...(passwordHash ? { passwordHash } : {}),
    ...(input.google ? { googleSub: input.google.sub } : {}),
    ...(input.google || input.emailVerified ? { emailVerifiedAt: createdAt } : {}),
    ...(referrerId ? { referredBy: referrerId } : {}),
    registrationCounted: true,
  };

  for (let attempt = 1; ; attempt++) {
    const user: User = { ...base, referralCode: newReferralCode() };
    const items = accountItems(db, user, referrerId, input.referralCode);
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.write) }));
      return user;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) throw err;
      const failed = (name: ItemName) => reasons[items.findIndex((i) => i.name === name)] === 'ConditionalCheckFailed';
      if (failed('email')) throw conflict('An account with this e-mail address already exists', { field: 'email' });
      if (failed('google')) throw conflict('This Google account is already linked to another user', { field: 'googleToken' });
      // The referrer's account went away between the code lookup and this write.
      if (failed('referrer')) throw validationError('referralCode', 'unknown referral code', 'Unknown referral code');
      if (attempt >= MAX_ATTEMPTS) throw err;
      // A referral-code collision (1 in 2^40) takes a new code; a TransactionConflict (someone else writing the
      // statistics item or the same e-mail sentinel right now) is retried, and the retry sees the winner.
      if (!failed('referralCode') && !reasons.includes('TransactionConflict')) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));
    }
  }
}

type ItemName = 'email' | 'user' | 'referralCode' | 'stats' | 'registrations' | 'referral' | 'referrer' | 'google' | 'supportChat';

function accountItems(db: Db, user: User, referrerId: string | undefined, usedCode: string | undefined) {
  const TableName = db.tableName;
  const notExists = 'attribute_not_exists(pk)';
  const shard = randomCounterShard();
  const items: { name: ItemName; write: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number] }[] = [
    { name: 'email', write: { Put: { TableName, Item: { ...userKeys.email(user.email), entity: 'emailSentinel', userId: user.id }, ConditionExpression: notExists } } },
    { name: 'user', write: { Put: { TableName, Item: toUserItem(user), ConditionExpression: notExists } } },
    { name: 'referralCode', write: { Put: { TableName, Item: { ...userKeys.referralCode(user.referralCode), entity: 'referralCodeSentinel', userId: user.id }, ConditionExpression: notExists } } },
    // The registrations of the month on the shard of the TOTALS update: one shard per sign-up, so concurrent
    // sign-ups collide only when they pick the same one.
    { name: 'stats', write: { Update: { TableName, ...userStatsUpdate([{ role: user.role, status: user.status, delta: 1 }], shard) } } },
    { name: 'registrations', write: userRegistrationUpdate(TableName, user.createdAt, shard) },
  ];
  if (referrerId) {
    items.push({ name: 'referrer', write: referralCounterUpdate(TableName, referrerId, 'signups') });
    items.push({
      name: 'referral',
      write: {
        Put: {
          TableName,
          Item: {
            ...userKeys.referral(referrerId, user.id),
            entity: 'referral',
            referrerId,
            referredUserId: user.id,
            referredName: user.name,
            code: usedCode!.toUpperCase(),
            createdAt: user.createdAt,
          },
          ConditionExpression: notExists,
        },
      },
    });
  }
  if (user.googleSub) {
    items.push({ name: 'google', write: { Put: { TableName, Item: { ...userKeys.google(user.googleSub), entity: 'googleSentinel', userId: user.id }, ConditionExpression: notExists } } });
  }
  if (user.role === 'student') {
    for (const write of supportChatWrites(TableName, newSupportChat(user))) items.push({ name: 'supportChat', write });
  }
  return items;
}
