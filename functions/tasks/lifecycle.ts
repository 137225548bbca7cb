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

/**
 * Where a deliverable stands. The spec's `status` alone cannot say whether an admin's submission waits for
 * the student's review (it stays `in_progress` while it does), so the machine runs on stages: each stage is
 * exactly one (status, awaitingApproval) pair, and `awaiting_approval` never appears in a status field.
 */
export type DeliverableStage = DeliverableStatus | 'awaiting_approval';

export const deliverableStages: Record<DeliverableStage, { status: DeliverableStatus; awaitingApproval: boolean }> = {
  pending: { status: 'pending', awaitingApproval: false },
  in_progress: { status: 'in_progress', awaitingApproval: false },
  awaiting_approval: { status: 'in_progress', awaitingApproval: true },
  revision_needed: { status: 'revision_needed', awaitingApproval: false },
  completed: { status: 'completed', awaitingApproval: false },
};

/** The stage of a stored deliverable. */
export const deliverableStageOf = (d: { status: DeliverableStatus; awaitingApproval: boolean }): DeliverableStage =>
  d.awaitingApproval ? 'awaiting_approval' : d.status;

/**
 * How a deliverable move happens: `update` = an admin's PUT /deliverables/{id} `{status}` (the stage named by
 * a status is the one without a pending submission), `submit` = an admin's POST /deliverables/{id}/submit,
 * `review` = the task's student's POST /deliverables/{id}/approve (`approved: true` or `false`).
 */
export type DeliverableVia = 'update' | 'submit' | 'review';

/** Deliverable: from -> to -> the one way to make the move. A move absent from the table is illegal (409). */
export const deliverableTransitions: Record<DeliverableStage, Partial<Record<DeliverableStage, DeliverableVia>>> = {
  pending: { in_progress: 'update', awaiting_approval: 'submit' },
  in_progress: { pending: 'update', awaiting_approval: 'submit' },
  awaiting_approval: { completed: 'review', revision_needed: 'review' },
  revision_needed: { in_progress: 'update', awaiting_approval: 'submit' },
  completed: {},
};

export const moverOf: Record<DeliverableVia, Mover> = { update: 'admin', submit: 'admin', review: 'student' };

/** A stage with no way out: the deliverable no longer changes (no edit, submission or removal). */
export const isFinalDeliverableStage = (s: DeliverableStage) => Object.keys(deliverableTransitions[s]).length === 0;

/** Why a move is refused, in words a frontend can show as they are. */
function refusal(from: DeliverableStage, to: DeliverableStage, via: DeliverableVia): string {
  const reachedBy = new Set(Object.values(deliverableTransitions).flatMap((moves) => (moves[to] ? [moves[to]] : [])));
  if (to === 'completed' && !reachedBy.has(via)) {
    return "Only the task's student completes a deliverable, by approving its submission (POST /deliverables/{deliverableId}/approve)";
  }
  if (to === 'revision_needed' && !reachedBy.has(via)) {
    return "Only the task's student asks for a revision, by reviewing a submission (POST /deliverables/{deliverableId}/approve with approved: false)";
  }
  if (isFinalDeliverableStage(from)) return `A ${deliverableStages[from].status} deliverable cannot change`;
  if (from === 'awaiting_approval') {
    return via === 'submit'
      ? "The previous submission still awaits the student's review"
      : "The submission awaits the student's review; it cannot be withdrawn (the student approves it or asks for a revision)";
  }
  if (via === 'review') return `Only a submission awaiting approval can be reviewed; the deliverable is ${deliverableStages[from].status}`;
  return `A deliverable cannot move from ${deliverableStages[from].status} to ${deliverableStages[to].status} this way`;
}

/**
 * Throws 409 CONFLICT unless the table moves `from` to `to` by `via`. The details speak spec statuses only:
 * `currentStatus` and `awaitingApproval` (where it is), `requestedStatus`, and `allowedStatuses` (where this
 * route could take it instead).
 */
export function assertDeliverableMove(from: DeliverableStage, to: DeliverableStage, via: DeliverableVia): void {
  if (deliverableTransitions[from][to] === via) return;
  const legal = Object.entries(deliverableTransitions[from])
    .filter(([, how]) => how === via)
    .map(([stage]) => deliverableStages[stage as DeliverableStage].status);
  throw conflict(refusal(from, to, via), {
    currentStatus: deliverableStages[from].status,
    awaitingApproval: deliverableStages[from].awaitingApproval,
    requestedStatus: deliverableStages[to].status,
    allowedStatuses: [...new Set(legal)],
  });
}
