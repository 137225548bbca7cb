// Fixed windows counted atomically in the table; the counter item expires with TTL.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/client.ts';
import { rateLimitKeys } from '../db/entities/rate-limit.ts';
import { AppError } from '../errors.ts';
import { isConditionFailed } from '../db/errors.ts';
import type { RateLimitClass } from './contract.ts';
import type { Config } from '../config.ts';

export type LimitedClass = Exclude<RateLimitClass, 'none'>;

export function limitFor(cls: LimitedClass, config: Config): number {
  switch (cls) {
    case 'general':
      return config.RATE_LIMIT_GENERAL_PER_MINUTE;
    case 'upload':
      return config.RATE_LIMIT_UPLOAD_PER_MINUTE;
    case 'chat':
      return config.RATE_LIMIT_CHAT_PER_MINUTE;
    case 'auth':
      return config.RATE_LIMIT_AUTH_PER_MINUTE;
    case 'session':
      return config.RATE_LIMIT_SESSION_PER_MINUTE;
  }
}

/** Start of the fixed window of `windowSeconds` that `now` falls in, and the seconds left in it (at least 1). */
export function windowOf(now: Date, windowSeconds: number): { startMs: number; retryAfterSeconds: number } {
  const windowMs = windowSeconds * 1000;
  const startMs = Math.floor(now.getTime() / windowMs) * windowMs;
  return { startMs, retryAfterSeconds: Math.max(1, Math.ceil((startMs + windowMs - now.getTime()) / 1000)) };
}

/** The spec's 429: RATE_LIMIT_EXCEEDED in the envelope, with `Retry-After`. */
export function rateLimitExceeded(
  message: string,
  limit: { limit: number; windowSeconds: number; retryAfterSeconds: number },
): AppError {
  return new AppError('RATE_LIMIT_EXCEEDED', `${message} Retry in ${limit.retryAfterSeconds} s.`, { ...limit }, {
    'Retry-After': String(limit.retryAfterSeconds),
  });
}

/**
 * Counts one request for `subject` (user id, IP, connection id) in the current window of `windowSeconds`
 * (default one minute) and throws 429 with Retry-After past the limit.
 */
export async function consumeRateLimit(
  db: Db,
  input: { cls: LimitedClass | 'socket'; subject: string; limit: number; now: Date; windowSeconds?: number },
): Promise<void> {
  const windowSeconds = input.windowSeconds ?? 60;
  const { startMs, retryAfterSeconds } = windowOf(input.now, windowSeconds);
  const out = await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: rateLimitKeys.window(input.cls, input.subject, startMs),
      UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :exp)',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':exp': Math.floor(startMs / 1000) + windowSeconds + 60 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const count = Number(out.Attributes?.count ?? 0);
  if (count > input.limit) {
    const per = windowSeconds === 60 ? 'per minute' : `per ${windowSeconds} s`;
    throw rateLimitExceeded(`Too many requests: at most ${input.limit} ${per}.`, { limit: input.limit, windowSeconds, retryAfterSeconds });
  }
}

/**
 * Starts a cooldown of `seconds` for (`kind`, `subject`) unless one is running: true when the caller may go
 * ahead (and the cooldown now runs), false while an earlier one lasts. One conditional UpdateItem, so of two
 * concurrent callers exactly one goes ahead. `seconds` 0 disables the cooldown (no write).
 */
export async function claimCooldown(db: Db, input: { kind: string; subject: string; seconds: number; now: Date }): Promise<boolean> {
  if (input.seconds <= 0) return true;
  const nowMs = input.now.getTime();
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: rateLimitKeys.cooldown(input.kind, input.subject),
        UpdateExpression: 'SET untilMs = :until, expiresAt = :exp, entity = :entity',
        // An expired cooldown may still be there (TTL deletes late; DynamoDB Local never does): compare, do not trust presence.
        ConditionExpression: 'attribute_not_exists(pk) OR untilMs <= :now',
        ExpressionAttributeValues: {
          ':until': nowMs + input.seconds * 1000,
          ':exp': Math.ceil(nowMs / 1000) + input.seconds + 60,
          ':now': nowMs,
          ':entity': 'cooldown',
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}
