// The local API Gateway: serves the contract's HTTP routes under /api/v1 by invoking the same handler
// modules the Lambdas bundle, answers CORS preflights as the HTTP API does, and hosts extra endpoints
// (WebSocket upgrades, the Management API, webhooks) that other local emulators register.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { FunctionName, RouteDef } from '../../shared/http/contract.ts';
import { compileRoutes, matchRoute } from './routes.ts';
import { runAsFunction } from './logs.ts';

export const API_BASE_PATH = '/api/v1';
/** The function infra/ targets with the HTTP API's `$default` (catch-all) route. */
const NOT_FOUND_FUNCTION = 'system';
/** API Gateway HTTP API's request payload limit. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const handlerCache = new Map<string, Promise<Handler>>();

/** Imports functions/<fn>/<file>.ts once and returns its `handler` export (what the Lambda runs). */
export function loadHandler(fn: string, file = 'handler'): Promise<Handler> {
  const key = `${fn}/${file}`;
  let loaded = handlerCache.get(key);
  if (!loaded) {
    // Each invocation runs as that function, so its log lines are filed under it (infra/local/logs.ts).
    loaded = import(pathToFileURL(join(projectRoot, 'functions', fn, `${file}.ts`)).href).then((m) => {
      const handler = m.handler as Handler;
      return (event: unknown, context: Context) => runAsFunction(fn, () => handler(event, context));
    });
    handlerCache.set(key, loaded);
  }
  return loaded;
}

export function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 29_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Another local emulator's hook into the gateway: an HTTP path prefix it serves, or WebSocket upgrades. */
export interface GatewayExtension {
  /** Return true when the request was handled. */
  handleRequest?(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean>;
  /** Return true when the upgrade was handled. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close?(): Promise<void>;
}

export interface GatewayOptions {
  port: number;
  host?: string;
  routes: RouteDef[];
  extensions?: GatewayExtension[];
  /** Called once per HTTP API request, for the console of `npm start`. */
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

export interface Gateway {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(c);
    });
    req.on('end', () => (size > MAX_REQUEST_BYTES ? reject(new PayloadTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

class PayloadTooLarge extends Error {}

function envelope(res: ServerResponse, status: number, code: string, message: string, extraHeaders: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...extraHeaders });
  res.end(JSON.stringify({ success: false, error: { code, message }, timestamp: new Date().toISOString(), requestId: `req_${randomUUID()}` }));
}

const textual = (contentType: string) => !contentType || /json|text\/|xml|x-www-form-urlencoded|javascript/i.test(contentType);

/** What an HTTP API request carries, in plain values (the gateway reads them off the socket; the bench builds them). */
export interface HttpRequestParts {
  method: string;
  /** Path under the API base, e.g. '/users/profile'. */
  path: string;
  /** Contract route key, e.g. 'GET /users/{userId}'. */
  routeKey: string;
  pathParameters?: Record<string, string>;
  /** Header names in any case; they are lower-cased as API Gateway does. */
  headers?: Record<string, string | string[] | undefined>;
  /** Query string without '?', e.g. 'limit=20&status=active'. */
  rawQueryString?: string;
  body?: Buffer;
  sourceIp?: string;
}

/** The API Gateway HTTP API (payload v2) event for one request: the shape every handler receives. */
export function buildHttpEvent(parts: HttpRequestParts): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parts.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(parts.rawQueryString ?? '')) query[name] = name in query ? `${query[name]},${value}` : value;
  const pathParameters = parts.pathParameters ?? {};
  const body = parts.body ?? Buffer.alloc(0);
  const contentType = headers['content-type'] ?? '';
  const requestId = randomUUID();
  const now = new Date();
  return {
    version: '2.0',
    routeKey: parts.routeKey,
    rawPath: `/v1${parts.path}`,
    rawQueryString: parts.rawQueryString ?? '',
    cookies: headers.cookie?.split(/;\s*/),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method: parts.method, path: `/v1${parts.path}`, protocol: 'HTTP/1.1', sourceIp: parts.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey: parts.routeKey,
      stage: 'v1',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length ? (textual(contentType) ? body.toString('utf8') : body.toString('base64')) : undefined,
    isBase64Encoded: body.length > 0 && !textual(contentType),
  };
}

function toEvent(req: IncomingMessage, url: URL, path: string, key: string, pathParameters: Record<string, string>, body: Buffer): APIGatewayProxyEventV2 {
  return buildHttpEvent({
    method: req.method ?? 'GET',
    path,
    routeKey: key,
    pathParameters,
    headers: req.headers,
    rawQueryString: url.search.replace(/^\?/, ''),
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
  });
}

function corsPreflight(req: IncomingMessage, res: ServerResponse) {
  // Mirrors the HTTP API's corsPreflight configuration in infra/ (allowed origins from CORS_ORIGINS/APP_URL).
  const origins = (process.env.CORS_ORIGINS ?? process.env.APP_URL ?? '*').split(',').map((o) => o.trim());
  const origin = req.headers.origin;
  const allow = origins.includes('*') ? '*' : origin && origins.includes(origin) ? origin : undefined;
  res.writeHead(204, {
    ...(allow ? { 'Access-Control-Allow-Origin': allow, Vary: 'Origin' } : {}),
    'Access-Control-Allow-Methods': 'GET,POST,PUT,PATCH,DELETE,OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization,Content-Type,Idempotency-Key',
    'Access-Control-Allow-Credentials': allow && allow !== '*' ? 'true' : 'false',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const table = compileRoutes(options.routes);
  const extensions = options.extensions ?? [];

  const server = createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      let body: Buffer;
      try {
        body = await readBody(req);
      } catch (err) {
        if (err instanceof PayloadTooLarge) return envelope(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body exceeds 10 MB');
        throw err;
      }
      for (const ext of extensions) {
        if (ext.handleRequest && (await ext.handleRequest(req, res, body))) return;
      }
      if (!url.pathname.startsWith(API_BASE_PATH + '/')) {
        return envelope(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}; the API lives under ${API_BASE_PATH}`);
      }
      if (req.method === 'OPTIONS') return corsPreflight(req, res);
      const path = url.pathname.slice(API_BASE_PATH.length);
      const match = matchRoute(table, req.method ?? 'GET', path);
      // As the stack's `$default` route: the system function answers the 404 envelope, with the CORS and
      // security headers every response carries (a browser cannot read a response without them).
      const { fn, key, pathParameters } =
        match === 'no-route'
          ? { fn: NOT_FOUND_FUNCTION, key: '$default', pathParameters: {} }
          : { fn: match.compiled.route.fn, key: match.compiled.key, pathParameters: match.pathParameters };
      const event = toEvent(req, url, path, key, pathParameters, body);
      const handler = await loadHandler(fn);
      const result = (await handler(event, lambdaContext(fn, event.requestContext.requestId))) as APIGatewayProxyStructuredResultV2;
      const payload = result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body);
      res.writeHead(result.statusCode ?? 200, {
        ...(result.headers as Record<string, string>),
        ...(result.cookies?.length ? { 'Set-Cookie': result.cookies } : {}),
      });
      res.end(payload);
      options.onRequest?.({ method: req.method ?? '', path: url.pathname, status: result.statusCode ?? 200, ms: Math.round(performance.now() - started) });
    } catch (err) {
      // A handler that throws past its own error middleware is what API Gateway shows as a 500.
      console.error('[gateway] handler crashed', err);
      if (!res.headersSent) envelope(res, 500, 'INTERNAL_SERVER_ERROR', 'An unexpected error occurred');
      else res.end();
    }
  });

  // Requests Node refuses before any handler runs (a URL or headers past its 16 KB limit, a broken request
  // line) still get the error envelope, as API Gateway answers its own limits, instead of a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const [status, reason, code, message] = tooLarge
      ? [431, 'Request Header Fields Too Large', 'PAYLOAD_TOO_LARGE', 'The URL or the headers exceed 16 KB']
      : [400, 'Bad Request', 'VALIDATION_ERROR', 'The request is not valid HTTP'];
    const body = JSON.stringify({ success: false, error: { code, message }, timestamp: new Date().toISOString(), requestId: `req_${randomUUID()}` });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });

  server.on('upgrade', (req, socket, head) => {
    for (const ext of extensions) {
      if (ext.handleUpgrade?.(req, socket, head)) return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    url: `http://localhost:${port}`,
    close: async () => {
      for (const ext of extensions) await ext.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type { FunctionName };
