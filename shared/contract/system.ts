// Routes of the system endpoint group: health.
import * as z from '../zod.ts';
import { defineRoute } from '../http/contract.ts';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.optional(z.string()) });

export const systemRoutes = {
  health: defineRoute({
    method: 'GET',
    path: '/system/health',
    fn: 'system',
    access: 'public',
    rateLimit: 'none',
    summary: 'Health check: the table and the bucket are reachable (503 SERVICE_UNAVAILABLE naming the failing dependency otherwise)',
    response: z.object({
      status: z.literal('ok'),
      time: z.string(),
      checks: z.object({ database: Check, storage: Check }),
    }),
  }),
};
