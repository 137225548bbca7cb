import { systemRoutes } from '#shared/contract/system.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { AppError } from '#shared/errors.ts';
import { getDb } from '#shared/db/client.ts';
import { getStorage } from '#shared/storage/s3.ts';
import { checkHealth } from './health.ts';

export const handler = createHttpHandler(systemRoutes, {
  health: async ({ request }) => {
    const health = await checkHealth(getDb(), getStorage(), request.now);
    if (health.status === 'ok') return { ...health, status: 'ok' as const };
    // A load balancer or uptime check reads the status; a client reads the envelope and which dependency failed.
    const failing = Object.entries(health.checks).filter(([, check]) => !check.ok).map(([name]) => name);
    throw new AppError('SERVICE_UNAVAILABLE', `Degraded: ${failing.join(' and ')} unreachable`, { status: health.status, failing, checks: health.checks, time: health.time });
  },
});
