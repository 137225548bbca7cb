// Routes of the spec's "Deliverables Endpoints": a task's deliverables, their submissions (multipart files or
// confirmed uploads) and the student's review. Their own module and function (issue #15): the deliverables
// bundle takes none of the task routes' schemas, and the tasks bundle no multipart parser.
import * as z from '../zod.ts';
import { ClearableText, defineRoute, RequiredText, TrimmedText, Id, IsoDateTime, FileSummary, type RouteDef } from '../http/contract.ts';
import { getConfig } from '../config.ts';
import { DELIVERABLE_STATUSES } from '../db/entities/deliverable.ts';

export const DeliverableStatus = z.enum(DELIVERABLE_STATUSES);
export const MAX_FILES_PER_SUBMIT = 10;


const TaskIdParams = z.object({ taskId: Id('task') });
const DeliverableIdParams = z.object({ deliverableId: Id('deliv') });

export const Deliverable = z.object({
  id: Id('deliv'),
  taskId: Id('task'),
  title: z.string(),
  description: z.nullable(z.string()),
  requirements: z.nullable(z.string()),
  dueDate: z.nullable(IsoDateTime),
  status: DeliverableStatus,
  /**
   * An admin's submission waits for the task's student to approve it (-> completed) or ask for a revision
   * (-> revision_needed); only ever true with status in_progress.
   */
  awaitingApproval: z.boolean(),
  files: z.array(FileSummary),
  notes: z.nullable(z.string()),
  /** When the latest submission was made; kept after its review. */
  submittedAt: z.nullable(IsoDateTime),
  feedback: z.nullable(z.string()),
  reviewedAt: z.nullable(IsoDateTime),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

export const AddDeliverableBody = z.strictObject({
  title: RequiredText(200),
  description: z.optional(TrimmedText(5000)),
  dueDate: z.optional(IsoDateTime),
  requirements: z.optional(TrimmedText(5000)),
});

export const UpdateDeliverableBody = z
  .strictObject({
    title: z.optional(RequiredText(200)),
    description: ClearableText(5000),
    dueDate: z.optional(z.nullable(IsoDateTime)),
    requirements: ClearableText(5000),
    /**
     * Every spec status parses; only the admin's moves are made (pending <-> in_progress, revision_needed ->
     * in_progress). `completed` (the student's approval), `revision_needed` (the student's review) and
     * withdrawing a submission awaiting approval are 409 with `details.allowedStatuses`; see docs/task-lifecycle.md.
     */
    status: z.optional(DeliverableStatus),
  })
  .check(z.refine((b) => Object.values(b).some((v) => v !== undefined), { path: ['body'], error: 'nothing to update' }));

/** Multipart: `files` + `notes`. JSON: `{ fileIds, notes }` of confirmed files. */
export const SubmitDeliverableBody = z.object({
  notes: z.optional(TrimmedText(5000)),
  fileIds: z.optional(z.array(Id('file')).check(z.minLength(1), z.maxLength(MAX_FILES_PER_SUBMIT))),
});

export const ApproveDeliverableBody = z
  .strictObject({
    approved: z.boolean(),
    /** Required when asking for a revision (`approved: false`). */
    feedback: z.optional(RequiredText(5000)),
  })
  .check(z.refine((b) => b.approved || b.feedback !== undefined, { path: ['feedback'], error: 'is required when asking for a revision' }));

export const deliverablesRoutes = {
  addDeliverable: defineRoute({
    method: 'POST',
    path: '/tasks/{taskId}/deliverables',
    fn: 'deliverables',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Add a deliverable to an open task (at most 50 per task)',
    params: TaskIdParams,
    body: AddDeliverableBody,
    response: Deliverable,
    successStatus: 201,
    idempotent: {},
  }),
  listDeliverables: defineRoute({
    method: 'GET',
    path: '/tasks/{taskId}/deliverables',
    fn: 'deliverables',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "The task's deliverables in creation order (its student and admins)",
    params: TaskIdParams,
    response: z.array(Deliverable),
  }),
  updateDeliverable: defineRoute({
    method: 'PUT',
    path: '/deliverables/{deliverableId}',
    fn: 'deliverables',
    access: 'admin',
    rateLimit: 'general',
    summary: "Edit a deliverable, or move it between pending and in_progress (completed is the student's approval: 409)",
    params: DeliverableIdParams,
    body: UpdateDeliverableBody,
    response: Deliverable,
  }),
  submitDeliverable: defineRoute({
    method: 'POST',
    path: '/deliverables/{deliverableId}/submit',
    fn: 'deliverables',
    access: 'admin',
    rateLimit: 'upload',
    summary: 'Submit files for a deliverable (it is then in_progress, awaitingApproval): multipart `files` + `notes`, or JSON `{ fileIds, notes }`; the task must be in_progress',
    params: DeliverableIdParams,
    multipart: { fileFields: ['files', 'files[]'], maxFiles: MAX_FILES_PER_SUBMIT, maxFileBytes: () => getConfig().MAX_UPLOAD_BYTES },
    body: SubmitDeliverableBody,
    response: Deliverable,
  }),
  approveDeliverable: defineRoute({
    method: 'POST',
    path: '/deliverables/{deliverableId}/approve',
    fn: 'deliverables',
    access: 'student',
    rateLimit: 'general',
    summary: "The task's student approves a submission awaiting approval (completed) or asks for a revision with feedback (revision_needed)",
    params: DeliverableIdParams,
    body: ApproveDeliverableBody,
    response: Deliverable,
  }),
  deleteDeliverable: defineRoute({
    method: 'DELETE',
    path: '/deliverables/{deliverableId}',
    fn: 'deliverables',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Remove a deliverable that is not completed; its files stay with the task',
    params: DeliverableIdParams,
    response: z.object({ id: Id('deliv'), deleted: z.literal(true) }),
  }),
} satisfies Record<string, RouteDef>;
