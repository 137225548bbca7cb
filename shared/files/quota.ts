// The per-user storage quota. Every confirmed file record counts its bytes in its owner's usage item
// (`STORAGE#<userId>`), moved in the same transaction as the record: the upload or confirm that would pass
// the quota fails its condition, so concurrent uploads cannot overshoot it together. Deleting a file gives
// its bytes back in the delete's transaction; an expired one, when the table's stream reports the TTL
// removal (functions/expiry/). Admins are counted but not limited (staff upload deliverables for everyone).
//
// Over the quota: 413 PAYLOAD_TOO_LARGE, with the quota, the usage and the size asked for in the details.
import type { AuthUser } from '../auth/tokens.ts';
import { getConfig } from '../config.ts';
import type { Db } from '../db/client.ts';
import { getStorageUsage, storageKeys } from '../db/entities/file.ts';
import { AppError } from '../errors.ts';

export interface QuotaPolicy {
  /** Bytes a student may keep. */
  quotaBytes: number;
  /** Seconds an unattached upload lives. */
  unattachedTtlSeconds: number;
}

export function quotaPolicy(override?: QuotaPolicy): QuotaPolicy {
  if (override) return override;
  const c = getConfig();
  return { quotaBytes: c.STORAGE_QUOTA_BYTES, unattachedTtlSeconds: c.UNATTACHED_FILE_TTL_SECONDS };
}

const isLimited = (actor: Pick<AuthUser, 'role'>) => actor.role !== 'admin';

/** Epoch seconds at which an upload confirmed (or detached) at `now` expires unless it is attached. */
export function unattachedExpiry(now: Date, policy: QuotaPolicy): number {
  return Math.floor(now.getTime() / 1000) + policy.unattachedTtlSeconds;
}

export function quotaExceeded(policy: QuotaPolicy, usedBytes: number, requestedBytes: number, field: string): AppError {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `Storage quota exceeded: you store ${mib(usedBytes)} of your ${mib(policy.quotaBytes)} quota and this needs ${mib(requestedBytes)} more; delete files you no longer need`,
    { field, quotaBytes: policy.quotaBytes, usedBytes, requestedBytes },
  );
}

/**
 * The TransactWrite Update that counts `bytes` (of `files` records) into the actor's usage. For a student it
 * is conditional on staying within the quota; a request bigger than the whole quota is refused here.
 */
export function reserveStorage(tableName: string, actor: Pick<AuthUser, 'id' | 'role'>, bytes: number, files: number, policy: QuotaPolicy, field: string) {
  const limited = isLimited(actor);
  if (limited && bytes > policy.quotaBytes) throw quotaExceeded(policy, 0, bytes, field);
  return {
    Update: {
      TableName: tableName,
      Key: storageKeys.usage(actor.id),
      UpdateExpression: 'ADD #bytes :bytes, #files :files',
      ExpressionAttributeNames: { '#bytes': 'bytes', '#files': 'files' },
      ExpressionAttributeValues: { ':bytes': bytes, ':files': files, ...(limited ? { ':room': policy.quotaBytes - bytes } : {}) },
      ...(limited ? { ConditionExpression: 'attribute_not_exists(#bytes) OR #bytes <= :room' } : {}),
    },
  };
}

/** The TransactWrite Update that gives `bytes` (of `files` records) back to the owner's usage. */
export function releaseStorage(tableName: string, ownerId: string, bytes: number, files = 1) {
  return {
    Update: {
      TableName: tableName,
      Key: storageKeys.usage(ownerId),
      UpdateExpression: 'ADD #bytes :bytes, #files :files',
      ExpressionAttributeNames: { '#bytes': 'bytes', '#files': 'files' },
      ExpressionAttributeValues: { ':bytes': -bytes, ':files': -files },
    },
  };
}

/**
 * Refuses early (before bytes travel) when `bytes` more would pass the actor's quota. Advisory: one read,
 * no reservation; the write that stores the file enforces the quota again under its condition.
 */
export async function assertRoomFor(db: Db, actor: Pick<AuthUser, 'id' | 'role'>, bytes: number, policy: QuotaPolicy, field: string): Promise<void> {
  if (!isLimited(actor)) return;
  const { bytes: used } = await getStorageUsage(db, actor.id);
  if (used + bytes > policy.quotaBytes) throw quotaExceeded(policy, used, bytes, field);
}

/** After the storing transaction failed on the usage item's condition: the 413, with the usage as it is now. */
export async function quotaExceededNow(db: Db, actor: Pick<AuthUser, 'id'>, bytes: number, policy: QuotaPolicy, field: string): Promise<AppError> {
  const { bytes: used } = await getStorageUsage(db, actor.id);
  return quotaExceeded(policy, used, bytes, field);
}
