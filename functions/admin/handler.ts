import { adminRoutes } from '#shared/contract/admin.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { getConfig } from '#shared/config.ts';
import { getLogReader } from '#shared/system-logs/source.ts';
import { readSystemLogs } from './system-logs.ts';

export const handler = createHttpHandler(adminRoutes, {
  systemLogs: async ({ query, request }) => {
    const page = await readSystemLogs(getLogReader(), query, request.now, getConfig().SYSTEM_LOG_RETENTION_DAYS);
    return reply.page(page.entries, paginationOf(page, query));
  },
});
