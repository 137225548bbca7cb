// Documentation of the auth routes (see ./index.ts). Examples follow the spec's, with this API's ids and session.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId } from '../../http/schema-example.ts';

/** The spec's login answer, as this API sends it (prefixed id, `expiresIn`). */
export const sessionExample = {
  user: {
    id: exampleId('user'),
    name: 'John Doe',
    email: 'user@example.com',
    role: 'student',
    avatar: null,
    profile: { isComplete: true, academicLevel: 'undergraduate', institution: 'University Name', major: 'Computer Science' },
  },
  token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyXzAxSkhLM1Y3UTlaUDRNMlg4VzVUNlIwQkNEIn0.c2lnbmF0dXJl',
  refreshToken: 'Jx3q0r6mB9vS2kLw8pYt4nHc1fZa7dUe5gQi0oXb2Ks',
  expiresIn: 900,
};

const refreshBody = { refreshToken: sessionExample.refreshToken };

export const authDocs: Record<string, RouteDoc> = {
  'POST /auth/register': {
    description:
      'Creates a **student** account and signs it in (the answer is a session, as `POST /auth/login` gives). The spec\'s `role` is accepted only as `"student"`: admins are created by an admin. With `referralCode` (the `ref` of a referral link) the account is counted as referred by that code\'s owner. A verification link is mailed to the address; the account works before it is opened.',
    requestExample: { name: 'John Doe', email: 'user@example.com', password: 'password123', role: 'student', referralCode: 'REF7KQ2M9XP' },
    responseExample: sessionExample,
    errors: { 400: 'Also: an unknown `referralCode`.', 409: 'An account with this e-mail address already exists (`details.field: "email"`).' },
  },
  'POST /auth/login': {
    description:
      'Signs in with e-mail and password and answers a session: the user, a 15-minute access token (`token`) and a refresh token (30 days, single use). Unknown e-mails cost the same time as wrong passwords and get the same answer. Failed attempts are also limited per e-mail address (10 per 15 minutes, then 429 with `Retry-After`).',
    requestExample: { email: 'user@example.com', password: 'password123' },
    responseExample: sessionExample,
    errors: {
      401: 'Invalid e-mail or password.',
      403: 'The account is suspended.',
      429: 'Also: too many failed sign-ins for this e-mail address.',
    },
  },
  'POST /auth/google': {
    description:
      "Signs in with a Google ID token (checked against Google's keys, this deployment's client id and `email_verified`). The first sign-in creates a student account, or links the account of the same e-mail address when that address was verified; an unverified account of that address is taken over (its password and sessions are dropped). `role` is a hint only: an existing account keeps its role.",
    requestExample: { googleToken: 'eyJhbGciOiJSUzI1NiIsImtpZCI6Imdvb2dsZSJ9.eyJzdWIiOiIxMDk4NzY1NDMyMSJ9.c2ln', role: 'student', referralCode: 'REF7KQ2M9XP' },
    responseExample: sessionExample,
    errors: {
      401: 'The Google token is invalid, expired, for another client, or its e-mail is not verified.',
      403: 'The account is suspended, or `role: "admin"` without an admin account for this Google account.',
      409: 'The Google account is linked to another user, or a concurrent sign-in changed the account (retry).',
      503: 'Also: Google sign-in is not configured on this deployment (`GOOGLE_CLIENT_ID`).',
    },
  },
  'POST /auth/logout': {
    description:
      'Ends the session the refresh token belongs to: that token and every token rotated from it stop working, and the WebSocket connections of that session are closed (`connection.closing`, reason `signed_out`). Public, because the refresh token is the credential: a client whose access token has expired can still sign out. An unknown or already revoked token answers 200 as well.',
    requestExample: refreshBody,
    responseExample: { message: 'Signed out' },
  },
  'POST /auth/refresh': {
    description:
      'Exchanges a refresh token for a new session (a new access token **and** a new refresh token; the old one is spent). A spent token presented again more than 10 seconds after its rotation revokes the whole session (theft detection, RFC 9700); within those seconds (two tabs refreshing at once) it yields another token.',
    requestExample: refreshBody,
    responseExample: sessionExample,
    errors: { 401: 'The refresh token is unknown, expired, revoked or reused.', 403: 'The account is suspended.' },
  },
  'POST /auth/forgot-password': {
    description:
      'Mails a password-reset link (valid 30 minutes) when the address belongs to an account. Always answers 200 with the same message, known address or not, so it cannot be used to find accounts; after a mail, further requests for that account within a minute send nothing.',
    requestExample: { email: 'user@example.com' },
    responseExample: { message: 'If an account exists for this e-mail address, a password reset link has been sent to it.' },
  },
  'GET /auth/verify-email': {
    description:
      'The link mailed at sign-up opens this route. A browser (`Accept: text/html`) gets a short page that says whether it worked and links to the app; other clients get JSON. Opening it twice is fine. A verified address decides whether a later Google sign-in with it links the account or takes it over.',
    params: { token: 'The token of the link mailed at sign-up.' },
    success: {
      description: 'The address is verified (or already was). JSON in the envelope, or an HTML page for a browser.',
      contentType: 'application/json',
      schema: {
        type: 'object',
        required: ['success', 'data'],
        properties: {
          success: { const: true },
          data: { type: 'object', required: ['message', 'emailVerified'], properties: { message: { type: 'string' }, emailVerified: { const: true } } },
        },
      },
      example: { success: true, data: { message: 'Your e-mail address is verified.', emailVerified: true } },
      alternatives: { 'text/html': { schema: { type: 'string' }, example: '<!doctype html><title>E-mail verified</title><p>Your e-mail address is verified. <a href="https://app.gradhelper.com">Open GradHelper</a></p>' } },
    },
    errors: { 400: 'Also: the link is invalid or expired (a browser gets an HTML page saying so, with status 400).' },
  },
  'POST /auth/reset-password': {
    description:
      "Sets a new password (8 to 128 characters) with the token of a reset link. The token works once; every session of the user ends and every WebSocket connection of the user is closed. Opening the link also verifies the e-mail address.",
    requestExample: { token: 'q8Zr4Lm0Tn6Vb2Xc9Yd1We5Af3Gh7Jk0Pu2Rs4Ot6Iy', newPassword: 'new_password123' },
    responseExample: { message: 'Your password has been reset. Please sign in with the new password.' },
    errors: { 400: 'Also: the reset link is invalid, expired or already used.' },
  },
};
