// The two state machines (task, deliverable) as data: every legal move and who makes it. The services
// consult only these tables; docs/task-lifecycle.md is the same tables in prose.
import type { TaskStatus } from '#shared/db/entities/task.ts';
import type { DeliverableStatus } from '#shared/db/entities/deliverable.ts';
import { conflict } from '#shared/errors.ts';

/** `admin`: any admin. `student`: the task's own student. */
export type Mover = 'admin' | 'student';

/** Task: from -> to -> who may make the move. A move absent from the table is illegal (409). */
export const taskTransitions: Record<TaskStatus, Partial<Record<TaskStatus, Mover>>> = {
  pending: { in_progress: 'admin', rejected: 'admin', cancelled: 'student' },
  in_progress: { completed: 'admin', revision_needed: 'admin', cancelled: 'student' },
  revision_needed: { in_progress: 'admin', rejected: 'admin', cancelled: 'student' },
  completed: {},
  rejected: {},
  cancelled: {},
};

/** Statuses in which the task's student may still edit it (PUT /tasks/{taskId}). */
export const EDITABLE_TASK_STATUSES: readonly TaskStatus[] = ['pending', 'revision_needed'];

/** Statuses with no way out: nothing about the task changes any more (deliverables included). */
export const isClosedTaskStatus = (s: TaskStatus) => Object.keys(taskTransitions[s]).length === 0;
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = (Object.keys(taskTransitions) as TaskStatus[]).filter((s) => !isClosedTaskStatus(s));

/** Task statuses in which deliverables may be submitted and reviewed. */
export const WORKING_TASK_STATUSES = {
  submit: ['in_progress'] as readonly TaskStatus[],
  review: ['in_progress', 'revision_needed'] as readonly TaskStatus[],
};

/** Moves a task to `to`, or throws 409 CONFLICT with the current status (and the moves that are legal from it). */
export function assertTaskMove(from: TaskStatus, to: TaskStatus, mover: Mover): void {
  const allowed = taskTransitions[from][to];
  if (allowed === mover) return;
  const legal = Object.entries(taskTransitions[from])
    .filter(([, who]) => who === mover)
    .map(([status]) => status);
  throw conflict(`A task cannot move from ${from} to ${to}${allowed ? ` by ${mover === 'admin' ? 'an admin' : 'its student'}` : ''}`, {
    currentStatus: from,
    requestedStatus: to,
    allowedStatuses: legal,
  });
}

/** How a deliverable move happens: PUT /deliverables/{id} (admin), submit (admin) or approve (the task's student). */
export type DeliverableVia = 'update' | 'submit' | 'review';

export const deliverableTransitions: Record<DeliverableStatus, Partial<Record<DeliverableStatus, DeliverableVia>>> = {
  pending: { in_progress: 'update', submitted: 'submit' },
  in_progress: { pending: 'update', submitted: 'submit' },
  submitted: { approved: 'review', revision_needed: 'review' },
  revision_needed: { in_progress: 'update', submitted: 'submit' },
  approved: {},
};

export const moverOf: Record<DeliverableVia, Mover> = { update: 'admin', submit: 'admin', review: 'student' };

export function assertDeliverableMove(from: DeliverableStatus, to: DeliverableStatus, via: DeliverableVia): void {
  if (deliverableTransitions[from][to] === via) return;
  const legal = Object.entries(deliverableTransitions[from])
    .filter(([, how]) => how === via)
    .map(([status]) => status);
  throw conflict(`A deliverable cannot move from ${from} to ${to} this way`, { currentStatus: from, requestedStatus: to, allowedStatuses: legal });
}
