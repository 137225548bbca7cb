// Builds the OpenAPI 3.1 document from the contract, so the published API description cannot drift from the routes.
// The contract gives the shapes (zod schemas, access, rate-limit class, idempotency); the documentation modules
// (shared/contract/docs/, never bundled into a function) give the words: descriptions, spec examples, the
// errors a route adds to the ones its shape implies. Only `z.toJSONSchema` is called on contract schemas, which
// reads classic and zod/mini schemas alike.
import * as z from '../zod.ts';
import type { ErrorCode } from '../errors.ts';
import { Pagination, routeKey, type RouteDef } from './contract.ts';
import { exampleOf, overlay, EXAMPLE_TIME, type JsonSchema } from './schema-example.ts';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;

/** How the success answer differs from the JSON envelope (redirects, files, pages, raw documents). */
export interface SuccessDoc {
  status?: number;
  description?: string;
  /** Media type of a body that is not the JSON envelope (e.g. 'text/html'); `schema`/`example` describe it. */
  contentType?: string;
  schema?: JsonSchema;
  example?: unknown;
  /** A 3xx answer: what `Location` points at. */
  location?: string;
  /** Another status the same answer may come with (a get-or-create: 201 when created, 200 after). */
  alsoStatus?: number;
  /** Further media types the same status may answer with. */
  alternatives?: Record<string, { schema: JsonSchema; example?: unknown }>;
}

/** The documentation of one route, keyed by its route key (`'POST /tasks'`) in shared/contract/docs/. */
export interface RouteDoc {
  /** Markdown: what the route does, its rules, what it costs. */
  description: string;
  /** Descriptions of path, query and header parameters by name (over the common ones: page, limit, ids, ...). */
  params?: Record<string, string>;
  /** Laid over the example made from the body schema (see `overlay`): the spec's example, adapted. */
  requestExample?: unknown;
  /** Laid over the example made from the response schema: `data` of the envelope. */
  responseExample?: unknown;
  /** Errors this route gives beyond the ones its shape implies, or the reason for an implied one, by status. */
  errors?: Partial<Record<ErrorStatus, string>>;
  success?: SuccessDoc;
  /** `data` is an array of `response` items without pagination (a short list such as the active announcements). */
  array?: boolean;
  /** Top-level members of the success envelope beside `data` and `pagination` (e.g. `unreadCount`). */
  envelopeExtras?: Record<string, { schema: JsonSchema; example: unknown }>;
  /** A multipart route that also takes its `body` as JSON (e.g. file ids instead of files). */
  alsoJson?: boolean;
  /** The success answer is a page: `data` is an array of `response` items plus `pagination`. Default: the query takes `cursor`. */
  paged?: boolean;
}

export interface ApiReference {
  /** The spec's sections, in order, each a tag. */
  tags: { name: string; description: string }[];
  /** The spec section a route belongs to; undefined for a route no section claims (the tests refuse it). */
  tagOf(route: RouteDef): string | undefined;
  docs: Record<string, RouteDoc>;
  /** Markdown for `info.description`. */
  description: string;
  /**
   * Names for response schemas many routes share (`TaskDetail` -> `Task`): they become components/schemas, so
   * typed clients get one named type and the document one copy.
   */
  schemaNames?: Map<z.core.$ZodType, string>;
}

const codeByStatus: Record<ErrorStatus, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'AUTHENTICATION_REQUIRED',
  403: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMIT_EXCEEDED',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

const ERROR_STATUSES = Object.keys(codeByStatus).map(Number) as ErrorStatus[];

const errorMessages: Record<ErrorStatus, { message: string; details?: Record<string, unknown> }> = {
  400: { message: 'Invalid input "email": Invalid email address', details: { field: 'email', issue: 'Invalid email address' } },
  401: { message: 'Authentication required' },
  403: { message: 'You are not allowed to do this' },
  404: { message: 'Task not found' },
  409: { message: 'The task changed meanwhile', details: { currentStatus: 'completed' } },
  413: { message: 'The file is larger than 4194304 bytes', details: { field: 'files' } },
  429: { message: 'Too many requests: at most 100 per minute. Retry in 12 s.', details: { retryAfterSeconds: 12 } },
  500: { message: 'An unexpected error occurred' },
  503: { message: 'The service is busy right now. Retry in 2 s.', details: { retryAfterSeconds: 2 } },
};

/** Component name of the error envelope of one status: `NotFoundError` for 404. */
const errorSchemaName = (status: ErrorStatus) =>
  codeByStatus[status]
    .toLowerCase()
    .replace(/(^|_)(\w)/g, (_, _sep: string, c: string) => c.toUpperCase())
    .replace(/Error$/, '') + 'Error';

/** The spec's error envelope with `error.code` fixed to one code (one component per status). */
const errorEnvelope = (code: ErrorCode) => ({
  type: 'object',
  description: `The spec's error envelope, here with \`error.code\` \`${code}\`. \`error.code\` is stable; \`error.message\` is written for people.`,
  required: ['success', 'error', 'timestamp', 'requestId'],
  properties: {
    success: { const: false },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { const: code },
        message: { type: 'string' },
        details: {
          type: 'object',
          description: 'Machine-readable context: `field` and `issue` for a validation error, `currentStatus` for a conflict, `retryAfterSeconds`, ...',
          additionalProperties: true,
        },
      },
    },
    timestamp: { type: 'string', format: 'date-time' },
    requestId: { type: 'string', description: 'Also sent as the `X-Request-Id` header; quote it when reporting a problem.' },
  },
});

const retryAfterHeader = { $ref: '#/components/headers/Retry-After' };
const requestIdHeader = { $ref: '#/components/headers/X-Request-Id' };

/**
 * zod spells `format: date-time` out as a 300-character `pattern` as well, on every time field; the format says
 * the same to readers and generators, and without the copies the document is a fraction of its size.
 */
function withoutFormatPatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutFormatPatterns);
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'pattern' && (node as JsonSchema).format === 'date-time') continue;
    out[key] = withoutFormatPatterns(value);
  }
  return out;
}

function schemaOf(schema: z.core.$ZodType | undefined, io: 'input' | 'output'): JsonSchema | undefined {
  if (!schema) return undefined;
  try {
    const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    return withoutFormatPatterns(json) as JsonSchema;
  } catch {
    return {};
  }
}

const pathIdsOf = (route: RouteDef) => route.path.match(/\{(\w+)\}/g)?.map((p) => p.slice(1, -1)) ?? [];

/** Words for parameters many routes share; a route's documentation may say more. */
function commonParamDescription(name: string, where: 'path' | 'query'): string | undefined {
  if (where === 'path') {
    const what = name.replace(/Id$/, '').replace(/([A-Z])/g, ' $1').toLowerCase();
    return `The ${what}'s id, as the API returned it (prefixed, e.g. \`${name === 'userId' ? 'user' : name === 'deliverableId' ? 'deliv' : name === 'messageId' ? 'msg' : name === 'notificationId' ? 'notif' : name === 'requestId' ? 'preq' : name === 'meetingId' ? 'meet' : name.replace(/Id$/, '')}_01J...\`).`;
  }
  const common: Record<string, string> = {
    page: 'The spec\'s page number (1-50). Costs one read per skipped page; prefer `cursor`.',
    limit: 'Items per page (1-100, default 20).',
    cursor: 'The `pagination.nextCursor` of the previous page (opaque); continues the list where it stopped.',
    search: 'Case-insensitive substring to look for.',
    dateFrom: 'Start of the range: a date (`2025-01-15`, from 00:00:00Z) or an ISO-8601 time.',
    dateTo: 'End of the range, inclusive: a date (`2025-01-31`, its whole day) or an ISO-8601 time. Not before `dateFrom`.',
    sortOrder: '`asc` or `desc` (default `desc`).',
  };
  return common[name];
}

function parametersOf(route: RouteDef, doc: RouteDoc | undefined) {
  const params: Record<string, unknown>[] = [];
  const describe = (name: string, where: 'path' | 'query') => doc?.params?.[name] ?? commonParamDescription(name, where);
  const pathSchema = schemaOf(route.params, 'input');
  for (const name of pathIdsOf(route)) {
    params.push({ name, in: 'path', required: true, description: describe(name, 'path'), schema: pathSchema?.properties?.[name] ?? { type: 'string' } });
  }
  const querySchema = schemaOf(route.query, 'input');
  for (const [name, schema] of Object.entries<JsonSchema>(querySchema?.properties ?? {})) {
    params.push({ name, in: 'query', required: querySchema?.required?.includes(name) ?? false, description: describe(name, 'query'), schema });
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
  for (const [name, description] of Object.entries(doc?.params ?? {})) {
    if (!params.some((p) => p.name === name) && /^[A-Z]/.test(name)) {
      params.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
    }
  }
  return params;
}

/** The errors a route can give, from its shape, plus the ones its documentation adds; each status with why. */
/** What each error means wherever it comes from: the shared responses' descriptions. */
const GENERIC_REASON: Record<ErrorStatus, string> = {
  400: 'A path parameter, query parameter or body field is invalid: `details.field` names it, `details.issue` says why.',
  401: 'No access token, or an invalid or expired one: refresh it (`POST /auth/refresh`) and retry.',
  403: 'The caller may not do this.',
  404: 'No such resource, or not one the caller may see.',
  409: 'The `Idempotency-Key` was used with another request, or its first request is still running (`Retry-After`).',
  413: 'A file is larger than the route allows, the request is over its size limit, or (uploads) the student is over the storage quota.',
  429: 'Over the rate limit; wait `Retry-After` seconds.',
  500: 'An unexpected error; logged with the request id.',
  503: 'The database is throttling requests (retry after `Retry-After` seconds, with the same `Idempotency-Key` for creates).',
};

export function errorStatusesOf(route: RouteDef, doc: RouteDoc | undefined): Map<ErrorStatus, string> {
  const out = new Map<ErrorStatus, string>();
  const ids = pathIdsOf(route);
  const takesInput = ids.length > 0 || route.query || route.body || route.multipart || route.rawBody;
  if (takesInput) out.set(400, GENERIC_REASON[400]);
  if (route.access !== 'public') out.set(401, GENERIC_REASON[401]);
  if (route.access === 'admin' || route.access === 'student') out.set(403, `Only ${route.access}s may call this route.`);
  if (ids.length > 0) out.set(404, `No such ${ids.map((id) => id.replace(/Id$/, '')).join(' or ')}, or not one the caller may see.`);
  if (route.idempotent) out.set(409, GENERIC_REASON[409]);
  if (route.multipart) out.set(413, GENERIC_REASON[413]);
  if (route.rateLimit !== 'none') {
    const per = route.rateLimit === 'auth' || route.rateLimit === 'session' ? 'IP address' : 'user';
    out.set(429, `Over the \`${route.rateLimit}\` rate limit (per ${per}); wait \`Retry-After\` seconds.`);
  }
  out.set(500, GENERIC_REASON[500]);
  out.set(503, GENERIC_REASON[503]);
  for (const [status, why] of Object.entries(doc?.errors ?? {})) {
    const s = Number(status) as ErrorStatus;
    out.set(s, out.has(s) ? `${out.get(s)} ${why}` : why);
  }
  return new Map([...out].sort(([a], [b]) => a - b));
}

/** The shared error response of one status (components/responses), with an example of its envelope. */
function errorComponent(status: ErrorStatus) {
  const code = codeByStatus[status];
  const { message, details } = errorMessages[status];
  return {
    description: `\`${code}\`: ${GENERIC_REASON[status]}`,
    headers: { 'X-Request-Id': requestIdHeader, ...(status === 409 || status === 429 || status === 503 ? { 'Retry-After': retryAfterHeader } : {}) },
    content: {
      'application/json': {
        schema: { $ref: `#/components/schemas/${errorSchemaName(status)}` },
        example: { success: false, error: { code, message, ...(details ? { details } : {}) }, timestamp: EXAMPLE_TIME, requestId: 'req_3f1c8a9e-52b4-4c27-9d0e-7a1b2c3d4e5f' },
      },
    },
  };
}

/** A route's error response: the shared one, with the reasons this route gives it (OpenAPI 3.1 lets a $ref carry its own description). */
const errorResponse = (status: ErrorStatus, why: string) => ({
  $ref: `#/components/responses/${errorSchemaName(status)}`,
  ...(why === GENERIC_REASON[status] ? {} : { description: `\`${codeByStatus[status]}\`: ${why}` }),
});

/** `GET /tasks/{taskId}/deliverables` -> `getTasksTaskIdDeliverables`: unique, stable, URL-safe. */
export function operationIdOf(route: Pick<RouteDef, 'method' | 'path'>): string {
  const words = route.path
    .split(/[/{}.\-_]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1));
  return route.method.toLowerCase() + words.join('');
}

const isPaged = (route: RouteDef, doc: RouteDoc | undefined, query: JsonSchema | undefined) =>
  doc?.paged ?? Boolean(query?.properties?.cursor && route.method === 'GET');

function successResponse(route: RouteDef, doc: RouteDoc | undefined, schemaName: string | undefined) {
  const status = String(doc?.success?.status ?? route.successStatus ?? 200);
  const success = doc?.success;
  if (success?.location || /^3/.test(status)) {
    return [status, { description: success?.description ?? 'Redirect', headers: { Location: { description: success?.location ?? 'Where to go', schema: { type: 'string', format: 'uri' } }, 'X-Request-Id': requestIdHeader } }] as const;
  }
  if (success?.contentType) {
    const content: Record<string, unknown> = {
      [success.contentType]: { schema: success.schema ?? {}, ...(success.example !== undefined ? { example: success.example } : {}) },
    };
    for (const [type, alt] of Object.entries(success.alternatives ?? {})) content[type] = { schema: alt.schema, ...(alt.example !== undefined ? { example: alt.example } : {}) };
    return [status, { description: success.description ?? 'Success', headers: { 'X-Request-Id': requestIdHeader }, content }] as const;
  }
  const item = schemaOf(route.response, 'output');
  const paged = isPaged(route, doc, schemaOf(route.query, 'input'));
  // A paged route declares its item (or, for some, the array itself) as `response`.
  const list = (paged || doc?.array) && item?.type !== 'array';
  const named = schemaName ? { $ref: `#/components/schemas/${schemaName}` } : item;
  const data = list ? { type: 'array', items: named ?? {} } : (named ?? {});
  const dataExample = overlay(exampleOf(list ? { type: 'array', items: item } : item), list && doc?.responseExample !== undefined && !Array.isArray(doc.responseExample) ? [doc.responseExample] : doc?.responseExample);
  const extras = Object.entries(doc?.envelopeExtras ?? {});
  const example = {
    success: true,
    data: dataExample,
    ...(paged ? { pagination: { limit: 20, nextCursor: 'eyJwayI6IlRBU0sjMDFKSEszVjdROVpQNE0yWDhXNVQ2UjBCQ0QifQ', hasMore: true } } : {}),
    ...Object.fromEntries(extras.map(([name, extra]) => [name, extra.example])),
  };
  return [
    status,
    {
      description: success?.description ?? (paged ? 'A page of results, with `pagination`' : 'Success'),
      headers: { 'X-Request-Id': requestIdHeader },
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['success', 'data', ...(paged ? ['pagination'] : []), ...extras.map(([name]) => name)],
            properties: {
              success: { const: true },
              data,
              ...(paged ? { pagination: { $ref: '#/components/schemas/Pagination' } } : {}),
              ...Object.fromEntries(extras.map(([name, extra]) => [name, extra.schema])),
            },
          },
          example,
        },
      },
    },
  ] as const;
}

/** The example of a route's request body: the body schema's example with the documentation's laid over it. */
export function requestExampleOf(route: RouteDef, doc: RouteDoc | undefined): unknown {
  return overlay(exampleOf(schemaOf(route.body, 'input')), doc?.requestExample);
}

function accessSentence(route: RouteDef): string {
  switch (route.access) {
    case 'public':
      return 'Access: public (no token).';
    case 'authenticated':
      return 'Access: any signed-in user.';
    default:
      return `Access: ${route.access}s only.`;
  }
}

function rateSentence(route: RouteDef): string {
  if (route.rateLimit === 'none') return 'Not rate limited.';
  return `Rate limit class: \`${route.rateLimit}\`.`;
}

export function buildOperation(route: RouteDef, reference?: ApiReference) {
  const doc = reference?.docs[routeKey(route)];
  const tag = reference?.tagOf(route);
  const body = schemaOf(route.body, 'input');
  const schemaName = route.response ? reference?.schemaNames?.get(route.response) : undefined;
  const [status, success] = successResponse(route, doc, schemaName);
  const errors = Object.fromEntries([...errorStatusesOf(route, doc)].map(([s, why]) => [String(s), errorResponse(s, why)]));
  const operation: Record<string, unknown> = {
    operationId: operationIdOf(route),
    summary: route.summary,
    ...(doc ? { description: `${doc.description}\n\n${accessSentence(route)} ${rateSentence(route)}${route.idempotent ? ' Honours `Idempotency-Key`.' : ''}` } : {}),
    ...(tag ? { tags: [tag] } : {}),
    'x-access': route.access,
    'x-rate-limit': route.rateLimit,
    security: route.access === 'public' ? [] : [{ bearer: [] }],
    parameters: parametersOf(route, doc),
    responses: { [status]: success, ...(doc?.success?.alsoStatus ? { [String(doc.success.alsoStatus)]: success } : {}), ...errors },
  };
  if (body || route.multipart) {
    const example = requestExampleOf(route, doc);
    operation.requestBody = {
      required: true,
      content: route.multipart
        ? {
            'multipart/form-data': {
              schema: {
                ...(body ?? { type: 'object' }),
                properties: {
                  ...(body?.properties ?? {}),
                  ...Object.fromEntries(
                    route.multipart.fileFields.map((f) => [
                      f,
                      route.multipart!.maxFiles > 1
                        ? { type: 'array', maxItems: route.multipart!.maxFiles, items: { type: 'string', contentMediaType: 'application/octet-stream' } }
                        : { type: 'string', contentMediaType: 'application/octet-stream' },
                    ]),
                  ),
                },
              },
            },
            ...(body && doc?.alsoJson ? { 'application/json': { schema: body, example } } : {}),
          }
        : { 'application/json': { schema: body, example } },
    };
  } else if (route.rawBody) {
    operation.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object', description: 'The event exactly as Stripe signed it.' } } } };
  }
  return operation;
}

/**
 * The OpenAPI 3.1 document of `routes`, served at `servers` (a base URL, or several with descriptions). Without `reference` it has the shapes only (summaries, parameters,
 * schemas, derived errors); with it, the descriptions, tags and examples of the documentation modules.
 */
export function buildOpenApi(routes: RouteDef[], servers: string | { url: string; description?: string }[], reference?: ApiReference) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method.toLowerCase()] = buildOperation(route, reference);
  return {
    openapi: '3.1.0',
    info: {
      title: 'GradHelper API',
      version: '1.0.0',
      ...(reference ? { description: reference.description } : {}),
      contact: { name: 'GradHelper backend team' },
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: typeof servers === 'string' ? [{ url: servers, description: 'This API' }] : servers,
    ...(reference ? { tags: reference.tags } : {}),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The 15-minute access token from `POST /auth/login`, `/auth/register`, `/auth/google` or `/auth/refresh`.' },
      },
      schemas: {
        ...Object.fromEntries(ERROR_STATUSES.map((s) => [errorSchemaName(s), errorEnvelope(codeByStatus[s])])),
        Pagination: schemaOf(Pagination, 'output'),
        ...Object.fromEntries([...(reference?.schemaNames ?? [])].map(([schema, name]) => [name, schemaOf(schema, 'output')])),
      },
      responses: Object.fromEntries(ERROR_STATUSES.map((s) => [errorSchemaName(s), errorComponent(s)])),
      headers: {
        'Retry-After': { description: 'Seconds to wait before retrying (429, 503; 409 while the first request of an `Idempotency-Key` still runs).', schema: { type: 'integer', minimum: 0 } },
        'X-Request-Id': { description: 'The request id, also in error envelopes and the logs.', schema: { type: 'string' } },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
