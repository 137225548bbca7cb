// The task entity: the task item, its status history, and the small list entries GET /tasks reads.
// Everything a task consists of lives under `TASK#<taskId>` (task, deliverables, history), so the detail
// view is one Query; the lists are served by list entries (see docs/data-model/tasks.md for why).
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { queryAll, queryPage, type Page, type PageRequest } from '../query.ts';
import type { IndexName } from '../table.ts';

export const TASK_STATUSES = ['pending', 'in_progress', 'completed', 'revision_needed', 'rejected', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** A file the task references, copied from its file record when attached (file records never change). */
export interface StoredFileRef {
  id: string;
  originalName: string;
  s3Key: string;
  size: number;
  mime: string;
}

export interface Task {
  id: string;
  /** The student who created the task. Read by the files domain (shared/files/access.ts): keep the name. */
  studentId: string;
  /** The admin working on it. Read by the files and chats domains: keep the name. */
  assignedAdminId?: string;
  title: string;
  type: string;
  description: string;
  subject: string;
  academicLevel: string;
  pages: number;
  /** The spec's `deadline` on create/update, shown as `dueDate`. */
  dueDate: string;
  budgetCents: number;
  requirements?: string;
  citations?: string;
  priority: TaskPriority;
  status: TaskStatus;
  attachments: StoredFileRef[];
  /** Bounds the deliverables under the task's partition (checked in the add transaction). */
  deliverableCount: number;
  /** Bumped by every write that changes what list entries copy; every such write is conditional on it. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /**
   * Counted in the by-type and by-subject counters (task-stats.ts): set at creation, or by the `task-categories`
   * migration for older tasks. Only such tasks move those counters on an edit or a cancel.
   */
  categoriesCounted?: boolean;
  /** Its completion duration is in the totals' `completionSeconds` (set by the move to completed, or the migration). */
  completionCounted?: boolean;
}

export interface TaskHistoryEntry {
  id: string;
  taskId: string;
  from: TaskStatus | null;
  to: TaskStatus;
  by: string;
  byRole: 'student' | 'admin';
  reason?: string;
  feedback?: string;
  at: string;
}

/** Which list a task is in: a student's own, every task (admins), or one admin's assigned tasks. */
export type TaskListScope = { kind: 'student'; studentId: string } | { kind: 'all' } | { kind: 'admin'; adminId: string };

export type TaskSortBy = 'created_at' | 'due_date' | 'title';

const scopePart = (scope: TaskListScope) =>
  scope.kind === 'student' ? `STUDENT#${scope.studentId}` : scope.kind === 'admin' ? `ADMIN#${scope.adminId}` : 'ALL';

export const taskKeys = {
  /** The task item. The files and chats domains read `studentId` and `assignedAdminId` from it. */
  task: (taskId: string) => ({ pk: `TASK#${taskId}`, sk: 'TASK' }),
  /** Everything under the task: the task item, deliverables (`DELIV#`) and history (`HISTORY#`). */
  partition: (taskId: string) => `TASK#${taskId}`,
  /** One status change, time-ordered. */
  history: (taskId: string, at: string, entryId: string) => ({ pk: `TASK#${taskId}`, sk: `HISTORY#${at}#${entryId}` }),
  historyPrefix: 'HISTORY#',
  /**
   * Partition of one list: the default list `TASKLIST#<scope>` (every task of the scope except those whose
   * status is out of the default lists, i.e. cancelled) or, status-filtered, `TASKLIST#<scope>#<status>`.
   */
  listPartition: (scope: TaskListScope, status?: TaskStatus) => `TASKLIST#${scopePart(scope)}${status ? `#${status}` : ''}`,
};

/** The same partition value sits in pk, gsi1pk and gsi2pk: one list sorted three ways. */
export const sortIndex: Record<TaskSortBy, { index?: IndexName; sortKey: string; partitionKey: string }> = {
  created_at: { sortKey: 'sk', partitionKey: 'pk' },
  due_date: { index: 'gsi1', sortKey: 'gsi1sk', partitionKey: 'gsi1pk' },
  title: { index: 'gsi2', sortKey: 'gsi2sk', partitionKey: 'gsi2pk' },
};

/** Case-insensitive title order; the id after it breaks ties and keeps keys unique. */
export const titleSortKey = (title: string) => title.trim().toLowerCase();

/** The scopes a task is listed in: its student's and all, plus its admin's when assigned. */
export function listScopesOf(task: Pick<Task, 'studentId' | 'assignedAdminId'>): TaskListScope[] {
  const scopes: TaskListScope[] = [{ kind: 'student', studentId: task.studentId }, { kind: 'all' }];
  if (task.assignedAdminId) scopes.push({ kind: 'admin', adminId: task.assignedAdminId });
  return scopes;
}

/**
 * Statuses whose tasks leave the default lists (`GET /tasks` without `status`) and are listed only with
 * `status=<it>`. `cancelled` is this API's extension (DELETE /tasks/{id} is the spec's delete): a frontend
 * built on the spec never asks for it, so a cancelled task must not appear where the spec's lists do.
 */
export const STATUSES_OUT_OF_DEFAULT_LISTS: readonly TaskStatus[] = ['cancelled'];
export const isInDefaultLists = (status: TaskStatus) => !STATUSES_OUT_OF_DEFAULT_LISTS.includes(status);

/** One list a task is in: a scope's default list (no status) or its list of one status. */
export interface TaskListMembership {
  scope: TaskListScope;
  status?: TaskStatus;
}

/** Every list the task is in: per scope its status list, and the default list unless its status is out of it. */
export function listMembershipsOf(task: Pick<Task, 'studentId' | 'assignedAdminId' | 'status'>): TaskListMembership[] {
  return listScopesOf(task).flatMap((scope) => [...(isInDefaultLists(task.status) ? [{ scope }] : []), { scope, status: task.status }]);
}

/** What a list shows of a task, copied into every list entry. */
export interface TaskListEntry {
  id: string;
  title: string;
  type: string;
  subject: string;
  academicLevel: string;
  status: TaskStatus;
  priority: TaskPriority;
  dueDate: string;
  budgetCents: number;
  studentId: string;
  assignedAdminId?: string;
  createdAt: string;
  updatedAt: string;
}

function listEntryOf(task: Task): TaskListEntry {
  return {
    id: task.id,
    title: task.title,
    type: task.type,
    subject: task.subject,
    academicLevel: task.academicLevel,
    status: task.status,
    priority: task.priority,
    dueDate: task.dueDate,
    budgetCents: task.budgetCents,
    studentId: task.studentId,
    ...(task.assignedAdminId ? { assignedAdminId: task.assignedAdminId } : {}),
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
  };
}

/** Primary key of the task's entry in one list. */
export function listEntryKey(task: Pick<Task, 'id' | 'createdAt'>, scope: TaskListScope, status?: TaskStatus) {
  return { pk: taskKeys.listPartition(scope, status), sk: `${task.createdAt}#${task.id}` };
}

/** The task's entry in one list, with its three sort keys. */
export function toListEntryItem(task: Task, scope: TaskListScope, status?: TaskStatus): Record<string, unknown> {
  const key = listEntryKey(task, scope, status);
  return {
    ...key,
    gsi1pk: key.pk,
    gsi1sk: `${task.dueDate}#${task.id}`,
    gsi2pk: key.pk,
    gsi2sk: `${titleSortKey(task.title)}#${task.id}`,
    entity: 'task_list_entry',
    searchText: titleSortKey(task.title),
    ...listEntryOf(task),
  };
}

/** Every list entry of the task as it is now: 4 items, or 6 when assigned (2, or 3, once cancelled). */
export function toListEntryItems(task: Task): Record<string, unknown>[] {
  return listMembershipsOf(task).map(({ scope, status }) => toListEntryItem(task, scope, status));
}

export function fromListEntryItem(item: Record<string, unknown>): TaskListEntry {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, entity, searchText, ...entry } = item;
  void pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, entity, searchText;
  return entry as unknown as TaskListEntry;
}

export function toTaskItem(task: Task): Record<string, unknown> {
  return { ...taskKeys.task(task.id), entity: 'task', ...task };
}

/** The task item and all of its list entries: what creating a task writes (besides deliverables and counters). */
export function toTaskItems(task: Task): Record<string, unknown>[] {
  return [toTaskItem(task), ...toListEntryItems(task)];
}

export function fromTaskItem(item: Record<string, unknown>): Task {
  const { pk, sk, entity, ...task } = item;
  void pk, sk, entity;
  const t = task as unknown as Task;
  return { ...t, attachments: t.attachments ?? [], deliverableCount: t.deliverableCount ?? 0, version: t.version ?? 1 };
}

export function toHistoryItem(entry: TaskHistoryEntry): Record<string, unknown> {
  return { ...taskKeys.history(entry.taskId, entry.at, entry.id), entity: 'task_history', ...entry };
}

export function fromHistoryItem(item: Record<string, unknown>): TaskHistoryEntry {
  const { pk, sk, entity, ...entry } = item;
  void pk, sk, entity;
  return entry as unknown as TaskHistoryEntry;
}

/** The task item with a strongly consistent read (decides conditional writes), or undefined. */
export async function getTaskById(db: Db, taskId: string): Promise<Task | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: taskKeys.task(taskId), ConsistentRead: true }));
  return out.Item ? fromTaskItem(out.Item) : undefined;
}

/**
 * Every item under `TASK#<taskId>` (task, deliverables, history), in sort-key order. Bounded: at most 50
 * deliverables plus one history entry per status change; a page is 1 MB (thousands of these items), and
 * more pages are followed up to a small cap.
 */
export async function queryTaskPartition(db: Db, taskId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let read = 0; read < 4; read++) {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': taskKeys.partition(taskId) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  return items;
}

export interface TaskListQuery {
  scope: TaskListScope;
  /** Absent: the scope's default list, which leaves out STATUSES_OUT_OF_DEFAULT_LISTS (cancelled). */
  status?: TaskStatus;
  sortBy: TaskSortBy;
  ascending: boolean;
  /** Case-insensitive substring of the title: a filter on the entries' `searchText`. */
  search?: string;
}

/**
 * One page of a task list: a Query on the list's partition, on the table (by creation), gsi1 (by due date)
 * or gsi2 (by title). Without `search` one Query of limit+1 entries; with it, a bounded filtered read.
 */
export function listTasks(db: Db, q: TaskListQuery, page: PageRequest): Promise<Page<TaskListEntry>> {
  const sort = sortIndex[q.sortBy];
  const search = q.search?.trim().toLowerCase();
  return queryPage(
    db,
    {
      index: sort.index,
      partition: { name: sort.partitionKey, value: taskKeys.listPartition(q.scope, q.status) },
      ascending: q.ascending,
      filter: search
        ? { FilterExpression: 'contains(#searchText, :search)', ExpressionAttributeNames: { '#searchText': 'searchText' }, ExpressionAttributeValues: { ':search': search } }
        : undefined,
    },
    page,
    fromListEntryItem,
  );
}

/**
 * Every task id, once each, for maintenance jobs (migrations), never for a request: the all-tasks default
 * list `TASKLIST#ALL`, then the status lists of the statuses it leaves out (`TASKLIST#ALL#cancelled`), one
 * Query page (up to 1 MB, ids only) at a time. A task cancelled while this runs moves from the first list to
 * a later one, so it is still seen. Tasks written without list entries (test fixtures) are not found.
 */
export async function* allTaskIds(db: Db): AsyncGenerator<string> {
  const seen = new Set<string>();
  const all: TaskListScope = { kind: 'all' };
  for (const partition of [taskKeys.listPartition(all), ...STATUSES_OUT_OF_DEFAULT_LISTS.map((s) => taskKeys.listPartition(all, s))]) {
    const items = queryAll(db, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partition },
      ProjectionExpression: '#id',
      ExpressionAttributeNames: { '#id': 'id' },
    });
    for await (const item of items) {
      const id = item.id as string;
      if (seen.has(id)) continue;
      seen.add(id);
      yield id;
    }
  }
}

// ---- Transaction items for task writes (the services in functions/tasks compose them) ----------------

/** Fields a write may change on the task item (everything else is fixed at creation or owned by counters). */
const MUTABLE_FIELDS = [
  'title', 'type', 'description', 'subject', 'academicLevel', 'pages', 'dueDate', 'budgetCents',
  'requirements', 'citations', 'priority', 'status', 'assignedAdminId', 'completionCounted',
] as const satisfies readonly (keyof Task)[];

/**
 * Update of the task item from `before` to `after` (changed fields only, plus version and updatedAt),
 * conditional on the item still being at `before.version` with `before.status`: any concurrent write
 * cancels the transaction it is part of. Put it at index 0 so a failure is `transactionItemFailed(err, 0)`.
 */
export function taskUpdateItem(db: Pick<Db, 'tableName'>, before: Task, after: Task) {
  const names: Record<string, string> = { '#version': 'version', '#updatedAt': 'updatedAt', '#status': 'status' };
  const values: Record<string, unknown> = {
    ':version': after.version,
    ':updatedAt': after.updatedAt,
    ':expectedVersion': before.version,
    ':expectedStatus': before.status,
  };
  const set = ['#version = :version', '#updatedAt = :updatedAt'];
  const remove: string[] = [];
  for (const field of MUTABLE_FIELDS) {
    if (before[field] === after[field]) continue;
    names[`#${field}`] = field;
    if (after[field] === undefined) {
      remove.push(`#${field}`);
    } else {
      set.push(`#${field} = :${field}`);
      values[`:${field}`] = after[field];
    }
  }
  return {
    Update: {
      TableName: db.tableName,
      Key: taskKeys.task(before.id),
      UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion AND #status = :expectedStatus',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * Brings the list entries from `before` (undefined on create) to `after`: Delete the entries of lists the
 * task left (old status, previous admin, the default lists on cancel), Put every current entry (they copy
 * the listed fields, so they are rewritten whole). At most 6 Deletes (cancelling an assigned task) and
 * 6 Puts. Safe without conditions because the task update in the same transaction is conditional on the
 * version these entries were computed from.
 */
export function listEntryWrites(db: Pick<Db, 'tableName'>, before: Task | undefined, after: Task) {
  const keyOf = (i: Record<string, unknown>) => `${i.pk}|${i.sk}`;
  const next = toListEntryItems(after);
  const nextKeys = new Set(next.map(keyOf));
  const deletes = before
    ? listMembershipsOf(before)
        .map(({ scope, status }) => listEntryKey(before, scope, status))
        .filter((k) => !nextKeys.has(keyOf(k)))
        .map((Key) => ({ Delete: { TableName: db.tableName, Key } }))
    : [];
  return [...deletes, ...next.map((Item) => ({ Put: { TableName: db.tableName, Item } }))];
}

/**
 * Open tasks past their due date (GET /admin/tasks/statistics): for each status in `statuses`, one Query of the
 * all-tasks status list on gsi1 (sorted by due date) for `gsi1sk < now`, ascending, at most `limit` + 1 entries,
 * so the cost is bounded whatever the table holds. `capped`: some status had more than `limit` (the count is then
 * a lower bound). The entries come back most overdue first, at most `limit`.
 */
export async function listOverdueTasks(db: Db, statuses: readonly TaskStatus[], now: string, limit: number): Promise<{ count: number; capped: boolean; entries: TaskListEntry[] }> {
  const perStatus = await Promise.all(
    statuses.map(async (status) => {
      const out = await db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          IndexName: sortIndex.due_date.index,
          KeyConditionExpression: '#pk = :pk AND #sk < :now',
          ExpressionAttributeNames: { '#pk': sortIndex.due_date.partitionKey, '#sk': sortIndex.due_date.sortKey },
          ExpressionAttributeValues: { ':pk': taskKeys.listPartition({ kind: 'all' }, status), ':now': now },
          ScanIndexForward: true,
          Limit: limit + 1,
        }),
      );
      return (out.Items ?? []).map(fromListEntryItem);
    }),
  );
  const capped = perStatus.some((entries) => entries.length > limit);
  const kept = perStatus.flatMap((entries) => entries.slice(0, limit));
  kept.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0));
  return { count: kept.length, capped, entries: kept.slice(0, limit) };
}
