// One TransactWriteItems call, retried with jitter only when DynamoDB cancelled it for a TransactionConflict
// (another transaction was writing one of its items at that moment, e.g. two uploads of one user both moving
// the user's storage usage). A failed condition is never retried: the caller decides what it means.
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';
import { cancellationReasons } from './errors.ts';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

export async function transactWrite(db: Db, items: TransactItems, maxAttempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const onlyConflicts = reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!onlyConflicts || attempt >= maxAttempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
