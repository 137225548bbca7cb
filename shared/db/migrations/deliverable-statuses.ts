// Migration: deliverables stored before the spec's statuses hold `approved` or `submitted`. Rewrites them in
// spec values (`approved` -> completed; `submitted` -> in_progress awaiting the student's approval, its
// submittedAt kept) and gives every deliverable written before `awaitingApproval` existed that attribute, so
// each item has the current shape. Query-only: every task through the all-tasks list entries, then each
// task's deliverables (one Query of its partition). Each write is conditional on the item still holding what
// was read, so a deliverable the API changed meanwhile (it writes spec values) is left alone. Idempotent: a
// second run finds nothing to change.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../query.ts';
import type { Db } from '../client.ts';
import { isConditionFailed } from '../errors.ts';
import { allTaskIds, taskKeys } from '../entities/task.ts';
import { deliverableKeys, isLegacyDeliverableStatus, LEGACY_DELIVERABLE_STATUSES } from '../entities/deliverable.ts';

/**
 * Brings every deliverable to spec statuses plus `awaitingApproval`. `examined`: deliverables looked at;
 * `changed`: deliverables rewritten (0 on a second run). Timestamps and `version` stay as they are: the
 * deliverable did not change, only how its state is spelled (`now` is accepted for the backfill runner's
 * uniform signature and not written).
 */
export async function migrateDeliverableStatuses(db: Db, now: Date): Promise<{ examined: number; changed: number }> {
  void now;
  const result = { examined: 0, changed: 0 };
  for await (const taskId of allTaskIds(db)) {
    for (const item of await deliverableItemsOf(db, taskId)) {
      result.examined++;
      if (await migrateOne(db, item)) result.changed++;
    }
  }
  return result;
}

/** Key, status and awaitingApproval of the deliverables of one task (at most 50): one Query of its partition, by the `DELIV#` prefix. */
async function deliverableItemsOf(db: Db, taskId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const found = queryAll(db, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': taskKeys.partition(taskId), ':prefix': deliverableKeys.prefix },
    // What the decision needs, not the file lists.
    ProjectionExpression: 'pk, sk, #status, #awaiting',
    ExpressionAttributeNames: { '#status': 'status', '#awaiting': 'awaitingApproval' },
    ConsistentRead: true,
  });
  for await (const item of found) items.push(item);
  return items;
}

/** True when the item was rewritten. */
async function migrateOne(db: Db, item: Record<string, unknown>): Promise<boolean> {
  const status = item.status;
  const legacy = isLegacyDeliverableStatus(status) ? LEGACY_DELIVERABLE_STATUSES[status] : undefined;
  if (!legacy && typeof item.awaitingApproval === 'boolean') return false;
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET #status = :status, #awaiting = :awaiting',
        // Only if the item still is what was read: the API rewrites whole items in spec values.
        ConditionExpression: legacy ? '#status = :read' : '#status = :read AND attribute_not_exists(#awaiting)',
        ExpressionAttributeNames: { '#status': 'status', '#awaiting': 'awaitingApproval' },
        ExpressionAttributeValues: {
          ':status': legacy?.status ?? status,
          ':awaiting': legacy?.awaitingApproval ?? false,
          ':read': status,
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}
