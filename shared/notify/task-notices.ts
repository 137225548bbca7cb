// What each task event means for people: which notifications it becomes and which live frames it pushes.
// Subscribed by the tasks function at load (functions/tasks/deps.ts); a plain function of the event, so the
// rules are tested without a stack.
import type { TaskEvent } from '../events/task-events.ts';
import { Events, type AnyServerEvent } from '../realtime/events.ts';
import type { NotifyInput } from './notify.ts';

export interface TaskEventDelivery {
  notices: NotifyInput[];
  /** Frames to push to users by id, and to every connected admin. */
  frames: { userIds: string[]; toAdmins: boolean; event: AnyServerEvent }[];
}

const statusLabel: Record<string, string> = {
  pending: 'pending',
  in_progress: 'in progress',
  completed: 'completed',
  revision_needed: 'in need of revision',
  rejected: 'rejected',
  cancelled: 'cancelled',
};

const others = (ids: (string | null | undefined)[], actorId: string) =>
  [...new Set(ids.filter((id): id is string => Boolean(id) && id !== actorId))];

/**
 * - status changed: the student is told (unless they made the change: then the assigned admin is), and
 *   `task.status_changed` goes live to the student and the assigned admin; a new task goes live to admins.
 * - assigned: the student and the newly assigned admin (unless they assigned themselves) are told.
 * - deliverable submitted: the student is told. Deliverable reviewed: the assigned admin is told.
 */
export function deliveryOf(event: TaskEvent): TaskEventDelivery {
  const link = `/tasks/${event.data.taskId}`;
  const base = { type: 'task_update' as const, link };
  switch (event.type) {
    case 'task.status_changed': {
      const d = event.data;
      const frame = Events.TaskStatusChanged({ taskId: d.taskId, status: d.to, ...(d.from ? { previousStatus: d.from } : {}), taskTitle: d.taskTitle, at: d.at });
      if (d.from === null) {
        return { notices: [], frames: [{ userIds: [], toAdmins: true, event: frame }] };
      }
      const why = d.reason ? ` Reason: ${d.reason}` : '';
      const recipients = others(d.by.role === 'student' ? [d.assignedAdminId] : [d.studentId], d.by.id);
      return {
        notices: recipients.map((userId) => ({
          ...base,
          userId,
          title: `Task ${statusLabel[d.to] ?? d.to}`,
          message: `"${d.taskTitle}" is now ${statusLabel[d.to] ?? d.to}.${why}${d.feedback ? ` Feedback: ${d.feedback}` : ''}`,
          data: { taskId: d.taskId, status: d.to, previousStatus: d.from },
        })),
        frames: [{ userIds: others([d.studentId, d.assignedAdminId], ''), toAdmins: false, event: frame }],
      };
    }
    case 'task.assigned': {
      const d = event.data;
      const notices: NotifyInput[] = others([d.studentId], d.by.id).map((userId) => ({
        ...base,
        userId,
        title: 'Task assigned',
        message: `"${d.taskTitle}" now has an expert assigned to it.`,
        data: { taskId: d.taskId, assignedAdminId: d.assignedAdminId },
      }));
      for (const userId of others([d.assignedAdminId], d.by.id)) {
        notices.push({ ...base, userId, title: 'Task assigned to you', message: `You were assigned "${d.taskTitle}".`, data: { taskId: d.taskId } });
      }
      return { notices, frames: [] };
    }
    case 'deliverable.submitted': {
      const d = event.data;
      return {
        notices: others([d.studentId], d.by.id).map((userId) => ({
          ...base,
          userId,
          title: 'Deliverable submitted',
          message: `"${d.deliverableTitle}" of "${d.taskTitle}" is ready for your review.${d.notes ? ` Notes: ${d.notes}` : ''}`,
          data: { taskId: d.taskId, deliverableId: d.deliverableId },
        })),
        frames: [],
      };
    }
    case 'deliverable.approved': {
      const d = event.data;
      return {
        notices: others([d.assignedAdminId], d.by.id).map((userId) => ({
          ...base,
          userId,
          title: d.approved ? 'Deliverable approved' : 'Revision requested',
          message: d.approved
            ? `The student approved "${d.deliverableTitle}" of "${d.taskTitle}".`
            : `The student asked for a revision of "${d.deliverableTitle}" of "${d.taskTitle}".${d.feedback ? ` Feedback: ${d.feedback}` : ''}`,
          data: { taskId: d.taskId, deliverableId: d.deliverableId, approved: d.approved },
        })),
        frames: [],
      };
    }
  }
}

export interface TaskEventDeliveryDeps {
  notify(input: NotifyInput): Promise<unknown>;
  pushToUsers(userIds: string[], event: AnyServerEvent): Promise<void>;
  pushToAdmins(event: AnyServerEvent): Promise<void>;
}

/** Sends what `deliveryOf` decides; every notice and frame is attempted even if another fails. */
export async function deliverTaskEvent(deps: TaskEventDeliveryDeps, event: TaskEvent): Promise<void> {
  const { notices, frames } = deliveryOf(event);
  const jobs = [
    ...notices.map((n) => deps.notify(n)),
    ...frames.flatMap((f) => [
      ...(f.userIds.length ? [deps.pushToUsers(f.userIds, f.event)] : []),
      ...(f.toAdmins ? [deps.pushToAdmins(f.event)] : []),
    ]),
  ];
  const failed = (await Promise.allSettled(jobs)).filter((r) => r.status === 'rejected');
  if (failed.length) throw new AggregateError(failed.map((r) => (r as PromiseRejectedResult).reason), `${failed.length} task-event deliveries failed`);
}
