// The local API Gateway WebSocket API and its Management API, hosted on the gateway's port:
//   - upgrades on /ws get a connection id and go through the realtime Lambda's $connect; a non-2xx answer
//     refuses the upgrade with that HTTP status, as API Gateway does;
//   - each client message is routed on `$request.body.action` ($default when it names no declared route)
//     and invoked as a MESSAGE event; closing either side invokes $disconnect;
//   - POST/GET/DELETE /@connections/{id} are the Management API the AWS SDK client calls, so the production
//     push code runs unchanged (the SigV4 signature is accepted without being checked).
// API Gateway's limits are kept: 32 KB frames (1009 close), 10-minute idle timeout, 2-hour connections.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import type { GatewayExtension } from './gateway.ts';
import { lambdaContext, loadHandler } from './gateway.ts';
import { selectRoute, WEBSOCKET_LIMITS } from '../../shared/realtime/actions.ts';

export interface WebSocketEmulatorOptions {
  /** Upgrade path (API Gateway serves the stage root; the local URL is ws://localhost:<port>/ws). */
  path?: string;
  stage?: string;
  /** Function folder whose handler serves every route. */
  functionName?: string;
  idleTimeoutMs?: number;
  maxConnectionMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

interface LocalConnection {
  id: string;
  ws: WebSocket;
  connectedAt: number;
  lastActiveAt: number;
  identity: { sourceIp: string; userAgent: string };
  headers: Record<string, string>;
  idleTimer?: NodeJS.Timeout;
  lifeTimer: NodeJS.Timeout;
}

type Invoke = (event: Record<string, unknown>) => Promise<{ statusCode?: number; body?: string } | undefined>;

export interface WebSocketEmulator extends GatewayExtension {
  /** Open connection ids (for tests and the dev console). */
  connectionIds(): string[];
}

const MANAGEMENT_PATH = /^(?:\/[^/@]+)?\/@connections\/([^/]+)$/;

/** Connection ids look like API Gateway's: 16 characters of base64 (which may need URL encoding). */
function newConnectionId(): string {
  return randomBytes(11).toString('base64');
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function refuseUpgrade(socket: Duplex, status: number, message: string) {
  if (socket.destroyed) return;
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function managementError(res: ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() });
  res.end(JSON.stringify({ message }));
}

export function createWebSocketEmulator(options: WebSocketEmulatorOptions = {}): WebSocketEmulator {
  const path = options.path ?? '/ws';
  const stage = options.stage ?? 'ws';
  const functionName = options.functionName ?? 'realtime';
  const idleTimeoutMs = options.idleTimeoutMs ?? WEBSOCKET_LIMITS.idleTimeoutSeconds * 1000;
  const maxConnectionMs = options.maxConnectionMs ?? WEBSOCKET_LIMITS.maxConnectionSeconds * 1000;
  const log = options.log ?? ((message, fields) => console.error(`[websocket] ${message}`, fields ?? ''));
  const apiId = 'local';

  // ws enforces the frame limit itself: a bigger frame closes the socket with 1009, like API Gateway.
  const wss = new WebSocketServer({ noServer: true, maxPayload: WEBSOCKET_LIMITS.maxFrameBytes });
  const connections = new Map<string, LocalConnection>();
  const inFlight = new Set<Promise<unknown>>();

  const invoke: Invoke = async (event) => {
    const handler = await loadHandler(functionName);
    const requestId = (event.requestContext as { requestId: string }).requestId;
    return (await handler(event, lambdaContext(functionName, requestId))) as { statusCode?: number; body?: string } | undefined;
  };

  /** Keeps track of invocations so close() can wait for the last $disconnect. */
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  function requestContext(c: { id: string; connectedAt: number; identity: LocalConnection['identity'] }, routeKey: string, eventType: string, domainName: string) {
    const now = Date.now();
    return {
      routeKey,
      eventType,
      messageId: eventType === 'MESSAGE' ? randomBytes(11).toString('base64') : undefined,
      extendedRequestId: randomBytes(11).toString('base64'),
      requestTime: new Date(now).toUTCString(),
      messageDirection: 'IN',
      stage,
      connectedAt: c.connectedAt,
      requestTimeEpoch: now,
      identity: c.identity,
      requestId: randomUUID(),
      domainName,
      connectionId: c.id,
      apiId,
    };
  }

  function resetIdle(c: LocalConnection) {
    c.lastActiveAt = Date.now();
    if (c.idleTimer) clearTimeout(c.idleTimer);
    c.idleTimer = setTimeout(() => c.ws.close(1001, 'Going away'), idleTimeoutMs);
    c.idleTimer.unref();
  }

  function onMessage(c: LocalConnection, data: RawData, isBinary: boolean, domainName: string) {
    resetIdle(c);
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const body = isBinary ? bytes.toString('base64') : bytes.toString('utf8');
    const routeKey = isBinary ? '$default' : selectRoute(body);
    const event = { requestContext: requestContext(c, routeKey, 'MESSAGE', domainName), body, isBase64Encoded: isBinary };
    void track(
      invoke(event).catch((err) => {
        // What API Gateway tells a client whose route integration failed.
        log('message route failed', { connectionId: c.id, routeKey, error: String(err) });
        if (c.ws.readyState === WebSocket.OPEN) {
          c.ws.send(JSON.stringify({ message: 'Internal server error', connectionId: c.id, requestId: event.requestContext.requestId }));
        }
      }),
    );
  }

  function invokeDisconnect(c: Pick<LocalConnection, 'id' | 'connectedAt' | 'identity'>, code: number, reason: string, domainName: string) {
    const event = {
      headers: { Host: domainName, 'X-Forwarded-For': c.identity.sourceIp },
      requestContext: { ...requestContext(c, '$disconnect', 'DISCONNECT', domainName), disconnectStatusCode: code, disconnectReason: reason },
      isBase64Encoded: false,
    };
    void track(invoke(event).catch((err) => log('$disconnect failed', { connectionId: c.id, error: String(err) })));
  }

  function onClose(c: LocalConnection, code: number, reason: Buffer, domainName: string) {
    if (connections.get(c.id) !== c) return;
    connections.delete(c.id);
    if (c.idleTimer) clearTimeout(c.idleTimer);
    clearTimeout(c.lifeTimer);
    invokeDisconnect(c, code, reason.toString('utf8'), domainName);
  }

  async function accept(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
    const headers = flatHeaders(req);
    const domainName = headers.host ?? 'localhost';
    const pending = {
      id: newConnectionId(),
      connectedAt: Date.now(),
      identity: { sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
    };
    const query: Record<string, string> = {};
    const multiQuery: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) {
      query[name] = value;
      (multiQuery[name] ??= []).push(value);
    }
    const event = {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: Object.keys(query).length ? query : undefined,
      multiValueQueryStringParameters: Object.keys(query).length ? multiQuery : undefined,
      requestContext: requestContext(pending, '$connect', 'CONNECT', domainName),
      isBase64Encoded: false,
    };
    let status: number;
    try {
      const result = await track(invoke(event));
      status = result?.statusCode ?? 200;
    } catch (err) {
      log('$connect failed', { error: String(err) });
      status = 500;
    }
    if (status < 200 || status > 299) {
      refuseUpgrade(socket, status, status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Internal server error');
      return;
    }
    if (socket.destroyed) {
      // The client gave up while $connect ran: API Gateway still reports the disconnect.
      invokeDisconnect(pending, 1006, '', domainName);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: LocalConnection = {
        ...pending,
        ws,
        headers,
        lastActiveAt: pending.connectedAt,
        lifeTimer: setTimeout(() => ws.close(1001, 'Going away'), maxConnectionMs),
      };
      c.lifeTimer.unref();
      connections.set(c.id, c);
      resetIdle(c);
      ws.on('message', (data, isBinary) => onMessage(c, data, isBinary, domainName));
      ws.on('close', (code, reason) => onClose(c, code, reason, domainName));
      ws.on('error', () => undefined); // 'close' follows; a protocol error (e.g. 1009) is not a crash
    });
  }

  async function management(req: IncomingMessage, res: ServerResponse, body: Buffer, connectionId: string) {
    const c = connections.get(connectionId);
    const open = c && c.ws.readyState === WebSocket.OPEN;
    switch (req.method) {
      case 'POST': {
        if (!open) return managementError(res, 410, 'GoneException', `Connection ${connectionId} is gone`);
        if (body.length > WEBSOCKET_LIMITS.maxFrameBytes) {
          return managementError(res, 413, 'PayloadTooLargeException', `Message too long: ${body.length} bytes > ${WEBSOCKET_LIMITS.maxFrameBytes}`);
        }
        const sent = await new Promise<boolean>((resolve) => c.ws.send(body, { binary: false }, (err) => resolve(!err)));
        if (!sent) return managementError(res, 410, 'GoneException', `Connection ${connectionId} is gone`);
        res.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID() });
        return res.end();
      }
      case 'GET': {
        if (!open) return managementError(res, 410, 'GoneException', `Connection ${connectionId} is gone`);
        res.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID() });
        return res.end(
          JSON.stringify({ connectedAt: new Date(c.connectedAt).toISOString(), identity: c.identity, lastActiveAt: new Date(c.lastActiveAt).toISOString() }),
        );
      }
      case 'DELETE': {
        if (!open) return managementError(res, 410, 'GoneException', `Connection ${connectionId} is gone`);
        c.ws.close(1000, 'Connection deleted');
        res.writeHead(204, { 'x-amzn-RequestId': randomUUID() });
        return res.end();
      }
      default:
        return managementError(res, 405, 'MethodNotAllowedException', `${req.method} is not supported on @connections`);
    }
  }

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== path) return false;
      void accept(req, socket, head, url).catch((err) => {
        log('upgrade failed', { error: String(err) });
        refuseUpgrade(socket, 500, 'Internal server error');
      });
      return true;
    },

    async handleRequest(req, res, body) {
      const match = MANAGEMENT_PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (!match) return false;
      let connectionId: string;
      try {
        connectionId = decodeURIComponent(match[1]);
      } catch {
        managementError(res, 400, 'BadRequestException', 'Malformed connection id');
        return true;
      }
      await management(req, res, body, connectionId);
      return true;
    },

    connectionIds: () => [...connections.keys()],

    async close() {
      for (const c of connections.values()) c.ws.terminate();
      // Let the $disconnect invocations the terminations caused finish before the stack goes away.
      const deadline = Date.now() + 2_000;
      while (inFlight.size && Date.now() < deadline) await Promise.race([...inFlight, new Promise((r) => setTimeout(r, 50))]).catch(() => undefined);
      wss.close();
    },
  };
}
