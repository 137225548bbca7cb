import { analyticsRoutes } from '#shared/contract/analytics.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { getDb } from '#shared/db/client.ts';
import { getConfig } from '#shared/config.ts';
import type { Currency } from '#shared/db/entities/bill.ts';
import { dashboard, revenueSeries, taskSeries, taskStatistics, userStatistics } from './stats.ts';

/** Revenue is per currency; a request that names none reads the deployment's default (BILLING_DEFAULT_CURRENCY). */
const currencyOf = (q: { currency?: string }) => (q.currency ?? getConfig().BILLING_DEFAULT_CURRENCY) as Currency;

export const handler = createHttpHandler(analyticsRoutes, {
  getDashboard: ({ query, request }) => dashboard(getDb(), request.now, currencyOf(query)),
  getTaskAnalytics: ({ query, request }) => taskSeries(getDb(), request.now, query),
  getRevenueAnalytics: ({ query, request }) => revenueSeries(getDb(), request.now, query, currencyOf(query)),
  getUserStatistics: ({ request }) => userStatistics(getDb(), request.now),
  getTaskStatistics: ({ request }) => taskStatistics(getDb(), request.now),
});
