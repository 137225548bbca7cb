// The words of the API reference: the spec's sections as tags, the document's introduction, and every route's
// documentation (descriptions, spec examples, extra errors) keyed by route key. Documentation only: read by
// bin/openapi.ts and the tests, never by a function (tests/infra/imports.test.ts refuses it), so no Lambda
// bundle carries these words.
import type * as z from '../../zod.ts';
import type { RouteDef } from '../../http/contract.ts';
import type { ApiReference, RouteDoc } from '../../http/openapi.ts';
import { authDocs } from './auth.ts';
import { usersDocs } from './users.ts';
import { tasksDocs } from './tasks.ts';
import { chatsDocs } from './chats.ts';
import { partnershipDocs } from './partnership.ts';
import { billingDocs } from './billing.ts';
import { meetingsDocs } from './meetings.ts';
import { filesDocs } from './files.ts';
import { notificationsDocs } from './notifications.ts';
import { adminDocs } from './admin.ts';
import { referenceDocs } from './reference.ts';
import { AuthSession } from '../auth.ts';
import { AdminUserView, Profile } from '../users.ts';
import { TaskDetail, TaskListItem } from '../tasks.ts';
import { Deliverable } from '../deliverables.ts';
import { ChatView, MessageView } from '../chats.ts';
import { FileObject } from '../files.ts';
import { AnnouncementView, NotificationView, PreferencesView } from '../notifications.ts';
import { PartnershipRequestView } from '../partnership.ts';
import { BillView, PaymentView } from '../billing.ts';
import { MeetingView } from '../meetings.ts';

/** The spec's sections (`## ... Endpoints` of api-spec.md), in its order, plus this API's own `Reference`. */
export const SECTIONS = [
  { name: 'Authentication', description: 'Sign-up, sign-in (password or Google), token refresh and rotation, sign-out, password reset, e-mail verification.' },
  { name: 'User Management', description: "The caller's profile and avatar; admins list, read and suspend users." },
  { name: 'Task Management', description: 'Tasks students post and admins work: create, list, edit, move along the state machine (docs/task-lifecycle.md), cancel, assign.' },
  { name: 'Deliverables', description: "A task's deliverables: admins add, edit and submit them; the task's student approves or asks for a revision." },
  { name: 'Messaging/Chat', description: 'Support, task and general chats, their messages, read positions and typing indicators (pushed live over the WebSocket API).' },
  { name: 'Partnership/Admin Requests', description: 'Partnership requests students submit (with an optional referral code) and admins approve or reject.' },
  { name: 'Billing & Payment', description: 'Bills admins issue for tasks, their Stripe PaymentIntents, the payment history, and the Stripe webhook.' },
  { name: 'Meeting Management', description: 'Virtual and in-person meetings between a student and an admin, with reminders before they start.' },
  { name: 'File Upload & Management', description: 'Uploads (multipart, or direct to S3 for big files), file details, downloads through short-lived signed URLs, deletion.' },
  { name: 'Notifications', description: "The caller's notifications (also pushed live as `notification.new`), their e-mail and push preferences, and active announcements." },
  { name: 'Analytics & Reports', description: 'Admin dashboards read from counters (a constant number of reads whatever the table size) and task reports (CSV or PDF).' },
  { name: 'System/Admin', description: 'Health check, user and task statistics, system announcements, system logs.' },
  { name: 'Reference', description: 'This reference itself: the OpenAPI and AsyncAPI documents and the interactive documentation page.' },
] as const;

export type SectionName = (typeof SECTIONS)[number]['name'];

/** Path prefixes to sections, first match wins (deliverables before tasks). */
const SECTION_BY_PATH: [RegExp, SectionName][] = [
  [/^\/auth\//, 'Authentication'],
  [/^\/users(\/|$)/, 'User Management'],
  [/^\/tasks\/\{taskId\}\/deliverables$|^\/deliverables\//, 'Deliverables'],
  [/^\/tasks(\/|$)/, 'Task Management'],
  [/^\/(chats|messages)(\/|$)/, 'Messaging/Chat'],
  [/^\/partnership-requests(\/|$)/, 'Partnership/Admin Requests'],
  [/^\/(bills|payments|webhook)(\/|$)/, 'Billing & Payment'],
  [/^\/meetings(\/|$)/, 'Meeting Management'],
  [/^\/files(\/|$)/, 'File Upload & Management'],
  [/^\/(notifications|announcements)(\/|$)/, 'Notifications'],
  [/^\/(analytics|reports)\//, 'Analytics & Reports'],
  [/^\/(system|admin)\//, 'System/Admin'],
];

export function sectionOf(route: Pick<RouteDef, 'fn' | 'path'>): SectionName | undefined {
  if ((route.fn as string) === 'reference') return 'Reference';
  return SECTION_BY_PATH.find(([re]) => re.test(route.path))?.[1];
}

export const routeDocs: Record<string, RouteDoc> = {
  ...authDocs,
  ...usersDocs,
  ...tasksDocs,
  ...chatsDocs,
  ...partnershipDocs,
  ...billingDocs,
  ...meetingsDocs,
  ...filesDocs,
  ...notificationsDocs,
  ...adminDocs,
  ...referenceDocs,
};

const INTRODUCTION = `The HTTP API of GradHelper, generated from the contract every route is served from (\`shared/contract/\`), so it cannot drift from what the API does.
The WebSocket API (live chat, notifications, task and meeting events) is described by the AsyncAPI document beside this one: [asyncapi.json](./asyncapi.json).

## Envelope
Every JSON answer is an envelope. Success: \`{ "success": true, "data": ... }\`, plus \`"pagination": { "limit", "page"?, "nextCursor", "hasMore" }\` on lists
(continue a list with \`cursor=<nextCursor>\`; \`page\` is accepted as the spec asks and costs one read per skipped page).
Errors: \`{ "success": false, "error": { "code", "message", "details"? }, "timestamp", "requestId" }\` (the \`ErrorEnvelope\` schema). Every answer carries the request id in the \`X-Request-Id\` header.

## Authentication
Send the access token as \`Authorization: Bearer <token>\`. Access tokens are JWTs valid for 15 minutes; \`POST /auth/refresh\` exchanges the refresh token
(opaque, rotated at every use; a reused one ends the whole session) for a new pair. Routes marked public take no token; the others say which role may call them (\`x-access\`).

## Rate limits
Per user: general 100/min, uploads 10/min, chat messages 30/min. Per IP: authentication 5/min, refresh and logout 30/min; failed sign-ins are also limited per e-mail address.
Past a limit the answer is 429 \`RATE_LIMIT_EXCEEDED\` with \`Retry-After\` (seconds). Each operation names its class in \`x-rate-limit\`.

## Ids, times, money
Ids are prefixed, time-ordered ULIDs (\`user_01J...\`, \`task_01J...\`, \`deliv_\`, \`file_\`, \`chat_\`, \`msg_\`, \`notif_\`, \`ann_\`, \`bill_\`, \`pay_\`, \`meet_\`, \`preq_\`).
Times are ISO-8601 UTC. Money is in the currency's units (\`200\` or \`199.99\`); a Stripe PaymentIntent's \`amount\` is in cents, as Stripe counts.

## Idempotency
Creates accept an \`Idempotency-Key\` header (a UUID per operation): a retry with the same key and request within 24 hours answers as the first request did,
without a second write, with \`Idempotent-Replayed: true\`; the same key with another request, or while the first still runs, is 409 \`CONFLICT\`.

## Errors
Codes: \`VALIDATION_ERROR\` (400; \`details.field\` and \`details.issue\`), \`AUTHENTICATION_REQUIRED\` (401), \`UNAUTHORIZED\` (403), \`NOT_FOUND\` (404),
\`CONFLICT\` (409: a state change that no longer applies, with \`details.currentStatus\` where it helps), \`PAYLOAD_TOO_LARGE\` (413), \`RATE_LIMIT_EXCEEDED\` (429),
\`INTERNAL_SERVER_ERROR\` (500), \`SERVICE_UNAVAILABLE\` (503: a feature this deployment is not configured for, a dependency down, or a throttled database; \`Retry-After\` when retrying helps).
Each operation lists the errors it can give.`;

/** The resources many routes answer, by the names typed clients will use. */
const SCHEMA_NAMES = new Map<z.core.$ZodType, string>([
  [AuthSession, 'AuthSession'],
  [Profile, 'Profile'],
  [AdminUserView, 'AdminUser'],
  [TaskDetail, 'Task'],
  [TaskListItem, 'TaskListItem'],
  [Deliverable, 'Deliverable'],
  [ChatView, 'Chat'],
  [MessageView, 'Message'],
  [FileObject, 'File'],
  [NotificationView, 'Notification'],
  [PreferencesView, 'NotificationPreferences'],
  [AnnouncementView, 'Announcement'],
  [PartnershipRequestView, 'PartnershipRequest'],
  [BillView, 'Bill'],
  [PaymentView, 'Payment'],
  [MeetingView, 'Meeting'],
]);

export const apiReference: ApiReference = {
  tags: SECTIONS.map((s) => ({ ...s })),
  tagOf: sectionOf,
  docs: routeDocs,
  description: INTRODUCTION,
  schemaNames: SCHEMA_NAMES,
};
