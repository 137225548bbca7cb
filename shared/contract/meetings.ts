// Routes of the meetings endpoint group: the spec's Meeting Management (book, list, detail, move, status,
// cancel, join). Keys and costs: docs/data-model.md, "Meetings"; the state machine: docs/meetings.md.
import * as z from '../zod.ts';
import { DateRangeQuery, defineRoute, Id, IsoDateTime, PageQuery, refineDateRange, type RouteDef } from '../http/contract.ts';
import { MEETING_STATUSES, MEETING_TYPES, MAX_MEETING_MINUTES, MIN_MEETING_MINUTES } from '../db/entities/meeting.ts';

export const MeetingStatus = z.enum(MEETING_STATUSES, { error: `must be one of ${MEETING_STATUSES.join(', ')}` });
export const MeetingType = z.enum(MEETING_TYPES, { error: `must be one of ${MEETING_TYPES.join(', ')}` });

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A calendar day that exists (`2025-02-30` does not). */
export const MeetingDate = z.string({ error: 'must be a date (YYYY-MM-DD)' }).check(
  z.refine((value) => {
    const m = DATE.exec(value);
    if (!m) return false;
    const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return Number(m[1]) >= 1970 && day.toISOString().startsWith(value);
  }, 'must be a date that exists, as YYYY-MM-DD'),
);
/** A wall-clock time `HH:MM` (24 hours). */
export const MeetingTime = z
  .string({ error: 'must be a time (HH:MM, 24 hours)' })
  .check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM (24 hours), e.g. 14:00'));
/** An IANA time zone name (`Europe/Berlin`, `UTC`). */
export const TimeZone = z.string({ error: 'must be an IANA time zone such as Europe/Berlin' }).check(
  z.maxLength(64),
  z.refine((tz) => {
    if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin or UTC'),
);
export const Duration = z.coerce
  .number({ error: 'must be a number of minutes' })
  .check(
    z.int('must be a whole number of minutes'),
    z.gte(MIN_MEETING_MINUTES, `must be at least ${MIN_MEETING_MINUTES} minutes`),
    z.lte(MAX_MEETING_MINUTES, `must be at most ${MAX_MEETING_MINUTES} minutes`),
  );
const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).check(z.maxLength(2048));

const required = (max: number) =>
  z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));
/** Forms send unfilled fields as empty strings: an empty optional field is the same as none. */
const optional = <S extends z.ZodMiniType<string | undefined>>(schema: S) =>
  z.optional(z.union([z.pipe(z.literal(''), z.transform(() => undefined)), schema]));
const text = (max: number) => z.string().check(z.trim(), z.maxLength(max, `must be at most ${max} characters`));

/**
 * The spec's booking body, plus `timezone` (of `date` and `time`; default UTC) and `adminId` (an admin books for
 * another admin). A student books for themself: `studentId` may be left out or must be their own id.
 */
export const CreateMeetingBody = z.object({
  studentId: optional(Id('user')),
  adminId: optional(Id('user')),
  title: required(200),
  description: optional(text(5000)),
  date: MeetingDate,
  time: MeetingTime,
  timezone: z._default(TimeZone, 'UTC'),
  duration: Duration,
  type: MeetingType,
  location: optional(text(500)),
  meetingUrl: optional(HttpUrl),
  agenda: optional(text(5000)),
});
export type CreateMeetingBody = z.infer<typeof CreateMeetingBody>;

/** Any subset of the bookable fields; a new `date`/`time`/`timezone`/`duration` moves the meeting. `adminId`: admins only. */
export const UpdateMeetingBody = z.object({
  adminId: optional(Id('user')),
  title: z.optional(required(200)),
  description: optional(text(5000)),
  date: z.optional(MeetingDate),
  time: z.optional(MeetingTime),
  timezone: z.optional(TimeZone),
  duration: z.optional(Duration),
  type: z.optional(MeetingType),
  location: optional(text(500)),
  meetingUrl: optional(HttpUrl),
  agenda: optional(text(5000)),
});
export type UpdateMeetingBody = z.infer<typeof UpdateMeetingBody>;

/**
 * The spec's status body. `rescheduled` moves the meeting (with `date` and/or `time`, as `PUT /meetings/{id}`);
 * `scheduled` on a scheduled meeting changes nothing; `completed` is an admin's; `cancelled` either participant's.
 */
export const ChangeMeetingStatusBody = z
  .object({
    status: z.enum([...MEETING_STATUSES, 'rescheduled'], { error: 'must be one of scheduled, completed, cancelled, rescheduled' }),
    reason: optional(text(2000)),
    date: z.optional(MeetingDate),
    time: z.optional(MeetingTime),
    timezone: z.optional(TimeZone),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b.status === 'rescheduled' && !b.date && !b.time) {
        ctx.addIssue({ code: 'custom', path: ['date'], message: 'a new date or time is required to reschedule' });
      }
    }),
  );
export type ChangeMeetingStatusBody = z.infer<typeof ChangeMeetingStatusBody>;

export const CancelMeetingBody = z.object({ reason: optional(text(2000)) });

export const ListMeetingsQuery = z
  .extend(PageQuery, {
    status: z.optional(MeetingStatus),
    type: z.optional(MeetingType),
    ...DateRangeQuery.shape,
  })
  .check(z.superRefine(refineDateRange));

const HistoryEntry = z.object({
  /** What happened: `scheduled` (booked), `rescheduled`, `assigned`, `completed`, `cancelled`. */
  action: z.enum(['scheduled', 'rescheduled', 'assigned', 'completed', 'cancelled']),
  at: IsoDateTime,
  /** A user id, or `system` (completed when the meeting ended). */
  by: z.string(),
  reason: z.nullable(z.string()),
  /** Reschedules: the start before and after. */
  fromStartAt: z.nullable(IsoDateTime),
  toStartAt: z.nullable(IsoDateTime),
});

export const MeetingView = z.object({
  id: Id('meet'),
  studentId: Id('user'),
  /** `null` while a meeting a student booked waits for an admin to take it. */
  adminId: z.nullable(Id('user')),
  title: z.string(),
  description: z.nullable(z.string()),
  date: z.string(),
  time: z.string(),
  timezone: z.string(),
  duration: z.number().check(z.int()),
  /** `date` + `time` in `timezone`, as a UTC instant; `endAt` = `startAt` + `duration`. */
  startAt: IsoDateTime,
  endAt: IsoDateTime,
  type: MeetingType,
  location: z.nullable(z.string()),
  /** Participants only; join with `POST /meetings/{id}/join`. */
  meetingUrl: z.nullable(z.string()),
  agenda: z.nullable(z.string()),
  status: MeetingStatus,
  /** True once the meeting was moved (it stays `scheduled`); the history says when and from where. */
  rescheduled: z.boolean(),
  cancellationReason: z.nullable(z.string()),
  createdBy: Id('user'),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  history: z.optional(z.array(HistoryEntry)),
});
export type MeetingView = z.infer<typeof MeetingView>;

const MeetingIdParams = z.object({ meetingId: Id('meet') });

export const meetingsRoutes = {
  createMeeting: defineRoute({
    method: 'POST',
    path: '/meetings',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Book a meeting: an admin with any active student, a student for themself (no admin until one takes it); no participant may have two overlapping meetings (409)',
    body: CreateMeetingBody,
    response: MeetingView,
    successStatus: 201,
    idempotent: {},
  }),
  listMeetings: defineRoute({
    method: 'GET',
    path: '/meetings',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Meetings by start time (a student's own, all for admins); status, type, dateFrom/dateTo on the start",
    query: ListMeetingsQuery,
    response: MeetingView,
  }),
  getMeeting: defineRoute({
    method: 'GET',
    path: '/meetings/{meetingId}',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'One meeting with its history (its student or an admin)',
    params: MeetingIdParams,
    response: MeetingView,
  }),
  updateMeeting: defineRoute({
    method: 'PUT',
    path: '/meetings/{meetingId}',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Edit or move a scheduled meeting (a new date or time reschedules it); admins take a meeting with `adminId`',
    params: MeetingIdParams,
    body: UpdateMeetingBody,
    response: MeetingView,
  }),
  changeMeetingStatus: defineRoute({
    method: 'PUT',
    path: '/meetings/{meetingId}/status',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Complete (admins), cancel (either participant) or reschedule a scheduled meeting; a closed meeting is a 409',
    params: MeetingIdParams,
    body: ChangeMeetingStatusBody,
    response: MeetingView,
  }),
  cancelMeeting: defineRoute({
    method: 'DELETE',
    path: '/meetings/{meetingId}',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Cancel a scheduled meeting with a reason (either participant); it stays readable',
    params: MeetingIdParams,
    body: CancelMeetingBody,
    response: MeetingView,
  }),
  joinMeeting: defineRoute({
    method: 'POST',
    path: '/meetings/{meetingId}/join',
    fn: 'meetings',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "The URL of a scheduled virtual meeting, for its participants (an in-person meeting has none: 409)",
    params: MeetingIdParams,
    response: z.object({ meetingId: Id('meet'), meetingUrl: z.string(), startAt: IsoDateTime, endAt: IsoDateTime }),
  }),
} satisfies Record<string, RouteDef>;
