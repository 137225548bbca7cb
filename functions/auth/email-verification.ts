// E-mail verification: sign-up mails a link to GET /auth/verify-email; opening it marks the address verified.
// Verification is what decides, when someone later signs in with Google under the same address, whether the
// account is linked (verified: the owner set the password) or taken over (unverified: anyone may have
// registered it; Google's proof wins). Sign-in itself never waits for it.
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { userKeys, type User } from '#shared/db/entities/user.ts';
import { emailVerificationKeys, getEmailVerificationByHash, toEmailVerificationItem } from '#shared/db/entities/email-verification.ts';
import { mailOutboxPut } from '#shared/mail/outbox.ts';
import type { Logger } from '#shared/log.ts';
import { validationError } from '#shared/errors.ts';
import { hashToken, newSecretToken } from '#shared/ids.ts';
import { emailVerificationMail } from './mail.ts';

export const VERIFY_TOKEN_TTL_HOURS = 72;

export interface VerificationMailDeps {
  db: Db;
  /** This API's public base URL; the link is `<apiUrl>/auth/verify-email?token=<token>`. */
  apiUrl: string;
  log: Logger;
}

/**
 * Stores a verification token for the user's address and, in the same transaction, the mail with its link
 * (the outbox; the mailer sends it after the request). Never throws: the account exists whatever happens
 * here, and a user without a working link can still verify through a password reset.
 */
export async function sendVerificationEmail(deps: VerificationMailDeps, user: User, now: Date): Promise<void> {
  const token = newSecretToken();
  try {
    const link = `${deps.apiUrl.replace(/\/+$/, '')}/auth/verify-email?token=${encodeURIComponent(token)}`;
    await deps.db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: deps.db.tableName,
              Item: toEmailVerificationItem({
                tokenHash: hashToken(token),
                userId: user.id,
                email: user.email,
                createdAt: now.toISOString(),
                expiresAt: Math.floor(now.getTime() / 1000) + VERIFY_TOKEN_TTL_HOURS * 3600,
              }),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          mailOutboxPut(deps.db.tableName, emailVerificationMail(user, link, VERIFY_TOKEN_TTL_HOURS), now),
        ],
      }),
    );
  } catch (err) {
    deps.log.error('e-mail verification mail failed', { error: err, userId: user.id });
  }
}

const invalidVerificationToken = () =>
  validationError('token', 'invalid or expired', 'This e-mail verification link is invalid or has expired');

export interface VerifiedEmail {
  email: string;
  /** False when this link had already verified the address (opened twice, or by a mail scanner first). */
  firstTime: boolean;
}

/**
 * Marks the address of the link verified. One transaction spends the token (conditional: it verifies once) and
 * sets `emailVerifiedAt` on the user, conditional on the user still having the address the link was mailed to.
 * 400 on `token` for an unknown or expired link.
 */
export async function verifyEmail(db: Db, token: string, now: Date): Promise<VerifiedEmail> {
  // Another transaction on the user item at the same moment (a refresh's check, a status change) cancels ours
  // with TransactionConflict: try again, the retry reads what won.
  for (let attempt = 0; ; attempt++) {
    try {
      return await verifyOnce(db, token, now);
    } catch (err) {
      if (!cancellationReasons(err)?.includes('TransactionConflict') || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (attempt + 1)));
    }
  }
}

async function verifyOnce(db: Db, token: string, now: Date): Promise<VerifiedEmail> {
  const tokenHash = hashToken(token);
  const record = await getEmailVerificationByHash(db, tokenHash);
  if (!record || record.expiresAt <= Math.floor(now.getTime() / 1000)) throw invalidVerificationToken();
  if (record.usedAt) return { email: record.email, firstTime: false };
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: db.tableName,
              Key: emailVerificationKeys.token(tokenHash),
              UpdateExpression: 'SET usedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
              ExpressionAttributeValues: { ':now': now.toISOString() },
            },
          },
          {
            Update: {
              TableName: db.tableName,
              Key: userKeys.user(record.userId),
              UpdateExpression: 'SET emailVerifiedAt = if_not_exists(emailVerifiedAt, :now)',
              ConditionExpression: 'attribute_exists(pk) AND email = :email',
              ExpressionAttributeValues: { ':now': now.toISOString(), ':email': record.email },
            },
          },
        ],
      }),
    );
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (!reasons || reasons.includes('TransactionConflict')) throw err;
    // Opened twice at once: the other request verified it.
    if (reasons[0] === 'ConditionalCheckFailed') return { email: record.email, firstTime: false };
    // The account is gone (or no longer has this address).
    if (reasons[1] === 'ConditionalCheckFailed') throw invalidVerificationToken();
    throw err;
  }
  return { email: record.email, firstTime: true };
}
