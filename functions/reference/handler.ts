import { referenceRoutes } from '#shared/contract/reference.ts';
import { createHttpHandler, type RequestInfo } from '#shared/http/pipeline.ts';
import { HttpReply } from '#shared/http/reply.ts';
import { AppError } from '#shared/errors.ts';
import { createSite, type SiteFileName } from './site.ts';

const site = createSite();

/** A file as a raw answer (no envelope: browsers and OpenAPI tools read these directly). */
function serve(name: SiteFileName, request: RequestInfo, version?: string): HttpReply {
  const answer = site.answer(name, {
    ifNoneMatch: request.headers['if-none-match'],
    acceptEncoding: request.headers['accept-encoding'],
    version,
  });
  if (!answer) throw new AppError('NOT_FOUND', `${name} is not part of this deployment (npm run openapi writes it)`);
  return new HttpReply(answer.status, answer.body?.toString('base64'), answer.headers, answer.body !== undefined);
}

export const handler = createHttpHandler(referenceRoutes, {
  openapi: async ({ request }) => serve('openapi.json', request),
  asyncapi: async ({ request }) => serve('asyncapi.json', request),
  page: async ({ request }) => serve('index.html', request),
  asset: async ({ params, query, request }) => serve(params.asset, request, query.v),
});
