// Documentation of the meetings routes (see ./index.ts; rules in docs/meetings.md). Examples are the spec's,
// with this API's ids and fields.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

const meetingId = exampleId('meet');
const adminId = 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM';

const meetingExample = {
  id: meetingId,
  studentId: exampleId('user'),
  adminId,
  title: 'Project Discussion',
  description: 'Discuss project requirements and timeline',
  date: '2030-02-01',
  time: '14:00',
  timezone: 'UTC',
  duration: 60,
  startAt: '2030-02-01T14:00:00.000Z',
  endAt: '2030-02-01T15:00:00.000Z',
  type: 'virtual',
  location: null,
  meetingUrl: 'https://zoom.us/j/123456789',
  agenda: '1. Review requirements\n2. Discuss timeline',
  status: 'scheduled',
  rescheduled: false,
  cancellationReason: null,
  createdBy: adminId,
  createdAt: EXAMPLE_TIME,
  updatedAt: EXAMPLE_TIME,
};

const withHistory = {
  ...meetingExample,
  history: [{ action: 'scheduled', at: EXAMPLE_TIME, by: adminId, reason: null, fromStartAt: null, toStartAt: null }],
};

const visible = 'Its student or an admin; for another student it does not exist (404).';
const closed = 'The meeting is `completed` or `cancelled` (`details.currentStatus`).';
const overlap = 'A participant already has a meeting in that time (overlaps count in quarter hours), named in the message.';

export const meetingsDocs: Record<string, RouteDoc> = {
  'POST /meetings': {
    description:
      "Books a meeting. An admin books with any active student (and may name another active admin in `adminId`); a student books for themself (`studentId` their own or absent) and the meeting has no admin (`adminId: null`) until an admin takes it. `date` and `time` are in `timezone` (IANA, default UTC) and must be in the future; `duration` is 15 to 480 minutes. A virtual meeting without `meetingUrl` gets one. Reminders go out 24 hours and 15 minutes before the start (`meeting.reminder`).",
    requestExample: {
      studentId: exampleId('user'),
      adminId: undefined,
      title: 'Project Discussion',
      description: 'Discuss project requirements and timeline',
      date: '2030-02-01',
      time: '14:00',
      timezone: 'UTC',
      duration: 60,
      type: 'virtual',
      location: undefined,
      meetingUrl: 'https://zoom.us/j/123456789',
      agenda: '1. Review requirements\n2. Discuss timeline',
    },
    responseExample: meetingExample,
    errors: {
      400: 'Also: a start in the past, a local time that a daylight-saving change skips or repeats, `studentId`/`adminId` not of an active student/admin, or an in-person meeting without `location`.',
      403: 'A student booking for someone else, or a student who is not active.',
      409: overlap,
    },
  },
  'GET /meetings': {
    description: "A student's own meetings, or for admins every meeting, by start time.",
    params: {
      status: 'Only meetings in this status: `scheduled`, `completed` or `cancelled`.',
      type: 'Only `virtual` or `in_person` meetings.',
      dateFrom: 'Meetings starting at or after: a date (`2025-01-15`, from 00:00:00Z) or an ISO-8601 time.',
      dateTo: 'Meetings starting at or before: a date (its whole day) or an ISO-8601 time. Not before `dateFrom`.',
    },
    responseExample: meetingExample,
  },
  'GET /meetings/{meetingId}': {
    description: `One meeting with its history (booked, rescheduled, assigned, completed, cancelled). ${visible}`,
    responseExample: withHistory,
  },
  'PUT /meetings/{meetingId}': {
    description:
      'Either participant edits a scheduled meeting; a new `date`, `time`, `timezone` or `duration` moves it (reschedules its reminders; it stays `scheduled` with `rescheduled: true`). Admins take a meeting with `adminId`. The other participant is notified.',
    requestExample: { title: 'Updated title', date: '2030-02-02', time: '15:00', location: 'Updated location', timezone: 'UTC', adminId: undefined, meetingUrl: undefined, type: undefined, duration: undefined, description: undefined, agenda: undefined },
    responseExample: { ...meetingExample, title: 'Updated title', date: '2030-02-02', time: '15:00', startAt: '2030-02-02T15:00:00.000Z', endAt: '2030-02-02T16:00:00.000Z', location: 'Updated location', rescheduled: true },
    errors: { 403: 'A student setting `adminId`.', 409: `${closed} Or: ${overlap} Or: it changed meanwhile (reload).` },
  },
  'PUT /meetings/{meetingId}/status': {
    description:
      "The spec's four values: `completed` (admins), `cancelled` (either participant, `reason` shown as `cancellationReason`), `rescheduled` (moves it: a new `date` and/or `time`, in `timezone`; it stays `scheduled` with `rescheduled: true`), `scheduled` (no change). `completed` and `cancelled` are final.",
    requestExample: { status: 'rescheduled', reason: 'Reason for status change', date: '2030-02-02', time: '15:00', timezone: 'UTC' },
    responseExample: { ...meetingExample, date: '2030-02-02', time: '15:00', startAt: '2030-02-02T15:00:00.000Z', endAt: '2030-02-02T16:00:00.000Z', rescheduled: true },
    errors: { 403: 'A student marking a meeting `completed`.', 409: `${closed} Or: ${overlap}` },
  },
  'DELETE /meetings/{meetingId}': {
    description: 'Either participant cancels a scheduled meeting; the optional `reason` is shown as `cancellationReason`. The meeting stays readable and is listed with `status=cancelled`; its reminders are removed.',
    requestExample: { reason: 'Reason for cancellation' },
    responseExample: { ...meetingExample, status: 'cancelled', cancellationReason: 'Reason for cancellation' },
    errors: { 409: closed },
  },
  'POST /meetings/{meetingId}/join': {
    description: 'The URL of a scheduled virtual meeting, for its participants only. An in-person meeting has none (409).',
    responseExample: { meetingId, meetingUrl: 'https://zoom.us/j/123456789', startAt: '2030-02-01T14:00:00.000Z', endAt: '2030-02-01T15:00:00.000Z' },
    errors: { 403: "Not one of the meeting's participants.", 409: 'The meeting is in person, or closed.' },
  },
};
