// Routes of the partnership endpoint group: the spec's Partnership/Admin Requests (submit, list, detail,
// review, cancel) and the referral codes they carry. Keys and costs: docs/data-model.md, "Partnership requests".
import * as z from '../zod.ts';
import { defineRoute, Id, IsoDateTime, PageQuery, type RouteDef } from '../http/contract.ts';
import {
  CONTACT_METHODS,
  PARTNERSHIP_REQUEST_TYPES,
  PARTNERSHIP_STATUSES,
  PARTNERSHIP_URGENCIES,
} from '../db/entities/partnership-request.ts';

export const PartnershipStatus = z.enum(PARTNERSHIP_STATUSES);
export const PartnershipUrgency = z.enum(PARTNERSHIP_URGENCIES);

const required = (max: number) =>
  z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));
/** Forms send unfilled fields as empty strings: an empty optional field is the same as none. */
const optional = (max: number) =>
  z.pipe(
    z.optional(z.string().check(z.trim(), z.maxLength(max, `must be at most ${max} characters`))),
    z.transform((s: string | undefined) => (s ? s : undefined)),
  );

/**
 * The spec's submit body. Identity fields (`userId`, `userName`, `userEmail`, `userAvatar`) are in the spec's
 * frontend model but come from the caller's account: sent values are ignored (unknown keys are dropped).
 */
export const SubmitPartnershipRequestBody = z.object({
  requestType: z.enum(PARTNERSHIP_REQUEST_TYPES),
  subject: required(100),
  description: required(5000),
  urgency: PartnershipUrgency,
  preferredContactMethod: z.enum(CONTACT_METHODS),
  motivation: required(5000),
  availabilitySchedule: optional(500),
  additionalNotes: optional(5000),
  school: optional(200),
  year: optional(20),
  course: optional(200),
  experience: optional(5000),
  socialMedia: optional(200),
  /** An existing user's referral code (`REF...`, any case). */
  referralCode: optional(32),
});
export type SubmitPartnershipRequestBody = z.infer<typeof SubmitPartnershipRequestBody>;

/**
 * The spec's review body. `reviewedBy` and `reviewedDate` are in its example but are the server's (the admin
 * in the token, the time of the request): sent values are ignored. A rejection needs `rejectionReason` or `reason`.
 */
export const ReviewPartnershipRequestBody = z
  .object({
    status: z.enum(['approved', 'rejected'], { error: 'must be approved or rejected (only a pending request is reviewed, once)' }),
    reason: optional(2000),
    rejectionReason: optional(2000),
    /** Approvals: the admin who takes the partnership (an active admin's user id); ignored on a rejection. */
    assignedAdmin: z.pipe(
      z.optional(z.union([z.literal(''), Id('user')], { error: "must be an admin's user id (user_...)" })),
      z.transform((s: string | undefined) => (s ? s : undefined)),
    ),
    /** Approvals: e.g. "24 hours"; ignored on a rejection. */
    estimatedResponse: optional(100),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b.status === 'rejected' && !b.rejectionReason && !b.reason) {
        ctx.addIssue({ code: 'custom', path: ['rejectionReason'], message: 'is required to reject a request (or send `reason`)' });
      }
    }),
  );
export type ReviewPartnershipRequestBody = z.infer<typeof ReviewPartnershipRequestBody>;

export const ListPartnershipRequestsQuery = z.extend(PageQuery, {
  status: z.optional(PartnershipStatus),
  urgency: z.optional(PartnershipUrgency),
  /** Part of the name, e-mail, school, course or subject (case-insensitive). */
  search: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
});

export const PartnershipRequestView = z.object({
  id: Id('preq'),
  userId: Id('user'),
  userName: z.string(),
  userEmail: z.string(),
  userAvatar: z.nullable(z.string()),
  requestType: z.enum(PARTNERSHIP_REQUEST_TYPES),
  subject: z.string(),
  description: z.string(),
  urgency: PartnershipUrgency,
  preferredContactMethod: z.enum(CONTACT_METHODS),
  availabilitySchedule: z.nullable(z.string()),
  additionalNotes: z.nullable(z.string()),
  school: z.nullable(z.string()),
  year: z.nullable(z.string()),
  course: z.nullable(z.string()),
  motivation: z.string(),
  experience: z.nullable(z.string()),
  socialMedia: z.nullable(z.string()),
  referralCode: z.nullable(z.string()),
  status: PartnershipStatus,
  submittedDate: IsoDateTime,
  reviewedDate: z.nullable(IsoDateTime),
  reviewedBy: z.nullable(z.string()),
  rejectionReason: z.nullable(z.string()),
  /** An approval's `reason`. */
  reviewNote: z.nullable(z.string()),
  assignedAdmin: z.nullable(Id('user')),
  estimatedResponse: z.nullable(z.string()),
  updatedAt: IsoDateTime,
});
export type PartnershipRequestView = z.infer<typeof PartnershipRequestView>;

const RequestIdParams = z.object({ requestId: Id('preq') });

export const partnershipRoutes = {
  submitPartnershipRequest: defineRoute({
    method: 'POST',
    path: '/partnership-requests',
    fn: 'partnership',
    access: 'student',
    rateLimit: 'general',
    summary: 'Submit a partnership request (students; at most five pending); identity comes from the account, a referral code must exist',
    body: SubmitPartnershipRequestBody,
    response: PartnershipRequestView,
    successStatus: 201,
    idempotent: {},
  }),
  listPartnershipRequests: defineRoute({
    method: 'GET',
    path: '/partnership-requests',
    fn: 'partnership',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Partnership requests, newest first: a student's own, or for admins all; status, urgency, search",
    query: ListPartnershipRequestsQuery,
    response: PartnershipRequestView,
  }),
  getPartnershipRequest: defineRoute({
    method: 'GET',
    path: '/partnership-requests/{requestId}',
    fn: 'partnership',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'One partnership request (its student or an admin)',
    params: RequestIdParams,
    response: PartnershipRequestView,
  }),
  reviewPartnershipRequest: defineRoute({
    method: 'PUT',
    path: '/partnership-requests/{requestId}/status',
    fn: 'partnership',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Approve or reject a pending request (a rejection needs a reason); reviewing twice or racing is a 409 for the loser',
    params: RequestIdParams,
    body: ReviewPartnershipRequestBody,
    response: PartnershipRequestView,
  }),
  cancelPartnershipRequest: defineRoute({
    method: 'DELETE',
    path: '/partnership-requests/{requestId}',
    fn: 'partnership',
    access: 'student',
    rateLimit: 'general',
    summary: "Cancel the caller's own pending request: kept for the record, shown by no endpoint again",
    params: RequestIdParams,
    response: z.object({ id: Id('preq'), cancelled: z.literal(true) }),
  }),
} satisfies Record<string, RouteDef>;
