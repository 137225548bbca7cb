import { reportsRoutes } from '#shared/contract/reports.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import { getStorage } from '#shared/storage/s3.ts';
import { getConfig } from '#shared/config.ts';
import { makeTaskReport } from './report.ts';

export const handler = createHttpHandler(reportsRoutes, {
  taskReport: async ({ query, request, log }) => {
    const config = getConfig();
    const report = await makeTaskReport(
      { db: getDb(), storage: getStorage(), now: request.now, log, maxRows: config.REPORT_MAX_ROWS, currency: config.BILLING_DEFAULT_CURRENCY },
      query,
    );
    return reply.redirect(report.url);
  },
});
