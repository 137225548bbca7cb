// Documentation of the Reference routes (the documents and the page served beside the API; see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

const document = (what: string, format: string): RouteDoc => ({
  description: `${what} as a JSON document (${format}), not in the envelope: generated from the contract by \`npm run openapi\` and served as committed. Public.`,
  success: { description: `The ${format} document`, contentType: 'application/json', schema: { type: 'object' } },
});

export const referenceDocs: Record<string, RouteDoc> = {
  'GET /openapi.json': document('This HTTP API', 'OpenAPI 3.1'),
  'GET /asyncapi.json': document('The WebSocket API', 'AsyncAPI 3.0'),
  'GET /docs': {
    description: 'The interactive API documentation: an HTML page that renders `./openapi.json` (try requests with an access token) and links `./asyncapi.json`. Public.',
    success: { description: 'The documentation page', contentType: 'text/html', schema: { type: 'string' } },
  },
};
