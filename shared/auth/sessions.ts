// Refresh tokens: opaque 256-bit secrets stored only as hashes, grouped in families (one per sign-in).
// Each refresh rotates the token (a token is good once); presenting a rotated token again, or any token the
// family has moved past, revokes its whole family (RFC 9700 4.14.2). Families carry the user's sessionVersion,
// so bumping it revokes every session in O(1).
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/client.ts';
import { getConfig } from '../config.ts';
import { cancellationReasons, isConditionFailed } from '../db/errors.ts';
import {
  getFamilyWithUser,
  getRefreshTokenByHash,
  sessionKeys,
  toFamilyItem,
  toRefreshTokenItem,
  type RefreshTokenRecord,
  type SessionFamily,
} from '../db/entities/session.ts';
import { userKeys, type User } from '../db/entities/user.ts';
import { authenticationRequired, forbidden, notFound } from '../errors.ts';
import { hashToken, newId, newSecretToken } from '../ids.ts';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

const epochSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Who may hold a session. Suspension is a sanction and blocks sign-in and refresh. `inactive` is an admin's
 * label for a dormant account, not a sanction, so it does not (docs/data-model/auth.md).
 */
export function assertMaySignIn(user: User): void {
  if (user.status === 'suspended') {
    throw forbidden('This account is suspended. Contact support to restore access.');
  }
}

export interface IssuedRefreshToken {
  refreshToken: string;
  familyId: string;
  expiresAt: Date;
}

/** Starts a new family (a sign-in) for `user` with its first refresh token. One TransactWriteItems, 2 items. */
export async function issueSession(db: Db, user: User, now: Date): Promise<IssuedRefreshToken> {
  const refreshToken = newSecretToken();
  const familyId = newId('fam', now);
  const expiresAt = new Date(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000);
  const family: SessionFamily = {
    familyId,
    userId: user.id,
    sessionVersion: user.sessionVersion,
    generation: 0,
    createdAt: now.toISOString(),
    lastRotatedAt: now.toISOString(),
    expiresAt: epochSeconds(expiresAt),
  };
  const token: RefreshTokenRecord = {
    tokenHash: hashToken(refreshToken),
    familyId,
    userId: user.id,
    generation: 0,
    issuedAt: now.toISOString(),
    expiresAt: epochSeconds(expiresAt),
  };
  await db.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: db.tableName, Item: toFamilyItem(family), ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: db.tableName, Item: toRefreshTokenItem(token), ConditionExpression: 'attribute_not_exists(pk)' } },
      ],
    }),
  );
  return { refreshToken, familyId, expiresAt };
}

const invalidRefreshToken = () => authenticationRequired('Invalid refresh token');
const sessionRevoked = () => authenticationRequired('This session has been revoked. Please sign in again.');

/** Marks the family revoked; a family already revoked stays as it was. */
async function revokeFamily(db: Db, familyId: string, reason: 'logout' | 'reuse', now: Date): Promise<void> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: sessionKeys.family(familyId),
        UpdateExpression: 'SET revokedAt = :now, revokedReason = :reason',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':now': now.toISOString(), ':reason': reason },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

/** Transaction check: the user's sessions were not revoked since the family was issued, and they are not suspended. */
function userMayStillRefresh(db: Db, userId: string, familySessionVersion: number) {
  return {
    TableName: db.tableName,
    Key: userKeys.user(userId),
    ConditionExpression: `${sessionVersionCondition(familySessionVersion)} AND #status <> :suspended`,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':sv': familySessionVersion, ':suspended': 'suspended' },
  };
}

function sessionVersionCondition(version: number) {
  // Users written before sessionVersion existed read as 0.
  return version === 0
    ? '(attribute_not_exists(sessionVersion) OR sessionVersion = :sv)'
    : 'sessionVersion = :sv';
}

const isTransactionConflict = (err: unknown) => cancellationReasons(err)?.includes('TransactionConflict') ?? false;

export interface RotatedSession {
  user: User;
  refreshToken: string;
  familyId: string;
}

export interface RotationHooks {
  /** Called once a family has been revoked because one of its tokens was reused or superseded (before the 401). */
  onRevoked?: (session: { familyId: string; userId: string }) => Promise<unknown>;
}

/**
 * Exchanges `presented` for a new refresh token of the same family. Cost: GetItem (token) + BatchGetItem
 * (family, user) + TransactWriteItems (old token used, new token, family, user check).
 * Throws 401 for an unknown, expired, revoked or reused token (reuse also revokes the family), 403 when the
 * user is suspended.
 */
export async function rotateRefreshToken(db: Db, presented: string, now: Date, hooks: RotationHooks = {}): Promise<RotatedSession> {
  // A concurrent transaction on the same items is retried: the retry sees the winner's write.
  for (let attempt = 0; ; attempt++) {
    try {
      return await rotateOnce(db, presented, now, getConfig().REFRESH_REUSE_GRACE_SECONDS, hooks);
    } catch (err) {
      if (!isTransactionConflict(err) || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (attempt + 1)));
    }
  }
}

async function rotateOnce(db: Db, presented: string, now: Date, graceSeconds: number, hooks: RotationHooks): Promise<RotatedSession> {
  const oldHash = hashToken(presented);
  const token = await getRefreshTokenByHash(db, oldHash);
  if (!token) throw invalidRefreshToken();
  if (token.expiresAt <= epochSeconds(now)) throw authenticationRequired('Refresh token expired. Please sign in again.');
  if (token.usedAt) {
    // Negative when a concurrent exchange that started after this request committed first: still "just now".
    // A grace of 0 is off altogether, whatever the two requests' clocks say.
    const sinceRotation = now.getTime() - Date.parse(token.usedAt);
    if (graceSeconds > 0 && sinceRotation <= graceSeconds * 1000) return reissueWithinGrace(db, token, now, hooks);
    return revokeForReuse(db, token, now, hooks);
  }
  const { family, user } = await getFamilyWithUser(db, token.familyId, token.userId);
  if (!family || !user || family.revokedAt) throw sessionRevoked();
  if (family.sessionVersion !== user.sessionVersion) throw sessionRevoked();
  if (token.generation < family.generation) {
    // Either this very token was exchanged between our two reads (two tabs at once: the rotation marks it used
    // in the same write that moves the family on, so a second read shows it), or it is a sibling from the grace
    // window whose twin rotated on. Two branches of one session must not both live, and nothing tells the
    // owner's from a thief's: the session ends.
    if ((await getRefreshTokenByHash(db, oldHash))?.usedAt) return rotateOnce(db, presented, now, graceSeconds, hooks);
    return revokeForReuse(db, token, now, hooks, 'superseded');
  }
  assertMaySignIn(user);

  const refreshToken = newSecretToken();
  const generation = token.generation + 1;
  const expiresAt = epochSeconds(now) + REFRESH_TOKEN_TTL_SECONDS;
  const next: RefreshTokenRecord = {
    tokenHash: hashToken(refreshToken),
    familyId: family.familyId,
    userId: user.id,
    generation,
    issuedAt: now.toISOString(),
    expiresAt,
  };
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            // The single-use guard: only one exchange of this token can ever commit.
            Update: {
              TableName: db.tableName,
              Key: sessionKeys.refreshToken(oldHash),
              UpdateExpression: 'SET usedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
              ExpressionAttributeValues: { ':now': now.toISOString() },
            },
          },
          { Put: { TableName: db.tableName, Item: toRefreshTokenItem(next), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            // Still live, and the presented token is the family's newest.
            Update: {
              TableName: db.tableName,
              Key: sessionKeys.family(family.familyId),
              UpdateExpression: 'SET generation = :gen, lastRotatedAt = :now, expiresAt = :exp',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND generation = :prev',
              ExpressionAttributeValues: { ':gen': generation, ':prev': token.generation, ':now': now.toISOString(), ':exp': expiresAt },
            },
          },
          // Closes the race with revokeAllSessions / suspension between our read and this write.
          { ConditionCheck: userMayStillRefresh(db, user.id, family.sessionVersion) },
        ],
      }),
    );
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (!reasons || reasons.includes('TransactionConflict')) throw err;
    if (reasons[0] === 'ConditionalCheckFailed' || reasons[2] === 'ConditionalCheckFailed') {
      // Someone exchanged this very token (two tabs at once), or the session moved on or was revoked, between
      // our read and our write: read again and let the rules above decide (grace, superseded, revoked).
      return rotateOnce(db, presented, now, graceSeconds, hooks);
    }
    if (reasons.some((r) => r === 'ConditionalCheckFailed')) throw sessionRevoked();
    throw err;
  }
  return { user, refreshToken, familyId: family.familyId };
}

async function revokeForReuse(db: Db, token: RefreshTokenRecord, now: Date, hooks: RotationHooks, why: 'used' | 'superseded' = 'used'): Promise<never> {
  await revokeFamily(db, token.familyId, 'reuse', now);
  await hooks.onRevoked?.({ familyId: token.familyId, userId: token.userId });
  throw authenticationRequired(
    why === 'used'
      ? 'Refresh token was already used; this session has been revoked. Please sign in again.'
      : 'Refresh token was superseded by a newer one of the same session; this session has been revoked. Please sign in again.',
  );
}

/**
 * A just-rotated token presented again within the grace window: issue one more token of the same session
 * (a sibling of the token that rotation issued), as long as the session has not moved on since — the family's
 * newest generation is still the one that rotation created, it is not revoked, and the user may sign in.
 * Anything else is reuse. Cost: the rotation's reads + one TransactWrite (Put + 2 ConditionChecks).
 */
async function reissueWithinGrace(db: Db, token: RefreshTokenRecord, now: Date, hooks: RotationHooks): Promise<RotatedSession> {
  const { family, user } = await getFamilyWithUser(db, token.familyId, token.userId);
  if (!family || !user || family.revokedAt) throw sessionRevoked();
  if (family.sessionVersion !== user.sessionVersion) throw sessionRevoked();
  if (family.generation !== token.generation + 1) return revokeForReuse(db, token, now, hooks);
  assertMaySignIn(user);
  const refreshToken = newSecretToken();
  const sibling: RefreshTokenRecord = {
    tokenHash: hashToken(refreshToken),
    familyId: family.familyId,
    userId: user.id,
    generation: family.generation,
    issuedAt: now.toISOString(),
    expiresAt: epochSeconds(now) + REFRESH_TOKEN_TTL_SECONDS,
  };
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: db.tableName, Item: toRefreshTokenItem(sibling), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            ConditionCheck: {
              TableName: db.tableName,
              Key: sessionKeys.family(family.familyId),
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND generation = :gen',
              ExpressionAttributeValues: { ':gen': family.generation },
            },
          },
          { ConditionCheck: userMayStillRefresh(db, user.id, family.sessionVersion) },
        ],
      }),
    );
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (!reasons || reasons.includes('TransactionConflict')) throw err;
    // The session moved on (or was revoked) in between: no grace for an older token.
    if (reasons[1] === 'ConditionalCheckFailed') return revokeForReuse(db, token, now, hooks);
    throw sessionRevoked();
  }
  return { user, refreshToken, familyId: family.familyId };
}

/**
 * Logout: revokes the family `presented` belongs to (whether it is the newest token or an older one).
 * An unknown token is not an error (RFC 7009 2.2): there is nothing left to revoke. Returns the session
 * found (its family and user), or undefined.
 */
export async function revokeSessionOfToken(db: Db, presented: string, now: Date): Promise<{ familyId: string; userId: string } | undefined> {
  const token = await getRefreshTokenByHash(db, hashToken(presented));
  if (!token) return undefined;
  await revokeFamily(db, token.familyId, 'logout', now);
  return { familyId: token.familyId, userId: token.userId };
}

/**
 * Revokes every session of the user at once by bumping `sessionVersion` (families issued under the old value
 * stop refreshing). Conditional on the user existing. Returns the new version.
 * Callers that already update the user item in a transaction (e.g. a status change) can instead add
 * `ADD sessionVersion :one` to their own update expression.
 */
export async function revokeAllSessions(db: Db, userId: string): Promise<number> {
  try {
    const out = await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: userKeys.user(userId),
        UpdateExpression: 'ADD sessionVersion :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.sessionVersion);
  } catch (err) {
    if (isConditionFailed(err)) throw notFound('User');
    throw err;
  }
}
