// Routes of the tasks endpoint group: tasks (create, list, detail, edit, status, cancel, assign) and their
// deliverables (add, list, update, submit, approve, remove). State machines: docs/task-lifecycle.md; keys
// and costs: docs/data-model/tasks.md.
import * as z from '../zod.ts';
import { ClearableText, defineRoute, RequiredText, TrimmedText, Id, IsoDateTime, PageQuery, QueryBoolean, FileSummary, type RouteDef } from '../http/contract.ts';
import { getConfig } from '../config.ts';
import { TASK_PRIORITIES, TASK_STATUSES } from '../db/entities/task.ts';
import { ACADEMIC_LEVELS } from '../db/entities/user.ts';

/** The student's level a task is written for (the same values as a profile's `academicLevel`). */
const AcademicLevel = z.enum(ACADEMIC_LEVELS);
import { Deliverable } from './deliverables.ts';

export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);

/** At most this many deliverable titles and attachment ids on create (keeps the create transaction < 100 items). */
export const MAX_DELIVERABLES_ON_CREATE = 10;
export const MAX_ATTACHMENTS_ON_CREATE = 10;

/** Free-form category slugs (`research_paper`, `computer_science`): the frontend owns the lists. */
const slug = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(60), z.regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a lower-case slug like research_paper'));
/** Money in the spec's units (e.g. 200 or 199.99); stored as integer cents. */
const Money = z
  .number()
  .check(
    z.positive('must be greater than 0'),
    z.lte(1_000_000),
    z.refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most two decimal places'),
  );
const Pages = z.number().check(z.int(), z.gte(1), z.lte(2000));

// Fields the server owns: named so a client that sends one learns which field was refused.
const serverOwned = (why: string) => z.optional(z.never({ error: why }));
const refusedOnTask = {
  id: serverOwned('is server-owned'),
  status: serverOwned('is changed through PUT /tasks/{taskId}/status (admins) or DELETE /tasks/{taskId} (cancel)'),
  studentId: serverOwned('is the caller'),
  student: serverOwned('is the caller'),
  assignedAdminId: serverOwned('is set through POST /tasks/{taskId}/assign'),
  assignedAdmin: serverOwned('is set through POST /tasks/{taskId}/assign'),
  createdAt: serverOwned('is server-owned'),
  updatedAt: serverOwned('is server-owned'),
  history: serverOwned('is server-owned'),
};

export const CreateTaskBody = z.object({
  title: RequiredText(200),
  type: slug,
  description: RequiredText(10_000),
  subject: slug,
  academicLevel: AcademicLevel,
  pages: Pages,
  /** Must be in the future (checked against the request time). */
  deadline: IsoDateTime,
  budget: Money,
  requirements: z.optional(TrimmedText(10_000)),
  /** Titles; each becomes a deliverable (status pending, due at the task's deadline). */
  deliverables: z._default(z.array(RequiredText(200)).check(z.maxLength(MAX_DELIVERABLES_ON_CREATE)), []),
  /** Ids of confirmed files the caller uploaded (POST /files/upload or the direct upload). */
  attachments: z._default(z.array(Id('file')).check(z.maxLength(MAX_ATTACHMENTS_ON_CREATE)), []),
  citations: z.optional(TrimmedText(500)),
  priority: z._default(TaskPriority, 'medium'),
  ...refusedOnTask,
});
export type CreateTaskBody = z.infer<typeof CreateTaskBody>;

export const UpdateTaskBody = z
  .object({
    title: z.optional(RequiredText(200)),
    type: z.optional(slug),
    description: z.optional(RequiredText(10_000)),
    subject: z.optional(slug),
    academicLevel: z.optional(AcademicLevel),
    pages: z.optional(Pages),
    deadline: z.optional(IsoDateTime),
    budget: z.optional(Money),
    requirements: ClearableText(10_000),
    citations: ClearableText(500),
    priority: z.optional(TaskPriority),
    deliverables: serverOwned('are managed through /tasks/{taskId}/deliverables'),
    attachments: serverOwned('cannot be changed after creation'),
    ...refusedOnTask,
  })
  .check(z.refine((b) => Object.values(b).some((v) => v !== undefined), { path: ['body'], error: 'nothing to update' }));
export type UpdateTaskBody = z.infer<typeof UpdateTaskBody>;

/** The statuses an admin sets through PUT /tasks/{taskId}/status; `cancelled` is the student's (DELETE). */
export const AdminTaskStatus = z.enum(['in_progress', 'completed', 'revision_needed', 'rejected']);

export const ChangeStatusBody = z.strictObject({
  status: AdminTaskStatus,
  reason: z.optional(RequiredText(1000)),
  feedback: z.optional(RequiredText(5000)),
});

export const CancelTaskBody = z.strictObject({
  reason: RequiredText(1000),
});

export const AssignBody = z.strictObject({ adminId: Id('user') });

export const SortBy = z.enum(['created_at', 'due_date', 'title']);

export const TaskListQuery = z.extend(PageQuery, {
  /** Absent: every task but cancelled ones (the spec's lists). `cancelled` (this API's extension) lists those. */
  status: z.optional(TaskStatus),
  /** Case-insensitive substring of the title. */
  search: z.optional(RequiredText(100)),
  sortBy: z._default(SortBy, 'created_at'),
  sortOrder: z._default(z.enum(['asc', 'desc']), 'desc'),
  /** Admins: only the tasks assigned to the caller. */
  assignedToMe: z.optional(QueryBoolean),
  /** Admins: only the tasks assigned to this admin. */
  assignedTo: z.optional(Id('user')),
});

export const TaskIdParams = z.object({ taskId: Id('task') });

export const StudentSummary = z.object({ id: Id('user'), name: z.string(), email: z.string() });
export const AdminSummary = z.object({ id: Id('user'), name: z.string() });

export const HistoryEntry = z.object({
  from: z.nullable(TaskStatus),
  to: TaskStatus,
  /** User id of whoever made the move. */
  by: Id('user'),
  byRole: z.enum(['student', 'admin']),
  reason: z.nullable(z.string()),
  feedback: z.nullable(z.string()),
  at: IsoDateTime,
});

/** One task in a list (GET /tasks). */
export const TaskListItem = z.object({
  id: Id('task'),
  title: z.string(),
  type: z.string(),
  subject: z.string(),
  academicLevel: z.string(),
  status: TaskStatus,
  priority: TaskPriority,
  dueDate: IsoDateTime,
  budget: z.number(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  student: StudentSummary,
  assignedAdmin: z.nullable(AdminSummary),
});

/** The spec's task detail, plus the task's other fields and its status history (oldest first). */
export const TaskDetail = z.extend(TaskListItem, {
  description: z.string(),
  pages: z.number().check(z.int()),
  requirements: z.nullable(z.string()),
  citations: z.nullable(z.string()),
  deliverables: z.array(Deliverable),
  attachments: z.array(FileSummary),
  history: z.array(HistoryEntry),
});

export const tasksRoutes = {
  create: defineRoute({
    method: 'POST',
    path: '/tasks',
    fn: 'tasks',
    access: 'student',
    rateLimit: 'general',
    summary: 'Create a task (status pending), its deliverables from titles, and attach uploaded files',
    body: CreateTaskBody,
    response: TaskDetail,
    successStatus: 201,
    idempotent: {},
  }),
  list: defineRoute({
    method: 'GET',
    path: '/tasks',
    fn: 'tasks',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Tasks: a student's own, or for admins all (assignedToMe / assignedTo to narrow); status, search, sortBy, sortOrder; cancelled tasks only with status=cancelled",
    query: TaskListQuery,
    response: TaskListItem,
  }),
  get: defineRoute({
    method: 'GET',
    path: '/tasks/{taskId}',
    fn: 'tasks',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'A task with its student, assigned admin, deliverables, attachments and status history',
    params: TaskIdParams,
    response: TaskDetail,
  }),
  update: defineRoute({
    method: 'PUT',
    path: '/tasks/{taskId}',
    fn: 'tasks',
    access: 'student',
    rateLimit: 'general',
    summary: "Edit the caller's own task while it is pending or revision_needed",
    params: TaskIdParams,
    body: UpdateTaskBody,
    response: TaskDetail,
  }),
  changeStatus: defineRoute({
    method: 'PUT',
    path: '/tasks/{taskId}/status',
    fn: 'tasks',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Move a task along its state machine (409 with details.currentStatus for an illegal move)',
    params: TaskIdParams,
    body: ChangeStatusBody,
    response: TaskDetail,
  }),
  cancel: defineRoute({
    method: 'DELETE',
    path: '/tasks/{taskId}',
    fn: 'tasks',
    access: 'student',
    rateLimit: 'general',
    summary: "Cancel the caller's own task with a reason (status cancelled; the task is kept)",
    params: TaskIdParams,
    body: CancelTaskBody,
    response: TaskDetail,
  }),
  assign: defineRoute({
    method: 'POST',
    path: '/tasks/{taskId}/assign',
    fn: 'tasks',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Assign (or reassign) the task to an active admin',
    params: TaskIdParams,
    body: AssignBody,
    response: TaskDetail,
  }),
} satisfies Record<string, RouteDef>;
