// Routes of the auth endpoint group: password and Google sign-in, refresh-token rotation, logout, password reset.
// All are public (the credential is in the body) and rate-limited per IP: sign-in, sign-up and password reset
// in the spec's auth class (5/min/IP), refresh and logout in their own `session` class.
import * as z from '../zod.ts';
import { defineRoute, Id } from '../http/contract.ts';

// ---- Shared pieces (the users contract reuses PublicUser) ------------------------------------

export const Email = z.pipe(
  z.string({ error: 'e-mail is required' }).check(z.trim(), z.maxLength(254, 'e-mail must be at most 254 characters')),
  z.email({ error: 'must be a valid e-mail address' }),
);

/** NIST SP 800-63B: a length floor and a generous ceiling, no composition rules. */
export const NewPassword = z
  .string({ error: 'password is required' })
  .check(
    z.minLength(8, 'password must be at least 8 characters long'),
    z.maxLength(128, 'password must be at most 128 characters long'),
    z.refine((p) => p.trim().length > 0, 'password must not be only spaces'),
  );

/** Login accepts whatever was set; the ceiling only bounds the hashing work. */
const Password = z.string({ error: 'password is required' }).check(z.minLength(1, 'password is required'), z.maxLength(1024, 'password is too long'));

const Name = z
  .string({ error: 'name is required' })
  .check(z.trim(), z.minLength(1, 'name is required'), z.maxLength(100, 'name must be at most 100 characters'));

/** Self sign-up only creates students; the spec's `role` field is accepted for compatibility. */
const SelfSignUpRole = z.enum(['student'], { error: 'self sign-up creates student accounts; admins are created by an admin' });

const ReferralCode = z.string().check(z.trim(), z.minLength(1, 'referralCode must not be empty'), z.maxLength(32, 'referralCode is too long'));

/** Opaque tokens from this API; the bound only keeps garbage out of the hash lookup. */
const OpaqueToken = (what: string) =>
  z.string({ error: `${what} is required` }).check(z.minLength(1, `${what} is required`), z.maxLength(4096, `${what} is too long`));

/** `profile` of a public user; the full profile (shared/contract/users.ts) extends it. */
export const PublicUserProfile = z.object({
  isComplete: z.boolean(),
  academicLevel: z.nullable(z.string()),
  institution: z.nullable(z.string()),
  major: z.nullable(z.string()),
});

export const PublicUser = z.object({
  id: Id('user'),
  name: z.string(),
  email: z.string(),
  role: z.enum(['student', 'admin']),
  avatar: z.nullable(z.string()),
  profile: PublicUserProfile,
});

export const AuthSession = z.object({
  user: PublicUser,
  /** Access token (JWT, 15 minutes): `Authorization: Bearer <token>`. */
  token: z.string(),
  /** Opaque refresh token (30 days, single use: every refresh returns a new one). */
  refreshToken: z.string(),
  /** Seconds until `token` expires. */
  expiresIn: z.number().check(z.int()),
});

const Message = z.object({ message: z.string() });

// ---- Routes ----------------------------------------------------------------------------------

export const authRoutes = {
  register: defineRoute({
    method: 'POST',
    path: '/auth/register',
    fn: 'auth',
    access: 'public',
    rateLimit: 'auth',
    summary: 'Create a student account (optionally referred by a referral code) and sign in',
    body: z.object({
      name: Name,
      email: Email,
      password: NewPassword,
      role: z.optional(SelfSignUpRole),
      referralCode: z.optional(ReferralCode),
    }),
    response: AuthSession,
    successStatus: 201,
  }),
  login: defineRoute({
    method: 'POST',
    path: '/auth/login',
    fn: 'auth',
    access: 'public',
    rateLimit: 'auth',
    summary: 'Sign in with e-mail and password',
    body: z.object({ email: Email, password: Password }),
    response: AuthSession,
  }),
  google: defineRoute({
    method: 'POST',
    path: '/auth/google',
    fn: 'auth',
    access: 'public',
    rateLimit: 'auth',
    summary: 'Sign in with a Google ID token; creates a student account on first use',
    body: z.object({
      googleToken: OpaqueToken('googleToken'),
      /** Only a hint: an existing account keeps its role, a new account is always a student. */
      role: z.optional(z.enum(['student', 'admin'])),
      /** Referral code of whoever referred a new account (ignored when the account exists), as on register. */
      referralCode: z.optional(ReferralCode),
    }),
    response: AuthSession,
  }),
  logout: defineRoute({
    method: 'POST',
    path: '/auth/logout',
    fn: 'auth',
    access: 'public',
    rateLimit: 'session',
    summary: 'Revoke the session (refresh-token family) the refresh token belongs to',
    body: z.object({ refreshToken: OpaqueToken('refreshToken') }),
    response: Message,
  }),
  refresh: defineRoute({
    method: 'POST',
    path: '/auth/refresh',
    fn: 'auth',
    access: 'public',
    rateLimit: 'session',
    summary: 'Exchange a refresh token for a new access token and a new refresh token (rotation)',
    body: z.object({ refreshToken: OpaqueToken('refreshToken') }),
    response: AuthSession,
  }),
  forgotPassword: defineRoute({
    method: 'POST',
    path: '/auth/forgot-password',
    fn: 'auth',
    access: 'public',
    rateLimit: 'auth',
    summary: 'Mail a password-reset link; always answers 200 whether or not the e-mail is known',
    body: z.object({ email: Email }),
    response: Message,
  }),
  verifyEmail: defineRoute({
    method: 'GET',
    path: '/auth/verify-email',
    fn: 'auth',
    access: 'public',
    rateLimit: 'auth',
    summary:
      'Confirm the e-mail address with the link mailed at sign-up. A browser (Accept: text/html) gets a short page linking to the app, 400 when the link is invalid or expired; other clients get JSON',
    query: z.object({ token: OpaqueToken('token') }),
    response: z.object({ message: z.string(), emailVerified: z.literal(true) }),
  }),
  resetPassword: defineRoute({
    method: 'POST',
    path: '/auth/reset-password',
    fn: 'auth',
    access: 'public',
    rateLimit: 'auth',
    summary: 'Set a new password with a reset token; signs the user out everywhere',
    body: z.object({ token: OpaqueToken('token'), newPassword: NewPassword }),
    response: Message,
  }),
};
