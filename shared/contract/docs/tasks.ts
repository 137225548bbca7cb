// Documentation of the tasks and deliverables routes (see ./index.ts). Examples are the spec's, with this API's
// ids, fields and rules (docs/task-lifecycle.md).
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

const taskId = exampleId('task');
const file = { id: exampleId('file'), name: 'requirements.pdf', url: 'https://storage.example.com/files/file_123.pdf?X-Amz-Signature=...', size: 1024000, type: 'application/pdf' };

export const deliverableExample = {
  id: exampleId('deliv'),
  taskId,
  title: 'Draft version',
  description: 'First draft',
  requirements: null,
  dueDate: '2025-02-01T23:59:59.000Z',
  status: 'pending',
  awaitingApproval: false,
  files: [],
  notes: null,
  submittedAt: null,
  feedback: null,
  reviewedAt: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

const submittedDeliverable = {
  ...deliverableExample,
  status: 'in_progress',
  awaitingApproval: true,
  files: [{ ...file, name: 'draft-v1.pdf' }],
  notes: 'Submission notes',
  submittedAt: EXAMPLE_TIME,
};

const listItem = {
  id: taskId,
  title: 'Machine Learning Research Paper',
  type: 'research_paper',
  subject: 'computer_science',
  academicLevel: 'undergraduate',
  status: 'in_progress',
  priority: 'high',
  dueDate: '2025-02-15T23:59:59.000Z',
  budget: 200,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-10T00:00:00.000Z',
  student: { id: exampleId('user'), name: 'John Doe', email: 'john@example.com' },
  assignedAdmin: { id: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM', name: 'Dr. Smith' },
};

export const taskExample = {
  ...listItem,
  description: 'Detailed description...',
  pages: 10,
  requirements: 'Specific requirements...',
  citations: 'APA format required',
  deliverables: [deliverableExample],
  attachments: [file],
  history: [
    { from: null, to: 'pending', by: exampleId('user'), byRole: 'student', reason: null, feedback: null, at: '2025-01-01T00:00:00.000Z' },
    { from: 'pending', to: 'in_progress', by: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM', byRole: 'admin', reason: null, feedback: null, at: '2025-01-10T00:00:00.000Z' },
  ],
};

const notOpen = 'The task is closed (`completed`, `rejected`, `cancelled`) or in a status that does not allow this (`details.currentStatus`).';

export const tasksDocs: Record<string, RouteDoc> = {
  'POST /tasks': {
    description:
      "Creates a task in status `pending` for the calling student, one deliverable per title in `deliverables` (status `pending`, due at the task's deadline), with the confirmed files of `attachments` (uploaded by the caller). `deadline` must be in the future; `type` and `subject` are lower-case slugs; `budget` is in currency units with at most two decimals. Server-owned fields (`status`, `studentId`, `assignedAdminId`, ...) are refused by name. Admins are notified.",
    requestExample: {
      title: 'Machine Learning Research Paper',
      type: 'research_paper',
      description: 'Detailed description...',
      subject: 'computer_science',
      academicLevel: 'undergraduate',
      pages: 10,
      deadline: '2030-02-15T23:59:59Z',
      budget: 200,
      requirements: 'Specific requirements...',
      deliverables: ['Draft version', 'Final document', 'Presentation slides'],
      attachments: [exampleId('file')],
      citations: 'APA format required',
      priority: 'high',
    },
    responseExample: { ...taskExample, status: 'pending', assignedAdmin: null, history: [taskExample.history[0]] },
    errors: { 400: 'Also: a deadline in the past, or an attachment that is not a confirmed file of the caller.' },
  },
  'GET /tasks': {
    description:
      "A student's own tasks, or for admins every task. Without `status`, cancelled tasks are left out; `status=cancelled` lists them. Admins narrow with `assignedToMe=true` or `assignedTo=<admin id>` (a student using them gets 403). Sorted by `sortBy` and `sortOrder`; `search` matches the title.",
    params: {
      status: 'Only tasks in this status. Without it every status but `cancelled`.',
      search: 'Case-insensitive substring of the title.',
      sortBy: '`created_at` (default), `due_date` or `title`.',
      assignedToMe: 'Admins: `true` for the tasks assigned to the caller only.',
      assignedTo: 'Admins: only the tasks assigned to this admin (`user_...`).',
    },
    responseExample: listItem,
    errors: { 403: 'A student filtering by assignee (`assignedToMe`, `assignedTo`).' },
  },
  'GET /tasks/{taskId}': {
    description:
      "The spec's task detail: the task with its student, assigned admin, deliverables, attachments (with short-lived download URLs) and status history, oldest first. Its student and admins may read it; for anyone else it does not exist (404).",
    responseExample: taskExample,
  },
  'PUT /tasks/{taskId}': {
    description:
      "The task's student edits it while it is `pending` or `revision_needed` (any subset of the create fields; `null` clears `requirements` and `citations`). Status, assignment, deliverables and attachments change through their own routes and are refused here by name.",
    requestExample: { title: 'Updated title', description: 'Updated description', deadline: '2030-02-20T23:59:59Z', requirements: 'Updated requirements' },
    responseExample: { ...taskExample, title: 'Updated title', description: 'Updated description', requirements: 'Updated requirements' },
    errors: { 409: notOpen },
  },
  'PUT /tasks/{taskId}/status': {
    description:
      "Admins move a task along its state machine (`docs/task-lifecycle.md`): `pending → in_progress | rejected`, `in_progress → completed | revision_needed`, `revision_needed → in_progress | rejected`. `reason` and `feedback` go into the history; the student is notified and gets `task.status_changed`. Of two admins moving the same task at once, exactly one wins.",
    requestExample: { status: 'in_progress', reason: 'Work has started', feedback: 'Detailed feedback' },
    responseExample: taskExample,
    errors: { 409: 'An illegal move, or a lost race: `details.currentStatus`, `details.requestedStatus`, `details.allowedStatuses`.' },
  },
  'DELETE /tasks/{taskId}': {
    description:
      "The task's student cancels it with a reason while it is `pending`, `in_progress` or `revision_needed`. The task is kept with status `cancelled` (bills, chats and files may refer to it) and leaves the default lists. Admins reject tasks instead (403 here).",
    requestExample: { reason: 'Reason for cancellation' },
    responseExample: { ...taskExample, status: 'cancelled' },
    errors: { 409: notOpen },
  },
  'POST /tasks/{taskId}/assign': {
    description:
      "Assigns (or reassigns) an open task to an active admin (`user_...`: admins are users). Assignment says who works on it and feeds `assignedToMe`; any admin may still move it. The new assignee is notified.",
    requestExample: { adminId: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM' },
    responseExample: taskExample,
    errors: { 400: 'Also: `adminId` is not an active admin.', 409: notOpen },
  },
  'POST /tasks/{taskId}/deliverables': {
    description: "Admins add a deliverable (status `pending`) to an open task; at most 50 per task. The task's student is notified.",
    requestExample: { title: 'Research Draft', description: 'First draft of research paper', dueDate: '2025-02-01T23:59:59Z', requirements: 'Specific requirements' },
    responseExample: { ...deliverableExample, title: 'Research Draft', description: 'First draft of research paper', requirements: 'Specific requirements' },
    errors: { 409: `${notOpen} Also: the task already has 50 deliverables.` },
  },
  'GET /tasks/{taskId}/deliverables': {
    description: "The task's deliverables in creation order, with their files (short-lived download URLs). Its student and admins.",
    responseExample: [deliverableExample, submittedDeliverable],
  },
  'PUT /deliverables/{deliverableId}': {
    description:
      "Admins edit a deliverable's title, description, due date and requirements, or move it between `pending` and `in_progress` (and `revision_needed → in_progress`). `completed` is the student's approval and `revision_needed` the student's review: both are 409 here, as is withdrawing a submission that awaits approval.",
    requestExample: { title: 'Updated title', description: 'Updated description', dueDate: '2025-02-05T23:59:59Z', status: 'in_progress' },
    responseExample: { ...deliverableExample, title: 'Updated title', description: 'Updated description', dueDate: '2025-02-05T23:59:59.000Z', status: 'in_progress' },
    errors: { 409: 'A move only the student makes, or the task is closed: `details.currentStatus`, `details.allowedStatuses`.' },
  },
  'POST /deliverables/{deliverableId}/submit': {
    description:
      "Admins submit the work: multipart `files` (at most 10, each at most `MAX_UPLOAD_BYTES`, 4 MiB) and `notes`, or JSON `{ fileIds, notes }` naming confirmed uploads (for bigger files, uploaded directly to S3). The deliverable stays `in_progress` with `awaitingApproval: true` until the task's student approves it or asks for a revision; the task must be `in_progress`. The student is notified.",
    alsoJson: true,
    requestExample: { notes: 'Submission notes', fileIds: [exampleId('file')] },
    responseExample: submittedDeliverable,
    errors: { 400: 'Also: no files.', 409: 'The task is not `in_progress`, or the deliverable is completed or already awaits approval.' },
  },
  'POST /deliverables/{deliverableId}/approve': {
    description:
      "The task's student reviews a submission awaiting approval: `approved: true` completes the deliverable, `approved: false` with `feedback` sends it to `revision_needed`. Admins are notified.",
    requestExample: { approved: true, feedback: 'Optional feedback' },
    responseExample: { ...submittedDeliverable, status: 'completed', awaitingApproval: false, feedback: 'Optional feedback', reviewedAt: EXAMPLE_TIME },
    errors: { 409: 'Nothing awaits approval (`details.currentStatus`).' },
  },
  'DELETE /deliverables/{deliverableId}': {
    description: 'Admins remove a deliverable that is not completed; its files stay with the task. The task must be open.',
    responseExample: { id: exampleId('deliv'), deleted: true },
    errors: { 409: 'The deliverable is completed, or the task is closed.' },
  },
};
