// Who reads the table's stream, which records each one gets, and how failures are retried: defined once and
// read by the CDK stack (each entry becomes an event source mapping with these filters and settings,
// infra/constructs/table-stream.ts) and by the local stack (infra/local/streams.ts polls the stream and hands
// each function the records its filters match, in the same event shape, with the same retry rules).
//
// The filters use Lambda's event-filtering syntax, applied to each stream record as Lambda sees it.
import { OUTBOX_PK_PREFIX } from '../db/entities/outbox.ts';
import { FILE_PK_PREFIX, FILE_SK } from '../db/entities/file.ts';

/** A Lambda event filter pattern: values are lists of accepted values or comparison objects. */
export type FilterPattern = { [key: string]: FilterPattern | FilterValue[] };
export type FilterValue = string | number | boolean | null | { prefix: string } | { exists: boolean };

/** How DynamoDB's TTL process appears in the records of the items it deletes. */
export const TTL_DELETER_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

export interface StreamSubscription {
  /** The function (functions/<name>/handler.ts) that gets the records. */
  function: 'mailer' | 'expiry';
  /** A record is delivered when any pattern matches it; the rest are skipped (and never retried). */
  filters: FilterPattern[];
  /** Records per invocation. */
  batchSize: number;
  /**
   * How often a failed record is retried (the handler reports it in `batchItemFailures`, or throws) before
   * its description goes to the on-failure queue and the stream moves on.
   */
  retryAttempts: number;
  /** Records older than this are not retried any more (same fate as exhausted retries). */
  maxRecordAgeSeconds: number;
}

export const streamSubscriptions: readonly StreamSubscription[] = [
  {
    function: 'mailer',
    filters: [
      // A new outbox item: a mail to send.
      { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: OUTBOX_PK_PREFIX }] } } } },
      // An operator's redrive of an item whose sending gave up (docs/deploy.md): `SET redriveAt`. The mailer's
      // own marks REMOVE redriveAt, so they never match.
      { eventName: ['MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: OUTBOX_PK_PREFIX }] } }, NewImage: { redriveAt: { S: [{ exists: true }] } } } },
    ],
    batchSize: 10,
    // SES throttling and short outages pass within a few attempts; a longer outage lands in the failure
    // queue, and the unsent items stay in the table for a redrive.
    retryAttempts: 10,
    maxRecordAgeSeconds: 6 * 60 * 60,
  },
  {
    function: 'expiry',
    filters: [
      // A file record TTL deleted (an upload never attached): its object goes, its bytes leave the quota.
      {
        eventName: ['REMOVE'],
        userIdentity: { type: [TTL_DELETER_IDENTITY.type], principalId: [TTL_DELETER_IDENTITY.principalId] },
        dynamodb: { Keys: { pk: { S: [{ prefix: FILE_PK_PREFIX }] }, sk: { S: [FILE_SK] } } },
      },
    ],
    batchSize: 25,
    retryAttempts: 10,
    maxRecordAgeSeconds: 24 * 60 * 60,
  },
];

/** True when `record` matches `pattern` (Lambda's rules: every key must match; a list accepts any of its values). */
export function matchesFilter(pattern: FilterPattern, record: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    const value = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(expected)) {
      if (!expected.some((accepted) => matchesValue(accepted, value))) return false;
    } else if (!matchesFilter(expected, value)) {
      return false;
    }
  }
  return true;
}

function matchesValue(accepted: FilterValue, value: unknown): boolean {
  if (accepted !== null && typeof accepted === 'object') {
    if ('exists' in accepted) return accepted.exists === (value !== undefined);
    return typeof value === 'string' && value.startsWith(accepted.prefix);
  }
  return value === accepted;
}
