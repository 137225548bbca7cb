// Documentation of the Reference routes (the documents and the page served beside the API; see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

const document = (what: string, format: string, example: Record<string, unknown>): RouteDoc => ({
  description: `${what} as a JSON document (${format}), not in the envelope: generated from the contract by \`npm run openapi\` and served as committed. Public.`,
  success: { description: `The ${format} document`, contentType: 'application/json', schema: { type: 'object' }, example },
  errors: { 404: 'The document was not generated before this deployment (`npm run openapi` writes it into docs/, which the function ships).' },
});

export const referenceDocs: Record<string, RouteDoc> = {
  'GET /openapi.json': document('This HTTP API', 'OpenAPI 3.1', { openapi: '3.1.0', info: { title: 'GradHelper API', version: '1.0.0' }, paths: {} }),
  'GET /asyncapi.json': document('The WebSocket API', 'AsyncAPI 3.0', { asyncapi: '3.0.0', info: { title: 'GradHelper realtime API', version: '1.0.0' }, channels: {} }),
  'GET /docs': {
    description: 'The interactive API documentation: an HTML page that renders `./openapi.json` (try requests with an access token) and links `./asyncapi.json`. Public.',
    success: { description: 'The documentation page', contentType: 'text/html', schema: { type: 'string' }, example: '<!doctype html><html lang="en"><head><title>GradHelper API reference</title>…</head><body><div id="swagger-ui"></div>…</body></html>' },
  },
  'GET /docs/assets/{asset}': {
    description:
      "One of the page's own files (Swagger UI's script and style sheet, the page's script, style sheet and icon), served by the API so the page needs no other host. With `v` equal to the file's current hash (the page adds it) the answer may be cached for good (`immutable`); otherwise it is revalidated by ETag. A name outside the list is a 400. Public.",
    params: {
      asset: 'The file name, one of the fixed list (`swagger-ui-bundle.js`, `swagger-ui.css`, `favicon-32x32.png`, `reference.js`, `reference.css`).',
      v: "The file's content hash, as the page writes it into its asset URLs; when it matches, the answer is cacheable for a year (`immutable`).",
    },
    success: { description: 'The file (JavaScript, CSS or PNG)', contentType: 'text/javascript', schema: { type: 'string' }, example: '/* swagger-ui-bundle.js */' },
  },
};
