// Routes of the admin endpoint group: the functions' system logs (GET /admin/system-logs). Where they are read
// from and why: docs/data-model.md, "Admin: system logs".
import * as z from '../zod.ts';
import { DateRangeQuery, defineRoute, IsoDateTime, refineDateRange, type RouteDef } from '../http/contract.ts';
import { LOG_LEVELS } from '../log.ts';

export const SystemLogsQuery = z
  .extend(DateRangeQuery, {
    /** The least severe level shown: `warn` shows warnings and errors. */
    level: z.optional(z.enum(LOG_LEVELS)),
    /** One function (endpoint group) by name, e.g. `auth`, `tasks`, `realtime`; every function without it. */
    service: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a function name such as auth or tasks'))),
    limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(200)), 50),
    cursor: z.optional(z.string().check(z.maxLength(8192))),
  })
  .check(z.superRefine(refineDateRange));
export type SystemLogsQuery = z.infer<typeof SystemLogsQuery>;

export const SystemLogEntry = z.object({
  id: z.string(),
  timestamp: IsoDateTime,
  level: z.enum(LOG_LEVELS),
  service: z.string(),
  message: z.string(),
  requestId: z.nullable(z.string()),
  fields: z.record(z.string(), z.unknown()),
});

export const adminRoutes = {
  systemLogs: defineRoute({
    method: 'GET',
    path: '/admin/system-logs',
    fn: 'admin',
    access: 'admin',
    rateLimit: 'general',
    summary:
      "The functions' structured log lines, oldest first: `level` and more severe, one `service` (function), dateFrom..dateTo (default the last 24 hours; never before the log retention), paged by an opaque cursor",
    query: SystemLogsQuery,
    response: z.array(SystemLogEntry),
  }),
} satisfies Record<string, RouteDef>;
