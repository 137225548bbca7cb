import { systemRoutes } from '#shared/contract/system.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import { getStorage } from '#shared/storage/s3.ts';
import { checkHealth } from './health.ts';

export const handler = createHttpHandler(systemRoutes, {
  health: async ({ request }) => {
    const health = await checkHealth(getDb(), getStorage(), request.now);
    return health.status === 'ok' ? health : reply.ok(health, 503);
  },
});
