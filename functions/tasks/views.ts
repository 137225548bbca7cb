// How tasks and deliverables appear in responses (the spec's task detail, list items, deliverables), and the
// one BatchGet that fetches the people they name.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { Storage } from '#shared/storage/s3.ts';
import { userKeys } from '#shared/db/entities/user.ts';
import type { StoredFileRef, Task, TaskHistoryEntry, TaskListEntry } from '#shared/db/entities/task.ts';
import type { Deliverable } from '#shared/db/entities/deliverable.ts';
import { fileSummary, type FileSummary } from '#shared/files/attachments.ts';

export interface Person {
  id: string;
  name: string;
  email: string;
}

/**
 * Name and e-mail of each user id, in one BatchGet per 100 ids (lists ask for at most two per task on the
 * page). A user that no longer exists is shown by id with an empty name rather than failing the list.
 */
export async function loadPeople(db: Db, ids: Iterable<string | undefined>): Promise<Map<string, Person>> {
  const unique = [...new Set([...ids].filter((id): id is string => Boolean(id)))];
  const people = new Map<string, Person>();
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map((id) => userKeys.user(id));
    // UnprocessedKeys only appear under throttling; retry them a few times with a short pause.
    for (let attempt = 0; keys && keys.length > 0 && attempt < 5; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const out = await db.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [db.tableName]: { Keys: keys, ProjectionExpression: '#id, #name, #email', ExpressionAttributeNames: { '#id': 'id', '#name': 'name', '#email': 'email' } },
          },
        }),
      );
      for (const item of out.Responses?.[db.tableName] ?? []) {
        people.set(item.id as string, { id: item.id as string, name: item.name as string, email: item.email as string });
      }
      keys = out.UnprocessedKeys?.[db.tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return people;
}

const personOr = (people: Map<string, Person>, id: string): Person => people.get(id) ?? { id, name: '', email: '' };

export const studentView = (people: Map<string, Person>, id: string) => {
  const p = personOr(people, id);
  return { id: p.id, name: p.name, email: p.email };
};

export const adminView = (people: Map<string, Person>, id: string | undefined) => {
  if (!id) return null;
  const p = personOr(people, id);
  return { id: p.id, name: p.name };
};

export const budgetOf = (cents: number) => cents / 100;

type ViewOptions = { storage?: Storage; now?: Date };

/** File summaries with fresh presigned URLs (local signing, no network call). */
export function filesView(files: readonly StoredFileRef[], options: ViewOptions): Promise<FileSummary[]> {
  return Promise.all(files.map((f) => fileSummary(f, options)));
}

export async function deliverableView(d: Deliverable, options: ViewOptions) {
  return {
    id: d.id,
    taskId: d.taskId,
    title: d.title,
    description: d.description ?? null,
    requirements: d.requirements ?? null,
    dueDate: d.dueDate ?? null,
    status: d.status,
    awaitingApproval: d.awaitingApproval,
    files: await filesView(d.files, options),
    notes: d.notes ?? null,
    submittedAt: d.submittedAt ?? null,
    feedback: d.feedback ?? null,
    reviewedAt: d.reviewedAt ?? null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
export type DeliverableView = Awaited<ReturnType<typeof deliverableView>>;

export function listItemView(entry: TaskListEntry | Task, people: Map<string, Person>) {
  return {
    id: entry.id,
    title: entry.title,
    type: entry.type,
    subject: entry.subject,
    academicLevel: entry.academicLevel,
    status: entry.status,
    priority: entry.priority,
    dueDate: entry.dueDate,
    budget: budgetOf(entry.budgetCents),
    createdAt: entry.createdAt,
    updatedAt: entry.updatedAt,
    student: studentView(people, entry.studentId),
    assignedAdmin: adminView(people, entry.assignedAdminId),
  };
}

export function historyView(h: TaskHistoryEntry) {
  return { from: h.from, to: h.to, by: h.by, byRole: h.byRole, reason: h.reason ?? null, feedback: h.feedback ?? null, at: h.at };
}

export interface TaskAggregate {
  task: Task;
  deliverables: Deliverable[];
  history: TaskHistoryEntry[];
}

export async function taskDetailView(agg: TaskAggregate, people: Map<string, Person>, options: ViewOptions) {
  const { task } = agg;
  return {
    ...listItemView(task, people),
    description: task.description,
    pages: task.pages,
    requirements: task.requirements ?? null,
    citations: task.citations ?? null,
    deliverables: await Promise.all(agg.deliverables.map((d) => deliverableView(d, options))),
    attachments: await filesView(task.attachments, options),
    history: agg.history.map(historyView),
  };
}
export type TaskDetailView = Awaited<ReturnType<typeof taskDetailView>>;
