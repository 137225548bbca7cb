// The fan-out Lambda, invoked asynchronously (shared/realtime/fanout.ts): walks the audience's connection
// index page by page and posts the frame to each, within a Lambda timeout of minutes rather than the HTTP
// API's 30 seconds. A failed invocation is retried by Lambda (twice); a frame pushed twice is harmless
// because clients dedupe events by their id.
import { deliverToAudience } from '#shared/realtime/push.ts';
import type { AnyServerEvent } from '#shared/realtime/events.ts';
import { createLogger } from '#shared/log.ts';
import { instrumented } from '#shared/observability/invocation.ts';
import { FanOutJob } from './job.ts';

const log = createLogger({ service: 'fanout' });

export const handler = instrumented('fanout', log, async (input: unknown) => {
  const job = FanOutJob.safeParse(input);
  if (!job.success) {
    // Retrying a malformed job cannot help: log it and finish.
    log.error('malformed fan-out job', { issues: job.error.issues });
    return { ok: false };
  }
  const result = await deliverToAudience(job.data.audience, job.data.event as AnyServerEvent);
  log.info('fan-out done', { audience: job.data.audience, type: job.data.event.type, ...result });
  return { ok: true, ...result };
});
