// The rows of a task report: the admin "all tasks" list entries (`TASKLIST#ALL[#<status>]`, sorted by
// createdAt in the base table's sort key), read with Queries on the creation range, never a Scan.
import type { Db } from '#shared/db/client.ts';
import { queryAll } from '#shared/db/query.ts';
import { batchGetItems } from '#shared/db/batch.ts';
import { fromListEntryItem, taskKeys, STATUSES_OUT_OF_DEFAULT_LISTS, type TaskListEntry, type TaskStatus } from '#shared/db/entities/task.ts';
import { userKeys } from '#shared/db/entities/user.ts';
import { validationError } from '#shared/errors.ts';

export interface ReportFilter {
  /** ISO-8601 bounds on createdAt, inclusive. */
  dateFrom?: string;
  dateTo?: string;
  status?: TaskStatus;
}

export interface ReportRow extends TaskListEntry {
  studentName: string;
  studentEmail: string;
}

/**
 * The partitions a report reads: one status list, or (no status) the default list plus the lists of the
 * statuses that are kept out of it (cancelled), so a report without `status` covers every task.
 */
export function reportPartitions(status?: TaskStatus): string[] {
  if (status) return [taskKeys.listPartition({ kind: 'all' }, status)];
  return [taskKeys.listPartition({ kind: 'all' }), ...STATUSES_OUT_OF_DEFAULT_LISTS.map((s) => taskKeys.listPartition({ kind: 'all' }, s))];
}

/** Sort keys are `<createdAt>#<taskId>`: the range covers every task created in [dateFrom, dateTo]. */
const sortRange = (filter: ReportFilter): [string, string] => [filter.dateFrom ?? '0', `${filter.dateTo ?? '9999'}~`];

/**
 * Every list entry of the filter, oldest first, at most `maxRows` (one more is a 400 asking for a narrower
 * range rather than a truncated report). Each partition is read page by page (1 MB per Query) and stops at
 * maxRows + 1 entries.
 */
export async function readReportEntries(db: Db, filter: ReportFilter, maxRows: number): Promise<TaskListEntry[]> {
  const [low, high] = sortRange(filter);
  const lists: TaskListEntry[][] = [];
  let total = 0;
  for (const partition of reportPartitions(filter.status)) {
    const entries: TaskListEntry[] = [];
    for await (const item of queryAll(db, {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      ExpressionAttributeValues: { ':pk': partition, ':low': low, ':high': high },
    })) {
      entries.push(fromListEntryItem(item));
      if (++total > maxRows) {
        throw validationError(
          'dateTo',
          `the report would have more than ${maxRows} rows; choose a narrower date range (or a status)`,
          `A report holds at most ${maxRows} tasks: narrow the date range (dateFrom/dateTo) or filter by status`,
        );
      }
    }
    lists.push(entries);
  }
  // Each list is sorted by createdAt#id already; merging several is a sort of the (capped) whole.
  const all = lists.flat();
  if (lists.length > 1) all.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
  return all;
}

/** Name and e-mail of every student the entries name, in BatchGets of 100 distinct ids. */
export async function withStudents(db: Db, entries: TaskListEntry[]): Promise<ReportRow[]> {
  const ids = [...new Set(entries.map((e) => e.studentId))];
  const items = await batchGetItems(db, ids.map((id) => userKeys.user(id)));
  const people = new Map(items.map((u) => [u.id as string, { name: String(u.name ?? ''), email: String(u.email ?? '') }]));
  return entries.map((e) => ({ ...e, studentName: people.get(e.studentId)?.name ?? '', studentEmail: people.get(e.studentId)?.email ?? '' }));
}
