// TransactWriteItems with the one retry every domain needs: items that touch shared items (task and user
// statistics, a student's pending count, a user's storage usage) make unrelated writes collide, and DynamoDB
// cancels one of them with TransactionConflict. Only that is retried (with jitter); a failed condition is
// never retried: the caller decides what it means.
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';
import { cancellationReasons } from './errors.ts';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

export async function transact(db: Db, items: TransactItems, maxAttempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const onlyConflicts = reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!onlyConflicts || attempt >= maxAttempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
  }
}
