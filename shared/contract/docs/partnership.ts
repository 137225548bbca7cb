// Documentation of the partnership request routes (see ./index.ts). Examples are the spec's frontend data model,
// with this API's ids and the fields the server owns.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

const submitExample = {
  requestType: 'academic_help',
  subject: 'computer_science',
  description: 'Detailed request description',
  urgency: 'medium',
  preferredContactMethod: 'email',
  availabilitySchedule: 'Monday-Friday 9AM-5PM',
  additionalNotes: 'Any additional information',
  school: 'University Name',
  year: '3',
  course: 'Computer Science',
  motivation: 'Why I want this partnership...',
  experience: 'Relevant experience...',
  socialMedia: '@john_doe',
  referralCode: 'REF7KQ2M9XP',
};

const requestExample = {
  id: exampleId('preq'),
  userId: exampleId('user'),
  userName: 'John Doe',
  userEmail: 'john@example.com',
  userAvatar: null,
  ...submitExample,
  status: 'pending',
  submittedDate: '2025-09-18T10:00:00.000Z',
  reviewedDate: null,
  reviewedBy: null,
  rejectionReason: null,
  reviewNote: null,
  assignedAdmin: null,
  estimatedResponse: null,
  updatedAt: '2025-09-18T10:00:00.000Z',
};

const visible = 'Its student or an admin; for anyone else, and once cancelled, it does not exist (404).';

export const partnershipDocs: Record<string, RouteDoc> = {
  'POST /partnership-requests': {
    description:
      "A student submits a partnership request (status `pending`) and gets the whole request back. The spec's `userId`, `userName`, `userEmail` and `userAvatar` come from the account (sent values are ignored); empty optional fields count as absent. `referralCode` must be an existing user's code (any case). At most five pending requests per student. Admins are notified.",
    requestExample: submitExample,
    responseExample: requestExample,
    errors: { 400: 'Also: an unknown `referralCode`.', 409: 'Also: the student already has five pending requests.' },
  },
  'GET /partnership-requests': {
    description: "A student's own requests, or for admins every request, newest first (cancelled ones never show).",
    params: {
      status: 'Only requests in this status: `pending`, `approved` or `rejected`.',
      urgency: 'Only requests of this urgency: `low`, `medium` or `high`.',
      search: 'Case-insensitive substring of the name, e-mail, school, course or subject.',
    },
    responseExample: requestExample,
  },
  'GET /partnership-requests/{requestId}': {
    description: `One request with every field the spec lists. ${visible}`,
    responseExample: requestExample,
  },
  'PUT /partnership-requests/{requestId}/status': {
    description:
      "Admins approve or reject a pending request, once. A rejection needs `rejectionReason` (or `reason`); an approval may name `assignedAdmin` (an active admin) and `estimatedResponse`, and its `reason` is shown as `reviewNote`. `reviewedBy` and `reviewedDate` are the server's (the admin in the token, the time of the request). Answers the whole request; the student is notified.",
    requestExample: { status: 'approved', reason: 'Strong motivation', assignedAdmin: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM', estimatedResponse: '24 hours', rejectionReason: undefined },
    responseExample: {
      ...requestExample,
      status: 'approved',
      reviewedDate: EXAMPLE_TIME,
      reviewedBy: 'Dr. John Smith',
      reviewNote: 'Strong motivation',
      assignedAdmin: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM',
      estimatedResponse: '24 hours',
      updatedAt: EXAMPLE_TIME,
    },
    errors: { 400: 'Also: `assignedAdmin` is not an active admin.', 409: 'The request was already reviewed or cancelled (`details.currentStatus`), or another admin reviewed it at the same time.' },
  },
  'DELETE /partnership-requests/{requestId}': {
    description: "The student cancels their own pending request: it is kept for the record, and no endpoint shows it again.",
    responseExample: { id: exampleId('preq'), cancelled: true },
    errors: { 409: 'The request was already reviewed.' },
  },
};
