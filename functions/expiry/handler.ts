// The expiry Lambda: the table's stream hands it the file records DynamoDB's TTL deleted (uploads never
// attached, unconfirmed direct uploads), filtered by its event source mapping (shared/streams/subscriptions.ts).
// For each, the object goes and the bytes leave the owner's storage usage; a failure is reported as the
// batch's failed item, so Lambda delivers the record again.
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { getDb } from '#shared/db/client.ts';
import { fromFileItem } from '#shared/db/entities/file.ts';
import { getStorage } from '#shared/storage/s3.ts';
import { createLogger } from '#shared/log.ts';
import { instrumented } from '#shared/observability/invocation.ts';
import { imageOf, processRecordsInOrder } from '#shared/streams/batch.ts';
import { releaseExpiredFile, type ExpiryDeps } from './release.ts';

const log = createLogger({ service: 'expiry' });

export async function handleExpiredRecords(deps: ExpiryDeps, event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return processRecordsInOrder(event.Records, deps.log, async (record) => {
    const item = imageOf(record.dynamodb?.OldImage);
    if (!item || typeof item.s3Key !== 'string' || typeof item.ownerId !== 'string') {
      // Retrying cannot fix a record without the old image of a file (the filter should not have let it through).
      deps.log.error('not an expired file record; skipped', { eventID: record.eventID, keys: record.dynamodb?.Keys });
      return;
    }
    const file = fromFileItem(item);
    const outcome = await releaseExpiredFile(deps, file);
    deps.log.info('expired file released', { fileId: file.id, ownerId: file.ownerId, key: file.s3Key, ...outcome });
  });
}

export const handler = instrumented('expiry', log, async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  handleExpiredRecords({ db: getDb(), storage: getStorage(), now: () => new Date(), log }, event),
);
