// The deliverable entity. A deliverable lives in its task's partition (`TASK#<taskId>` / `DELIV#<id>`), so
// the task detail reads task, deliverables and history in one Query. The `/deliverables/{id}` endpoints know
// only the deliverable id, so a small pointer item (`DELIV#<id>` / `DELIV` -> taskId), written in the same
// transaction, resolves it with one strongly consistent GetItem (a GSI would be eventually consistent).
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { fromTaskItem, taskKeys, type StoredFileRef, type Task } from './task.ts';

/** The spec's deliverable statuses; the only values `status` ever holds (in the table and in responses). */
export const DELIVERABLE_STATUSES = ['pending', 'in_progress', 'completed', 'revision_needed'] as const;
export type DeliverableStatus = (typeof DELIVERABLE_STATUSES)[number];

/**
 * Statuses written before the spec's values were adopted, and what each one is in spec values. Items are
 * rewritten by `shared/db/migrations/deliverable-statuses.ts`; until that has run, reads map them here, so
 * no response ever carries an old value.
 */
export const LEGACY_DELIVERABLE_STATUSES = {
  approved: { status: 'completed', awaitingApproval: false },
  submitted: { status: 'in_progress', awaitingApproval: true },
} as const satisfies Record<string, { status: DeliverableStatus; awaitingApproval: boolean }>;
export type LegacyDeliverableStatus = keyof typeof LEGACY_DELIVERABLE_STATUSES;

export const isLegacyDeliverableStatus = (s: unknown): s is LegacyDeliverableStatus =>
  typeof s === 'string' && Object.hasOwn(LEGACY_DELIVERABLE_STATUSES, s);

/** Deliverables per task: keeps the task's partition (and the detail Query) small. */
export const MAX_DELIVERABLES_PER_TASK = 50;
/** Files per deliverable across all its submissions. */
export const MAX_FILES_PER_DELIVERABLE = 30;

export interface Deliverable {
  id: string;
  taskId: string;
  title: string;
  description?: string;
  requirements?: string;
  dueDate?: string;
  status: DeliverableStatus;
  /**
   * An admin's submission waits for the task's student to approve it or ask for a revision. Only ever true
   * with status `in_progress`; see docs/task-lifecycle.md.
   */
  awaitingApproval: boolean;
  /** Every file submitted for it, oldest first (copied from the file records when attached). */
  files: StoredFileRef[];
  /** Notes of the latest submission. */
  notes?: string;
  submittedAt?: string;
  submittedBy?: string;
  /** The student's feedback on the latest review (approval or revision request). */
  feedback?: string;
  reviewedAt?: string;
  /** Bumped on every change; every change is conditional on it. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const deliverableKeys = {
  /** The deliverable, under its task. */
  deliverable: (taskId: string, deliverableId: string) => ({ pk: taskKeys.partition(taskId), sk: `DELIV#${deliverableId}` }),
  /** Prefix of deliverable sort keys in the task partition (creation order, ids are ULIDs). */
  prefix: 'DELIV#',
  /** id -> taskId pointer. */
  pointer: (deliverableId: string) => ({ pk: `DELIV#${deliverableId}`, sk: 'DELIV' }),
};

export function toDeliverableItem(d: Deliverable): Record<string, unknown> {
  return { ...deliverableKeys.deliverable(d.taskId, d.id), entity: 'deliverable', ...d };
}

export function toDeliverablePointerItem(d: Pick<Deliverable, 'id' | 'taskId'>): Record<string, unknown> {
  return { ...deliverableKeys.pointer(d.id), entity: 'deliverable_pointer', taskId: d.taskId };
}

export function fromDeliverableItem(item: Record<string, unknown>): Deliverable {
  const { pk, sk, entity, ...d } = item;
  void pk, sk, entity;
  const out = d as unknown as Deliverable;
  const legacy = isLegacyDeliverableStatus(out.status) ? LEGACY_DELIVERABLE_STATUSES[out.status] : undefined;
  return {
    ...out,
    ...(legacy ?? { awaitingApproval: out.awaitingApproval ?? false }),
    files: out.files ?? [],
    version: out.version ?? 1,
  };
}

export const isDeliverableItem = (item: Record<string, unknown>) => typeof item.sk === 'string' && item.sk.startsWith(deliverableKeys.prefix);

/**
 * The deliverable and its task, read strongly consistently (they decide conditional writes): GetItem on the
 * pointer, then both items with two parallel GetItems. Undefined when either is gone.
 */
export async function getDeliverableWithTask(db: Db, deliverableId: string): Promise<{ deliverable: Deliverable; task: Task } | undefined> {
  const get = (Key: Record<string, string>) => db.doc.send(new GetCommand({ TableName: db.tableName, Key, ConsistentRead: true }));
  const pointer = await get(deliverableKeys.pointer(deliverableId));
  const taskId = pointer.Item?.taskId as string | undefined;
  if (!taskId) return undefined;
  const [taskOut, deliverableOut] = await Promise.all([get(taskKeys.task(taskId)), get(deliverableKeys.deliverable(taskId, deliverableId))]);
  if (!taskOut.Item || !deliverableOut.Item) return undefined;
  return { deliverable: fromDeliverableItem(deliverableOut.Item), task: fromTaskItem(taskOut.Item) };
}
