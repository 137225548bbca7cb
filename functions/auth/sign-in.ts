// Signing in and out: password and Google sign-in, sign-up, refresh-token rotation and logout. Each returns
// what the spec's auth responses carry: the public user, an access token and a refresh token.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import {
  getUserById,
  getUserIdByEmail,
  getUserIdByGoogleSub,
  publicUser,
  userKeys,
  type PublicUser,
  type User,
} from '#shared/db/entities/user.ts';
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from '#shared/auth/tokens.ts';
import { verifyPassword } from '#shared/auth/passwords.ts';
import { assertMaySignIn, issueSession, revokeSessionOfToken, rotateRefreshToken } from '#shared/auth/sessions.ts';
import { verifyGoogleIdToken, type GoogleIdentity, type GoogleVerifierConfig } from '#shared/auth/google.ts';
import { beginSignInAttempt, type LoginThrottle } from '#shared/auth/login-throttle.ts';
import { AppError, authenticationRequired, conflict, forbidden } from '#shared/errors.ts';
import { createAccount } from './accounts.ts';
import { sendVerificationEmail, type VerificationMailDeps } from './email-verification.ts';

export interface AuthResult {
  user: PublicUser;
  token: string;
  refreshToken: string;
  expiresIn: number;
}

/** The access token names its session (the refresh-token family), so sockets opened with it belong to it. */
async function authResult(user: User, session: { refreshToken: string; familyId: string }, now: Date): Promise<AuthResult> {
  const token = await signAccessToken({ id: user.id, role: user.role, sessionId: session.familyId }, now);
  return { user: publicUser(user), token, refreshToken: session.refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/** A new sign-in: a fresh refresh-token family and an access token. */
async function startSession(db: Db, user: User, now: Date): Promise<AuthResult> {
  return authResult(user, await issueSession(db, user, now), now);
}

/**
 * Closes a user's open WebSocket connections when their sessions end: those of one session (`sessionId`), or
 * all of them. The realtime push module in production; must not throw (a failure is logged, not the request's).
 */
export type CloseSockets = (userId: string, options: { sessionId?: string; reason: 'signed_out' | 'session_ended' }) => Promise<unknown>;

export interface Registration {
  name: string;
  email: string;
  password: string;
  referralCode?: string;
}

/**
 * Self sign-up: always a student (the contract refuses any other role). Mails a link that verifies the address;
 * the account works at once, verified or not.
 */
export async function register(deps: VerificationMailDeps, input: Registration, now: Date): Promise<AuthResult> {
  const user = await createAccount(deps.db, { ...input, role: 'student' }, now);
  await sendVerificationEmail(deps, user, now);
  return startSession(deps.db, user, now);
}

const invalidCredentials = () => authenticationRequired('Invalid e-mail or password');

/**
 * Password sign-in. An unknown e-mail and an account without a password still run one full scrypt
 * verification (against a dummy hash), so response time does not tell which e-mails exist. The status
 * check comes after the password check for the same reason. Failed attempts per e-mail address are limited
 * (`throttle`, see login-throttle.ts), known address or not.
 */
export async function login(db: Db, input: { email: string; password: string }, throttle: LoginThrottle, now: Date): Promise<AuthResult> {
  const attempt = await beginSignInAttempt(db, input.email, throttle, now);
  const userId = await getUserIdByEmail(db, input.email);
  const user = userId ? await getUserById(db, userId) : undefined;
  const ok = await verifyPassword(input.password, user?.passwordHash);
  if (!user || !ok) throw invalidCredentials();
  await attempt.succeeded();
  assertMaySignIn(user);
  return startSession(db, user, now);
}

/**
 * Google sign-in: the account linked to the Google `sub`; else the account with the token's (verified) e-mail;
 * else a new student (`referralCode` applies to that case only). `role: 'admin'` never creates an admin.
 *
 * An existing account found by e-mail is linked as it is when its address was verified: its owner set its
 * password. When it never was, anyone may have registered that address, so Google's proof wins: the password
 * is removed and every session of the account is revoked before the Google session starts (the owner can set
 * a password again with forgot-password).
 */
export async function loginWithGoogle(
  db: Db,
  input: { googleToken: string; role?: 'student' | 'admin'; referralCode?: string },
  google: GoogleVerifierConfig,
  now: Date,
  closeSockets: CloseSockets,
): Promise<AuthResult> {
  const identity = await verifyGoogleIdToken(input.googleToken, google);
  const { user, takenOver } = await findOrCreateGoogleUser(db, identity, input, now);
  // The sessions the takeover revoked may have open sockets (the squatter's): they end before the owner's begins.
  if (takenOver) await closeSockets(user.id, { reason: 'session_ended' });
  assertMaySignIn(user);
  return startSession(db, user, now);
}

async function findOrCreateGoogleUser(
  db: Db,
  identity: GoogleIdentity,
  input: { role?: 'student' | 'admin'; referralCode?: string },
  now: Date,
): Promise<{ user: User; takenOver: boolean }> {
  // Two rounds: a concurrent first sign-in, registration or verification may win the race once.
  for (let round = 0; ; round++) {
    const linkedId = await getUserIdByGoogleSub(db, identity.sub);
    const linked = linkedId ? await getUserById(db, linkedId) : undefined;
    if (linked) return { user: linked, takenOver: false };

    const byEmailId = await getUserIdByEmail(db, identity.email);
    const byEmail = byEmailId ? await getUserById(db, byEmailId, { consistent: true }) : undefined;
    try {
      if (byEmail) {
        // A suspended account is refused before anything about it changes.
        assertMaySignIn(byEmail);
        return byEmail.emailVerifiedAt
          ? { user: await linkGoogleAccount(db, byEmail, identity.sub, now), takenOver: false }
          : { user: await takeOverUnverifiedAccount(db, byEmail, identity.sub, now), takenOver: true };
      }
      if (input.role === 'admin') {
        throw forbidden('There is no admin account for this Google account. Admin accounts are created by an admin.');
      }
      const created = await createAccount(
        db,
        {
          name: identity.name?.trim() || identity.email.split('@')[0],
          email: identity.email,
          role: 'student',
          google: { sub: identity.sub },
          ...(identity.picture?.startsWith('https://') ? { avatar: identity.picture } : {}),
          ...(input.referralCode ? { referralCode: input.referralCode } : {}),
        },
        now,
      );
      return { user: created, takenOver: false };
    } catch (err) {
      if (round === 0 && err instanceof AppError && err.code === 'CONFLICT') continue;
      throw err;
    }
  }
}

/** An account already linked to another Google account is never re-linked (either way in). */
function assertLinkable(user: User, sub: string): void {
  if (user.googleSub && user.googleSub !== sub) {
    throw conflict('This e-mail address belongs to an account linked to a different Google account');
  }
}

/** The Google sentinel (one user per Google account), written with every link. */
function googleSentinelPut(tableName: string, userId: string, sub: string) {
  return { Put: { TableName: tableName, Item: { ...userKeys.google(sub), entity: 'googleSentinel', userId }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

/** Links `sub` to an existing account with a verified address: Google sentinel + user field, atomically. */
async function linkGoogleAccount(db: Db, user: User, sub: string, now: Date): Promise<User> {
  assertLinkable(user, sub);
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          googleSentinelPut(db.tableName, user.id, sub),
          {
            Update: {
              TableName: db.tableName,
              Key: userKeys.user(user.id),
              UpdateExpression: 'SET googleSub = :sub, updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(googleSub)',
              ExpressionAttributeValues: { ':sub': sub, ':now': now.toISOString() },
            },
          },
        ],
      }),
    );
  } catch (err) {
    if (cancellationReasons(err)) throw conflict('This Google account was linked by a concurrent sign-in; try again');
    throw err;
  }
  return { ...user, googleSub: sub, updatedAt: now.toISOString() };
}

/**
 * Hands an account whose address was never verified to the Google account that proves it: links `sub`, marks
 * the address verified, removes the password and bumps `sessionVersion` (every refresh family and every
 * outstanding reset link of the account dies), in one transaction. Conditional on the account still being
 * unverified and unlinked: if its owner verified it meanwhile, the transaction fails and the retry links it
 * instead.
 */
async function takeOverUnverifiedAccount(db: Db, user: User, sub: string, now: Date): Promise<User> {
  assertLinkable(user, sub);
  const at = now.toISOString();
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          googleSentinelPut(db.tableName, user.id, sub),
          {
            Update: {
              TableName: db.tableName,
              Key: userKeys.user(user.id),
              UpdateExpression:
                'SET googleSub = :sub, emailVerifiedAt = :now, updatedAt = :now, sessionVersion = if_not_exists(sessionVersion, :zero) + :one REMOVE passwordHash',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(googleSub) AND attribute_not_exists(emailVerifiedAt) AND email = :email',
              ExpressionAttributeValues: { ':sub': sub, ':now': at, ':zero': 0, ':one': 1, ':email': user.email },
            },
          },
        ],
      }),
    );
  } catch (err) {
    if (cancellationReasons(err)) throw conflict('This account changed during Google sign-in; try again');
    throw err;
  }
  const { passwordHash, ...rest } = user;
  void passwordHash;
  return { ...rest, googleSub: sub, emailVerifiedAt: at, updatedAt: at, sessionVersion: user.sessionVersion + 1 };
}

/**
 * Rotation: the presented refresh token is spent and a new one of the same family comes back. A reused or
 * superseded token revokes its session, whose sockets are closed before the 401.
 */
export async function refresh(db: Db, refreshToken: string, now: Date, closeSockets: CloseSockets): Promise<AuthResult> {
  const rotated = await rotateRefreshToken(db, refreshToken, now, {
    onRevoked: ({ familyId, userId }) => closeSockets(userId, { sessionId: familyId, reason: 'session_ended' }),
  });
  return authResult(rotated.user, rotated, now);
}

/**
 * Revokes the session the refresh token belongs to and closes the sockets opened in it (the user's other
 * sessions keep theirs); unknown tokens are accepted silently (RFC 7009 2.2).
 */
export async function logout(db: Db, refreshToken: string, now: Date, closeSockets: CloseSockets): Promise<{ message: string }> {
  const session = await revokeSessionOfToken(db, refreshToken, now);
  if (session) await closeSockets(session.userId, { sessionId: session.familyId, reason: 'signed_out' });
  return { message: 'Signed out' };
}
