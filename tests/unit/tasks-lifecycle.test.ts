// The task and deliverable state machines as tables, the transaction items a task write is made of, and
// the domain-event call point: pure functions, no emulator needed.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import {
  assertDeliverableMove,
  assertTaskMove,
  deliverableStageOf,
  deliverableStages,
  deliverableTransitions,
  EDITABLE_TASK_STATUSES,
  isClosedTaskStatus,
  isFinalDeliverableStage,
  taskTransitions,
  type DeliverableStage,
  type DeliverableVia,
} from '../../functions/tasks/lifecycle.ts';
import { TASK_STATUSES, listEntryWrites, listMembershipsOf, STATUSES_OUT_OF_DEFAULT_LISTS, taskUpdateItem, type Task } from '../../shared/db/entities/task.ts';
import { DELIVERABLE_STATUSES, fromDeliverableItem } from '../../shared/db/entities/deliverable.ts';
import { taskCreatedStatsItems, taskStatusStatsItems } from '../../shared/db/entities/task-stats.ts';
import { publishTaskEvent, subscribeToTaskEvents, taskEvent, type TaskEvent } from '../../shared/events/task-events.ts';

const db = { tableName: 'T' };

function thrown(fn: () => void): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a throw');
}

describe('task state machine', () => {
  it('has a row for every status, and only completed, rejected and cancelled are closed', () => {
    expect(Object.keys(taskTransitions).sort()).toEqual([...TASK_STATUSES].sort());
    expect(TASK_STATUSES.filter(isClosedTaskStatus).sort()).toEqual(['cancelled', 'completed', 'rejected']);
  });

  it('reaches every status from pending', () => {
    const seen = new Set<string>(['pending']);
    const queue = ['pending'];
    while (queue.length) {
      for (const to of Object.keys(taskTransitions[queue.shift() as keyof typeof taskTransitions])) {
        if (!seen.has(to)) {
          seen.add(to);
          queue.push(to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...TASK_STATUSES].sort());
  });

  it("gives the student exactly one move, cancelling, from every open status; everything else is the admins'", () => {
    for (const from of TASK_STATUSES) {
      for (const [to, who] of Object.entries(taskTransitions[from])) {
        expect(who, `${from} -> ${to}`).toBe(to === 'cancelled' ? 'student' : 'admin');
      }
      expect(taskTransitions[from].cancelled === 'student').toBe(!isClosedTaskStatus(from));
    }
  });

  it('lets the student edit only while pending or revision_needed', () => {
    expect([...EDITABLE_TASK_STATUSES].sort()).toEqual(['pending', 'revision_needed']);
  });

  it('refuses an illegal move with CONFLICT naming the current status and the legal moves', () => {
    const err = thrown(() => assertTaskMove('pending', 'completed', 'admin'));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('CONFLICT');
    expect(err.status).toBe(409);
    expect(err.details).toEqual({ currentStatus: 'pending', requestedStatus: 'completed', allowedStatuses: ['in_progress', 'rejected'] });
  });

  it('refuses a legal move made by the wrong party', () => {
    expect(thrown(() => assertTaskMove('pending', 'cancelled', 'admin')).details).toMatchObject({ currentStatus: 'pending', allowedStatuses: ['in_progress', 'rejected'] });
    expect(thrown(() => assertTaskMove('pending', 'in_progress', 'student')).details).toMatchObject({ allowedStatuses: ['cancelled'] });
    expect(() => assertTaskMove('in_progress', 'cancelled', 'student')).not.toThrow();
  });
});

describe('deliverable state machine', () => {
  const stages = Object.keys(deliverableTransitions) as DeliverableStage[];

  it("speaks the spec's statuses only: every stage is one (status, awaitingApproval) pair", () => {
    expect([...DELIVERABLE_STATUSES].sort()).toEqual(['completed', 'in_progress', 'pending', 'revision_needed']);
    expect(Object.keys(deliverableStages).sort()).toEqual([...stages].sort());
    expect(stages.map((s) => deliverableStages[s])).toEqual(expect.arrayContaining(DELIVERABLE_STATUSES.map((status) => ({ status, awaitingApproval: false }))));
    expect(deliverableStages.awaiting_approval).toEqual({ status: 'in_progress', awaitingApproval: true });
    for (const s of stages) expect(DELIVERABLE_STATUSES).toContain(deliverableStages[s].status);
    expect(deliverableStageOf({ status: 'in_progress', awaitingApproval: true })).toBe('awaiting_approval');
    expect(deliverableStageOf({ status: 'in_progress', awaitingApproval: false })).toBe('in_progress');
  });

  it('is the review cycle: submit awaits approval, the student completes it or sends it back, a new submit awaits again', () => {
    const path: [DeliverableStage, DeliverableStage, DeliverableVia][] = [
      ['pending', 'in_progress', 'update'],
      ['in_progress', 'awaiting_approval', 'submit'],
      ['awaiting_approval', 'revision_needed', 'review'],
      ['revision_needed', 'awaiting_approval', 'submit'],
      ['awaiting_approval', 'completed', 'review'],
    ];
    for (const [from, to, via] of path) expect(() => assertDeliverableMove(from, to, via), `${from} -> ${to}`).not.toThrow();
  });

  it("completes a deliverable only through the student's review of a submission awaiting approval; completed is final", () => {
    for (const from of stages) {
      for (const [to, via] of Object.entries(deliverableTransitions[from])) {
        if (to === 'completed' || to === 'revision_needed') expect([from, via]).toEqual(['awaiting_approval', 'review']);
        if (via === 'review') expect(from).toBe('awaiting_approval');
      }
    }
    expect(deliverableTransitions.completed).toEqual({});
    expect(stages.filter(isFinalDeliverableStage)).toEqual(['completed']);
    expect(Object.values(deliverableTransitions.awaiting_approval)).toEqual(['review', 'review']);
  });

  it('submits from pending, in_progress and revision_needed, never over a submission still awaiting review', () => {
    const from = stages.filter((s) => deliverableTransitions[s].awaiting_approval === 'submit');
    expect(from.sort()).toEqual(['in_progress', 'pending', 'revision_needed']);
    expect(thrown(() => assertDeliverableMove('awaiting_approval', 'awaiting_approval', 'submit')).details).toEqual({
      currentStatus: 'in_progress',
      awaitingApproval: true,
      requestedStatus: 'in_progress',
      allowedStatuses: [],
    });
  });

  it("refuses an admin's completed with 409 saying only the student's approval completes it, and naming the admin's moves", () => {
    const err = thrown(() => assertDeliverableMove('in_progress', 'completed', 'update'));
    expect(err.status).toBe(409);
    expect(err.message).toMatch(/only the task's student completes a deliverable, by approving/i);
    expect(err.details).toEqual({ currentStatus: 'in_progress', awaitingApproval: false, requestedStatus: 'completed', allowedStatuses: ['pending'] });
    expect(thrown(() => assertDeliverableMove('awaiting_approval', 'completed', 'update')).message).toMatch(/only the task's student completes/i);
  });

  it.each(['pending', 'in_progress', 'revision_needed'] as const)('refuses an admin withdrawing a submission awaiting approval by setting %s', (to) => {
    const err = thrown(() => assertDeliverableMove('awaiting_approval', to, 'update'));
    expect(err.status).toBe(409);
    expect(err.details).toMatchObject({ currentStatus: 'in_progress', awaitingApproval: true, requestedStatus: to, allowedStatuses: [] });
  });

  it('refuses a review of a deliverable that awaits nothing', () => {
    expect(thrown(() => assertDeliverableMove('in_progress', 'completed', 'review')).details).toMatchObject({ currentStatus: 'in_progress', awaitingApproval: false });
    expect(thrown(() => assertDeliverableMove('completed', 'revision_needed', 'review')).details).toMatchObject({ currentStatus: 'completed', allowedStatuses: [] });
  });

  it('names only spec statuses in every refusal', () => {
    const vias: DeliverableVia[] = ['update', 'submit', 'review'];
    for (const from of stages) {
      for (const to of stages) {
        for (const via of vias) {
          if (deliverableTransitions[from][to] === via) continue;
          const { details } = thrown(() => assertDeliverableMove(from, to, via));
          for (const s of [details!.currentStatus, details!.requestedStatus, ...(details!.allowedStatuses as string[])]) expect(DELIVERABLE_STATUSES).toContain(s);
        }
      }
    }
  });
});

describe('deliverable items written before the spec statuses', () => {
  const stored = { pk: 'TASK#task_1', sk: 'DELIV#deliv_1', entity: 'deliverable', id: 'deliv_1', taskId: 'task_1', title: 'D', files: [], version: 3, createdAt: 'x', updatedAt: 'x' };

  it.each([
    ['approved', { status: 'completed', awaitingApproval: false }],
    ['submitted', { status: 'in_progress', awaitingApproval: true }],
    ['revision_needed', { status: 'revision_needed', awaitingApproval: false }],
  ])('read %s as %o', (status, expected) => {
    expect(fromDeliverableItem({ ...stored, status })).toMatchObject(expected);
  });
});

const baseTask: Task = {
  id: 'task_1',
  studentId: 'user_s',
  title: 'Title',
  type: 'essay',
  description: 'd',
  subject: 'history',
  academicLevel: 'graduate',
  pages: 3,
  dueDate: '2030-01-01T00:00:00.000Z',
  budgetCents: 100,
  requirements: 'req',
  priority: 'medium',
  status: 'pending',
  attachments: [],
  deliverableCount: 0,
  version: 1,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};
const next = (changes: Partial<Task>): Task => ({ ...baseTask, ...changes, version: 2, updatedAt: '2025-01-02T00:00:00.000Z' });

function summarize(items: ReturnType<typeof listEntryWrites>) {
  return {
    deletes: items.filter((i) => 'Delete' in i).map((i) => (i as { Delete: { Key: { pk: string } } }).Delete.Key.pk).sort(),
    puts: items.filter((i) => 'Put' in i).map((i) => (i as { Put: { Item: Record<string, unknown> } }).Put.Item.pk as string).sort(),
  };
}

describe('list entries a write keeps in step', () => {
  it('creates 4 entries: the student and all lists, each with and without the status', () => {
    expect(summarize(listEntryWrites(db, undefined, baseTask))).toEqual({
      deletes: [],
      puts: ['TASKLIST#ALL', 'TASKLIST#ALL#pending', 'TASKLIST#STUDENT#user_s', 'TASKLIST#STUDENT#user_s#pending'],
    });
  });

  it('moves an assigned task out of the old status lists and into the new ones', () => {
    const before = { ...baseTask, assignedAdminId: 'user_a' };
    expect(summarize(listEntryWrites(db, before, next({ assignedAdminId: 'user_a', status: 'in_progress' })))).toEqual({
      deletes: ['TASKLIST#ADMIN#user_a#pending', 'TASKLIST#ALL#pending', 'TASKLIST#STUDENT#user_s#pending'],
      puts: [
        'TASKLIST#ADMIN#user_a',
        'TASKLIST#ADMIN#user_a#in_progress',
        'TASKLIST#ALL',
        'TASKLIST#ALL#in_progress',
        'TASKLIST#STUDENT#user_s',
        'TASKLIST#STUDENT#user_s#in_progress',
      ],
    });
  });

  it('moves a reassigned task from the previous admin lists to the new admin', () => {
    const out = summarize(listEntryWrites(db, { ...baseTask, assignedAdminId: 'user_a' }, next({ assignedAdminId: 'user_b' })));
    expect(out.deletes).toEqual(['TASKLIST#ADMIN#user_a', 'TASKLIST#ADMIN#user_a#pending']);
    expect(out.puts).toContain('TASKLIST#ADMIN#user_b#pending');
  });

  it('takes a cancelled task out of every default list, leaving it only in the cancelled status lists', () => {
    const before = { ...baseTask, assignedAdminId: 'user_a', status: 'in_progress' as const };
    expect(summarize(listEntryWrites(db, before, next({ assignedAdminId: 'user_a', status: 'cancelled' })))).toEqual({
      deletes: [
        'TASKLIST#ADMIN#user_a',
        'TASKLIST#ADMIN#user_a#in_progress',
        'TASKLIST#ALL',
        'TASKLIST#ALL#in_progress',
        'TASKLIST#STUDENT#user_s',
        'TASKLIST#STUDENT#user_s#in_progress',
      ],
      puts: ['TASKLIST#ADMIN#user_a#cancelled', 'TASKLIST#ALL#cancelled', 'TASKLIST#STUDENT#user_s#cancelled'],
    });
  });

  it('keeps every other status in the default lists', () => {
    for (const status of TASK_STATUSES.filter((s) => s !== 'cancelled')) {
      expect(listMembershipsOf({ ...baseTask, status }).filter((m) => m.status === undefined)).toHaveLength(2);
    }
    expect(STATUSES_OUT_OF_DEFAULT_LISTS).toEqual(['cancelled']);
  });

  it('rewrites the entries in place on an edit and gives them the three sort keys', () => {
    const items = listEntryWrites(db, baseTask, next({ title: 'Zebra Study' }));
    expect(summarize(items).deletes).toEqual([]);
    const entry = (items[0] as { Put: { Item: Record<string, unknown> } }).Put.Item;
    expect(entry).toMatchObject({
      sk: `${baseTask.createdAt}#task_1`,
      gsi1pk: entry.pk,
      gsi1sk: `${baseTask.dueDate}#task_1`,
      gsi2pk: entry.pk,
      gsi2sk: 'zebra study#task_1',
      searchText: 'zebra study',
      title: 'Zebra Study',
    });
  });
});

describe('the task update item', () => {
  it('sets only what changed, removes cleared fields, and is conditional on the version and status read', () => {
    const { Update } = taskUpdateItem(db, baseTask, next({ title: 'New', requirements: undefined }));
    expect(Update.UpdateExpression).toBe('SET #version = :version, #updatedAt = :updatedAt, #title = :title REMOVE #requirements');
    expect(Update.ConditionExpression).toBe('attribute_exists(pk) AND #version = :expectedVersion AND #status = :expectedStatus');
    expect(Update.ExpressionAttributeValues).toMatchObject({ ':expectedVersion': 1, ':expectedStatus': 'pending', ':version': 2, ':title': 'New' });
  });
});

describe('counter items', () => {
  it('counts a creation in the totals and in the day and month of creation', () => {
    const items = taskCreatedStatsItems(db, 'pending', '2025-03-09T23:59:59.000Z', 7);
    expect(items.map((i) => i.Update.Key.sk)).toEqual(['TOTALS#S07', 'DAY#2025-03-09#S07', 'MONTH#2025-03#S07']);
    expect(items[0].Update.UpdateExpression).toBe('ADD #a0 :a0, #a1 :a1');
    expect(items[0].Update.ExpressionAttributeNames).toEqual({ '#a0': 'total', '#a1': 'pending' });
  });

  it('moves one status to another in the totals, and counts completions per day and month', () => {
    const move = taskStatusStatsItems(db, 'pending', 'in_progress', '2025-03-09T10:00:00.000Z');
    expect(move).toHaveLength(1);
    expect(move[0].Update.ExpressionAttributeValues).toEqual({ ':a0': -1, ':a1': 1 });
    const done = taskStatusStatsItems(db, 'in_progress', 'completed', '2025-03-09T10:00:00.000Z', 0);
    expect(done.map((i) => i.Update.Key.sk)).toEqual(['TOTALS#S00', 'DAY#2025-03-09#S00', 'MONTH#2025-03#S00']);
    expect(done[1].Update.ExpressionAttributeNames).toMatchObject({ '#a0': 'completed' });
  });
});

describe('task events', () => {
  const event = taskEvent('task.status_changed', {
    taskId: 'task_1',
    taskTitle: 'Title',
    studentId: 'user_s',
    assignedAdminId: null,
    from: 'pending',
    to: 'in_progress',
    by: { id: 'user_a', role: 'admin' },
    at: '2025-01-01T00:00:00.000Z',
  });

  it('hands a published event to every subscriber; a failing one is reported, not thrown, and the others still run', async () => {
    const seen: TaskEvent[] = [];
    const errors: unknown[] = [];
    const offA = subscribeToTaskEvents(() => {
      throw new Error('mailer down');
    });
    const offB = subscribeToTaskEvents((e) => {
      seen.push(e);
    });
    try {
      await publishTaskEvent(event, (err) => errors.push(err));
    } finally {
      offA();
      offB();
    }
    expect(seen).toEqual([event]);
    expect(errors).toHaveLength(1);
  });

  it('does nothing with no subscribers, and stops delivering after unsubscribe', async () => {
    const seen: TaskEvent[] = [];
    const off = subscribeToTaskEvents((e) => {
      seen.push(e);
    });
    off();
    await publishTaskEvent(event);
    expect(seen).toEqual([]);
  });

  it('reports an event that does not match its definition instead of delivering it', async () => {
    const seen: TaskEvent[] = [];
    const errors: unknown[] = [];
    const off = subscribeToTaskEvents((e) => {
      seen.push(e);
    });
    try {
      await publishTaskEvent({ type: 'task.status_changed', data: { taskId: 'task_1' } } as TaskEvent, (err) => errors.push(err));
    } finally {
      off();
    }
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
