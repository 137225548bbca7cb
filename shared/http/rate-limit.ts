// Fixed one-minute windows counted atomically in the table; the counter item expires with TTL.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/client.ts';
import { rateLimitKeys } from '../db/entities/rate-limit.ts';
import { AppError } from '../errors.ts';
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
  }
}

/** Counts one request for `subject` (user id, or IP for auth) and throws 429 with Retry-After past the limit. */
export async function consumeRateLimit(
  db: Db,
  input: { cls: LimitedClass; subject: string; limit: number; now: Date },
): Promise<void> {
  const windowStart = Math.floor(input.now.getTime() / 60_000) * 60_000;
  const out = await db.doc.send(
    new UpdateCommand({
      TableName: db.tableName,
      Key: rateLimitKeys.window(input.cls, input.subject, windowStart),
      UpdateExpression: 'ADD #count :one SET expiresAt = if_not_exists(expiresAt, :exp)',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1, ':exp': Math.floor(windowStart / 1000) + 120 },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const count = Number(out.Attributes?.count ?? 0);
  if (count > input.limit) {
    const retryAfter = Math.max(1, Math.ceil((windowStart + 60_000 - input.now.getTime()) / 1000));
    throw new AppError(
      'RATE_LIMIT_EXCEEDED',
      `Too many requests: at most ${input.limit} per minute. Retry in ${retryAfter} s.`,
      { limit: input.limit, windowSeconds: 60, retryAfterSeconds: retryAfter },
      { 'Retry-After': String(retryAfter) },
    );
  }
}
