// The per-account limit on failed password sign-ins, beside the per-IP limit of the auth class: an attacker
// with many addresses still gets at most LOGIN_MAX_FAILURES_PER_ACCOUNT guesses per window at one account.
// Keyed by the e-mail address as typed (normalised, hashed), never by the user, so an address without an
// account is throttled exactly like one with an account: the answers tell nothing about which exist.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/client.ts';
import { isConditionFailed } from '../db/errors.ts';
import { normalizeEmail } from '../db/entities/user.ts';
import { rateLimitKeys } from '../db/entities/rate-limit.ts';
import { rateLimitExceeded, windowOf } from '../http/rate-limit.ts';
import { hashToken } from '../ids.ts';

export interface LoginThrottle {
  /** Failed attempts per address per window; the next attempt in the window is 429. */
  maxFailures: number;
  windowSeconds: number;
}

export interface SignInAttempt {
  /** The attempt succeeded: it does not count as a failure. */
  succeeded(): Promise<void>;
}

/**
 * Counts an attempt at `email` before the password is checked, as a failure until `succeeded()` says otherwise.
 * Counting first (conditional ADD) is what keeps concurrent guesses from all slipping under the limit. When
 * the window already holds `maxFailures`, throws 429 RATE_LIMIT_EXCEEDED with Retry-After (the window's end),
 * whatever the password: a correct password answered differently would let guessing go on. The throttle ends
 * with its window, so a stranger cannot lock an account for longer than that.
 */
export async function beginSignInAttempt(db: Db, email: string, throttle: LoginThrottle, now: Date): Promise<SignInAttempt> {
  const { startMs, retryAfterSeconds } = windowOf(now, throttle.windowSeconds);
  const Key = rateLimitKeys.window('login-failures', hashToken(normalizeEmail(email)), startMs);
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key,
        UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :exp)',
        ConditionExpression: 'attribute_not_exists(#count) OR #count < :max',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':max': throttle.maxFailures, ':exp': Math.floor(startMs / 1000) + throttle.windowSeconds + 60 },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    throw rateLimitExceeded('Too many failed sign-ins with this e-mail address.', {
      limit: throttle.maxFailures,
      windowSeconds: throttle.windowSeconds,
      retryAfterSeconds,
    });
  }
  return {
    async succeeded() {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.tableName,
          Key,
          UpdateExpression: 'ADD #count :minusOne',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':minusOne': -1 },
        }),
      ).catch((err: unknown) => {
        // The window item went away meanwhile (TTL): nothing left to give back.
        if (!isConditionFailed(err)) throw err;
      });
    },
  };
}
