// DynamoDB's transaction conflicts, played over DynamoDB Local. In DynamoDB, a TransactWriteItems that touches an
// item another transaction is still working on is cancelled with reason TransactionConflict; DynamoDB Local
// serializes transactions instead and never answers that, so hot-item bugs pass against it unseen. This client
// middleware plays DynamoDB's part: a transaction holds its items for `holdMs` from the moment it is sent (about
// what a transaction takes in DynamoDB; DynamoDB Local's own queueing is not counted, or every burst would
// conflict), and a transaction touching a held item is cancelled the way DynamoDB cancels it
// (TransactionCanceledException, one reason per item). Every write still goes to DynamoDB Local; only the
// refusal is simulated (a failure no emulator produces).
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Db } from '../../shared/db/client.ts';

type KeyAttr = string | { S?: string };
type TransactItem = Record<string, { Key?: Record<string, KeyAttr>; Item?: Record<string, KeyAttr> }>;

const valueOf = (v: KeyAttr | undefined) => (typeof v === 'object' && v !== null ? v.S : v);

function itemKey(entry: TransactItem): string {
  const op = Object.values(entry)[0];
  const key = op.Key ?? op.Item ?? {};
  return `${valueOf(key.pk)}|${valueOf(key.sk)}`;
}

export interface ConflictSimulation {
  /** Transactions cancelled with TransactionConflict so far. */
  readonly conflicts: number;
  /** Transactions that went through to DynamoDB Local. */
  readonly committedOrFailed: number;
  stop(): void;
}

/** Starts simulating TransactionConflict on `db`'s client (the one the in-process handlers use). */
export function simulateTransactionConflicts(db: Db, { holdMs = 25 }: { holdMs?: number } = {}): ConflictSimulation {
  const heldUntil = new Map<string, number>();
  const stats = { conflicts: 0, committedOrFailed: 0 };
  const name = `simulate-transaction-conflicts-${Math.random()}`;
  db.doc.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
      const items = (args.input as { TransactItems?: TransactItem[] }).TransactItems ?? [];
      const keys = items.map(itemKey);
      const now = Date.now();
      const held = (k: string) => (heldUntil.get(k) ?? 0) > now;
      if (keys.some(held)) {
        stats.conflicts++;
        throw new TransactionCanceledException({
          message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${keys.map((k) => (held(k) ? 'TransactionConflict' : 'None')).join(', ')}]`,
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: keys.map((k) => (held(k) ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' })),
        });
      }
      for (const k of keys) heldUntil.set(k, now + holdMs);
      try {
        return await next(args);
      } finally {
        stats.committedOrFailed++;
      }
    },
    { step: 'initialize', name },
  );
  return {
    get conflicts() {
      return stats.conflicts;
    },
    get committedOrFailed() {
      return stats.committedOrFailed;
    },
    stop: () => void db.doc.middlewareStack.remove(name),
  };
}
