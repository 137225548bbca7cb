// Routes of the reference endpoint group: the API's own description, served by the API it describes. The
// OpenAPI and AsyncAPI documents (`npm run openapi` writes them into docs/), and an interactive page (Swagger
// UI, served from our own files, so it works offline and under a strict content security policy) whose "Try it
// out" calls this same API. Public and unmetered: static files from the function's memory, no table involved.
import * as z from '../zod.ts';
import { defineRoute, type RouteDef } from '../http/contract.ts';

/**
 * Every file the page loads under /docs/assets/, by the name it is served as, and where it comes from in the
 * project. The function ships exactly these beside its bundle (infra/bundling.ts) and serves nothing else.
 */
export const DOCS_ASSETS = {
  'swagger-ui-bundle.js': 'node_modules/swagger-ui-dist/swagger-ui-bundle.js',
  'swagger-ui.css': 'node_modules/swagger-ui-dist/swagger-ui.css',
  'favicon-32x32.png': 'node_modules/swagger-ui-dist/favicon-32x32.png',
  'reference.js': 'functions/reference/page/reference.js',
  'reference.css': 'functions/reference/page/reference.css',
} as const;
export type DocsAsset = keyof typeof DOCS_ASSETS;

/** The documents and the page itself, with where each comes from; the documents are written by `npm run openapi`. */
export const REFERENCE_DOCUMENTS = {
  'openapi.json': 'docs/openapi.json',
  'asyncapi.json': 'docs/asyncapi.json',
  'index.html': 'functions/reference/page/index.html',
} as const;
export type ReferenceDocument = keyof typeof REFERENCE_DOCUMENTS;

/** `?v=` is the content hash the page puts on each asset URL: a matching one may be cached for good. */
const VersionQuery = z.object({ v: z.optional(z.string().check(z.maxLength(64))) });

export const referenceRoutes = {
  openapi: defineRoute({
    method: 'GET',
    path: '/openapi.json',
    fn: 'reference',
    access: 'public',
    rateLimit: 'none',
    summary: 'This API described in OpenAPI 3.1 (application/json, not in the envelope)',
  }),
  asyncapi: defineRoute({
    method: 'GET',
    path: '/asyncapi.json',
    fn: 'reference',
    access: 'public',
    rateLimit: 'none',
    summary: 'The WebSocket API (events and client actions) described in AsyncAPI 3 (application/json, not in the envelope)',
  }),
  page: defineRoute({
    method: 'GET',
    path: '/docs',
    fn: 'reference',
    access: 'public',
    rateLimit: 'none',
    summary: 'Interactive API reference (HTML): every operation, with "Try it out" against this API using a bearer token',
  }),
  asset: defineRoute({
    method: 'GET',
    path: '/docs/assets/{asset}',
    fn: 'reference',
    access: 'public',
    rateLimit: 'none',
    summary: "A script, style sheet or icon of the reference page (one of a fixed list); immutable when `v` is the file's current hash",
    params: z.object({ asset: z.enum(Object.keys(DOCS_ASSETS) as [DocsAsset, ...DocsAsset[]]) }),
    query: VersionQuery,
  }),
} satisfies Record<string, RouteDef>;

/** The folder beside the function's bundle that holds every file above, under the name it is served as. */
export const REFERENCE_SIDE_DIR = 'reference';
