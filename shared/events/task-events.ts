// Domain events of tasks and deliverables, defined once (name + zod schema). The tasks domain publishes
// them after its transaction commits; the notifications and realtime domains subscribe (they turn them into
// notifications and `task.status_changed` WebSocket frames). Until they do, the subscriber list is empty and
// publishing is a no-op: a plain function call point, no queue.
//
//   import { subscribeToTaskEvents } from '#shared/events/task-events.ts';
//   subscribeToTaskEvents(async (event) => { if (event.type === 'task.status_changed') ... });
import * as z from '../zod.ts';
import { TASK_STATUSES } from '../db/entities/task.ts';
import { DELIVERABLE_STATUSES } from '../db/entities/deliverable.ts';

const TaskStatus = z.enum(TASK_STATUSES);
const DeliverableStatus = z.enum(DELIVERABLE_STATUSES);
const Actor = z.object({ id: z.string(), role: z.enum(['student', 'admin']) });

/** Who takes part in the task: the users an event concerns (recipients of notifications and frames). */
const Parties = {
  taskId: z.string(),
  taskTitle: z.string(),
  studentId: z.string(),
  assignedAdminId: z.nullable(z.string()),
};

function event<T extends string, S extends z.ZodMiniType>(type: T, schema: S) {
  return { type, schema };
}

export const TaskEvents = {
  /** A task moved from one status to another (including creation: `from` null, and cancellation). */
  StatusChanged: event(
    'task.status_changed',
    z.object({
      ...Parties,
      from: z.nullable(TaskStatus),
      to: TaskStatus,
      by: Actor,
      reason: z.optional(z.string()),
      feedback: z.optional(z.string()),
      at: z.string(),
    }),
  ),
  /** A task was assigned (or reassigned) to an admin; `assignedAdminId` is the new one. */
  Assigned: event(
    'task.assigned',
    z.object({ ...Parties, assignedAdminId: z.string(), previousAdminId: z.nullable(z.string()), by: Actor, at: z.string() }),
  ),
  /**
   * An admin submitted files for a deliverable; they are now visible to the task's student, and the
   * deliverable is `in_progress` awaiting the student's approval.
   */
  DeliverableSubmitted: event(
    'deliverable.submitted',
    z.object({ ...Parties, deliverableId: z.string(), deliverableTitle: z.string(), fileIds: z.array(z.string()), notes: z.optional(z.string()), by: Actor, at: z.string() }),
  ),
  /**
   * The task's student reviewed a submission awaiting approval: `approved: true` (status `completed`) or a
   * revision request (`approved: false`, status `revision_needed`, with feedback).
   */
  DeliverableApproved: event(
    'deliverable.approved',
    z.object({
      ...Parties,
      deliverableId: z.string(),
      deliverableTitle: z.string(),
      approved: z.boolean(),
      status: DeliverableStatus,
      feedback: z.optional(z.string()),
      by: Actor,
      at: z.string(),
    }),
  ),
} as const;

type Defs = typeof TaskEvents;
export type TaskEvent = { [K in keyof Defs]: { type: Defs[K]['type']; data: z.infer<Defs[K]['schema']> } }[keyof Defs];
export type TaskEventType = TaskEvent['type'];
export type TaskEventData<T extends TaskEventType> = Extract<TaskEvent, { type: T }>['data'];

export type TaskEventSubscriber = (event: TaskEvent) => void | Promise<void>;

const subscribers: TaskEventSubscriber[] = [];

/** Registers a subscriber (at module load of the subscribing domain); returns a function that removes it. */
export function subscribeToTaskEvents(subscriber: TaskEventSubscriber): () => void {
  subscribers.push(subscriber);
  return () => {
    const i = subscribers.indexOf(subscriber);
    if (i >= 0) subscribers.splice(i, 1);
  };
}

const byType = new Map<string, z.ZodMiniType>(Object.values(TaskEvents).map((d) => [d.type, d.schema]));

/** Builds a typed event, e.g. `taskEvent('task.assigned', {...})`. */
export function taskEvent<T extends TaskEventType>(type: T, data: TaskEventData<T>): TaskEvent {
  return { type, data } as TaskEvent;
}

/**
 * Hands a committed change to every subscriber and waits for them. Call only after the transaction
 * committed: the change has happened, so a failing subscriber is reported to `onError` and never fails the
 * request (a lost notification must not turn a done status change into an error).
 */
export async function publishTaskEvent(event: TaskEvent, onError: (err: unknown, event: TaskEvent) => void = () => {}): Promise<void> {
  // A malformed event is a publisher bug; report it rather than hand subscribers bad data (or fail a committed change).
  const check = byType.get(event.type)?.safeParse(event.data);
  if (!check?.success) {
    onError(new Error(`task event "${event.type}" does not match its definition: ${check?.error.message ?? 'unknown type'}`), event);
    return;
  }
  const results = await Promise.allSettled(subscribers.map(async (s) => s(event)));
  for (const r of results) if (r.status === 'rejected') onError(r.reason, event);
}
