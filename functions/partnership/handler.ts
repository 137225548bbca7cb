import { partnershipRoutes } from '#shared/contract/partnership.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { notify } from '#shared/notify/notify.ts';
import { defaultNotifyDeps } from '#shared/notify/deps.ts';
import { cancelPartnershipRequest, listPartnershipRequests, loadRequestFor, requestView, submitPartnershipRequest } from './requests.ts';
import { reviewPartnershipRequest } from './review.ts';
import { announceDecision, announceNewRequest, type PartnershipNoticeDeps } from './notices.ts';

const noticeDeps = (log: Logger): PartnershipNoticeDeps => {
  const notifyDeps = defaultNotifyDeps(log);
  return { db: getDb(), notify: (input) => notify(notifyDeps, input), log };
};

export const handler = createHttpHandler(partnershipRoutes, {
  submitPartnershipRequest: {
    run: async ({ auth, body, request, log }) => {
      const created = await submitPartnershipRequest(getDb(), auth, body, request.now);
      await announceNewRequest(noticeDeps(log), created);
      return reply.created(requestView(created));
    },
    // A retry with the same Idempotency-Key answers the request as it is now (a cancelled one is gone: 409).
    replay: async ({ auth, resourceIds: [requestId] }) => requestView(await loadRequestFor(getDb(), auth, requestId)),
  },
  listPartnershipRequests: async ({ auth, query }) => {
    const page = await listPartnershipRequests(getDb(), auth, query);
    return reply.page(page.items.map(requestView), paginationOf(page, query));
  },
  getPartnershipRequest: async ({ auth, params }) => requestView(await loadRequestFor(getDb(), auth, params.requestId)),
  reviewPartnershipRequest: async ({ auth, params, body, request, log }) => {
    const reviewed = await reviewPartnershipRequest(getDb(), auth, params.requestId, body, request.now);
    await announceDecision(noticeDeps(log), reviewed);
    return requestView(reviewed);
  },
  cancelPartnershipRequest: async ({ auth, params, request }) => {
    await cancelPartnershipRequest(getDb(), auth, params.requestId, request.now);
    return { id: params.requestId, cancelled: true as const };
  },
});
