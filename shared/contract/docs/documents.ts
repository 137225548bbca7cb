// Both published documents, as `npm run openapi` writes them and the tests expect them.
import { allRoutes } from '../index.ts';
import { buildOpenApi } from '../../http/openapi.ts';
import { buildAsyncApi } from '../../realtime/asyncapi.ts';
import { apiReference } from './index.ts';

/** The spec's base URLs (production, development). */
export const SERVERS = [
  { url: 'https://api.gradhelper.com/v1', description: 'Production (the spec\'s host; a deployment\'s own URL is the stack output `HttpApiUrl`)' },
  { url: 'http://localhost:3001/api/v1', description: 'Local stack (`npm start`)' },
];

export function buildDocuments(routes = allRoutes) {
  return { openapi: buildOpenApi(routes, SERVERS, apiReference), asyncapi: buildAsyncApi() };
}
