// Documentation of the users routes (see ./index.ts). The profile example is the spec's, with this API's ids and fields.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

export const profileExample = {
  id: exampleId('user'),
  name: 'John Doe',
  email: 'user@example.com',
  role: 'student',
  avatar: `https://api.gradhelper.com/v1/users/${exampleId('user')}/avatar?v=01JHK3V7Q9ZP4M2X8W5T6R0BCD`,
  profile: {
    isComplete: true,
    academicLevel: 'undergraduate',
    institution: 'University Name',
    major: 'Computer Science',
    bio: 'Student bio...',
    preferences: { notifications: true, emailUpdates: true, theme: 'light' },
  },
  referralCode: 'REF7KQ2M9XP',
  referralLink: 'https://gradhelper.com/register?ref=REF7KQ2M9XP',
  referralStats: { signups: 2, requests: 1 },
  emailVerified: true,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: EXAMPLE_TIME,
};

const adminViewExample = { ...profileExample, status: 'active', statusReason: null, referredBy: null };

const listParams = {
  status: 'Only users with this account status (`active`, `inactive`, `suspended`).',
  search: 'Case-insensitive substring of the name or e-mail address.',
};

export const usersDocs: Record<string, RouteDoc> = {
  'GET /users/profile': {
    description:
      "The caller's profile as the spec shows it, plus the referral code and link to share, how many people used them (`referralStats`), and whether the e-mail address is verified. `profile.isComplete` is true once academic level, institution and major are set.",
    responseExample: profileExample,
    errors: { 404: 'The account no longer exists.' },
  },
  'PUT /users/profile': {
    description:
      'Changes any subset of name, bio, academic details and preferences; the rest keep their value, and `null` clears an optional field. `bio` may be sent at the top level (as the spec\'s example) or as `profile.bio`. Server-owned fields (`email`, `role`, `status`, `avatar`, `referralCode`, ...) are refused by name with 400 rather than ignored. Answers the updated profile.',
    requestExample: {
      name: 'John Doe',
      bio: 'Updated bio',
      profile: {
        academicLevel: 'graduate',
        institution: 'New University',
        major: 'Data Science',
        bio: undefined,
        preferences: { notifications: false, emailUpdates: true, theme: 'dark' },
      },
    },
    responseExample: { ...profileExample, profile: { ...profileExample.profile, academicLevel: 'graduate', institution: 'New University', major: 'Data Science', bio: 'Updated bio', preferences: { notifications: false, emailUpdates: true, theme: 'dark' } } },
    errors: { 400: 'Also: nothing to update, or a server-owned field.', 409: 'The profile changed while it was being updated (retry).' },
  },
  'POST /users/avatar': {
    description:
      'Replaces the caller\'s avatar with the image in the multipart field `avatar` (JPEG, PNG, GIF or WebP, checked from its bytes; at most `MAX_AVATAR_BYTES`, 2 MiB). Answers the profile, whose `avatar` is the public `GET /users/{userId}/avatar` URL.',
    responseExample: profileExample,
    errors: { 400: 'Also: no file in `avatar`, an empty file, or not an image.' },
  },
  'GET /users/{userId}/avatar': {
    description:
      "Public so that `<img src>` works without a token: answers 302 to a short-lived presigned URL of the user's current avatar. 404 when the user has none.",
    success: { status: 302, description: 'Redirect to the image', location: 'A presigned S3 URL of the image, valid a few minutes.' },
    errors: { 404: 'Also: the user has no avatar.' },
  },
  'GET /users/students': {
    description: 'The student directory for admins, newest sign-up first, with each student\'s account status and who referred them. `search` matches name or e-mail (it filters while paging, within the list read budget).',
    params: listParams,
    responseExample: adminViewExample,
  },
  'GET /users': {
    description:
      'The directory of one role for admins (the spec\'s live-chat section fetches students with `?role=student`): newest first, same filters as `GET /users/students`.',
    params: { ...listParams, role: 'The role to list: `student` or `admin` (required).' },
    responseExample: adminViewExample,
  },
  'GET /users/{userId}': {
    description: "A user's profile with account status, the reason of the last status change, and who referred them. Admins only.",
    responseExample: adminViewExample,
  },
  'PUT /users/{userId}/status': {
    description:
      "Sets a user's account status. `suspended` ends every session of the user at once (their refresh tokens stop working, their WebSocket connections are closed with `connection.closing`, reason `suspended`) and refuses their sign-ins until an admin sets `active` again. Admins cannot change their own status.",
    requestExample: { status: 'suspended', reason: 'Repeated violations of the terms of use' },
    responseExample: { ...adminViewExample, status: 'suspended', statusReason: 'Repeated violations of the terms of use' },
    errors: { 400: 'Also: an admin changing their own status.' },
  },
};
