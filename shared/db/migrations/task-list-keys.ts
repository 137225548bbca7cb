// Migration: the default task lists (`TASKLIST#<scope>`, what GET /tasks reads without `status`) no longer
// hold cancelled tasks; the cancel transaction now deletes a task's default-list entries. Tasks cancelled
// before that still have theirs: this removes them. Query-only: the cancelled tasks are the entries of
// `TASKLIST#ALL#cancelled` (every cancelled task, whatever its student or admin), each naming the student and
// admin whose lists it is in. Every Delete is conditional on the entry existing and saying the task is
// cancelled (a closed task never changes again, so nothing races it). Idempotent: a second run deletes nothing.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../query.ts';
import type { Db } from '../client.ts';
import { isConditionFailed } from '../errors.ts';
import { fromListEntryItem, listEntryKey, listScopesOf, STATUSES_OUT_OF_DEFAULT_LISTS, taskKeys } from '../entities/task.ts';

/**
 * Brings existing list entries to the current list keys: tasks whose status is out of the default lists
 * (cancelled) leave their scopes' default lists (student, all, assigned admin). `examined`: such tasks looked
 * at; `changed`: list entries removed (0 on a second run). Status lists and counters are untouched: they
 * were already right. `now` is accepted for the backfill runner's uniform signature; nothing is dated.
 */
export async function backfillTaskListKeys(db: Db, now: Date): Promise<{ examined: number; changed: number }> {
  void now;
  const result = { examined: 0, changed: 0 };
  for (const status of STATUSES_OUT_OF_DEFAULT_LISTS) {
    const entries = queryAll(db, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': taskKeys.listPartition({ kind: 'all' }, status) } });
    for await (const item of entries) {
      result.examined++;
      const entry = fromListEntryItem(item);
      for (const scope of listScopesOf(entry)) {
        if (await deleteIfPresent(db, listEntryKey(entry, scope), status)) result.changed++;
      }
    }
  }
  return result;
}

/** Deletes the default-list entry if it is there and says `status`; true when it was deleted. */
async function deleteIfPresent(db: Db, key: Record<string, string>, status: string): Promise<boolean> {
  try {
    await db.doc.send(
      new DeleteCommand({
        TableName: db.tableName,
        Key: key,
        ConditionExpression: 'attribute_exists(pk) AND #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}
