// The fan-out job: one server event to every live connection of an audience, run outside any HTTP request.
import * as z from '#shared/zod.ts';

export const FanOutJob = z.object({
  kind: z.literal('audience'),
  audience: z.enum(['all', 'students', 'admins']),
  event: z.object({ type: z.string(), data: z.unknown() }),
});
export type FanOutJob = z.infer<typeof FanOutJob>;
