// Deliverables: admins add, edit, submit files for and remove them; the task's student approves a submission
// or asks for a revision. Every write is one transaction conditional on the deliverable's version plus a
// check of the task's status, so a deliverable never changes under a task that was closed meanwhile.
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { newId } from '#shared/ids.ts';
import { conflict, notFound, validationError } from '#shared/errors.ts';
import { transactionItemFailed } from '#shared/db/errors.ts';
import { getTaskById, taskKeys, type Task, type TaskStatus } from '#shared/db/entities/task.ts';
import {
  deliverableKeys,
  getDeliverableWithTask,
  MAX_DELIVERABLES_PER_TASK,
  MAX_FILES_PER_DELIVERABLE,
  toDeliverableItem,
  toDeliverablePointerItem,
  type Deliverable,
  type DeliverableStatus,
} from '#shared/db/entities/deliverable.ts';
import type { FileRecord } from '#shared/db/entities/file.ts';
import {
  assertAttachableFiles,
  attachFilesTransactItems,
  detachFilesTransactItems,
  throwIfAttachmentFailed,
  type AttachTarget,
} from '#shared/files/attachments.ts';
import { storeUploadedFiles } from '#shared/files/store.ts';
import type { UploadedFile } from '#shared/http/multipart.ts';
import { taskEvent } from '#shared/events/task-events.ts';
import { deleteFile } from '#functions/files/files.ts';
import { transact, type TasksDeps } from './deps.ts';
import {
  assertDeliverableMove,
  deliverableStageOf,
  deliverableStages,
  isClosedTaskStatus,
  isFinalDeliverableStage,
  OPEN_TASK_STATUSES,
  WORKING_TASK_STATUSES,
  type DeliverableStage,
} from './lifecycle.ts';
import { byOf, canSeeTask, fileRefOf, loadTaskAggregate, partiesOf } from './tasks.ts';
import { deliverableView, type DeliverableView } from './views.ts';

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/** ConditionCheck (or part of an Update) that the task is in one of `statuses`. */
function taskStatusIn(statuses: readonly TaskStatus[]) {
  const values = Object.fromEntries(statuses.map((s, i) => [`:ts${i}`, s]));
  return {
    ConditionExpression: `attribute_exists(pk) AND #taskStatus IN (${Object.keys(values).join(', ')})`,
    ExpressionAttributeNames: { '#taskStatus': 'status' },
    ExpressionAttributeValues: values,
  };
}

/** Where a deliverable is, as 409 details say it (spec status + whether a submission awaits review). */
const stateOf = (d: Deliverable) => ({ currentStatus: d.status, awaitingApproval: d.awaitingApproval });

function taskNotOpen(task: Task, deliverable?: Deliverable) {
  return conflict(`The task is ${task.status}; its deliverables cannot change`, {
    ...(deliverable ? stateOf(deliverable) : {}),
    taskStatus: task.status,
  });
}

function taskNotIn(task: Task, statuses: readonly TaskStatus[], deliverable: Deliverable, what: string) {
  return conflict(`Deliverables can be ${what} only while the task is ${statuses.join(' or ')}; it is ${task.status}`, {
    ...stateOf(deliverable),
    taskStatus: task.status,
  });
}

/** A completed deliverable (the student approved it) is final: no edit, submission or removal. */
function assertNotFinal(d: Deliverable, what: string) {
  if (isFinalDeliverableStage(deliverableStageOf(d))) throw conflict(`A ${d.status} deliverable cannot ${what}`, stateOf(d));
}

const putDeliverable = (tableName: string, before: Deliverable, after: Deliverable) => ({
  Put: {
    TableName: tableName,
    Item: toDeliverableItem(after),
    ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expectedVersion': before.version },
  },
});

const bumped = (d: Deliverable, now: Date) => ({ version: d.version + 1, updatedAt: now.toISOString() });

/** Adds a deliverable (status pending) to an open task; at most MAX_DELIVERABLES_PER_TASK per task. */
export async function addDeliverable(
  deps: TasksDeps,
  actor: AuthUser,
  taskId: string,
  input: { title: string; description?: string; dueDate?: string; requirements?: string },
): Promise<DeliverableView> {
  const { db, now } = deps;
  const task = await getTaskById(db, taskId);
  if (!task || !canSeeTask(actor, task)) throw notFound('Task');
  if (isClosedTaskStatus(task.status)) throw conflict(`Deliverables cannot be added to a ${task.status} task`, { currentStatus: task.status });
  if (task.deliverableCount >= MAX_DELIVERABLES_PER_TASK) {
    throw conflict(`A task has at most ${MAX_DELIVERABLES_PER_TASK} deliverables`, { max: MAX_DELIVERABLES_PER_TASK });
  }
  const at = now.toISOString();
  const d: Deliverable = {
    id: newId('deliv', now),
    taskId,
    title: input.title,
    ...(input.description ? { description: input.description } : {}),
    ...(input.requirements ? { requirements: input.requirements } : {}),
    ...(input.dueDate ? { dueDate: new Date(input.dueDate).toISOString() } : {}),
    ...deliverableStages.pending,
    files: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const open = taskStatusIn(OPEN_TASK_STATUSES);
  try {
    await transact(db, [
      { Put: { TableName: db.tableName, Item: toDeliverableItem(d), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: db.tableName, Item: toDeliverablePointerItem(d), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: db.tableName,
          Key: taskKeys.task(taskId),
          UpdateExpression: 'ADD #count :one',
          ConditionExpression: `${open.ConditionExpression} AND (attribute_not_exists(#count) OR #count < :max)`,
          ExpressionAttributeNames: { ...open.ExpressionAttributeNames, '#count': 'deliverableCount' },
          ExpressionAttributeValues: { ...open.ExpressionAttributeValues, ':one': 1, ':max': MAX_DELIVERABLES_PER_TASK },
        },
      },
    ]);
  } catch (err) {
    if (!transactionItemFailed(err, 2)) throw err;
    const current = await getTaskById(db, taskId);
    if (!current) throw notFound('Task');
    if (isClosedTaskStatus(current.status)) throw conflict(`Deliverables cannot be added to a ${current.status} task`, { currentStatus: current.status });
    throw conflict(`A task has at most ${MAX_DELIVERABLES_PER_TASK} deliverables`, { max: MAX_DELIVERABLES_PER_TASK });
  }
  return deliverableView(d, deps);
}

/** The task's deliverables in creation order (its student and admins): one Query of the task's partition. */
export async function listDeliverables(deps: TasksDeps, actor: AuthUser, taskId: string): Promise<DeliverableView[]> {
  const agg = await loadTaskAggregate(deps, taskId);
  if (!agg || !canSeeTask(actor, agg.task)) throw notFound('Task');
  return Promise.all(agg.deliverables.map((d) => deliverableView(d, deps)));
}

interface DeliverableWritePlan<T> {
  /** Index 0 must be the deliverable's write conditional on its version. */
  items: TransactItems;
  result: T;
  /** Turns a cancellation caused by another item into a domain error (throw); return to rethrow as is. */
  onCancel?: (err: unknown) => Promise<void> | void;
}

/**
 * Reads deliverable and task (strongly consistent), lets `plan` decide and build the transaction, commits it;
 * re-plans on the fresh state when the deliverable changed in between (index 0 failed), at most 3 times.
 */
async function writeDeliverable<T>(
  deps: TasksDeps,
  deliverableId: string,
  plan: (found: { deliverable: Deliverable; task: Task }) => DeliverableWritePlan<T>,
  /** A strongly consistent read the caller already made, used for the first attempt. */
  initial?: { deliverable: Deliverable; task: Task },
): Promise<T> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = attempt === 0 && initial ? initial : await getDeliverableWithTask(deps.db, deliverableId);
    if (!found) throw notFound('Deliverable');
    const { items, result, onCancel } = plan(found);
    try {
      await transact(deps.db, items);
      return result;
    } catch (err) {
      if (transactionItemFailed(err, 0)) continue;
      await onCancel?.(err);
      throw err;
    }
  }
  const found = await getDeliverableWithTask(deps.db, deliverableId);
  throw conflict('The deliverable kept changing while this request was applied; try again', found ? stateOf(found.deliverable) : {});
}

/** Throws 409 naming the task's status when the check on the task (at `index`) failed. */
function onTaskCheckFailed(deps: TasksDeps, index: number, taskId: string, deliverable: Deliverable) {
  return async (err: unknown) => {
    if (!transactionItemFailed(err, index)) return;
    const task = await getTaskById(deps.db, taskId);
    throw conflict(`The task is ${task?.status ?? 'gone'}; the deliverable was not changed`, { ...stateOf(deliverable), taskStatus: task?.status });
  };
}

export interface DeliverableChanges {
  title?: string;
  description?: string | null;
  dueDate?: string | null;
  requirements?: string | null;
  /** Any spec status parses; the state machine decides (409 with `allowedStatuses` for a move that is not the admin's). */
  status?: DeliverableStatus;
}

/**
 * Admin edits; `status` only along the admin's moves (pending <-> in_progress, revision_needed -> in_progress).
 * `completed` and `revision_needed` are the student's to give, and a submission awaiting the student's review
 * cannot be withdrawn: both are 409.
 */
export async function updateDeliverable(deps: TasksDeps, actor: AuthUser, deliverableId: string, changes: DeliverableChanges): Promise<DeliverableView> {
  const updated = await writeDeliverable(deps, deliverableId, ({ deliverable: d, task }) => {
    if (!canSeeTask(actor, task)) throw notFound('Deliverable');
    if (isClosedTaskStatus(task.status)) throw taskNotOpen(task, d);
    const stage = deliverableStageOf(d);
    // A status names the stage without a pending submission: `in_progress` while one awaits review is a move too.
    if (changes.status !== undefined && changes.status !== stage) assertDeliverableMove(stage, changes.status, 'update');
    assertNotFinal(d, 'change');
    const next: Deliverable = { ...d, ...bumped(d, deps.now) };
    if (changes.title !== undefined) next.title = changes.title;
    if (changes.description !== undefined) next.description = changes.description || undefined;
    if (changes.requirements !== undefined) next.requirements = changes.requirements || undefined;
    if (changes.dueDate !== undefined) next.dueDate = changes.dueDate ? new Date(changes.dueDate).toISOString() : undefined;
    if (changes.status !== undefined) Object.assign(next, deliverableStages[changes.status]);
    return {
      items: [putDeliverable(deps.db.tableName, d, next), { ConditionCheck: { TableName: deps.db.tableName, Key: taskKeys.task(task.id), ...taskStatusIn(OPEN_TASK_STATUSES) } }],
      result: next,
      onCancel: onTaskCheckFailed(deps, 1, task.id, d),
    };
  });
  return deliverableView(updated, deps);
}

export interface SubmitInput {
  notes?: string;
  fileIds?: string[];
  /** Files of a multipart request. */
  uploads: UploadedFile[];
}

/**
 * An admin submits files for a deliverable while the task is in_progress: uploaded in this request
 * (stored through the files domain, category `deliverable`) or already confirmed (`fileIds`). The files are
 * attached to the deliverable under the task, which makes them readable by the task's student. Files
 * uploaded by this request are deleted again when the submission is refused.
 */
export async function submitDeliverable(deps: TasksDeps, actor: AuthUser, deliverableId: string, input: SubmitInput): Promise<DeliverableView> {
  const { db, now } = deps;
  if (input.uploads.length > 0 && input.fileIds) throw validationError('fileIds', 'send files (multipart) or fileIds (JSON), not both');
  if (input.uploads.length === 0 && !input.fileIds) throw validationError('files', 'attach at least one file (multipart `files`) or give `fileIds`');

  const first = await getDeliverableWithTask(db, deliverableId);
  if (!first) throw notFound('Deliverable');
  const checkState = (d: Deliverable, task: Task) => {
    if (!WORKING_TASK_STATUSES.submit.includes(task.status)) throw taskNotIn(task, WORKING_TASK_STATUSES.submit, d, 'submitted');
    assertDeliverableMove(deliverableStageOf(d), 'awaiting_approval', 'submit');
  };
  // Refuse before storing anything when the submission cannot succeed.
  checkState(first.deliverable, first.task);
  const target: AttachTarget = { kind: 'deliverable', taskId: first.task.id, deliverableId };

  let stored: FileRecord[] = [];
  let files: FileRecord[];
  if (input.uploads.length > 0) {
    stored = await storeUploadedFiles(
      { db, storage: deps.storage, now, log: deps.log },
      { actor, category: 'deliverable', taskId: first.task.id, files: input.uploads, field: 'files' },
    );
    files = stored;
  } else {
    files = await assertAttachableFiles(db, { fileIds: input.fileIds!, actor, target, field: 'fileIds', now });
  }

  const at = now.toISOString();
  try {
    const submitted = await writeDeliverable(deps, deliverableId, ({ deliverable: d, task }) => {
      checkState(d, task);
      const known = new Set(d.files.map((f) => f.id));
      const added = files.filter((f) => !known.has(f.id)).map(fileRefOf);
      if (d.files.length + added.length > MAX_FILES_PER_DELIVERABLE) {
        throw validationError(input.uploads.length ? 'files' : 'fileIds', `a deliverable holds at most ${MAX_FILES_PER_DELIVERABLE} files`);
      }
      const next: Deliverable = {
        ...d,
        ...bumped(d, now),
        ...deliverableStages.awaiting_approval,
        files: [...d.files, ...added],
        notes: input.notes || undefined,
        submittedAt: at,
        submittedBy: actor.id,
      };
      return {
        items: [
          putDeliverable(db.tableName, d, next),
          { ConditionCheck: { TableName: db.tableName, Key: taskKeys.task(task.id), ...taskStatusIn(WORKING_TASK_STATUSES.submit) } },
          ...attachFilesTransactItems(files, target, db),
        ],
        result: { deliverable: next, task },
        onCancel: async (err) => {
          throwIfAttachmentFailed(err, files, 2);
          await onTaskCheckFailed(deps, 1, task.id, d)(err);
        },
      };
    }, first);
    await deps.publish(
      taskEvent('deliverable.submitted', {
        ...partiesOf(submitted.task),
        deliverableId,
        deliverableTitle: submitted.deliverable.title,
        fileIds: files.map((f) => f.id),
        ...(input.notes ? { notes: input.notes } : {}),
        by: byOf(actor),
        at,
      }),
    );
    return deliverableView(submitted.deliverable, deps);
  } catch (err) {
    await Promise.all(
      stored.map((f) => deleteFile({ db, storage: deps.storage, now, log: deps.log }, actor, f.id).catch((e) => deps.log.error('could not remove a refused submission file', { fileId: f.id, error: e }))),
    );
    throw err;
  }
}

/**
 * The task's student reviews a submission awaiting approval: approve (status `completed`, the only way a
 * deliverable completes) or ask for a revision (`revision_needed`, feedback required). Either way it no
 * longer awaits approval. Anyone else's deliverable is 404.
 */
export async function approveDeliverable(
  deps: TasksDeps,
  actor: AuthUser,
  deliverableId: string,
  input: { approved: boolean; feedback?: string },
): Promise<DeliverableView> {
  const { db, now } = deps;
  const at = now.toISOString();
  const to: DeliverableStage = input.approved ? 'completed' : 'revision_needed';
  const reviewed = await writeDeliverable(deps, deliverableId, ({ deliverable: d, task }) => {
    if (task.studentId !== actor.id) throw notFound('Deliverable');
    assertDeliverableMove(deliverableStageOf(d), to, 'review');
    if (!WORKING_TASK_STATUSES.review.includes(task.status)) throw taskNotIn(task, WORKING_TASK_STATUSES.review, d, 'reviewed');
    const next: Deliverable = { ...d, ...bumped(d, now), ...deliverableStages[to], feedback: input.feedback || undefined, reviewedAt: at };
    return {
      items: [putDeliverable(db.tableName, d, next), { ConditionCheck: { TableName: db.tableName, Key: taskKeys.task(task.id), ...taskStatusIn(WORKING_TASK_STATUSES.review) } }],
      result: { deliverable: next, task },
      onCancel: onTaskCheckFailed(deps, 1, task.id, d),
    };
  });
  await deps.publish(
    taskEvent('deliverable.approved', {
      ...partiesOf(reviewed.task),
      deliverableId,
      deliverableTitle: reviewed.deliverable.title,
      approved: input.approved,
      status: reviewed.deliverable.status,
      ...(input.feedback ? { feedback: input.feedback } : {}),
      by: byOf(actor),
      at,
    }),
  );
  return deliverableView(reviewed.deliverable, deps);
}

/**
 * Removes a deliverable that is not completed, from a task that is still open. Its files are detached (they
 * keep their task, so the task's people can still read them, and their owner may now delete them).
 */
export async function deleteDeliverable(deps: TasksDeps, actor: AuthUser, deliverableId: string): Promise<{ id: string; deleted: true }> {
  const { db } = deps;
  await writeDeliverable(deps, deliverableId, ({ deliverable: d, task }) => {
    if (!canSeeTask(actor, task)) throw notFound('Deliverable');
    assertNotFinal(d, 'be removed');
    if (isClosedTaskStatus(task.status)) throw taskNotOpen(task, d);
    const open = taskStatusIn(OPEN_TASK_STATUSES);
    return {
      items: [
        {
          Delete: {
            TableName: db.tableName,
            Key: deliverableKeys.deliverable(task.id, d.id),
            ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':expectedVersion': d.version },
          },
        },
        { Delete: { TableName: db.tableName, Key: deliverableKeys.pointer(d.id) } },
        {
          Update: {
            TableName: db.tableName,
            Key: taskKeys.task(task.id),
            UpdateExpression: 'ADD #count :minusOne',
            ConditionExpression: open.ConditionExpression,
            ExpressionAttributeNames: { ...open.ExpressionAttributeNames, '#count': 'deliverableCount' },
            ExpressionAttributeValues: { ...open.ExpressionAttributeValues, ':minusOne': -1 },
          },
        },
        ...detachFilesTransactItems(
          d.files.map((f) => f.id),
          { kind: 'deliverable', taskId: task.id, deliverableId: d.id },
          db,
        ),
      ],
      result: undefined,
      onCancel: onTaskCheckFailed(deps, 2, task.id, d),
    };
  });
  return { id: deliverableId, deleted: true };
}

/** One deliverable as the routes answer it (the replay of a retried add); 404 for one the actor may not see. */
export async function getDeliverableDetail(deps: TasksDeps, actor: AuthUser, deliverableId: string): Promise<DeliverableView> {
  const found = await getDeliverableWithTask(deps.db, deliverableId);
  if (!found || !canSeeTask(actor, found.task)) throw notFound('Deliverable');
  return deliverableView(found.deliverable, deps);
}
