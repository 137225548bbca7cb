// The shape of an endpoint declaration. Each domain declares its routes once in shared/contract/<domain>.ts;
// the CDK stack, the local gateway, the handlers and the tests all read those declarations.
import * as z from '../zod.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call: anyone, any signed-in user, or only one role. */
export type Access = 'public' | 'authenticated' | 'student' | 'admin';

/**
 * The spec's rate-limit classes: general/upload/chat per user, auth per IP; 'none' for health and webhooks.
 * `session` (refresh and logout, per IP) is this API's own: clients refresh every 15 minutes per tab, which
 * must not eat the 5 sign-in attempts a minute the spec allows an IP.
 */
export type RateLimitClass = 'general' | 'upload' | 'chat' | 'auth' | 'session' | 'none';

/** One Lambda per endpoint group; the handler lives at functions/<name>/handler.ts. */
export type FunctionName =
  | 'system'
  | 'auth'
  | 'users'
  | 'files'
  | 'tasks'
  | 'deliverables'
  | 'chats'
  | 'notifications'
  | 'partnership'
  | 'billing'
  | 'webhook'
  | 'meetings'
  | 'admin'
  | 'analytics'
  | 'reports'
  | 'reference';

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
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  /** JSON body, or the non-file fields of a multipart body. */
  body?: z.ZodMiniType;
  /** Set when the route takes multipart/form-data (it may still accept JSON when `body` allows). */
  multipart?: MultipartSpec;
  /** Schema of `data` in the success envelope; checked in tests (VALIDATE_RESPONSES). */
  response?: z.ZodMiniType;
  /** Success status when the handler does not choose one. */
  successStatus?: number;
  /**
   * Set on creates: the route honours an `Idempotency-Key` header (shared/http/idempotency.ts). The same key and
   * request within 24 h answer as the first request did without a second write; the handler then provides
   * `{ run, replay }`, where `replay` rebuilds the answer from the ids stored from the first one.
   */
  idempotent?: IdempotencySpec;
  /**
   * The body reaches the implementation as it arrived (`rawBody`, a string), never parsed: a signature over
   * the exact bytes (the Stripe webhook) must be checked first. Such a route declares no `body` schema.
   */
  rawBody?: boolean;
}

export interface IdempotencySpec {
  /**
   * What to store from the first success's `data` so `replay` can find it again: the created resources' ids
   * (default `[data.id]`). Only ids are kept, never the answer, so replays carry fresh URLs and records stay small.
   */
  resourceIds?: (data: any) => string[];
}

/**
 * Marked free of side effects for esbuild: a function that imports one schema from another group's contract
 * (tasks takes AcademicLevel from users) then bundles that schema, not every route of that group.
 */
/* @__NO_SIDE_EFFECTS__ */
export function defineRoute<const D extends RouteDef>(route: D): D {
  return route;
}

/** API Gateway route key: 'GET /users/{userId}'. */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

// ---- Shared schema pieces -------------------------------------------------------------------

export const Id = (prefix: string) =>
  z.string().check(z.regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`), `must be a ${prefix} id`));

export const IsoDateTime = z.iso.datetime({ offset: true });

/** `limit` (1-100, default 20), opaque `cursor`, and the spec's `page` (costs one read per skipped page). */
export const PageQuery = z.object({
  page: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(50))),
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  cursor: z.optional(z.string().check(z.maxLength(2048))),
});

export const Pagination = z.object({
  limit: z.number().check(z.int()),
  page: z.optional(z.number().check(z.int())),
  nextCursor: z.nullable(z.string()),
  hasMore: z.boolean(),
});
export type Pagination = z.infer<typeof Pagination>;

/** Query-string booleans: 'true'/'false'/'1'/'0'. */
export const QueryBoolean = z.stringbool();

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day `YYYY-MM-DD` that exists (no 2025-02-30), as a UTC Date at 00:00:00Z. */
function calendarDay(value: string): Date | undefined {
  const m = DATE_ONLY.exec(value);
  if (!m) return undefined;
  const day = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return day.toISOString().startsWith(value) ? day : undefined;
}

const DATE_MESSAGE = 'must be a date (YYYY-MM-DD) or an ISO-8601 time such as 2025-01-15T10:00:00Z';

/**
 * The spec's `date` query parameters (`dateFrom`, `dateTo`), as browsers' date inputs send them (`2025-01-15`)
 * or as full ISO-8601 times; parsed to an ISO-8601 UTC time. A date-only start means 00:00:00Z of that day; a
 * date-only end includes its whole day (23:59:59.999Z). Every route that takes a date range uses these two.
 */
const dateBound = (edge: 'start' | 'end') =>
  z.pipe(
    // `abort`: a range check on the object must not compare the unparsed text.
    z.string().check(z.refine((value) => calendarDay(value) !== undefined || IsoDateTime.safeParse(value).success, { error: DATE_MESSAGE, abort: true })),
    z.transform((value: string) => {
      const day = calendarDay(value);
      return day ? new Date(day.getTime() + (edge === 'end' ? 86_400_000 - 1 : 0)).toISOString() : new Date(value).toISOString();
    }),
  );
export const DateFrom = dateBound('start');
export const DateTo = dateBound('end');

/** `dateFrom`/`dateTo` for a query schema; pair with `refineDateRange` so an inverted range is a 400. */
export const DateRangeQuery = z.object({ dateFrom: z.optional(DateFrom), dateTo: z.optional(DateTo) });

/** Refinement: `dateFrom` must not be after `dateTo`. */
export function refineDateRange(range: { dateFrom?: string; dateTo?: string }, ctx: z.core.$RefinementCtx): void {
  if (range.dateFrom && range.dateTo && range.dateFrom > range.dateTo) {
    ctx.addIssue({ code: 'custom', path: ['dateTo'], message: 'must not be before dateFrom' });
  }
}

/**
 * What task, deliverable and message responses embed for each attached file (see shared/files/attachments.ts).
 * Here with the other building blocks, so tasks, deliverables and chats take it without the files group's routes.
 */
export const FileSummary = z.object({
  id: Id('file'),
  name: z.string(),
  url: z.url(),
  size: z.number().check(z.int(), z.positive()),
  type: z.string(),
});

/** Trimmed text of at most `max` characters (may be empty). */
export const TrimmedText = (max: number) => z.string().check(z.trim(), z.maxLength(max));
/** Trimmed, non-empty text of at most `max` characters. */
export const RequiredText = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));
/** An optional text field on update, where `null` clears it. */
export const ClearableText = (max: number) => z.optional(z.nullable(TrimmedText(max)));
