// Idempotency records: one per (user, route, Idempotency-Key), so a retried create answers as the first one did
// instead of writing again. The record holds what identifies the request (a hash of it) and, once the first
// request succeeded, the ids of what it created and its status: the answer is rebuilt from those by reading the
// resources again (fresh presigned URLs, small items). Lifecycle and races: docs/data-model.md (Idempotency).
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { isConditionFailed } from '../errors.ts';

/** How long a key is remembered (the record's TTL; reads check it, since TTL deletes late and DynamoDB Local never). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * How long a first request may hold its key "in progress" before a retry may take the key over: longer than any
 * function runs (10 s timeout; API Gateway gives up at 29 s), so only a request that died loses its lease.
 */
export const IDEMPOTENCY_LEASE_MS = 30_000;

export const idempotencyKeys = {
  record: (userId: string, route: string, key: string) => ({ pk: `IDEMPOTENCY#${userId}#${route}#${key}`, sk: 'IDEMPOTENCY' }),
};

export type IdempotencyRecord =
  | { state: 'in_progress'; fingerprint: string; leaseUntil: number; expiresAt: number }
  | { state: 'completed'; fingerprint: string; statusCode: number; resourceIds: string[]; expiresAt: number };

export interface IdempotencyScope {
  userId: string;
  /** The route key, `POST /tasks`: the same key on two routes is two records. */
  route: string;
  key: string;
}

function fromItem(item: Record<string, unknown>): IdempotencyRecord {
  const base = { fingerprint: item.fingerprint as string, expiresAt: Number(item.expiresAt) };
  return item.state === 'completed'
    ? { ...base, state: 'completed', statusCode: Number(item.statusCode), resourceIds: (item.resourceIds as string[]) ?? [] }
    : { ...base, state: 'in_progress', leaseUntil: Number(item.leaseUntil) };
}

/**
 * Claims the key for a first request (or a retry of one whose holder died): a conditional Put of an
 * `in_progress` record with a lease. It succeeds when there is no record, when the record has expired, or when
 * an in-progress record of the same request outlived its lease. Otherwise nothing is written and the record
 * that is there comes back (a strongly consistent read) for the caller to decide: replay, or 409. `existing`
 * is undefined when that record went away in between (released by a failed first request): claim again.
 */
export async function claimIdempotencyKey(
  db: Db,
  scope: IdempotencyScope,
  claim: { fingerprint: string; token: string; now: Date },
): Promise<{ claimed: true } | { claimed: false; existing?: IdempotencyRecord }> {
  const nowMs = claim.now.getTime();
  const nowSeconds = Math.floor(nowMs / 1000);
  const Key = idempotencyKeys.record(scope.userId, scope.route, scope.key);
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          ...Key,
          entity: 'idempotency',
          userId: scope.userId,
          route: scope.route,
          state: 'in_progress',
          fingerprint: claim.fingerprint,
          leaseToken: claim.token,
          leaseUntil: nowMs + IDEMPOTENCY_LEASE_MS,
          createdAt: claim.now.toISOString(),
          expiresAt: nowSeconds + IDEMPOTENCY_TTL_SECONDS,
        },
        ConditionExpression:
          'attribute_not_exists(pk) OR expiresAt <= :nowSeconds OR (#state = :inProgress AND leaseUntil <= :nowMs AND fingerprint = :fingerprint)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':nowSeconds': nowSeconds, ':nowMs': nowMs, ':inProgress': 'in_progress', ':fingerprint': claim.fingerprint },
      }),
    );
    return { claimed: true };
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key, ConsistentRead: true }));
  // An expired record reads as absent (TTL deletes late, DynamoDB Local never): claim again.
  if (!out.Item || Number(out.Item.expiresAt) <= nowSeconds) return { claimed: false };
  return { claimed: false, existing: fromItem(out.Item) };
}

/** Records the first request's success (what it created, its status); only while this request still holds the lease. */
export async function completeIdempotencyKey(
  db: Db,
  scope: IdempotencyScope,
  done: { token: string; statusCode: number; resourceIds: string[]; now: Date },
): Promise<boolean> {
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: idempotencyKeys.record(scope.userId, scope.route, scope.key),
        UpdateExpression: 'SET #state = :completed, statusCode = :status, resourceIds = :ids, completedAt = :at REMOVE leaseUntil, leaseToken',
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':completed': 'completed', ':status': done.statusCode, ':ids': done.resourceIds, ':at': done.now.toISOString(), ':token': done.token },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

/** Frees the key after a failed first request, so a corrected retry runs; only while this request holds the lease. */
export async function releaseIdempotencyKey(db: Db, scope: IdempotencyScope, token: string): Promise<void> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.tableName,
        Key: idempotencyKeys.record(scope.userId, scope.route, scope.key),
        ConditionExpression: 'leaseToken = :token',
        ExpressionAttributeValues: { ':token': token },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}
