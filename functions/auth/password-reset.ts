// Forgotten passwords: a single-use, 30-minute link by mail; using it sets the password and revokes every session.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { getUserById, getUserIdByEmail, userKeys } from '#shared/db/entities/user.ts';
import { getPasswordResetByHash, passwordResetKeys, toPasswordResetItem } from '#shared/db/entities/password-reset.ts';
import { hashPassword } from '#shared/auth/passwords.ts';
import { claimCooldown } from '#shared/http/rate-limit.ts';
import type { Logger } from '#shared/log.ts';
import { mailOutboxPut } from '#shared/mail/outbox.ts';
import { validationError } from '#shared/errors.ts';
import { hashToken, newSecretToken } from '#shared/ids.ts';
import { passwordResetMail } from './mail.ts';
import type { CloseSockets } from './sign-in.ts';

export const RESET_TOKEN_TTL_MINUTES = 30;

export const FORGOT_PASSWORD_MESSAGE = 'If an account exists for this e-mail address, a password reset link has been sent to it.';

export interface ForgotPasswordDeps {
  db: Db;
  /** Frontend base URL; the link is `<appUrl>/reset-password?token=<token>`. */
  appUrl: string;
  /** After a reset mail, requests for the same account send nothing for this long (0: no cooldown). */
  cooldownSeconds: number;
  log: Logger;
}

/**
 * Mails a reset link when the e-mail belongs to an account; the answer is the same either way (no account
 * enumeration). The token and its mail are written in one transaction: a link is mailed only for a token
 * that exists, and the mailer sends it after the request (a slow or failing SES never shows here). Within the
 * cooldown after a mail to an account nothing is sent and the answer is still the same: a stranger cannot
 * flood a mailbox.
 */
export async function requestPasswordReset(deps: ForgotPasswordDeps, email: string, now: Date): Promise<{ message: string }> {
  const { db } = deps;
  const userId = await getUserIdByEmail(db, email);
  const user = userId ? await getUserById(db, userId) : undefined;
  if (!user) return { message: FORGOT_PASSWORD_MESSAGE };
  if (!(await claimCooldown(db, { kind: 'pwreset', subject: user.id, seconds: deps.cooldownSeconds, now }))) {
    deps.log.info('password reset mail skipped: cooldown', { userId: user.id });
    return { message: FORGOT_PASSWORD_MESSAGE };
  }

  const token = newSecretToken();
  const link = `${deps.appUrl.replace(/\/+$/, '')}/reset-password?token=${encodeURIComponent(token)}`;
  await db.doc.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: db.tableName,
            Item: toPasswordResetItem({
              tokenHash: hashToken(token),
              userId: user.id,
              sessionVersion: user.sessionVersion,
              createdAt: now.toISOString(),
              expiresAt: Math.floor(now.getTime() / 1000) + RESET_TOKEN_TTL_MINUTES * 60,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        mailOutboxPut(db.tableName, passwordResetMail(user, link, RESET_TOKEN_TTL_MINUTES), now),
      ],
    }),
  );
  return { message: FORGOT_PASSWORD_MESSAGE };
}

const invalidResetToken = () =>
  validationError('token', 'invalid, expired or already used', 'This password reset link is invalid, has expired or was already used');

/**
 * Sets the new password. One transaction deletes the token (conditional: single use) and updates the user
 * (conditional on the sessionVersion the link was issued under, which the same update bumps: every session
 * and every other outstanding reset link of the user dies with it). The link came by mail, so the address is
 * proved: the user's e-mail counts as verified from then on.
 */
export async function resetPassword(
  db: Db,
  input: { token: string; newPassword: string },
  now: Date,
  closeSockets: CloseSockets,
): Promise<{ message: string }> {
  const tokenHash = hashToken(input.token);
  const reset = await getPasswordResetByHash(db, tokenHash);
  if (!reset || reset.expiresAt <= Math.floor(now.getTime() / 1000)) throw invalidResetToken();
  const passwordHash = await hashPassword(input.newPassword);
  const versionCondition = reset.sessionVersion === 0 ? '(attribute_not_exists(sessionVersion) OR sessionVersion = :sv)' : 'sessionVersion = :sv';
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: db.tableName, Key: passwordResetKeys.token(tokenHash), ConditionExpression: 'attribute_exists(pk)' } },
          {
            Update: {
              TableName: db.tableName,
              Key: userKeys.user(reset.userId),
              UpdateExpression:
                'SET passwordHash = :hash, updatedAt = :now, emailVerifiedAt = if_not_exists(emailVerifiedAt, :now), sessionVersion = if_not_exists(sessionVersion, :zero) + :one',
              ConditionExpression: `attribute_exists(pk) AND ${versionCondition}`,
              ExpressionAttributeValues: { ':hash': passwordHash, ':now': now.toISOString(), ':sv': reset.sessionVersion, ':zero': 0, ':one': 1 },
            },
          },
        ],
      }),
    );
  } catch (err) {
    if (cancellationReasons(err)?.includes('ConditionalCheckFailed')) throw invalidResetToken();
    throw err;
  }
  // Every session was just revoked; the sockets opened in them go too.
  await closeSockets(reset.userId, { reason: 'session_ended' });
  return { message: 'Your password has been reset. Please sign in with the new password.' };
}
