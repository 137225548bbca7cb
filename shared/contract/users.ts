// Routes of the users endpoint group: the caller's own profile and avatar, and the admin's user directory.
import * as z from '../zod.ts';
import { defineRoute, Id, IsoDateTime, PageQuery, type RouteDef } from '../http/contract.ts';
import { getConfig } from '../config.ts';
import { PublicUser, PublicUserProfile } from './auth.ts';
import { ACADEMIC_LEVELS } from '../db/entities/user.ts';

export const UserStatus = z.enum(['active', 'inactive', 'suspended']);
export const UserRole = z.enum(['student', 'admin']);
export const AcademicLevel = z.enum(ACADEMIC_LEVELS);
export const Theme = z.enum(['light', 'dark', 'system']);

export const Preferences = z.object({
  notifications: z.boolean(),
  emailUpdates: z.boolean(),
  theme: Theme,
});

/**
 * The spec's profile shape: the public user that auth returns (shared/contract/auth.ts), with bio and
 * preferences inside `profile`, plus the referral code and link the referral section asks the profile to show.
 */
export const Profile = z.extend(PublicUser, {
  profile: z.extend(PublicUserProfile, {
    bio: z.nullable(z.string()),
    preferences: Preferences,
  }),
  referralCode: z.string(),
  referralLink: z.string(),
  /** People who signed up with the user's code, and partnership requests of others that carried it. */
  referralStats: z.object({ signups: z.number().check(z.int(), z.nonnegative()), requests: z.number().check(z.int(), z.nonnegative()) }),
  /** The user opened the link mailed at sign-up (or reset their password, or signed up with Google). */
  emailVerified: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});

/** What an admin sees of a user: the profile plus the account status. */
export const AdminUserView = z.extend(Profile, {
  status: UserStatus,
  statusReason: z.nullable(z.string()),
  /** Who referred this user (their code at sign-up). */
  referredBy: z.nullable(z.object({ id: Id('user'), name: z.string() })),
});

// Fields the server owns: named explicitly so a client that sends one is told which field was refused
// (a silently ignored `email` change would look like a success to the user).
const serverOwned = (why: string) => z.optional(z.never({ error: why }));
const refusedTopLevel = {
  id: serverOwned('is server-owned'),
  email: serverOwned('cannot be changed through the profile'),
  role: serverOwned('is server-owned'),
  status: serverOwned('is changed by an admin through PUT /users/{userId}/status'),
  avatar: serverOwned('is set by POST /users/avatar'),
  referralCode: serverOwned('is server-owned'),
  referralLink: serverOwned('is server-owned'),
  referralStats: serverOwned('is server-owned'),
  emailVerified: serverOwned('is set by opening the link mailed at sign-up'),
  createdAt: serverOwned('is server-owned'),
  updatedAt: serverOwned('is server-owned'),
};

const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
const Bio = z.string().check(z.trim(), z.maxLength(1000));
/** `null` clears an optional field. */
const clearable = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));

export const UpdateProfileBody = z
  .strictObject({
    name: z.optional(text(100)),
    bio: clearable(Bio),
    profile: z.optional(
      z.strictObject({
        academicLevel: clearable(AcademicLevel),
        institution: clearable(text(200)),
        major: clearable(text(200)),
        bio: clearable(Bio),
        preferences: z.optional(z.partial(z.strictObject({ notifications: z.boolean(), emailUpdates: z.boolean(), theme: Theme }))),
        isComplete: serverOwned('is derived from academicLevel, institution and major'),
      }),
    ),
    ...refusedTopLevel,
  })
  .check(
    z.refine((b) => b.bio === undefined || b.profile?.bio === undefined || b.bio === b.profile.bio, {
      path: ['bio'],
      error: 'given twice (top level and profile.bio) with different values',
    }),
    z.refine((b) => b.name !== undefined || b.bio !== undefined || (b.profile !== undefined && Object.values(b.profile).some((v) => v !== undefined)), {
      path: ['body'],
      error: 'nothing to update',
    }),
  );
export type UpdateProfileBody = z.infer<typeof UpdateProfileBody>;

export const UserIdParams = z.object({ userId: Id('user') });

export const UserListQuery = z.extend(PageQuery, {
  /** Case-insensitive substring of the name or e-mail. */
  search: z.optional(z.string().check(z.trim(), z.maxLength(100))),
  status: z.optional(UserStatus),
});

export const UpdateStatusBody = z.strictObject({
  status: UserStatus,
  reason: z.optional(z.string().check(z.trim(), z.maxLength(500))),
});

export const usersRoutes = {
  getProfile: defineRoute({
    method: 'GET',
    path: '/users/profile',
    fn: 'users',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "The caller's profile",
    response: Profile,
  }),
  updateProfile: defineRoute({
    method: 'PUT',
    path: '/users/profile',
    fn: 'users',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Update the caller's name, bio, academic details and preferences",
    body: UpdateProfileBody,
    response: Profile,
  }),
  uploadAvatar: defineRoute({
    method: 'POST',
    path: '/users/avatar',
    fn: 'users',
    access: 'authenticated',
    rateLimit: 'upload',
    summary: "Upload the caller's avatar (multipart field `avatar`: JPEG, PNG, GIF or WebP)",
    multipart: { fileFields: ['avatar'], maxFiles: 1, maxFileBytes: () => getConfig().MAX_AVATAR_BYTES },
    response: Profile,
  }),
  getAvatar: defineRoute({
    method: 'GET',
    path: '/users/{userId}/avatar',
    fn: 'users',
    // Public so <img src> works without a bearer token; the redirect target is a short-lived presigned URL.
    access: 'public',
    rateLimit: 'general',
    summary: "Redirects (302) to a short-lived URL of the user's current avatar",
    params: UserIdParams,
    successStatus: 302,
  }),
  listStudents: defineRoute({
    method: 'GET',
    path: '/users/students',
    fn: 'users',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Students, newest first; search on name and e-mail, filter by status',
    query: UserListQuery,
    response: AdminUserView,
  }),
  listUsers: defineRoute({
    method: 'GET',
    path: '/users',
    fn: 'users',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Users of one role (`role=student|admin`), newest first; same filters as /users/students',
    query: z.extend(UserListQuery, { role: UserRole }),
    response: AdminUserView,
  }),
  getUser: defineRoute({
    method: 'GET',
    path: '/users/{userId}',
    fn: 'users',
    access: 'admin',
    rateLimit: 'general',
    summary: "A user's profile and status",
    params: UserIdParams,
    response: AdminUserView,
  }),
  updateStatus: defineRoute({
    method: 'PUT',
    path: '/users/{userId}/status',
    fn: 'users',
    access: 'admin',
    rateLimit: 'general',
    summary: "Set a user's status; suspending revokes all of the user's sessions",
    params: UserIdParams,
    body: UpdateStatusBody,
    response: AdminUserView,
  }),
} satisfies Record<string, RouteDef>;
