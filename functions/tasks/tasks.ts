// Tasks: create, list, read, edit, move along the state machine (status change, cancel) and assign.
// Every write is one TransactWrite conditional on the version and status the decision was made from;
// the domain event goes out only after the commit.
import { monotonicFactory } from 'ulid';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { newId } from '#shared/ids.ts';
import { AppError, conflict, forbidden, notFound, validationError } from '#shared/errors.ts';
import { transactionItemFailed } from '#shared/db/errors.ts';
import type { Page } from '#shared/db/query.ts';
import { getUserById, userKeys } from '#shared/db/entities/user.ts';
import {
  fromHistoryItem,
  fromTaskItem,
  getTaskById,
  listEntryWrites,
  listTasks,
  queryTaskPartition,
  taskKeys,
  taskUpdateItem,
  toHistoryItem,
  toTaskItem,
  type StoredFileRef,
  type Task,
  type TaskHistoryEntry,
  type TaskListEntry,
  type TaskListScope,
  type TaskSortBy,
  type TaskStatus,
} from '#shared/db/entities/task.ts';
import {
  fromDeliverableItem,
  isDeliverableItem,
  toDeliverableItem,
  toDeliverablePointerItem,
  type Deliverable,
} from '#shared/db/entities/deliverable.ts';
import { taskCategoryEditItems, taskCategoryItems, taskCreatedStatsItems, taskStatusStatsItems } from '#shared/db/entities/task-stats.ts';
import { randomCounterShard } from '#shared/db/counters.ts';
import { assertAttachableFiles, attachFilesTransactItems, throwIfAttachmentFailed } from '#shared/files/attachments.ts';
import type { FileRecord } from '#shared/db/entities/file.ts';
import { taskEvent } from '#shared/events/task-events.ts';
import type { CreateTaskBody, UpdateTaskBody } from '#shared/contract/tasks.ts';
import { transact, type TasksDeps } from './deps.ts';
import { currentMetrics } from '#shared/observability/metrics.ts';
import { Dimension, DomainMetric } from '#shared/observability/metric-names.ts';
import { assertTaskMove, EDITABLE_TASK_STATUSES, isClosedTaskStatus, type Mover } from './lifecycle.ts';
import { listItemView, loadPeople, taskDetailView, type TaskAggregate, type TaskDetailView } from './views.ts';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

const nextHistoryId = monotonicFactory();

/** Admins see every task; a student only their own. Anyone else is told it does not exist. */
export function canSeeTask(actor: AuthUser, task: Pick<Task, 'studentId'>): boolean {
  return actor.role === 'admin' || task.studentId === actor.id;
}

export const toCents = (amount: number) => Math.round(amount * 100);
const toUtc = (iso: string) => new Date(iso).toISOString();

function assertFuture(field: string, iso: string, now: Date): void {
  if (Date.parse(iso) <= now.getTime()) throw validationError(field, 'must be in the future');
}

export const fileRefOf = (f: FileRecord): StoredFileRef => ({ id: f.id, originalName: f.originalName, s3Key: f.s3Key, size: f.size, mime: f.mime });

/** The actor as events carry it. */
export const byOf = (actor: AuthUser) => ({ id: actor.id, role: actor.role });

/** Who an event about the task concerns. */
export const partiesOf = (task: Task) => ({
  taskId: task.id,
  taskTitle: task.title,
  studentId: task.studentId,
  assignedAdminId: task.assignedAdminId ?? null,
});

function historyEntry(task: Task, from: TaskStatus | null, to: TaskStatus, actor: AuthUser, at: string, note: { reason?: string; feedback?: string } = {}): TaskHistoryEntry {
  return {
    id: nextHistoryId(Date.parse(at)),
    taskId: task.id,
    from,
    to,
    by: actor.id,
    byRole: actor.role,
    ...(note.reason ? { reason: note.reason } : {}),
    ...(note.feedback ? { feedback: note.feedback } : {}),
    at,
  };
}

/**
 * Creates the task in status `pending` with one deliverable per title, attaching the given files, in one
 * transaction with its list entries, its first history entry and the counters (total, pending, created today
 * and this month). A bad attachment id is 400 before anything is written; a file attached elsewhere
 * meanwhile is 409 and nothing is written.
 */
export async function createTask(deps: TasksDeps, actor: AuthUser, input: CreateTaskBody): Promise<TaskDetailView> {
  const { db, now } = deps;
  assertFuture('deadline', input.deadline, now);
  const at = now.toISOString();
  const taskId = newId('task', now);
  const target = { kind: 'task' as const, taskId };
  const files = await assertAttachableFiles(db, { fileIds: input.attachments, actor, target, field: 'attachments', now });

  const task: Task = {
    id: taskId,
    studentId: actor.id,
    title: input.title,
    type: input.type,
    description: input.description,
    subject: input.subject,
    academicLevel: input.academicLevel,
    pages: input.pages,
    dueDate: toUtc(input.deadline),
    budgetCents: toCents(input.budget),
    ...(input.requirements ? { requirements: input.requirements } : {}),
    ...(input.citations ? { citations: input.citations } : {}),
    priority: input.priority,
    status: 'pending',
    attachments: files.map(fileRefOf),
    deliverableCount: input.deliverables.length,
    version: 1,
    createdAt: at,
    updatedAt: at,
    categoriesCounted: true,
  };
  const deliverables: Deliverable[] = input.deliverables.map((title) => ({
    id: newId('deliv', now),
    taskId,
    title,
    // Titles-only deliverables are due with the task; an admin may set their own dates later.
    dueDate: task.dueDate,
    status: 'pending',
    awaitingApproval: false,
    files: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
  }));
  const created = historyEntry(task, null, 'pending', actor, at);

  const put = (Item: Record<string, unknown>) => ({ Put: { TableName: db.tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } });
  const items: TransactItems = [
    put(toTaskItem(task)),
    ...listEntryWrites(db, undefined, task),
    ...deliverables.flatMap((d) => [put(toDeliverableItem(d)), put(toDeliverablePointerItem(d))]),
    put(toHistoryItem(created)),
    // Every counter of one creation on one shard: it collides with a concurrent write only on a shared shard.
    ...((shard) => [...taskCreatedStatsItems(db, task.status, at, shard), ...taskCategoryItems(db, task, 1, shard)])(randomCounterShard()),
  ];
  const firstAttachment = items.length;
  items.push(...attachFilesTransactItems(files, target, db));
  try {
    await transact(db, items);
  } catch (err) {
    throwIfAttachmentFailed(err, files, firstAttachment);
    throw err;
  }

  currentMetrics().count(DomainMetric.taskStatusChanges, { [Dimension.status]: 'pending' });
  await deps.publish(taskEvent('task.status_changed', { ...partiesOf(task), from: null, to: 'pending', by: byOf(actor), at }));
  const people = await loadPeople(db, [actor.id]);
  return taskDetailView({ task, deliverables, history: [created] }, people, deps);
}

/** Task, deliverables (creation order) and history (oldest first) from one Query of the task's partition. */
export async function loadTaskAggregate(deps: Pick<TasksDeps, 'db'>, taskId: string): Promise<TaskAggregate | undefined> {
  const items = await queryTaskPartition(deps.db, taskId);
  const taskItem = items.find((i) => i.sk === taskKeys.task(taskId).sk);
  if (!taskItem) return undefined;
  return {
    task: fromTaskItem(taskItem),
    deliverables: items.filter(isDeliverableItem).map(fromDeliverableItem),
    history: items.filter((i) => String(i.sk).startsWith(taskKeys.historyPrefix)).map(fromHistoryItem),
  };
}

/** The spec's task detail: one Query of the task partition + one BatchGet of the student and assigned admin. */
export async function getTaskDetail(deps: TasksDeps, actor: AuthUser, taskId: string): Promise<TaskDetailView> {
  const agg = await loadTaskAggregate(deps, taskId);
  if (!agg || !canSeeTask(actor, agg.task)) throw notFound('Task');
  const people = await loadPeople(deps.db, [agg.task.studentId, agg.task.assignedAdminId]);
  return taskDetailView(agg, people, deps);
}

export interface TaskListRequest {
  limit: number;
  cursor?: string;
  page?: number;
  status?: TaskStatus;
  search?: string;
  sortBy: TaskSortBy;
  sortOrder: 'asc' | 'desc';
  assignedToMe?: boolean;
  assignedTo?: string;
}

/** Which list the caller reads: a student always their own; an admin all, theirs, or another admin's. */
export function scopeFor(actor: AuthUser, q: Pick<TaskListRequest, 'assignedToMe' | 'assignedTo'>): TaskListScope {
  if (actor.role === 'student') {
    if (q.assignedToMe !== undefined || q.assignedTo !== undefined) throw forbidden('Only admins may filter tasks by assignee');
    return { kind: 'student', studentId: actor.id };
  }
  if (q.assignedToMe && q.assignedTo && q.assignedTo !== actor.id) {
    throw validationError('assignedTo', 'give either assignedToMe=true or assignedTo, not both');
  }
  if (q.assignedToMe) return { kind: 'admin', adminId: actor.id };
  if (q.assignedTo) return { kind: 'admin', adminId: q.assignedTo };
  return { kind: 'all' };
}

/**
 * One page of the caller's task list, plus the people it names (one BatchGet). A `cursor` resumes where the
 * last page ended; the spec's `page` without a cursor reads and skips the entries before it. A page walk and
 * a search share the request's read budget (queryPage): past it, a short page and a cursor that continues.
 */
export async function listTasksFor(deps: TasksDeps, actor: AuthUser, q: TaskListRequest): Promise<Page<ReturnType<typeof listItemView>>> {
  const query = { scope: scopeFor(actor, q), status: q.status, sortBy: q.sortBy, ascending: q.sortOrder === 'asc', search: q.search };
  const page: Page<TaskListEntry> = await listTasks(deps.db, query, { limit: q.limit, cursor: q.cursor, page: q.page });
  const people = await loadPeople(deps.db, page.items.flatMap((e) => [e.studentId, e.assignedAdminId]));
  return { items: page.items.map((e) => listItemView(e, people)), nextCursor: page.nextCursor };
}

interface TaskWritePlan<T> {
  /** Index 0 must be the task's conditional update (taskUpdateItem). Empty: nothing to write. */
  items: TransactItems;
  result: T;
  /** Turns a cancellation caused by another item into a domain error (throw); return to rethrow as is. */
  onCancel?: (err: unknown) => void;
}

/**
 * Reads the task (strongly consistent), lets `plan` decide and build the transaction, and commits it. When
 * the task changed between read and write (index 0 failed its version/status condition) the plan runs again
 * on the fresh task, so a status that moved meanwhile ends in the plan's own 409, and an unrelated edit is
 * simply retried. Three lost races in a row are a 409.
 */
async function writeTask<T>(deps: TasksDeps, taskId: string, plan: (task: Task) => Promise<TaskWritePlan<T>> | TaskWritePlan<T>): Promise<T> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const task = await getTaskById(deps.db, taskId);
    if (!task) throw notFound('Task');
    const { items, result, onCancel } = await plan(task);
    if (items.length === 0) return result;
    try {
      await transact(deps.db, items);
      return result;
    } catch (err) {
      if (transactionItemFailed(err, 0)) continue;
      onCancel?.(err);
      throw err;
    }
  }
  const task = await getTaskById(deps.db, taskId);
  throw conflict('The task kept changing while this request was applied; try again', { currentStatus: task?.status });
}

const bumped = (task: Task, now: Date): Pick<Task, 'version' | 'updatedAt'> => ({ version: task.version + 1, updatedAt: now.toISOString() });

/** The task's student edits it while it is pending or revision_needed (409 with the current status otherwise). */
export async function updateTask(deps: TasksDeps, actor: AuthUser, taskId: string, changes: UpdateTaskBody): Promise<TaskDetailView> {
  if (changes.deadline !== undefined) assertFuture('deadline', changes.deadline, deps.now);
  await writeTask(deps, taskId, (task) => {
    if (task.studentId !== actor.id) throw notFound('Task');
    if (!EDITABLE_TASK_STATUSES.includes(task.status)) {
      throw conflict(`A task can be edited only while ${EDITABLE_TASK_STATUSES.join(' or ')}`, { currentStatus: task.status });
    }
    const next: Task = { ...task, ...bumped(task, deps.now) };
    if (changes.title !== undefined) next.title = changes.title;
    if (changes.type !== undefined) next.type = changes.type;
    if (changes.description !== undefined) next.description = changes.description;
    if (changes.subject !== undefined) next.subject = changes.subject;
    if (changes.academicLevel !== undefined) next.academicLevel = changes.academicLevel;
    if (changes.pages !== undefined) next.pages = changes.pages;
    if (changes.deadline !== undefined) next.dueDate = toUtc(changes.deadline);
    if (changes.budget !== undefined) next.budgetCents = toCents(changes.budget);
    if (changes.priority !== undefined) next.priority = changes.priority;
    // Empty text or null clears the optional fields.
    if (changes.requirements !== undefined) next.requirements = changes.requirements || undefined;
    if (changes.citations !== undefined) next.citations = changes.citations || undefined;
    return {
      items: [
        taskUpdateItem(deps.db, task, next),
        ...listEntryWrites(deps.db, task, next),
        // A changed type or subject moves its counters (-1 old, +1 new) when the task is counted in them.
        ...(task.categoriesCounted ? taskCategoryEditItems(deps.db, task, next) : []),
      ],
      result: next,
    };
  });
  return getTaskDetail(deps, actor, taskId);
}

export interface StatusNote {
  reason?: string;
  feedback?: string;
}

/**
 * Moves the task to `to` if the state machine lets `actor` make that move from the current status: one
 * transaction of the task (conditional on the status and version read), its list entries (out of the old
 * status lists, into the new), a history entry and the counters. Two admins racing: exactly one commits,
 * the other gets 409 with the status the winner set.
 */
export async function changeTaskStatus(deps: TasksDeps, actor: AuthUser, taskId: string, to: TaskStatus, note: StatusNote = {}): Promise<TaskDetailView> {
  const { db } = deps;
  const at = deps.now.toISOString();
  const moved = await writeTask(deps, taskId, (task) => {
    if (!canSeeTask(actor, task)) throw notFound('Task');
    assertTaskMove(task.status, to, actor.role as Mover);
    const next: Task = { ...task, status: to, ...bumped(task, deps.now), ...(to === 'completed' ? { completionCounted: true } : {}) };
    const entry = historyEntry(task, task.status, to, actor, at, note);
    const shard = randomCounterShard();
    return {
      items: [
        taskUpdateItem(db, task, next),
        ...listEntryWrites(db, task, next),
        { Put: { TableName: db.tableName, Item: toHistoryItem(entry), ConditionExpression: 'attribute_not_exists(pk)' } },
        // A completion adds its duration (the average time to completion); a cancel leaves the type/subject counts.
        ...taskStatusStatsItems(db, task.status, to, at, shard, to === 'completed' && !task.completionCounted ? task.createdAt : undefined),
        ...(to === 'cancelled' && task.categoriesCounted ? taskCategoryItems(db, task, -1, shard) : []),
      ],
      result: { before: task, after: next },
    };
  });
  currentMetrics().count(DomainMetric.taskStatusChanges, { [Dimension.status]: to });
  await deps.publish(
    taskEvent('task.status_changed', {
      ...partiesOf(moved.after),
      from: moved.before.status,
      to,
      by: byOf(actor),
      ...(note.reason ? { reason: note.reason } : {}),
      ...(note.feedback ? { feedback: note.feedback } : {}),
      at,
    }),
  );
  return getTaskDetail(deps, actor, taskId);
}

/** DELETE /tasks/{taskId}: the task's student cancels it (kept, status `cancelled`, reason in the history). */
export function cancelTask(deps: TasksDeps, actor: AuthUser, taskId: string, reason: string): Promise<TaskDetailView> {
  return changeTaskStatus(deps, actor, taskId, 'cancelled', { reason });
}

/**
 * Assigns the task to an active admin (400 when the user is not an admin or not active, 404 when there is
 * no such user). The admin is re-checked inside the transaction, so one suspended meanwhile is refused too.
 * Assigning the current admin again changes nothing. A closed task (completed, rejected, cancelled) is 409.
 */
export async function assignTask(deps: TasksDeps, actor: AuthUser, taskId: string, adminId: string): Promise<TaskDetailView> {
  const { db } = deps;
  const target = await getUserById(db, adminId);
  if (!target) throw new AppError('NOT_FOUND', 'Admin not found', { field: 'adminId' });
  if (target.role !== 'admin') throw validationError('adminId', 'is not an admin');
  if (target.status !== 'active') throw validationError('adminId', 'is not an active admin');
  const at = deps.now.toISOString();
  const change = await writeTask(deps, taskId, (task) => {
    if (isClosedTaskStatus(task.status)) throw conflict(`A ${task.status} task cannot be assigned`, { currentStatus: task.status });
    if (task.assignedAdminId === adminId) return { items: [], result: undefined };
    const next: Task = { ...task, assignedAdminId: adminId, ...bumped(task, deps.now) };
    return {
      items: [
        taskUpdateItem(db, task, next),
        {
          ConditionCheck: {
            TableName: db.tableName,
            Key: userKeys.user(adminId),
            ConditionExpression: '#role = :admin AND #status = :active',
            ExpressionAttributeNames: { '#role': 'role', '#status': 'status' },
            ExpressionAttributeValues: { ':admin': 'admin', ':active': 'active' },
          },
        },
        ...listEntryWrites(db, task, next),
      ],
      result: { before: task, after: next },
      onCancel: (err) => {
        if (transactionItemFailed(err, 1)) throw validationError('adminId', 'is not an active admin');
      },
    };
  });
  if (change) {
    await deps.publish(
      taskEvent('task.assigned', {
        ...partiesOf(change.after),
        assignedAdminId: adminId,
        previousAdminId: change.before.assignedAdminId ?? null,
        by: byOf(actor),
        at,
      }),
    );
  }
  return getTaskDetail(deps, actor, taskId);
}
