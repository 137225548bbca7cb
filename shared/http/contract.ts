// The shape of an endpoint declaration. Each domain declares its routes once in shared/contract/<domain>.ts;
// the CDK stack, the local gateway, the handlers and the tests all read those declarations.
import * as z from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call: anyone, any signed-in user, or only one role. */
export type Access = 'public' | 'authenticated' | 'student' | 'admin';

/** The spec's rate-limit classes: general/upload/chat per user, auth per IP; 'none' for health and webhooks. */
export type RateLimitClass = 'general' | 'upload' | 'chat' | 'auth' | 'none';

/** One Lambda per endpoint group; the handler lives at functions/<name>/handler.ts. */
export type FunctionName =
  | 'system'
  | 'auth'
  | 'users'
  | 'files'
  | 'tasks'
  | 'chats'
  | 'notifications'
  | 'admin';

export interface MultipartSpec {
  /** Form field names that carry files (e.g. ['files'] or ['avatar']). */
  fileFields: readonly string[];
  maxFiles: number;
  /** Bytes per file; a larger file is 413 PAYLOAD_TOO_LARGE. Read lazily so config stays a runtime concern. */
  maxFileBytes: () => number;
}

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path syntax, without the stage: '/users/{userId}'. */
  path: string;
  fn: FunctionName;
  access: Access;
  rateLimit: RateLimitClass;
  summary: string;
  params?: z.ZodType;
  query?: z.ZodType;
  /** JSON body, or the non-file fields of a multipart body. */
  body?: z.ZodType;
  /** Set when the route takes multipart/form-data (it may still accept JSON when `body` allows). */
  multipart?: MultipartSpec;
  /** Schema of `data` in the success envelope; checked in tests (VALIDATE_RESPONSES). */
  response?: z.ZodType;
  /** Success status when the handler does not choose one. */
  successStatus?: number;
}

export function defineRoute<const D extends RouteDef>(route: D): D {
  return route;
}

/** API Gateway route key: 'GET /users/{userId}'. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

// ---- Shared schema pieces -------------------------------------------------------------------

export const Id = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`), `must be a ${prefix} id`);

export const IsoDateTime = z.iso.datetime({ offset: true });

/** `limit` (1-100, default 20), opaque `cursor`, and the spec's `page` (costs one read per skipped page). */
export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).max(50).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2048).optional(),
});

export const Pagination = z.object({
  limit: z.number().int(),
  page: z.number().int().optional(),
  nextCursor: z.string().nullable(),
  hasMore: z.boolean(),
});
export type Pagination = z.infer<typeof Pagination>;

/** Query-string booleans: 'true'/'false'/'1'/'0'. */
export const QueryBoolean = z.stringbool();
