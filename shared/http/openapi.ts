// Builds the OpenAPI 3.1 document from the contract, so the published API description cannot drift from the routes.
import * as z from '../zod.ts';
import type { RouteDef } from './contract.ts';

const ErrorEnvelope = {
  type: 'object',
  required: ['success', 'error', 'timestamp', 'requestId'],
  properties: {
    success: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } },
    },
    timestamp: { type: 'string', format: 'date-time' },
    requestId: { type: 'string' },
  },
};

function schemaOf(schema: z.ZodMiniType | undefined, io: 'input' | 'output') {
  if (!schema) return undefined;
  try {
    return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  } catch {
    return {};
  }
}

function parametersOf(route: RouteDef) {
  const params: unknown[] = [];
  const pathSchema = schemaOf(route.params, 'input') as { properties?: Record<string, unknown> } | undefined;
  for (const name of route.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? []) {
    params.push({ name, in: 'path', required: true, schema: pathSchema?.properties?.[name] ?? { type: 'string' } });
  }
  const querySchema = schemaOf(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  for (const [name, schema] of Object.entries(querySchema?.properties ?? {})) {
    params.push({ name, in: 'query', required: querySchema?.required?.includes(name) ?? false, schema });
  }
  if (route.idempotent) {
    params.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'A unique key per operation (a UUID): the same key and request within 24 h answer as the first request did, without a second write (header Idempotent-Replayed: true); the same key with another request, or while the first is still running, is 409.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' },
    });
  }
  return params;
}

export function buildOpenApi(routes: RouteDef[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const data = schemaOf(route.response, 'output') ?? {};
    const body = schemaOf(route.body, 'input');
    const operation: Record<string, unknown> = {
      summary: route.summary,
      tags: [route.fn],
      'x-access': route.access,
      'x-rate-limit': route.rateLimit,
      ...(route.access === 'public' ? { security: [] } : {}),
      parameters: parametersOf(route),
      responses: {
        [String(route.successStatus ?? 200)]: {
          description: 'Success',
          content: { 'application/json': { schema: { type: 'object', properties: { success: { const: true }, data } } } },
        },
        default: { description: 'Error', content: { 'application/json': { schema: ErrorEnvelope } } },
      },
    };
    if (body || route.multipart) {
      operation.requestBody = {
        required: true,
        content: route.multipart
          ? { 'multipart/form-data': { schema: { ...(body ?? { type: 'object' }), 'x-file-fields': route.multipart.fileFields } } }
          : { 'application/json': { schema: body } },
      };
    }
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'GradHelper API', version: '1.0.0' },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
