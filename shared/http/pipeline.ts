// The HTTP request pipeline every domain Lambda shares: request id + logs, error envelope (a throttled table is
// 503 with Retry-After), CORS and security headers, auth guard, rate limit, body parsing and zod validation, then
// the route's implementation, under its Idempotency-Key when the contract declares the route `idempotent`.
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from '../zod.ts';
import { randomUUID } from 'node:crypto';
import { getConfig } from '../config.ts';
import { getDb } from '../db/client.ts';
import { isThrottled } from '../db/errors.ts';
import { AppError, authenticationRequired, forbidden, validationError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { bearerToken, verifyAccessToken, type AuthUser } from '../auth/tokens.ts';
import { routeKey, type IdempotencySpec, type RouteDef } from './contract.ts';
import { idempotencyKeyOf, requestFingerprint, withIdempotency } from './idempotency.ts';
import type { MultipartBody, UploadedFile } from './multipart.ts';
import { consumeRateLimit, limitFor } from './rate-limit.ts';
import { HttpReply, reply } from './reply.ts';
import { createMetrics, currentMetrics, withMetrics, type Metrics } from '../observability/metrics.ts';
import { reportUnexpectedError } from '../observability/errors.ts';
import { Dimension, HttpMetric } from '../observability/metric-names.ts';

type Infer<S> = S extends z.ZodMiniType ? z.infer<S> : Record<string, never>;

export interface RequestInfo {
  id: string;
  ip: string;
  userAgent?: string;
  headers: Record<string, string | undefined>;
  now: Date;
}

export interface RouteInput<D extends RouteDef> {
  params: Infer<D['params']>;
  query: Infer<D['query']>;
  body: Infer<D['body']>;
  files: UploadedFile[];
  /** The body as it arrived (UTF-8), for routes that declare `rawBody`; empty otherwise. */
  rawBody: string;
  auth: D['access'] extends 'public' ? undefined : AuthUser;
  request: RequestInfo;
  log: Logger;
  /** The request's metric recorder (observability/metric-names.ts): record after the effect is committed. */
  metrics: Metrics;
}

export type RouteImplementation<D extends RouteDef> = (
  input: RouteInput<D>,
) => Promise<(D['response'] extends z.ZodMiniType ? z.input<D['response']> | z.input<D['response']>[] : unknown) | HttpReply>;

/** The route's answer data, rebuilt for a retry from the ids the first request stored. */
export type ReplayImplementation<D extends RouteDef> = (
  input: RouteInput<D> & { resourceIds: string[] },
) => Promise<D['response'] extends z.ZodMiniType ? z.input<D['response']> : unknown>;

/** What an `idempotent` route implements: the request itself, and how to answer a retry of it. */
export interface IdempotentRouteImplementation<D extends RouteDef> {
  run: RouteImplementation<D>;
  replay: ReplayImplementation<D>;
}

export type RouteImplementations<R extends Record<string, RouteDef>> = {
  [K in keyof R]: R[K] extends { idempotent: IdempotencySpec } ? IdempotentRouteImplementation<R[K]> : RouteImplementation<R[K]>;
};

type HttpEvent = APIGatewayProxyEventV2;
type HttpResult = APIGatewayProxyStructuredResultV2;

interface PipelineState {
  requestId: string;
  log: Logger;
  startedAt: number;
  origin?: string;
  metrics: Metrics;
  /** Known once the route is matched / the caller authenticated: for the metric line and an unexpected error's log. */
  route?: string;
  userId?: string;
  errorCode?: string;
}

const SECURITY_HEADERS: Record<string, string> = {
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cache-Control': 'no-store',
};

function allowedOrigins(): string[] {
  const config = getConfig();
  const raw = config.CORS_ORIGINS ?? config.APP_URL;
  return raw.split(',').map((o) => o.trim()).filter(Boolean);
}

function corsHeaders(origin: string | undefined): Record<string, string> {
  const origins = allowedOrigins();
  const allow = origins.includes('*') ? '*' : origin && origins.includes(origin) ? origin : undefined;
  if (!allow) return {};
  return {
    'Access-Control-Allow-Origin': allow,
    'Access-Control-Allow-Credentials': allow === '*' ? 'false' : 'true',
    'Access-Control-Expose-Headers': 'Retry-After, X-Request-Id, Content-Disposition, Idempotent-Replayed',
    Vary: 'Origin',
  };
}

export function errorEnvelope(err: AppError, requestId: string): HttpResult {
  return {
    statusCode: err.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...(err.headers ?? {}) },
    body: JSON.stringify({
      success: false,
      error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
      timestamp: new Date().toISOString(),
      requestId,
    }),
  };
}

/** First zod issue as the spec's `details: { field, issue }`. */
export function zodToAppError(error: z.core.$ZodError, where: 'params' | 'query' | 'body'): AppError {
  const issue = error.issues[0];
  const field = issue.path.length ? issue.path.join('.') : where;
  const message = `Invalid ${where === 'params' ? 'path parameter' : where === 'query' ? 'query parameter' : 'input'} "${field}": ${issue.message}`;
  return new AppError('VALIDATION_ERROR', message, {
    field,
    issue: issue.message,
    ...(error.issues.length > 1 ? { issues: error.issues.map((i) => ({ field: i.path.join('.') || where, issue: i.message })) } : {}),
  });
}

/** Seconds a client is asked to wait after a throttled request (the SDK has already backed off and retried). */
export const THROTTLED_RETRY_AFTER_SECONDS = 2;

function toAppError(err: unknown, state: PipelineState): AppError {
  const log = state.log;
  if (err instanceof AppError) return err;
  if (isThrottled(err)) {
    // Capacity, not a bug: the client may retry the same request (with its Idempotency-Key) shortly.
    log.warn('throttled by DynamoDB', { error: err });
    return new AppError(
      'SERVICE_UNAVAILABLE',
      `The service is busy right now. Retry in ${THROTTLED_RETRY_AFTER_SECONDS} s.`,
      { retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS },
      { 'Retry-After': String(THROTTLED_RETRY_AFTER_SECONDS) },
    );
  }
  reportUnexpectedError(state.userId ? log.child({ userId: state.userId }) : log, err, { route: state.route, metrics: state.metrics });
  return new AppError('INTERNAL_SERVER_ERROR', 'An unexpected error occurred');
}

function rawBody(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

async function parseBody(event: HttpEvent, route: RouteDef, parseMultipart: MultipartParser | undefined): Promise<{ body: unknown; files: UploadedFile[] }> {
  const contentType = event.headers['content-type'] ?? '';
  const raw = rawBody(event);
  if (route.multipart && parseMultipart && /^multipart\/form-data/i.test(contentType)) {
    const { fields, files } = await parseMultipart(raw, contentType, route.multipart);
    return { body: fields, files };
  }
  if (raw.length === 0) return { body: route.body ? {} : undefined, files: [] };
  if (route.multipart && !/json/i.test(contentType) && !route.body) {
    throw validationError('body', 'expected multipart/form-data');
  }
  try {
    return { body: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    throw new AppError('VALIDATION_ERROR', 'Request body is not valid JSON', { field: 'body', issue: 'malformed JSON' });
  }
}

/**
 * Browsers' forms send every field, filled or not (`?status=&search=`): an empty query parameter means "no
 * filter", as if it were absent.
 */
function withoutEmptyValues(query: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (!query) return undefined;
  return Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

function parseWith<S extends z.ZodMiniType | undefined>(schema: S, value: unknown, where: 'params' | 'query' | 'body') {
  if (!schema) return {};
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw zodToAppError(result.error, where);
  return result.data;
}

export type MultipartParser = (body: Buffer, contentType: string, spec: NonNullable<RouteDef['multipart']>) => Promise<MultipartBody>;

export interface HttpHandlerOptions {
  /**
   * The multipart/form-data parser (shared/http/multipart.ts, busboy), given only by the groups with a route
   * that takes one (files, tasks, users), so no other function bundles and loads it at cold start.
   */
  parseMultipart?: MultipartParser;
}

/**
 * Builds the Lambda handler of one endpoint group. `routes` is the group's contract, `implementations`
 * has one function per route (the compiler insists), keyed by the same names.
 */
export function createHttpHandler<R extends Record<string, RouteDef>>(routes: R, implementations: RouteImplementations<R>, options: HttpHandlerOptions = {}) {
  for (const route of Object.values(routes)) {
    if (route.multipart && !options.parseMultipart) {
      throw new Error(`${routeKey(route)} takes multipart/form-data: pass { parseMultipart } from shared/http/multipart.ts to createHttpHandler`);
    }
  }
  const table = new Map<string, { route: RouteDef; implement: RouteImplementation<RouteDef>; replay?: ReplayImplementation<RouteDef> }>();
  for (const [name, route] of Object.entries(routes)) {
    const implementation = implementations[name] as RouteImplementation<RouteDef> | IdempotentRouteImplementation<RouteDef>;
    if (route.idempotent) {
      // Keys are scoped to the caller, and a retry is answered by `replay`: both must exist.
      if (route.access === 'public') throw new Error(`${routeKey(route)} is idempotent but public: Idempotency-Key records are per user`);
      if (typeof implementation === 'function') throw new Error(`${routeKey(route)} is idempotent: implement it as { run, replay }`);
      table.set(routeKey(route), { route, implement: implementation.run, replay: implementation.replay });
    } else {
      table.set(routeKey(route), { route, implement: implementation as RouteImplementation<RouteDef> });
    }
  }
  const config = getConfig();
  const baseLog = createLogger({ service: Object.values(routes)[0]?.fn });

  const lambdaHandler = async (event: HttpEvent, context: Context & { gh?: PipelineState }): Promise<HttpResult> => {
    const state = context.gh!;
    const entry = table.get(event.routeKey);
    if (!entry) throw new AppError('NOT_FOUND', `No route for ${event.requestContext?.http?.method ?? ''} ${event.rawPath}`);
    const { route, implement, replay } = entry;
    state.route = routeKey(route);
    const now = new Date();
    const request: RequestInfo = {
      id: state.requestId,
      ip: event.requestContext?.http?.sourceIp ?? 'unknown',
      userAgent: event.headers['user-agent'],
      headers: event.headers,
      now,
    };

    // Public routes never look at the token: clients send their (maybe expired) access token with every
    // call, including the /auth/refresh that renews it, and functions with only public routes (health)
    // are not even granted the signing secret.
    const token = route.access === 'public' ? undefined : bearerToken(event.headers);
    const auth: AuthUser | undefined = token ? await verifyAccessToken(token) : undefined;
    state.userId = auth?.id;
    if (route.access !== 'public') {
      if (!auth) throw authenticationRequired();
      if (route.access !== 'authenticated' && auth.role !== route.access) {
        throw forbidden(`Only ${route.access}s may call ${route.method} ${route.path}`);
      }
    }
    if (route.rateLimit !== 'none') {
      const perIp = route.rateLimit === 'auth' || route.rateLimit === 'session' || !auth;
      await consumeRateLimit(getDb(), {
        cls: route.rateLimit,
        subject: perIp ? `ip:${request.ip}` : auth!.id,
        limit: limitFor(route.rateLimit, config),
        now,
      });
    }

    const params = parseWith(route.params, event.pathParameters, 'params');
    const query = parseWith(route.query, withoutEmptyValues(event.queryStringParameters), 'query');
    const parsed = route.rawBody ? { body: undefined, files: [] } : await parseBody(event, route, options.parseMultipart);
    const body = parseWith(route.body, parsed.body, 'body');
    const log = state.log.child({ route: routeKey(route), userId: auth?.id });
    const raw = route.rawBody ? rawBody(event).toString('utf8') : '';

    const input = { params, query, body, files: parsed.files, rawBody: raw, auth, request, log, metrics: state.metrics } as RouteInput<RouteDef>;
    const run = async () => {
      const result = await implement(input);
      return result instanceof HttpReply ? result : reply.ok(result, route.successStatus ?? 200);
    };
    const idempotencyKey = route.idempotent ? idempotencyKeyOf(event.headers) : undefined;
    const out =
      route.idempotent && replay && idempotencyKey && auth
        ? await withIdempotency({
            db: getDb(),
            scope: { userId: auth.id, route: routeKey(route), key: idempotencyKey },
            fingerprint: requestFingerprint({ params, query, body, files: parsed.files }),
            now,
            log,
            run,
            replay: (resourceIds) => replay({ ...input, resourceIds }),
            resourceIds: route.idempotent.resourceIds ?? ((data) => [(data as { id?: string } | undefined)?.id as string]),
          })
        : await run();
    const isJson = /json/i.test(out.headers['Content-Type'] ?? '');
    if (config.VALIDATE_RESPONSES && route.response && out.body && isJson && out.statusCode < 300) {
      const data = JSON.parse(out.body).data;
      const check = Array.isArray(data) && !(route.response instanceof z.ZodMiniArray) ? z.array(route.response).safeParse(data) : route.response.safeParse(data);
      if (!check.success) {
        throw new Error(`Response of ${routeKey(route)} breaks its contract: ${JSON.stringify(check.error.issues.slice(0, 3))}`);
      }
    }
    return { statusCode: out.statusCode, headers: out.headers, body: out.body, isBase64Encoded: out.isBase64Encoded };
  };

  const service = String(Object.values(routes)[0]?.fn ?? 'http');
  const pipeline = middy<HttpEvent, HttpResult, Error, Context & { gh?: PipelineState }>(lambdaHandler)
    .use({
      // Request id and structured log context for everything after.
      before: (request) => {
        const requestId = request.event.requestContext?.requestId ?? `req_${randomUUID()}`;
        request.context.gh = {
          requestId,
          log: baseLog.child({ requestId }),
          startedAt: Date.now(),
          origin: request.event.headers?.origin,
          metrics: currentMetrics(),
        };
      },
    })
    .use({
      // Headers on every response, success or error; runs last on the way out.
      after: (request) => decorate(request.response!, request.context.gh!, request.event),
      onError: (request) => {
        if (request.response) decorate(request.response, request.context.gh!, request.event);
      },
    })
    .use({
      // The error envelope; logs what was not an expected domain error.
      onError: (request) => {
        const state = request.context.gh!;
        const appError = toAppError(request.error, state);
        state.errorCode = appError.code;
        request.response = errorEnvelope(appError, state.requestId);
      },
    });
  // One metric recorder per request, current for the shared modules it calls (pushes, mail) too, and written
  // as the request's metric line when it is answered.
  return (event: HttpEvent, context: Context) => withMetrics(createMetrics(service), () => pipeline(event, context));
}

/** Requests, Latency and the status class by [Service] and [Service, Route]; ErrorResponses by [Service, ErrorCode]. */
function recordRequest(state: PipelineState, event: HttpEvent | undefined, status: number, durationMs: number): void {
  const { metrics } = state;
  const route = state.route ?? event?.routeKey ?? 'unmatched';
  const sets = [[Dimension.service], [Dimension.service, Dimension.route]];
  const dims = { [Dimension.route]: route };
  metrics.put(HttpMetric.requests, 'Count', 1, dims, sets);
  metrics.put(HttpMetric.latency, 'Milliseconds', durationMs, dims, sets);
  metrics.put(status >= 500 ? HttpMetric.status5xx : status >= 400 ? HttpMetric.status4xx : HttpMetric.status2xx, 'Count', 1, dims, sets);
  if (state.errorCode) metrics.put(HttpMetric.errorResponses, 'Count', 1, { [Dimension.errorCode]: state.errorCode }, [[Dimension.service, Dimension.errorCode]]);
  metrics.property('requestId', state.requestId);
  metrics.property('route', route);
  metrics.property('statusCode', status);
  metrics.property('errorCode', state.errorCode);
  metrics.property('userId', state.userId);
}

function decorate(response: HttpResult, state: PipelineState, event: HttpEvent): void {
  response.headers = { ...SECURITY_HEADERS, ...corsHeaders(state.origin), ...(response.headers ?? {}), 'X-Request-Id': state.requestId };
  const durationMs = Date.now() - state.startedAt;
  state.log.info('request', { status: response.statusCode, durationMs });
  recordRequest(state, event, response.statusCode ?? 200, durationMs);
}
