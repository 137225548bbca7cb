import { validationError } from '../errors.ts';

// Helpers to read the outcome of conditional writes and transactions.
export function isConditionFailed(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** Reasons per transaction item, in order ('ConditionalCheckFailed', 'None', ...), or undefined if not a cancellation. */
export function cancellationReasons(err: unknown): string[] | undefined {
  const e = err as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/**
 * True when DynamoDB refused the request for capacity, not for anything in it: a throttled table, index or
 * partition (`ProvisionedThroughputExceededException`, `ThrottlingException`), the account's request limit
 * (`RequestLimitExceeded`), or a transaction cancelled because one of its items was throttled
 * (`TransactionCanceledException` with a `ThrottlingError` reason). The SDK has already retried these.
 * Also true for the signed-request clients' throttling errors (S3 `SlowDown`, a 429), retried there too.
 */
export function isThrottled(err: unknown): boolean {
  const { name, throttling } = (err ?? {}) as { name?: string; throttling?: unknown };
  if (throttling === true) return true;
  if (name && THROTTLING_ERRORS.has(name)) return true;
  return cancellationReasons(err)?.includes('ThrottlingError') ?? false;
}

/** True when the transaction failed because item `index` did not meet its condition. */
export function transactionItemFailed(err: unknown, index: number): boolean {
  return cancellationReasons(err)?.[index] === 'ConditionalCheckFailed';
}

/** Opaque pagination cursor around DynamoDB's LastEvaluatedKey. */
export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    /* fall through */
  }
  throw validationError('cursor', 'cursor is malformed or from another list');
}
