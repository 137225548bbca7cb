// What an expired file record leaves behind once DynamoDB's TTL has deleted it: its object in S3 and its
// bytes in the owner's storage usage. Both are undone here, safely more than once (a stream record can be
// delivered again): deleting an object that is gone is a no-op, and the bytes are given back in one
// transaction with a RELEASED marker that only the first delivery can write.
import type { Db } from '#shared/db/client.ts';
import { transactionItemFailed } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { fileKeys, type FileRecord } from '#shared/db/entities/file.ts';
import { releaseStorage } from '#shared/files/quota.ts';
import type { Logger } from '#shared/log.ts';
import type { Storage } from '#shared/storage/s3.ts';

/** The marker outlives every redelivery of the record's stream record (a stream keeps records 24 hours). */
export const RELEASED_MARKER_TTL_SECONDS = 2 * 24 * 60 * 60;

export interface ExpiryDeps {
  db: Db;
  storage: Storage;
  now: () => Date;
  log: Logger;
}

export type ReleaseOutcome = { objectDeleted: true; bytesReleased: number };

export async function releaseExpiredFile(deps: ExpiryDeps, file: FileRecord): Promise<ReleaseOutcome> {
  await deps.storage.s3.deleteObject({ Bucket: deps.storage.bucket, Key: file.s3Key });
  if (!file.quotaBytes) return { objectDeleted: true, bytesReleased: 0 };
  const now = deps.now();
  try {
    await transact(deps.db, [
      {
        Put: {
          TableName: deps.db.tableName,
          Item: {
            ...fileKeys.released(file.id),
            entity: 'fileRelease',
            ownerId: file.ownerId,
            bytes: file.quotaBytes,
            releasedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + RELEASED_MARKER_TTL_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      releaseStorage(deps.db.tableName, file.ownerId, file.quotaBytes),
    ]);
  } catch (err) {
    if (!transactionItemFailed(err, 0)) throw err;
    return { objectDeleted: true, bytesReleased: 0 }; // an earlier delivery gave them back
  }
  return { objectDeleted: true, bytesReleased: file.quotaBytes };
}
