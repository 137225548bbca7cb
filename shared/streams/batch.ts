// Working through a batch of stream records the way Lambda's event source mapping expects with
// ReportBatchItemFailures: in order, stopping at the first record that fails. Lambda then checkpoints
// everything before it and delivers the batch again from that record, so nothing after a failure is skipped
// and nothing before it is repeated.
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Logger } from '../log.ts';
import { reportUnexpectedError } from '../observability/errors.ts';

/** The plain item of a stream image (`NewImage`/`OldImage`), or undefined when the record has none. */
export function imageOf(image: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}

/**
 * Runs `handle` on each record in order. A record whose handling throws is reported as the batch's failed
 * item (by sequence number) and the rest are left for the redelivery.
 */
export async function processRecordsInOrder(
  records: readonly DynamoDBRecord[],
  log: Logger,
  handle: (record: DynamoDBRecord) => Promise<void>,
): Promise<DynamoDBBatchResponse> {
  for (const record of records) {
    try {
      await handle(record);
    } catch (error) {
      const itemIdentifier = record.dynamodb?.SequenceNumber ?? '';
      // Logged and counted as unexpected (a bug or an outage); the record is delivered again.
      reportUnexpectedError(log, error, { fields: { eventID: record.eventID, sequenceNumber: itemIdentifier } });
      return { batchItemFailures: [{ itemIdentifier }] };
    }
  }
  return { batchItemFailures: [] };
}
