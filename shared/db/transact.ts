// TransactWriteItems with the one retry every domain needs: items that touch shared counters (task and user
// statistics, a student's pending count) make unrelated writes collide, and DynamoDB cancels one of them with
// TransactionConflict. Only that is retried (with jitter); a failed condition is the caller's to decide.
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';
import { cancellationReasons } from './errors.ts';

export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

export async function transact(db: Db, items: TransactItems): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const onlyConflicts = reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!onlyConflicts || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
