// Migrations: the counters the analytics added, computed from the items that existed before them.
//   task-categories: tasks by type and by subject (STATS#TASKCATS) for tasks created before those counters, and
//     their completion durations (TOTALS `completionSeconds`/`completions`) for tasks completed before then.
//   user-registrations: registrations per month (STATS#USERS/MONTH#…) for users who signed up before then.
// Query-only: tasks are found through the all-tasks lists (allTaskIds), users through their role index (gsi1
// `USERS#<role>`). Each item is counted in one transaction with a flag on it (`categoriesCounted`,
// `completionCounted`, `registrationCounted`), conditional on the flag being absent (and, for a task, on the
// version read, like every task write), and the live writes set the same flags and move the counters only for
// flagged items: so nothing is counted twice, whatever runs concurrently, and a second run changes nothing.
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { queryAll } from '../query.ts';
import { cancellationReasons, transactionItemFailed } from '../errors.ts';
import { counterShardSk, counterUpdate, randomCounterShard } from '../counters.ts';
import { allTaskIds, fromHistoryItem, fromTaskItem, queryTaskPartition, taskKeys, type Task } from '../entities/task.ts';
import { completionDelta, taskCategoryItems, taskStatsKeys } from '../entities/task-stats.ts';
import { userKeys, userRegistrationUpdate } from '../entities/user.ts';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

async function send(db: Db, items: TransactItems): Promise<'done' | 'lost'> {
  try {
    await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
    return 'done';
  } catch (err) {
    // The flagged item changed (or was flagged) meanwhile: read it again. A counter collision: try again.
    if (transactionItemFailed(err, 0) || cancellationReasons(err)?.includes('TransactionConflict')) return 'lost';
    throw err;
  }
}

/** The counter writes one task still owes, and the flags that say they are written; none: nothing to do. */
function owedByTask(db: Db, task: Task, completedAt: string | undefined) {
  const shard = randomCounterShard();
  const flags: string[] = [];
  const items: TransactItems = [];
  if (!task.categoriesCounted && task.status !== 'cancelled') {
    flags.push('categoriesCounted');
    items.push(...taskCategoryItems(db, task, 1, shard));
  }
  if (!task.completionCounted && task.status === 'completed' && completedAt) {
    flags.push('completionCounted');
    items.push(counterUpdate(db.tableName, { pk: taskStatsKeys.totals.pk, sk: counterShardSk(taskStatsKeys.totals.sk, shard) }, completionDelta(task.createdAt, completedAt)));
  }
  return { flags, items };
}

export async function backfillTaskCategories(db: Db): Promise<{ examined: number; changed: number }> {
  const result = { examined: 0, changed: 0 };
  for await (const taskId of allTaskIds(db)) {
    result.examined++;
    for (let attempt = 0; attempt < 10; attempt++) {
      const items = await queryTaskPartition(db, taskId);
      const taskItem = items.find((i) => i.sk === taskKeys.task(taskId).sk);
      if (!taskItem) break;
      const task = fromTaskItem(taskItem);
      // When it was completed: its history entry into `completed` (the task's updatedAt if there is none).
      const completedAt =
        task.status === 'completed'
          ? (items.filter((i) => String(i.sk).startsWith(taskKeys.historyPrefix)).map(fromHistoryItem).find((h) => h.to === 'completed')?.at ?? task.updatedAt)
          : undefined;
      const owed = owedByTask(db, task, completedAt);
      if (owed.flags.length === 0) break;
      const outcome = await send(db, [
        {
          Update: {
            TableName: db.tableName,
            Key: taskKeys.task(taskId),
            UpdateExpression: `SET ${owed.flags.map((_, i) => `#f${i} = :true`).join(', ')}`,
            ConditionExpression: `#version = :version AND ${owed.flags.map((_, i) => `attribute_not_exists(#f${i})`).join(' AND ')}`,
            ExpressionAttributeNames: { '#version': 'version', ...Object.fromEntries(owed.flags.map((f, i) => [`#f${i}`, f])) },
            ExpressionAttributeValues: { ':true': true, ':version': task.version },
          },
        },
        ...owed.items,
      ]);
      if (outcome === 'done') {
        result.changed++;
        break;
      }
    }
  }
  return result;
}

export async function backfillUserRegistrations(db: Db): Promise<{ examined: number; changed: number }> {
  const result = { examined: 0, changed: 0 };
  for (const role of ['student', 'admin'] as const) {
    const users = queryAll(db, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': userKeys.byRole(role).gsi1pk },
      ProjectionExpression: '#id, #createdAt, #counted',
      ExpressionAttributeNames: { '#id': 'id', '#createdAt': 'createdAt', '#counted': 'registrationCounted' },
    });
    for await (const user of users) {
      result.examined++;
      if (user.registrationCounted || typeof user.createdAt !== 'string') continue;
      for (let attempt = 0; attempt < 10; attempt++) {
        const outcome = await send(db, [
          {
            Update: {
              TableName: db.tableName,
              Key: userKeys.user(String(user.id)),
              UpdateExpression: 'SET registrationCounted = :true',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(registrationCounted)',
              ExpressionAttributeValues: { ':true': true },
            },
          },
          userRegistrationUpdate(db.tableName, user.createdAt, randomCounterShard()),
        ]);
        if (outcome === 'done') result.changed++;
        // 'lost' on the flag: counted meanwhile (another run), nothing left to do; on a counter collision, retry.
        if (outcome === 'done') break;
        const again = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: userKeys.user(String(user.id)), ConsistentRead: true }));
        if (!again.Item || again.Item.registrationCounted) break;
      }
    }
  }
  return result;
}
